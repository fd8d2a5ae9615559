"""The memory routes' models: write, read, turn, update, forget, restore, stats and health.

Request models are strict (unknown fields are refused, limits are enforced) so that a typo in a
field name is a clear 422 rather than a silently ignored option. Response models tolerate unknown
fields so that an older SDK keeps working against a newer server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, StrictBool, model_validator

from cml.models._fields import (
    MAX_RESULTS,
    MAX_TAGS,
    Content,
    FilterFields,
    Integral,
    Label,
    MemoryId,
    Metadata,
    Namespace,
    OptionalContent,
    OptionalQueryText,
    QueryText,
    RequestModel,
    ResponseModel,
    Score,
    Tag,
    Timestamp,
    WireInt,
    check_metadata,
)
from cml.models.enums import Feedback, MemoryStatus, MemoryType, ReadFormat

__all__ = [
    "ForgetRequest",
    "ForgetResponse",
    "HealthResponse",
    "MemoryItem",
    "ReadRequest",
    "ReadResponse",
    "RestoreRequest",
    "RestoreResponse",
    "StatsResponse",
    "TurnRequest",
    "TurnResponse",
    "UpdateRequest",
    "UpdateResponse",
    "WriteRequest",
    "WriteResponse",
]


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


class WriteRequest(RequestModel):
    """Body of ``POST /memory/write``: one memory to store.

    Example:
        ``WriteRequest(content="User prefers window seats", context_tags=["travel"])``
    """

    content: Content
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


class ReadRequest(FilterFields):
    """Body of ``POST /memory/read``: a hybrid recall query (filters: :class:`FilterFields`)."""

    query: QueryText
    max_results: Annotated[WireInt, Field(ge=1, le=MAX_RESULTS), Integral] = 10
    memory_types: list[MemoryType] | None = None
    namespace: Namespace = None
    session_id: Label = None
    since: Timestamp = None
    until: Timestamp = None
    format: ReadFormat = ReadFormat.PACKET
    max_tokens: Annotated[WireInt, Field(ge=32, le=32_000), Integral] = 1500
    """Token budget of the ``llm_context`` block."""
    include_silent: StrictBool = False
    """Also return silent memories (deleted ones are never returned)."""
    include_superseded: StrictBool = False
    """Also return memories a newer one retired, ranked after the current ones."""
    as_of: Timestamp = None
    """Answer as the store stood then: what was recorded and valid by then and not yet retired
    (with ``include_superseded``, also what was retired by then)."""
    min_relevance: Score | None = None
    """Leave out results whose (calibrated) relevance is below this."""
    reference_time: Timestamp = None
    """The moment the query is asked from: dates in the query ("last week", "in May",
    "yesterday") are resolved against it. Defaults to ``as_of``, else the time of the read."""

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValueError("since must not be later than until")
        return self


class TurnRequest(RequestModel):
    """Body of ``POST /memory/turn``: one conversation turn."""

    user_message: Content
    assistant_response: OptionalContent = None
    session_id: Label = None
    namespace: Namespace = None
    agent_id: Label = None
    max_context_tokens: Annotated[WireInt, Field(ge=32, le=32_000), Integral] = 1500
    timestamp: Timestamp = None


class UpdateRequest(RequestModel):
    """Body of ``POST /memory/update``: change one memory. At least one change is required."""

    memory_id: MemoryId
    text: OptionalContent = None
    confidence: Score | None = None
    importance: Score | None = None
    metadata: Annotated[
        dict[str, Any] | None, AfterValidator(lambda v: v if v is None else check_metadata(v))
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


class ForgetRequest(FilterFields):
    """Body of ``POST /memory/forget``: forget by ids, query, time, session, filters, or several.

    Selectors combine with AND (ids AND similar to the query AND older than ``before`` AND
    passing the filters of :class:`FilterFields`).
    """

    memory_ids: Annotated[list[MemoryId] | None, Field(max_length=1000)] = None
    query: OptionalQueryText = None
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
            and self.metadata is None
            and self.context_tags is None
            and self.agent_id is None
        ):
            raise ValueError(
                "give memory_ids, query, before, session_id, metadata, context_tags or agent_id"
                " to say what to forget"
            )
        return self


class RestoreRequest(RequestModel):
    """Body of ``POST /memory/restore``: bring deleted, silenced or superseded memories back."""

    memory_ids: Annotated[
        list[MemoryId],
        Field(min_length=1, max_length=1000),
    ]


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


class MemoryItem(ResponseModel):
    """One recalled memory with its relevance score in [0, 1]."""

    id: str
    text: str
    type: MemoryType | str
    confidence: float
    """How far the memory is to be trusted, from 0 to 1: raised when it is written again and by
    ``feedback="correct"``, lowered by decay and by ``feedback="incorrect"``."""
    relevance: float
    """How well it answers the query, from 0 to 1; results come in descending relevance. With
    the default embedding model it is calibrated, so that one ``min_relevance`` means the same
    for every query."""
    timestamp: datetime
    """When the remembered event happened (given by the writer, else the time of the write)."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    namespace: str | None = None
    """Its namespace; ``None``: the tenant's default one."""
    session_id: str | None = None
    agent_id: str | None = None
    status: MemoryStatus | str = MemoryStatus.ACTIVE
    """``active`` or ``compressed``; ``silent`` and ``superseded`` only when the read asked for
    them (``include_silent``, ``include_superseded``)."""
    importance: float | None = None
    context_tags: list[str] = Field(default_factory=list)
    valid_from: datetime | None = None
    """Since when the remembered fact holds: the timestamp, or earlier when the text names a time
    ("two weeks ago", "since May 2023")."""
    valid_to: datetime | None = None
    """Until when it held (set when a newer memory superseded it)."""
    recorded_at: datetime | None = None
    """When the store learned it."""
    superseded_at: datetime | None = None
    """When the store retired it (``status`` is then ``superseded``)."""
    superseded_by: str | None = None
    """Id of the memory that retired it (``None`` when retired by ``feedback="outdated"``)."""


