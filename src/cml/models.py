"""The wire contract of py-cml: request and response models shared by the SDK and the server.

Request models are strict (unknown fields are refused, limits are enforced) so that a typo in a
field name is a clear 422 rather than a silently ignored option. Response models tolerate unknown
fields so that an older SDK keeps working against a newer server.

All timestamps on the wire are ISO 8601; a timestamp without a timezone is taken as UTC.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

__all__ = [
    "MAX_BATCH_ITEMS",
    "MAX_BATCH_QUERIES",
    "MAX_CONTENT_CHARS",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_CHARS",
    "MAX_RESULTS",
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
    "ErrorBody",
    "ErrorDetail",
    "ErrorResponse",
    "EventItem",
    "EventPage",
    "Feedback",
    "ForgetRequest",
    "ForgetResponse",
    "ForgettingDecision",
    "ForgettingRequest",
    "ForgettingResponse",
    "HealthResponse",
    "MemoryItem",
    "MemoryPage",
    "MemoryRecordOut",
    "MemoryStatus",
    "MemoryType",
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
    "TurnRequest",
    "TurnResponse",
    "UpdateRequest",
    "UpdateResponse",
    "WriteRequest",
    "WriteResponse",
    "is_valid_namespace",
    "is_valid_tenant_id",
]

# ---------------------------------------------------------------------------------------------
# Limits (documented in the README; the server enforces them through these models)
# ---------------------------------------------------------------------------------------------

MAX_CONTENT_CHARS = 32_000
"""Longest memory content accepted, in characters."""
MAX_QUERY_CHARS = 4_000
"""Longest read query or turn message accepted, in characters."""
MAX_RESULTS = 100
"""Largest ``max_results`` a read may ask for."""
MAX_BATCH_ITEMS = 500
"""Most items in one batch request (the SDK splits longer lists)."""
MAX_BATCH_QUERIES = 100
"""Most queries in one batch read request (the SDK splits longer lists)."""
MAX_PAGE_SIZE = 500
"""Largest page of the memory listing (``per_page`` of ``GET /admin/memories``)."""
MAX_METADATA_BYTES = 16_384
"""Largest metadata object, measured as compact JSON in UTF-8."""
MAX_METADATA_DEPTH = 5
"""Deepest nesting of objects/arrays inside metadata."""
MAX_TAGS = 32
"""Most context tags on one memory."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
"""Tenant ids: 1-64 characters, letters, digits, ``_``, ``.`` and ``-``, starting alphanumeric."""
NAMESPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}(/[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}){0,3}$"
"""Namespaces: up to four ``/``-separated segments, each shaped like a tenant id."""

# Checked with fullmatch: Python's "$" also matches before a final newline, so "work\n" would
# pass .match() here while the same pattern refuses it in pydantic and FastAPI (Rust regex).
_NAME_RE = re.compile(NAME_PATTERN)
_NAMESPACE_RE = re.compile(NAMESPACE_PATTERN)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER_RE = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


class MemoryType(StrEnum):
    """What kind of memory a record is; inferred from the content when a write does not say."""

    EPISODIC_EVENT = "episodic_event"
    SEMANTIC_FACT = "semantic_fact"
    PREFERENCE = "preference"
    PROCEDURE = "procedure"
    CONSTRAINT = "constraint"
    HYPOTHESIS = "hypothesis"
    TASK_STATE = "task_state"
    CONVERSATION = "conversation"
    MESSAGE = "message"
    TOOL_RESULT = "tool_result"
    REASONING_STEP = "reasoning_step"
    SCRATCH = "scratch"
    KNOWLEDGE = "knowledge"
    OBSERVATION = "observation"
    PLAN = "plan"


class MemoryStatus(StrEnum):
    """Lifecycle state of a memory. Reads return ``active`` (and ``compressed``) by default."""

    ACTIVE = "active"
    SILENT = "silent"
    COMPRESSED = "compressed"
    ARCHIVED = "archived"
    DELETED = "deleted"


