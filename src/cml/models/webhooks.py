"""Webhooks on the wire: the admin requests and answers, and the signature of a delivery.

Every delivery is a ``POST`` of the event as JSON (the event log's own form: ``id``,
``tenant_id``, ``event_type``, ``operation``, ``actor``, ``memory_ids``, ``payload``,
``created_at``) with these headers:

* ``X-CML-Timestamp``: the Unix time of the attempt, in seconds;
* ``X-CML-Signature``: ``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed
  with the webhook's secret;
* ``X-CML-Event`` (the event type), ``X-CML-Delivery`` (the delivery id, the same on every
  retry: deduplicate by it).

A receiver checks the signature with :func:`verify_signature`, which also refuses a timestamp
older than its tolerance, so a captured request replayed later is detected.

Example:
    ```python
    from cml.models.webhooks import verify_signature

    ok = verify_signature(secret, request.headers["X-CML-Timestamp"], raw_body,
                          request.headers["X-CML-Signature"])
    ```
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictBool

from cml.models._fields import NAME_PATTERN, RequestModel, ResponseModel

__all__ = [
    "EVENT_TYPE_PATTERN",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "CreateWebhookRequest",
    "UpdateWebhookRequest",
    "WebhookCreated",
    "WebhookDelivery",
    "WebhookInfo",
    "sign_payload",
    "verify_signature",
]

TIMESTAMP_HEADER = "X-CML-Timestamp"
SIGNATURE_HEADER = "X-CML-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
"""How old a delivery's timestamp may be for :func:`verify_signature` by default."""

EVENT_TYPE_PATTERN = r"^(\*|[a-z][a-z_]*\.[a-z][a-z_]*)$"
"""An event type of the event log (``memory.write``), or ``*`` for every one."""

_EventType = Annotated[str, Field(pattern=EVENT_TYPE_PATTERN)]
_Url = Annotated[str, Field(min_length=8, max_length=2048, pattern=r"^https?://[^\s]+$")]
_Secret = Annotated[str, Field(min_length=16, max_length=256, pattern=r"^[\x21-\x7e]+$")]
_Description = Annotated[str, Field(max_length=500)]


def sign_payload(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-CML-Signature`` value of ``body`` sent at ``timestamp``.

    Example:
        >>> sign_payload("whsec_0123456789abcdef", 1700000000, b"{}")[:7]
        'sha256='
    """
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a delivery is genuine and recent.

    Args:
        secret: The webhook's secret.
        timestamp: The ``X-CML-Timestamp`` header.
        body: The raw request body, exactly as received.
        signature: The ``X-CML-Signature`` header.
        tolerance_seconds: Oldest (and furthest in the future) a timestamp may be.
        now: The current Unix time (``time.time()`` when omitted).

    Returns:
        ``False`` for a wrong signature, a malformed timestamp, or a timestamp outside the
        tolerance (a replayed old request).
    """
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign_payload(secret, sent, body), signature.strip())


class CreateWebhookRequest(RequestModel):
    """Body of ``POST /admin/webhooks``."""

    url: _Url
    """Where deliveries are POSTed (``http`` or ``https``)."""
    event_types: Annotated[list[_EventType], Field(min_length=1, max_length=50)] = Field(
        default_factory=lambda: ["*"]
    )
    secret: _Secret | None = None
    """The signing secret; one is generated (and shown once) when omitted."""
    tenant_id: Annotated[str, Field(pattern=NAME_PATTERN)] | None = None
    """Whose events; ``X-Tenant-ID`` or the key's own tenant when omitted."""
    description: _Description | None = None
    enabled: StrictBool = True


class UpdateWebhookRequest(RequestModel):
    """Body of ``PATCH /admin/webhooks/{webhook_id}``: the fields to change."""

    url: _Url | None = None
    event_types: Annotated[list[_EventType], Field(min_length=1, max_length=50)] | None = None
    secret: _Secret | None = None
    """A new signing secret (deliveries from now on are signed with it)."""
    description: _Description | None = None
    enabled: StrictBool | None = None


class WebhookInfo(ResponseModel):
    """A webhook as the API shows it (its secret is shown only when it is set)."""

    id: str
    tenant_id: str
    url: str
    event_types: list[str]
    enabled: bool
    description: str | None = None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookInfo):
    """A new webhook, with its signing secret: the only time the API shows it."""

    secret: str


class WebhookDelivery(ResponseModel):
    """One delivery of one event to one webhook: the delivery log's entry."""

    id: int
    """The ``X-CML-Delivery`` header: the same on every retry, so a receiver deduplicates by it."""
    webhook_id: str
    event_id: int
    """Id of the event in the tenant's event log; every attempt sends that event as its body."""
    event_type: str
    status: str
    """``pending`` (queued or waiting to retry), ``delivered`` or ``failed`` (gave up)."""
    attempts: int
    """Attempts made so far; after ``CML_WEBHOOKS_MAX_ATTEMPTS`` failed ones the delivery is
    ``failed``."""
    next_attempt_at: datetime | None = None
    """When the next attempt is due; ``None`` once the delivery is ``delivered`` or ``failed``."""
    last_status: int | None = None
    """HTTP status of the last attempt; ``None`` when the receiver did not answer."""
    last_error: str | None = None
    """Why the last attempt failed (no answer, a refused address, an error status); ``None``
    before the first attempt and after a success."""
    created_at: datetime
    """When the event was written (its delivery is queued in the same transaction)."""
    delivered_at: datetime | None = None
    """When the receiver answered with a 2xx status; ``None`` until it has."""
