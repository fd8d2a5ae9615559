"""Batch requests and the listings: batch write and read, a memory in full, and pages.

A batch write is validated item by item before anything is stored; the listings return
:class:`Page` objects that continue with a cursor, never an offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import Field

from cml.models._fields import (
    MAX_BATCH_ITEMS,
    MAX_BATCH_QUERIES,
    Label,
    Namespace,
    RequestModel,
    ResponseModel,
)
from cml.models.enums import MemoryStatus, MemoryType
from cml.models.memory import ReadRequest, ReadResponse, WriteRequest, WriteResponse

__all__ = [
    "BatchReadRequest",
    "BatchReadResponse",
    "BatchWriteItem",
    "BatchWriteRequest",
    "BatchWriteResponse",
    "MemoryPage",
    "MemoryRecordOut",
    "Page",
]

ItemT = TypeVar("ItemT")


class BatchWriteItem(WriteRequest):
    """One memory of a batch write: the fields of :class:`WriteRequest` (``content`` required).

    ``session_id`` and ``namespace`` left unset take the values shared by the batch.
    """


class BatchWriteRequest(RequestModel):
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


class BatchReadRequest(RequestModel):
    """Body of ``POST /memory/batch_read``: up to ``MAX_BATCH_QUERIES`` reads in one request."""

    queries: Annotated[list[ReadRequest], Field(min_length=1, max_length=MAX_BATCH_QUERIES)]


class BatchWriteResponse(ResponseModel):
    """Result of a batch write: one :class:`WriteResponse` per item, in input order."""

    results: list[WriteResponse] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class BatchReadResponse(ResponseModel):
    """Result of a batch read: one :class:`ReadResponse` per query, in query order."""

    results: list[ReadResponse] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class MemoryRecordOut(ResponseModel):
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
    """1 when written, one more at every change; ``history()`` lists the earlier states."""
    access_count: int = 0
    """How many reads have returned it."""
    timestamp: datetime
    """When the remembered event happened (given by the writer, else the time of the write)."""
    updated_at: datetime
    """When an update, a reinforcement or a decay last changed it (a soft delete, a restore or
    silencing leaves it as it was)."""
    stored_at: datetime | None = None
    """When the row was written: when the store learned the memory."""
    last_accessed_at: datetime | None = None
    """When a read last returned it; ``None``: no read has."""
    deleted_at: datetime | None = None
    """When it was soft-deleted; ``None`` unless ``status`` is ``deleted``."""
    consolidated_at: datetime | None = None
    """When a consolidation run took this episode in; ``None``: no run has yet."""
    provenance: list[str] = Field(default_factory=list)
    """Ids of the memories it was derived from (e.g. the episodes behind a consolidated fact)."""
    valid_from: datetime | None = None
    """Since when the remembered fact holds: earlier than ``timestamp`` when the text names a time
    ("two weeks ago", "since May 2023"); ``None``: since ``timestamp``."""
    valid_to: datetime | None = None
    """Until when it held (set when a newer memory superseded it)."""
    superseded_at: datetime | None = None
    """When the store retired it (``status`` is then ``superseded``)."""
    superseded_by: str | None = None
    """Id of the memory that retired it (``None`` when retired by ``feedback="outdated"``)."""


class Page(ResponseModel, Generic[ItemT]):
    """One page of a listing: ``items``, and the cursor of the next page.

    Both listings (memories and the event log) page this way. ``next_cursor`` is ``None`` on
    the last page; otherwise pass it back as ``cursor`` to get the next one. A cursor is opaque:
    it marks a position, not an offset, so items written or deleted meanwhile never make a page
    skip or repeat one.
    """

    items: list[ItemT] = Field(default_factory=list)
    next_cursor: str | None = None


class MemoryPage(Page[MemoryRecordOut]):
    """One page of the memory listing (``GET /admin/memories``), in id (= creation) order."""
