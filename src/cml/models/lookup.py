"""Looking memories up: one memory by id, its version history, and a tenant's own listing.

These are the read-scope routes under ``/memories``. Their query parameters are models too
(:class:`MemoryListQuery`, :class:`HistoryQuery`), so that the SDK checks them before sending
exactly as the server does, and the filters of the listing are the same as those of a read.

Example:
    ```python
    from cml.models import MemoryListQuery

    query = MemoryListQuery(metadata={"project": "apollo"}, context_tags=["work"])
    assert query.to_params()["metadata"] == '{"project":"apollo"}'
    ```
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from cml.models._fields import (
    CURSOR_PATTERN,
    MAX_PAGE_SIZE,
    FilterFields,
    MemoryId,
    MetadataFilter,
    Namespace,
    RequestModel,
    ResponseModel,
)
from cml.models.batch import Page
from cml.models.enums import MemoryStatus, MemoryType

__all__ = [
    "ALL_STATUSES",
    "STATUS_FILTER_PATTERN",
    "HistoryPage",
    "HistoryQuery",
    "MemoryListQuery",
    "MemoryVersion",
]

ALL_STATUSES = "all"
"""The ``status`` of a listing that lists memories whatever their status."""
STATUS_FILTER_PATTERN = "^(" + "|".join([*(s.value for s in MemoryStatus), ALL_STATUSES]) + ")$"
"""The ``status`` values a listing takes (checked by the listing, with a message naming them)."""
Cursor = Annotated[str | None, Field(pattern=CURSOR_PATTERN)]
PerPage = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


def _json_object(value: Any) -> Any:
    # On the query string the metadata filter is one parameter holding a JSON object.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError('must be a JSON object such as {"project": "apollo"}') from None
    return value


class _Query(RequestModel):
    def to_params(self) -> dict[str, str | list[str] | None]:
        """The query parameters of this query (lists repeat, the metadata filter is JSON)."""
        params: dict[str, str | list[str] | None] = {}
        for name, value in self.model_dump(mode="json", exclude_none=True).items():
            if isinstance(value, list):
                params[name] = [str(v) for v in value]
            elif isinstance(value, dict):
                params[name] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            else:
                params[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return params


class MemoryListQuery(_Query, FilterFields):
    """Query of ``GET /memories``: which of the tenant's memories to list, one page at a time.

    Filters combine with AND; ``context_tags`` matches a memory holding any of them.
    """

    cursor: Cursor = None
    """``next_cursor`` of the previous page; omit to start."""
    per_page: PerPage = 100
    status: Annotated[
        str, Field(max_length=16, json_schema_extra={"pattern": STATUS_FILTER_PATTERN})
    ] = MemoryStatus.ACTIVE.value
    """A memory status, or ``all``."""
    memory_types: list[MemoryType] | None = None
    namespace: Namespace = None
    metadata: Annotated[MetadataFilter, BeforeValidator(_json_object)] = None
    """Every key must be present with exactly this value (a JSON object on the query string)."""
    superseded_by: MemoryId | None = None
    """Only the memories this memory retired; they are ``superseded``, so pair it with
    ``status=superseded`` or ``status=all``."""


class HistoryQuery(_Query):
    """Query of ``GET /memories/{memory_id}/history``: one page of versions, newest first."""

    cursor: Cursor = None
    per_page: PerPage = 100
    namespace: Namespace = None
    """A guard: the memory must be in this namespace (404 otherwise)."""


class MemoryVersion(ResponseModel):
    """One state of a memory: the current one (``current``) or one it was replaced by later.

    ``recorded_at`` is when the store took this state on; ``replaced_at`` and ``reason`` say
    when and why the next state replaced it (both ``None`` for the current state).
    """

    version: int
    text: str
    status: MemoryStatus | str
    confidence: float
    importance: float
    metadata: dict[str, Any] = Field(default_factory=dict)
    recorded_at: datetime | None = None
    replaced_at: datetime | None = None
    reason: str | None = None
    current: bool = False


class HistoryPage(Page[MemoryVersion]):
    """One page of a memory's history (``GET /memories/{memory_id}/history``), newest first."""
