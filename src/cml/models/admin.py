"""The admin side of the contract.

API keys, who-am-I, consolidation, forgetting, purge, tenants, the event log and component
health.

The results are typed models end to end (the engine returns them, the server sends them, the
SDK returns them); like every response they also answer dict-style lookups, so
``report["facts_extracted"]`` works as first documented.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StrictBool

from cml.models._fields import (
    NAME_PATTERN,
    Integral,
    Label,
    Namespace,
    RequestModel,
    ResponseModel,
    TenantId,
    Timestamp,
    WireInt,
)
from cml.models.batch import Page
from cml.models.enums import Scope

__all__ = [
    "ApiKeyCreated",
    "ApiKeyInfo",
    "BrokenLinkInfo",
    "ComponentHealth",
    "ComponentStatus",
    "ConsolidateRequest",
    "ConsolidateResponse",
    "CreateKeyRequest",
    "EventItem",
    "EventPage",
    "ForgettingDecision",
    "ForgettingRequest",
    "ForgettingResponse",
    "LogVerification",
    "PurgeRequest",
    "PurgeResponse",
    "TenantInfo",
    "WhoAmIResponse",
]


class CreateKeyRequest(RequestModel):
    """Body of ``POST /admin/keys``."""

    tenant_id: Annotated[str, Field(pattern=NAME_PATTERN)]
    scopes: Annotated[list[Scope], Field(min_length=1)] = Field(
        default_factory=lambda: [Scope.READ, Scope.WRITE]
    )
    name: Label = None
    extra_tenants: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(default_factory=list)
    """Further tenants this key may act on through ``X-Tenant-ID``."""


class ApiKeyInfo(ResponseModel):
    """An API key as listed by admins (never the secret itself)."""

    id: str
    tenant_id: str
    scopes: list[Scope | str]
    name: str | None = None
    prefix: str
    extra_tenants: list[str] = Field(default_factory=list)
    created_at: datetime
    revoked_at: datetime | None = None
    all_tenants: bool = False
    """A global operator key (the ``operator`` scope): it administers every tenant. Otherwise
    the key acts only on ``tenant_id`` and ``extra_tenants``, its admin scope included."""


class WhoAmIResponse(ResponseModel):
    """Who a request is made as (``GET /whoami``): the key, its tenants and what it may do."""

    key_id: str | None = None
    """Id of the API key used; ``None`` when the server does not check keys (embedded)."""
    tenant_id: str
    """The tenant this request acted on (``X-Tenant-ID``, else the key's own)."""
    key_tenant_id: str | None = None
    """The tenant the key belongs to."""
    scopes: list[Scope | str]
    """What the key may do; the admin scope implies read and write, operator implies admin."""
    tenants: list[str] = Field(default_factory=list)
    """Tenants the key may act on: its own and the extra tenants it was granted."""
    all_tenants: bool = False
    """The key may act on any tenant (global operator keys, and servers that do not check keys)."""


class ApiKeyCreated(ApiKeyInfo):
    """A newly created key. ``key`` is shown once and cannot be recovered later."""

    key: str


# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------


class ConsolidateRequest(RequestModel):
    """Body of ``POST /admin/consolidate``.

    ``tenant_id`` defaults to the request's tenant (``X-Tenant-ID``, else the key's own);
    ``user_id`` limits the run to one end user, i.e. to the namespace of that name (see
    docs/decisions.md, "user_id selects a namespace").
    """

    tenant_id: TenantId = None
    user_id: Namespace = None


class ConsolidateResponse(ResponseModel):
    """Result of a consolidation run."""

    tenant_id: str
    episodes_sampled: int
    clusters_formed: int
    facts_extracted: int
    facts_reinforced: int = 0
    migrations_completed: int
    """Episodes marked consolidated (still stored and recalled)."""
    fact_ids: list[str] = Field(default_factory=list)
    llm_used: bool = False
    elapsed_ms: float = 0.0


class ForgettingRequest(RequestModel):
    """Body of ``POST /admin/forget``: active forgetting, a dry run unless ``dry_run`` is false."""

    tenant_id: TenantId = None
    user_id: Namespace = None
    dry_run: StrictBool = True
    max_memories: Annotated[WireInt, Field(ge=1, le=100_000), Integral] = 5000


class ForgettingDecision(ResponseModel):
    """The planned (or applied) action for one memory."""

    memory_id: str
    score: float
    action: str
    """``KEEP``, ``DECAY``, ``SILENCE``, ``COMPRESS`` or ``DELETE``."""
    reason: str | None = None
    applied: bool = False


class ForgettingResponse(ResponseModel):
    """Result of a forgetting run: counts per action and the decision per memory."""

    tenant_id: str
    total_scored: int
    actions: dict[str, int] = Field(default_factory=dict)
    dry_run: bool
    applied: int = 0
    memories: list[ForgettingDecision] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class PurgeRequest(RequestModel):
    """Body of ``POST /admin/purge``: delete soft-deleted memories for good."""

    tenant_id: TenantId = None
    older_than: Timestamp = None
    """Only memories deleted before this time; all soft-deleted memories when omitted."""


class PurgeResponse(ResponseModel):
    """Result of a purge."""

    tenant_id: str
    purged_count: int
    memory_ids: list[str] = Field(default_factory=list)
    message: str = ""


class TenantInfo(ResponseModel):
    """A tenant with its counts (``GET /admin/tenants``)."""

    tenant_id: str
    memory_count: int
    fact_count: int
    event_count: int
    last_activity: datetime | None = None


class EventItem(ResponseModel):
    """One entry of a tenant's event log."""

    id: int
    tenant_id: str
    event_type: str
    operation: str
    actor: str | None = None
    memory_ids: list[str] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    prev_hash: str | None = None
    """Hash of the tenant's previous event (``""`` for its first): the log's chain."""
    hash: str | None = None
    """SHA-256 of this event's canonical bytes, which include ``prev_hash``."""


class BrokenLinkInfo(ResponseModel):
    """Where a tenant's event log stops verifying."""

    event_id: int | None = None
    """The first event that does not verify (``None`` when events are missing at the end)."""
    position: int
    """Its 1-based position in the tenant's log, oldest first."""
    reason: str
    """What does not match, in words."""


class LogVerification(ResponseModel):
    """The check of one tenant's event log (``GET /admin/events/verify``)."""

    tenant_id: str
    ok: bool
    """Every event links to the one before it and matches its hash."""
    events: int
    """Events checked (up to and including the first broken link)."""
    head_hash: str | None = None
    """Hash of the last event that verified: record it to notice later truncation."""
    broken: BrokenLinkInfo | None = None
    """The first broken link, when ``ok`` is false."""


class EventPage(Page[EventItem]):
    """One page of the event log (``GET /admin/events``), newest first.

    Continue with ``next_cursor``, like every listing. The offset fields of the first version
    stay: ``total`` events match, ``per_page`` per page; ``page`` and ``total_pages`` number
    the pages when they were asked for by number (``page`` is ``None`` on a cursor page).
    """

    total: int
    per_page: int
    page: int | None = None
    total_pages: int


class ComponentStatus(ResponseModel):
    """Health of one component: ``healthy``, ``unhealthy`` or ``disabled``."""

    status: str
    latency_ms: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class ComponentHealth(ResponseModel):
    """Health of every component; ``status`` is ``healthy`` or ``degraded``."""

    status: str
    components: dict[str, ComponentStatus] = Field(default_factory=dict)