class WriteResponse(ResponseModel):
    """Result of a write. ``deduplicated`` is true when a near-duplicate was reinforced instead."""

    success: bool
    memory_id: str | None = None
    chunks_created: int = 0
    message: str = ""
    memory_type: MemoryType | str | None = None
    deduplicated: bool = False
    redactions: list[str] = Field(default_factory=list)
    """Kinds of personal data removed from the content (``email``, ``phone``, ...)."""
    superseded: list[str] = Field(default_factory=list)
    """Ids of the older memories this write retired (kept, out of default reads;
    ``restore()`` brings one back)."""


class ReadResponse(ResponseModel):
    """Result of a read: the ranked ``memories`` and, for ``packet``, the same items by kind."""

    query: str
    memories: list[MemoryItem] = Field(default_factory=list)
    facts: list[MemoryItem] = Field(default_factory=list)
    preferences: list[MemoryItem] = Field(default_factory=list)
    episodes: list[MemoryItem] = Field(default_factory=list)
    procedures: list[MemoryItem] = Field(default_factory=list)
    constraints: list[MemoryItem] = Field(default_factory=list)
    llm_context: str | None = None
    context_min_relevance: float | None = None
    """The server's context floor: memories below it are left out of every context block
    (empty when nothing stored is relevant enough), and tools leave them out too."""
    total_count: int = 0
    elapsed_ms: float = 0.0

    @property
    def context(self) -> str:
        """The ``llm_context`` block, or an empty string when the format did not ask for it."""
        return self.llm_context or ""


class TurnResponse(ResponseModel):
    """Result of a turn: the context to give the model, and what was stored."""

    memory_context: str
    memories_retrieved: int
    memories_stored: int
    stored_ids: list[str] = Field(default_factory=list)


class UpdateResponse(ResponseModel):
    """Result of an update; ``version`` is the memory's new version number."""

    success: bool
    memory_id: str
    version: int
    message: str = ""


class _AffectedMemories(ResponseModel):
    """The fields that a forget and a restore report alike: how many memories, and which."""

    success: bool
    affected_count: int
    memory_ids: list[str] = Field(default_factory=list)


class ForgetResponse(_AffectedMemories):
    """Result of a forget: how many memories were affected, and which."""

    hard: bool = False
    message: str = ""


class RestoreResponse(_AffectedMemories):
    """Result of a restore: the memories that are active again."""

    message: str = ""


class StatsResponse(ResponseModel):
    """Counts of a tenant's memories (optionally one namespace) by type and by status."""

    tenant_id: str
    namespace: str | None = None
    total_memories: int
    active_memories: int
    silent_memories: int = 0
    compressed_memories: int = 0
    archived_memories: int = 0
    deleted_memories: int = 0
    superseded_memories: int = 0
    """Memories a newer one (or ``feedback="outdated"``) retired: kept, out of default reads."""
    by_type: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)
    storage_bytes: int | None = None
    """Size of the whole store on disk, in bytes. It grows with every tenant's data, so only
    admin keys (and embedded clients) see it; ``None`` for other keys."""


class HealthResponse(ResponseModel):
    """Liveness, version and the state of each part of the server.

    ``status`` is ``ok``, or ``degraded`` while the database does not answer (the server still
    answers ``/health`` then, and recovers by itself); ``database`` says ``ok`` or what is wrong;
    ``embedder`` is ``loading`` while the embedding model loads at startup, then ``ready`` (or
    ``failed:`` and why). ``ready`` is true once the server can serve a write (``/ready``).
    ``integrity_check`` is ``running`` while the integrity check that follows the start on a
    large SQLite file reads it (requests are served meanwhile; damage it finds turns
    ``database`` to ``damaged:``), else ``None``.
    """

    status: str
    version: str
    backend: str | None = None
    database: str | None = None
    embedder: str | None = None
    ready: bool | None = None
    integrity_check: str | None = None