class ReadFormat(StrEnum):
    """Shape of a read response."""

    PACKET = "packet"
    """Ranked list plus buckets (facts, preferences, episodes, ...) and an LLM context block."""
    LIST = "list"
    """Ranked list only."""
    LLM_CONTEXT = "llm_context"
    """Ranked list plus a markdown context block within a token budget."""


class Feedback(StrEnum):
    """Feedback on a memory given through ``update``."""

    CORRECT = "correct"
    """Raises confidence."""
    INCORRECT = "incorrect"
    """Drops confidence sharply and silences the memory."""
    OUTDATED = "outdated"
    """Lowers confidence and archives the memory (kept, no longer recalled)."""


class Scope(StrEnum):
    """Permission carried by an API key."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


# ---------------------------------------------------------------------------------------------
# Field validators
# ---------------------------------------------------------------------------------------------


def _no_control_chars(value: str) -> str:
    if _CONTROL_RE.search(value):
        raise ValueError("must not contain control characters (such as NUL)")
    return value


def _check_encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (no lone surrogates)") from exc
    return value


def _clean_text(value: str) -> str:
    _check_encodable(value)
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def _clean_optional_text(value: str | None) -> str | None:
    return None if value is None else _clean_text(value)


def _check_namespace(value: str | None) -> str | None:
    if value is not None and not _NAMESPACE_RE.fullmatch(value):
        raise ValueError(
            "must be 1-64 characters of letters, digits, '_', '.', '-' per segment, starting "
            "with a letter or digit, with up to four segments separated by '/'"
        )
    return value


def _check_label(value: str | None) -> str | None:
    if value is None:
        return None
    _check_encodable(value)
    _no_control_chars(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _metadata_problem(value: dict[str, Any]) -> str | None:
    """What makes ``value`` unfit to store as metadata, or ``None``.

    Iterative, so that a hostile nesting depth cannot exhaust the stack before it is refused.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        node, level, where = stack.pop()
        at = f" (at {where})" if where else ""
        if level > MAX_METADATA_DEPTH:
            return f"nests deeper than {MAX_METADATA_DEPTH} levels"
        children: list[tuple[Any, str]] = []
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(key, str):
                    return f"keys must be strings, not {type(key).__name__}{at}"
                if problem := _string_problem(key):
                    return f"keys {problem}{at}"
                children.append((child, f"{where}.{key}" if where else key))
        else:
            children = [
                (child, f"{where}.{i}" if where else str(i)) for i, child in enumerate(node)
            ]
        for child, path in children:
            if isinstance(child, dict | list):
                stack.append((child, level + 1, path))
            elif isinstance(child, str):
                if problem := _string_problem(child):
                    return f"values {problem} (at {path})"
            elif isinstance(child, float) and not math.isfinite(child):
                return f"must not hold NaN or Infinity (at {path})"
            elif child is not None and not isinstance(child, bool | int | float):
                return (
                    "must hold only strings, numbers, booleans, null, lists and objects, "
                    f"not {type(child).__name__} (at {path})"
                )
    return None


def _string_problem(value: str) -> str | None:
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    # NUL is refused because PostgreSQL cannot store it in JSON; NaN and Infinity because JSON
    # has no way to write them (they would come back as null).
    if problem := _metadata_problem(value):
        raise ValueError(problem)
    try:
        encoded = json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:  # e.g. an integer of more than 4,300 digits
        raise ValueError(f"cannot be written as JSON: {exc}") from exc
    if len(encoded) > MAX_METADATA_BYTES:
        raise ValueError(f"is {len(encoded)} bytes as JSON; the limit is {MAX_METADATA_BYTES}")
    return value


def _iso_time(value: Any) -> Any:
    # Pydantic would read a number as seconds (or milliseconds) since 1970. The wire format is
    # ISO 8601 only, so that a unit mistake is refused instead of stored as some other date.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER_RE.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z, not a number")
    return value


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        # E.g. 9999-12-31T23:59:59-05:00: in UTC it falls past year 9999.
        raise ValueError("is out of range once converted to UTC (years 1-9999)") from exc


