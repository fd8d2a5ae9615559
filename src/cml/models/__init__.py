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
:mod:`.webhooks` (webhooks and their signature) and :mod:`.routes` (the route table).
Every name is importable from ``cml.models``.
"""

from __future__ import annotations

from cml.models._fields import (
    MAX_BATCH_ITEMS,
    MAX_BATCH_QUERIES,
    MAX_CONTENT_CHARS,
    MAX_METADATA_BYTES,
    MAX_METADATA_DEPTH,
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    MAX_TAGS,
    NAME_PATTERN,
    NAMESPACE_PATTERN,
    FilterFields,
    Timestamp,
    is_valid_namespace,
    is_valid_tenant_id,
)
from cml.models.admin import (
    ApiKeyCreated,
    ApiKeyInfo,
    ComponentHealth,
    ComponentStatus,
    ConsolidateRequest,
    ConsolidateResponse,
    CreateKeyRequest,
    EventItem,
    EventPage,
    ForgettingDecision,
    ForgettingRequest,
    ForgettingResponse,
    PurgeRequest,
    PurgeResponse,
    TenantInfo,
    WhoAmIResponse,
)
from cml.models.batch import (
    BatchReadRequest,
    BatchReadResponse,
    BatchWriteItem,
    BatchWriteRequest,
    BatchWriteResponse,
    MemoryPage,
    MemoryRecordOut,
    Page,
)
from cml.models.enums import (
    Feedback,
    MemoryStatus,
    MemoryType,
    ReadFormat,
    Scope,
)
from cml.models.errors import (
    HTTP_CODES,
    ErrorBody,
    ErrorDetail,
    ErrorResponse,
)
from cml.models.integrity import IntegrityReport
from cml.models.lookup import (
    HistoryPage,
    HistoryQuery,
    MemoryListQuery,
    MemoryVersion,
)
from cml.models.memory import (
    ForgetRequest,
    ForgetResponse,
    HealthResponse,
    MemoryItem,
    ReadRequest,
    ReadResponse,
    RestoreRequest,
    RestoreResponse,
    StatsResponse,
    TurnRequest,
    TurnResponse,
    UpdateRequest,
    UpdateResponse,
    WriteRequest,
    WriteResponse,
)
from cml.models.webhooks import (
    CreateWebhookRequest,
    UpdateWebhookRequest,
    WebhookCreated,
    WebhookDelivery,
    WebhookInfo,
)

__all__ = [
    "HTTP_CODES",
    "MAX_BATCH_ITEMS",
    "MAX_BATCH_QUERIES",
    "MAX_CONTENT_CHARS",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
    "MAX_TAGS",
    "NAMESPACE_PATTERN",
    "NAME_PATTERN",
    "ApiKeyCreated",
    "ApiKeyInfo",
    "BatchReadRequest",
    "BatchReadResponse",
    "BatchWriteItem",
    "BatchWriteRequest",
    "BatchWriteResponse",
    "ComponentHealth",
    "ComponentStatus",
    "ConsolidateRequest",
    "ConsolidateResponse",
    "CreateKeyRequest",
    "CreateWebhookRequest",
    "ErrorBody",
    "ErrorDetail",
    "ErrorResponse",
    "EventItem",
    "EventPage",
    "Feedback",
    "FilterFields",
    "ForgetRequest",
    "ForgetResponse",
    "ForgettingDecision",
    "ForgettingRequest",
    "ForgettingResponse",
    "HealthResponse",
    "HistoryPage",
    "HistoryQuery",
    "IntegrityReport",
    "MemoryItem",
    "MemoryListQuery",
    "MemoryPage",
    "MemoryRecordOut",
    "MemoryStatus",
    "MemoryType",
    "MemoryVersion",
    "Page",
    "PurgeRequest",
    "PurgeResponse",
    "ReadFormat",
    "ReadRequest",
    "ReadResponse",
    "RestoreRequest",
    "RestoreResponse",
    "Scope",
    "StatsResponse",
    "TenantInfo",
    "Timestamp",
    "TurnRequest",
    "TurnResponse",
    "UpdateRequest",
    "UpdateResponse",
    "UpdateWebhookRequest",
    "WebhookCreated",
    "WebhookDelivery",
    "WebhookInfo",
    "WhoAmIResponse",
    "WriteRequest",
    "WriteResponse",
    "is_valid_namespace",
    "is_valid_tenant_id",
]
