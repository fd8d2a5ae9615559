"""The wire contract of py-cml: request and response models shared by the SDK and the server.

Request models are strict (unknown fields are refused, limits are enforced) so that a typo in a
field name is a clear 422 rather than a silently ignored option. Response models tolerate unknown
fields so that an older SDK keeps working against a newer server, and answer dict-style lookups
of their fields.

All timestamps on the wire are ISO 8601; a timestamp without a timezone is taken as UTC.

The package is split by idea: :mod:`._fields` (limits, name rules, validators), :mod:`.enums`,
:mod:`.memory` (the memory routes), :mod:`.batch` (batches and pages), :mod:`.lookup` (one
memory, its history, the tenant's listing), :mod:`.admin` (keys and the operator's routes),
:mod:`.integrity` (the store's integrity check), :mod:`.errors` (the error envelope),
:mod:`.timeline` (the stats time series),
:mod:`.webhooks` (webhooks and their signature) and :mod:`.routes` (the route table).
Every name is importable from ``cml.models``.
"""

from __future__ import annotations

from cml.models import _fields, admin, batch, enums, errors, integrity, memory, timeline
from cml.models._fields import *  # noqa: F403
from cml.models.admin import *  # noqa: F403
from cml.models.batch import *  # noqa: F403
from cml.models.enums import *  # noqa: F403
from cml.models.errors import *  # noqa: F403
from cml.models.integrity import *  # noqa: F403
from cml.models.lookup import (
    HistoryPage,
    HistoryQuery,
    MemoryListQuery,
    MemoryVersion,
)
from cml.models.memory import *  # noqa: F403
from cml.models.timeline import *  # noqa: F403
from cml.models.webhooks import (
    CreateWebhookRequest,
    UpdateWebhookRequest,
    WebhookCreated,
    WebhookDelivery,
    WebhookInfo,
)

# Every name the modules imported whole export, and the public models of lookup and webhooks.
__all__ = [
    "CreateWebhookRequest",
    "HistoryPage",
    "HistoryQuery",
    "MemoryListQuery",
    "MemoryVersion",
    "UpdateWebhookRequest",
    "WebhookCreated",
    "WebhookDelivery",
    "WebhookInfo",
]
__all__ += _fields.__all__
__all__ += admin.__all__
__all__ += batch.__all__
__all__ += enums.__all__
__all__ += errors.__all__
__all__ += integrity.__all__
__all__ += memory.__all__
__all__ += timeline.__all__