Namespace = Annotated[str | None, AfterValidator(_check_namespace)]
Label = Annotated[str | None, Field(max_length=128), AfterValidator(_check_label)]
Tag = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_label)]
# Ids are the server's, but a caller may send anything: NUL is refused because PostgreSQL cannot
# compare text holding it.
MemoryId = Annotated[
    str,
    Field(min_length=1, max_length=64),
    AfterValidator(_check_encodable),
    AfterValidator(_no_control_chars),
]
Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
Timestamp = Annotated[datetime | None, BeforeValidator(_iso_time), AfterValidator(_utc)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


class WriteRequest(_Request):
    """Body of ``POST /memory/write``: one memory to store.

    Example:
        ``WriteRequest(content="User prefers window seats", context_tags=["travel"])``
    """

    content: Annotated[
        str, Field(min_length=1, max_length=MAX_CONTENT_CHARS), AfterValidator(_clean_text)
    ]
    context_tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = Field(default_factory=list)
    session_id: Label = None
    memory_type: MemoryType | None = None
    namespace: Namespace = None
    metadata: Metadata = Field(default_factory=dict)
    agent_id: Label = None
    timestamp: Timestamp = None
    """When the remembered event happened; defaults to the time of the write."""
    importance: Score | None = None
    """Override of the write gate's importance estimate."""
    confidence: Score | None = None


class ReadRequest(_Request):
    """Body of ``POST /memory/read``: a hybrid recall query."""

    query: Annotated[
        str, Field(min_length=1, max_length=MAX_QUERY_CHARS), AfterValidator(_clean_text)
    ]
    max_results: Annotated[int, Field(ge=1, le=MAX_RESULTS)] = 10
    memory_types: list[MemoryType] | None = None
    namespace: Namespace = None
    session_id: Label = None
    since: Timestamp = None
    until: Timestamp = None
    format: ReadFormat = ReadFormat.PACKET
    max_tokens: Annotated[int, Field(ge=32, le=32_000)] = 1500
    """Token budget of the ``llm_context`` block."""
    include_silent: StrictBool = False
    """Also return silent memories (deleted ones are never returned)."""

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be later than until")
        return self


class TurnRequest(_Request):
    """Body of ``POST /memory/turn``: one conversation turn."""

    user_message: Annotated[
        str, Field(min_length=1, max_length=MAX_CONTENT_CHARS), AfterValidator(_clean_text)
    ]
    assistant_response: Annotated[
        str | None,
        Field(max_length=MAX_CONTENT_CHARS),
        AfterValidator(_clean_optional_text),
    ] = None
    session_id: Label = None
    namespace: Namespace = None
    agent_id: Label = None
    max_context_tokens: Annotated[int, Field(ge=32, le=32_000)] = 1500
    timestamp: Timestamp = None


class UpdateRequest(_Request):
    """Body of ``POST /memory/update``: change one memory. At least one change is required."""

    memory_id: MemoryId
    text: Annotated[
        str | None,
        Field(max_length=MAX_CONTENT_CHARS),
        AfterValidator(_clean_optional_text),
    ] = None
    confidence: Score | None = None
    importance: Score | None = None
    metadata: Annotated[
        dict[str, Any] | None, AfterValidator(lambda v: v if v is None else _check_metadata(v))
    ] = None
    feedback: Feedback | None = None
    namespace: Namespace = None
    """A guard, not a change: when set, the memory must be in this namespace (404 otherwise)."""

    @model_validator(mode="after")
    def _something(self) -> Self:
        if all(
            v is None
            for v in (self.text, self.confidence, self.importance, self.metadata, self.feedback)
        ):
            raise ValueError(
                "give at least one of text, confidence, importance, metadata, feedback"
            )
        return self


class ForgetRequest(_Request):
    """Body of ``POST /memory/forget``: forget by ids, by query, by time, or a combination.

    Selectors combine with AND (ids AND similar to the query AND older than ``before``).
    """

    memory_ids: Annotated[list[MemoryId] | None, Field(max_length=1000)] = None
    query: Annotated[
        str | None,
        Field(max_length=MAX_QUERY_CHARS),
        AfterValidator(_clean_optional_text),
    ] = None
    threshold: Score = 0.75
    """Minimum cosine similarity to ``query`` for a memory to be forgotten."""
    before: Timestamp = None
    """Forget memories whose timestamp is earlier than this."""
    namespace: Namespace = None
    session_id: Label = None
    hard: StrictBool = False
    """Delete rows for good instead of the default, restorable soft delete."""

    @model_validator(mode="after")
    def _selector(self) -> Self:
        if (
            not self.memory_ids
            and self.query is None
            and self.before is None
            and self.session_id is None
        ):
            raise ValueError("give memory_ids, query, before or session_id to say what to forget")
        return self


class CreateKeyRequest(_Request):
    """Body of ``POST /admin/keys``."""

    tenant_id: Annotated[str, Field(pattern=NAME_PATTERN)]
    scopes: Annotated[list[Scope], Field(min_length=1)] = Field(
        default_factory=lambda: [Scope.READ, Scope.WRITE]
    )
    name: Label = None
    extra_tenants: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = Field(default_factory=list)
    """Further tenants this key may act on through ``X-Tenant-ID``."""


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


class MemoryItem(_Response):
    """One recalled memory with its relevance score in [0, 1]."""

    id: str
    text: str
    type: MemoryType | str
    confidence: float
    relevance: float
    timestamp: datetime
    metadata: dict[str, Any] = Field(default_factory=dict)
    namespace: str | None = None
    session_id: str | None = None
    agent_id: str | None = None
    status: MemoryStatus | str = MemoryStatus.ACTIVE
    importance: float | None = None
    context_tags: list[str] = Field(default_factory=list)


class WriteResponse(_Response):
    """Result of a write. ``deduplicated`` is true when a near-duplicate was reinforced instead."""

    success: bool
    memory_id: str | None = None
    chunks_created: int = 0
    message: str = ""
    memory_type: MemoryType | str | None = None
    deduplicated: bool = False
    redactions: list[str] = Field(default_factory=list)
    """Kinds of personal data removed from the content (``email``, ``phone``, ...)."""


class ReadResponse(_Response):
    """Result of a read: the ranked ``memories`` and, for ``packet``, the same items by kind."""

    query: str
    memories: list[MemoryItem] = Field(default_factory=list)
    facts: list[MemoryItem] = Field(default_factory=list)
    preferences: list[MemoryItem] = Field(default_factory=list)
    episodes: list[MemoryItem] = Field(default_factory=list)
    procedures: list[MemoryItem] = Field(default_factory=list)
    constraints: list[MemoryItem] = Field(default_factory=list)
    llm_context: str | None = None
    total_count: int = 0
    elapsed_ms: float = 0.0

    @property
    def context(self) -> str:
        """The ``llm_context`` block, or an empty string when the format did not ask for it."""
        return self.llm_context or ""


class TurnResponse(_Response):
    """Result of a turn: the context to give the model, and what was stored."""

    memory_context: str
    memories_retrieved: int
    memories_stored: int
    stored_ids: list[str] = Field(default_factory=list)


class UpdateResponse(_Response):
    """Result of an update; ``version`` is the memory's new version number."""

    success: bool
    memory_id: str
    version: int
    message: str = ""


class ForgetResponse(_Response):
    """Result of a forget: how many memories were affected, and which."""

    success: bool
    affected_count: int
    memory_ids: list[str] = Field(default_factory=list)
    hard: bool = False
    message: str = ""


class StatsResponse(_Response):
    """Counts of a tenant's memories (optionally one namespace) by type and by status."""

    tenant_id: str
    namespace: str | None = None
    total_memories: int
    active_memories: int
    silent_memories: int = 0
    compressed_memories: int = 0
    archived_memories: int = 0
    deleted_memories: int = 0
    by_type: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)
    storage_bytes: int | None = None
    """Size of the whole store on disk, in bytes. It grows with every tenant's data, so only
    admin keys (and embedded clients) see it; ``None`` for other keys."""


