"""The memory listing behind ``GET /memories``, ``GET /admin/memories`` and ``iter_memories``.

Pages follow the id order (UUIDv7, so creation order) with keyset pagination: a page holds the
memories *after* the cursor, never an offset. Offsets break under concurrent writes: a memory
written or deleted before the current position shifts every later row, so an offset-paged
walk skips or repeats memories. A keyset walk sees every memory that matches throughout the
walk exactly once; one written meanwhile shows up at most once (ids grow, so usually at the
end), and one deleted before the walk reached it is not shown.

The cursor is the last id of the page, encoded so that clients treat it as opaque: the
encoding may change without breaking anyone who only passes cursors back.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import fields
from typing import Any

import pydantic

from cml.errors import InvalidInputError
from cml.models import MemoryListQuery, MemoryPage, MemoryRecordOut, MemoryStatus
from cml.models.lookup import ALL_STATUSES
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore, VersionRecord

__all__ = [
    "ALL_STATUSES",
    "decode_cursor",
    "encode_cursor",
    "list_page",
    "record_out",
    "wire_fields",
]


_CURSOR_PREFIX = "m1:"


def encode_cursor(memory_id: str) -> str:
    """The opaque cursor pointing just after ``memory_id``."""
    raw = (_CURSOR_PREFIX + memory_id).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The memory id behind a cursor made by :func:`encode_cursor`.

    Raises:
        InvalidInputError: The cursor was not made by this server (``field`` ``cursor``).
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeError):
        text = ""
    # A forged cursor may hide NUL, which PostgreSQL cannot compare; no id of ours holds it.
    if not text.startswith(_CURSOR_PREFIX) or len(text) == len(_CURSOR_PREFIX) or "\x00" in text:
        raise InvalidInputError(
            "The cursor is not one this server issued.",
            field="cursor",
            hint="Pass back the next_cursor of the previous page unchanged, or omit it to start.",
        )
    return text[len(_CURSOR_PREFIX) :]


def _statuses(status: str) -> tuple[str, ...] | None:
    if status == ALL_STATUSES:
        return None
    try:
        return (MemoryStatus(status).value,)
    except ValueError:
        allowed = ", ".join([*(s.value for s in MemoryStatus), ALL_STATUSES])
        raise InvalidInputError(
            f"Unknown status {status!r}; use one of {allowed}.", field="status"
        ) from None


def list_page(
    store: MemoryStore, tenant_id: str, query: MemoryListQuery | None = None
) -> MemoryPage:
    """One page of a tenant's memories in id order.

    Args:
        store: Where the memories live.
        tenant_id: Whose memories; no other tenant's are ever listed.
        query: The page (``cursor``, ``per_page``) and the filters, as ``GET /memories`` takes
            them; ``None`` for the first page of the active memories.

    Returns:
        The page and the cursor of the next one (``None`` on the last page).

    Raises:
        InvalidInputError: A cursor this server did not issue, or an unknown status.
    """
    query = query if query is not None else MemoryListQuery()
    after = decode_cursor(query.cursor) if query.cursor is not None else None
    types = query.memory_types
    filt = MemoryFilter(
        tenant_id=tenant_id,
        namespace=query.namespace,
        memory_types=[str(t) for t in types] if types else None,
        statuses=_statuses(query.status),
        metadata=query.metadata,
        context_tags=query.context_tags,
        agent_id=query.agent_id,
        superseded_by=query.superseded_by,
    )
    limit = query.per_page
    # One row more than the page tells whether another page exists, without a count query.
    records = store.list_memories(filt, after_id=after, limit=limit + 1)
    page = [r for r in records[:limit] if r.tenant_id == tenant_id]
    more = len(records) > limit
    return MemoryPage(
        items=[record_out(r) for r in page],
        next_cursor=encode_cursor(records[limit - 1].id) if more else None,
    )


_WIRE_NAMES = {"content": "text", "memory_type": "type", "created_at": "timestamp"}
"""Fields of a stored memory that the wire names otherwise; the others keep their name."""


def wire_fields(
    record: MemoryRecord | VersionRecord, model: type[pydantic.BaseModel]
) -> dict[str, Any]:
    """The fields of a stored record that a wire model has, under the wire's names."""
    return {wire: getattr(record, name) for name, wire in _wire_names(type(record), model)}


_NAMES_BY_TYPES: dict[tuple[type, type], tuple[tuple[str, str], ...]] = {}


def _wire_names(record_type: type, model: type[pydantic.BaseModel]) -> tuple[tuple[str, str], ...]:
    # (stored name, wire name) of each field the model has: worked out once per pair of types,
    # as a read shapes every result it returns.
    names = _NAMES_BY_TYPES.get((record_type, model))
    if names is None:
        named = ((f.name, _WIRE_NAMES.get(f.name, f.name)) for f in fields(record_type))
        names = tuple((name, wire) for name, wire in named if wire in model.model_fields)
        _NAMES_BY_TYPES[record_type, model] = names
    return names


def record_out(record: MemoryRecord) -> MemoryRecordOut:
    """A stored memory as the wire shows it in full (the embedding left out)."""
    return MemoryRecordOut(**wire_fields(record, MemoryRecordOut))
