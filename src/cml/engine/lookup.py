"""One memory by id and its version history, for ``GET /memories/{id}`` and ``.../history``.

A memory outside the caller's tenant, or outside the namespace the caller names, is "not
found", exactly like one that never existed: a caller must not learn what exists elsewhere.

The history is the memory's current state followed by the states it replaced, newest first.
States are only ever added at the new end, so its pages are keyset pages too: the cursor
counts states from the oldest one, and a state recorded during the walk neither shifts a page
nor is seen twice.
"""

from __future__ import annotations

import base64
import binascii

from cml.engine.listing import record_out
from cml.errors import InvalidInputError, RecordNotFoundError
from cml.models import MAX_PAGE_SIZE, HistoryPage, MemoryRecordOut, MemoryVersion
from cml.storage.base import MemoryReader, MemoryRecord, VersionRecord

__all__ = ["get_memory", "history_page"]

_CURSOR_PREFIX = "h1:"


def _find(
    store: MemoryReader, tenant_id: str, memory_id: str, namespace: str | None
) -> MemoryRecord:
    record = store.get(tenant_id, memory_id)
    if record is None or (namespace is not None and record.namespace != namespace):
        where = f" in namespace {namespace!r}" if namespace is not None else ""
        raise RecordNotFoundError(f"No memory with id {memory_id!r}{where}.", field="memory_id")
    return record


def get_memory(
    store: MemoryReader, tenant_id: str, memory_id: str, *, namespace: str | None = None
) -> MemoryRecordOut:
    """One memory of the tenant, in full, whatever its status.

    Args:
        store: Where the memories live.
        tenant_id: Whose memory; another tenant's id is "not found".
        memory_id: The memory's id.
        namespace: When given, the memory must be in this namespace.

    Returns:
        The memory as the listing shows it.

    Raises:
        RecordNotFoundError: No such memory for this tenant (or in that namespace).
    """
    return record_out(_find(store, tenant_id, memory_id, namespace))


def _encode(position: int) -> str:
    raw = f"{_CURSOR_PREFIX}{position}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        value = text.decode("ascii")
        if value.startswith(_CURSOR_PREFIX) and value[len(_CURSOR_PREFIX) :].isdigit():
            return int(value[len(_CURSOR_PREFIX) :])
    except (ValueError, binascii.Error, UnicodeError):
        pass
    raise InvalidInputError(
        "The cursor is not one this server issued.",
        field="cursor",
        hint="Pass back the next_cursor of the previous page unchanged, or omit it to start.",
    )


def history_page(
    store: MemoryReader,
    tenant_id: str,
    memory_id: str,
    *,
    cursor: str | None = None,
    limit: int = 100,
    namespace: str | None = None,
) -> HistoryPage:
    """One page of a memory's states, newest (the current one) first.

    Args:
        store: Where the memories live.
        tenant_id: Whose memory; another tenant's id is "not found".
        memory_id: The memory's id.
        cursor: ``next_cursor`` of the previous page; ``None`` for the first page.
        limit: Most states on the page (1 to ``MAX_PAGE_SIZE``).
        namespace: When given, the memory must be in this namespace.

    Returns:
        The page and the cursor of the next one (``None`` on the last page).

    Raises:
        RecordNotFoundError: No such memory for this tenant (or in that namespace).
        InvalidInputError: A bad cursor or limit.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInputError(f"per_page must be 1-{MAX_PAGE_SIZE}.", field="per_page")
    before = _decode(cursor) if cursor is not None else None
    record = _find(store, tenant_id, memory_id, namespace)
    # The current state joins the kept ones as one more snapshot, the newest.
    chain = [
        *store.versions(tenant_id, memory_id),
        VersionRecord.snapshot(record, at=record.updated_at, reason=""),
    ]
    began = [record.stored_at or record.created_at] + [v.changed_at for v in chain[:-1]]
    last = len(chain) - 1
    states = [
        MemoryVersion(
            version=v.version,
            text=v.content,
            status=v.status,
            confidence=v.confidence,
            importance=v.importance,
            metadata=dict(v.metadata),
            recorded_at=began[i],
            replaced_at=None if i == last else v.changed_at,
            reason=None if i == last else v.reason,
            current=i == last,
        )
        for i, v in enumerate(chain)
    ]
    # Positions count from the oldest state, so they never move as new states arrive.
    end = len(states) if before is None else min(before, len(states))
    start = max(end - limit, 0)
    page = states[start:end][::-1]
    return HistoryPage(items=page, next_cursor=_encode(start) if start > 0 else None)