class HealthResponse(_Response):
    """Liveness and version of the server.

    ``status`` is ``ok``, or ``degraded`` while the database does not answer (the server still
    answers ``/health`` then, and recovers by itself); ``database`` says ``ok`` or what is wrong.
    """

    status: str
    version: str
    backend: str | None = None
    database: str | None = None


class ApiKeyInfo(_Response):
    """An API key as listed by admins (never the secret itself)."""

    id: str
    tenant_id: str
    scopes: list[Scope | str]
    name: str | None = None
    prefix: str
    extra_tenants: list[str] = Field(default_factory=list)
    created_at: datetime
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyInfo):
    """A newly created key. ``key`` is shown once and cannot be recovered later."""

    key: str


class ErrorDetail(_Response):
    """One problem with a request field; ``field`` is a dotted path such as ``items.3.content``."""

    field: str
    message: str


class ErrorBody(_Response):
    """The error object of every non-2xx response."""

    code: str
    """Stable machine-readable code, e.g. ``validation_error``, ``not_found``."""
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)
    request_id: str | None = None
    hint: str | None = None


class ErrorResponse(_Response):
    """The envelope of every non-2xx response: ``{"error": {...}}``."""

    error: ErrorBody


def is_valid_tenant_id(value: str) -> bool:
    """Tell whether ``value`` is an acceptable tenant id (see ``NAME_PATTERN``)."""
    return bool(_NAME_RE.fullmatch(value))


def is_valid_namespace(value: str) -> bool:
    """Tell whether ``value`` is an acceptable namespace (see ``NAMESPACE_PATTERN``)."""
    return bool(_NAMESPACE_RE.fullmatch(value))


# ---------------------------------------------------------------------------------------------
# Batch and iteration
# ---------------------------------------------------------------------------------------------


class BatchWriteItem(WriteRequest):
    """One memory of a batch write: the fields of :class:`WriteRequest` (``content`` required).

    ``session_id`` and ``namespace`` left unset take the values shared by the batch.
    """


class BatchWriteRequest(_Request):
    """Body of ``POST /memory/batch_write``: up to ``MAX_BATCH_ITEMS`` memories, stored atomically.

    Every item is validated and gated before anything is stored: one invalid item (or one item
    holding a secret) refuses the whole request with a 422 naming ``items.<index>.<field>``.

    Example:
        ``BatchWriteRequest(items=[BatchWriteItem(content="Likes tea")], session_id="s1")``
    """

    items: Annotated[list[BatchWriteItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]
    session_id: Label = None
    """Session of the items that do not name their own."""
    namespace: Namespace = None
    """Namespace of the items that do not name their own."""


class BatchReadRequest(_Request):
    """Body of ``POST /memory/batch_read``: up to ``MAX_BATCH_QUERIES`` reads in one request."""

    queries: Annotated[list[ReadRequest], Field(min_length=1, max_length=MAX_BATCH_QUERIES)]


class BatchWriteResponse(_Response):
    """Result of a batch write: one :class:`WriteResponse` per item, in input order."""

    results: list[WriteResponse] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class BatchReadResponse(_Response):
    """Result of a batch read: one :class:`ReadResponse` per query, in query order."""

    results: list[ReadResponse] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class MemoryRecordOut(_Response):
    """A stored memory in full, as listed by ``GET /admin/memories`` (and ``iter_memories``).

    ``timestamp`` is when the remembered event happened; ``stored_at`` when the row was written.
    """

    id: str
    text: str
    type: MemoryType | str
    status: MemoryStatus | str
    namespace: str | None = None
    session_id: str | None = None
    agent_id: str | None = None
    context_tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    importance: float
    confidence: float
    version: int = 1
    access_count: int = 0
    timestamp: datetime
    updated_at: datetime
    stored_at: datetime | None = None
    last_accessed_at: datetime | None = None
    deleted_at: datetime | None = None
    consolidated_at: datetime | None = None
    provenance: list[str] = Field(default_factory=list)


class MemoryPage(_Response):
    """One page of the memory listing, in id (= creation) order.

    ``next_cursor`` is ``None`` on the last page; otherwise pass it back as ``cursor`` for the
    next one. The cursor is opaque: it marks a position, not an offset, so memories written or
    deleted meanwhile never make a page skip or repeat one.
    """

    items: list[MemoryRecordOut] = Field(default_factory=list)
    next_cursor: str | None = None


# ---------------------------------------------------------------------------------------------
# Admin
# ---------------------------------------------------------------------------------------------

TenantId = Annotated[str | None, Field(pattern=NAME_PATTERN)]


class ConsolidateRequest(_Request):
    """Body of ``POST /admin/consolidate``.

    ``tenant_id`` defaults to the request's tenant (``X-Tenant-ID``, else the key's own);
    ``user_id`` limits the run to one end user, i.e. to the namespace of that name (see
    docs/decisions.md, "user_id selects a namespace").
    """

    tenant_id: TenantId = None
    user_id: Namespace = None


class ConsolidateResponse(_Response):
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


class ForgettingRequest(_Request):
    """Body of ``POST /admin/forget``: active forgetting, a dry run unless ``dry_run`` is false."""

    tenant_id: TenantId = None
    user_id: Namespace = None
    dry_run: StrictBool = True
    max_memories: Annotated[int, Field(ge=1, le=100_000)] = 5000


class ForgettingDecision(_Response):
    """The planned (or applied) action for one memory."""

    memory_id: str
    score: float
    action: str
    """``KEEP``, ``DECAY``, ``SILENCE``, ``COMPRESS`` or ``DELETE``."""
    reason: str | None = None
    applied: bool = False


class ForgettingResponse(_Response):
    """Result of a forgetting run: counts per action and the decision per memory."""

    tenant_id: str
    total_scored: int
    actions: dict[str, int] = Field(default_factory=dict)
    dry_run: bool
    applied: int = 0
    memories: list[ForgettingDecision] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class RestoreRequest(_Request):
    """Body of ``POST /memory/restore``: bring deleted (not purged) or silenced memories back."""

    memory_ids: Annotated[
        list[MemoryId],
        Field(min_length=1, max_length=1000),
    ]


class RestoreResponse(_Response):
    """Result of a restore: the memories that are active again."""

    success: bool
    affected_count: int
    memory_ids: list[str] = Field(default_factory=list)
    message: str = ""


class PurgeRequest(_Request):
    """Body of ``POST /admin/purge``: delete soft-deleted memories for good."""

    tenant_id: TenantId = None
    older_than: Timestamp = None
    """Only memories deleted before this time; all soft-deleted memories when omitted."""


class PurgeResponse(_Response):
    """Result of a purge."""

    tenant_id: str
    purged_count: int
    memory_ids: list[str] = Field(default_factory=list)
    message: str = ""


class TenantInfo(_Response):
    """A tenant with its counts (``GET /admin/tenants``)."""

    tenant_id: str
    memory_count: int
    fact_count: int
    event_count: int
    last_activity: datetime | None = None


class EventItem(_Response):
    """One entry of a tenant's event log."""

    id: int
    tenant_id: str
    event_type: str
    operation: str
    actor: str | None = None
    memory_ids: list[str] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime


class EventPage(_Response):
    """One page of the event log, newest first."""

    items: list[EventItem] = Field(default_factory=list)
    total: int
    page: int
    per_page: int
    total_pages: int


class ComponentStatus(_Response):
    """Health of one component: ``healthy``, ``unhealthy`` or ``disabled``."""

    status: str
    latency_ms: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class ComponentHealth(_Response):
    """Health of every component; ``status`` is ``healthy`` or ``degraded``."""

    status: str
    components: dict[str, ComponentStatus] = Field(default_factory=dict)
