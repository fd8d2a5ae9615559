"""The unit of work of the SQLite backend: the shared statements plus vector-index changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cml.storage.base import MemoryRecord, VersionRecord
from cml.storage.sql.tx import BULK_FROM, UPDATABLE, SQLTransaction
from cml.storage.sqlite.bulk import terms_counted_in_bulk
from cml.storage.sqlite.dialect import SQLITE, to_epoch
from cml.storage.sqlite.fields import Upsert
from cml.storage.sqlite.vector_index import Change, Removal, StatusChange


def index_change(record: MemoryRecord) -> Change:
    """What the vector index must do after ``record`` was written."""
    if record.embedding is None:
        return Removal(record.tenant_id, (record.id,))
    return Upsert(
        tenant_id=record.tenant_id,
        id=record.id,
        vector=record.embedding,
        status=str(record.status),
        memory_type=str(record.memory_type),
        namespace=record.namespace,
        session_id=record.session_id,
        created_at=to_epoch(record.created_at),
        recorded_at=0.0 if record.stored_at is None else to_epoch(record.stored_at),
        valid_from=to_epoch(record.valid_since),
        retired_at=None if record.superseded_at is None else to_epoch(record.superseded_at),
    )


_INDEXED = ("content", "memory_type", "metadata", "namespace")
"""The columns whose assignment fires the full-text update trigger (``schema.py``, ``_V12``)."""

_KEEPING_TEXT = tuple(c for c in UPDATABLE if c not in _INDEXED)


class SQLiteTransaction(SQLTransaction[sqlite3.Connection]):
    """The shared statements on the writer connection inside ``BEGIN IMMEDIATE``.

    Changes for the vector index are collected in :attr:`changes`; the store applies them only
    after ``COMMIT`` succeeds.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn, SQLITE)
        self.changes: list[Change] = []

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories; a record's ``stored_at`` is set to now when it is ``None``.

        From :data:`~cml.storage.sql.tx.BULK_FROM` records on, their term statistics are
        counted in one pass instead of row by row (same counts).
        """
        if len(records) >= BULK_FROM:
            with terms_counted_in_bulk(self._conn):
                super().insert(records)
        else:
            super().insert(records)
        self.changes.extend(index_change(r) for r in records)

    def update(self, record: MemoryRecord, *, previous: VersionRecord | None = None) -> None:
        """Replace every field of a memory but its id, tenant and ``stored_at``.

        Raises:
            RecordNotFoundError: The tenant has no memory with this id.
        """
        super().update(record, previous=previous)
        self.changes.append(index_change(record))

    def _assigned(self, values: dict[str, Any]) -> tuple[str, ...]:
        """All updatable columns, but the indexed text's only when one of them changes.

        SQLite fires an ``UPDATE OF content, memory_type, metadata, namespace`` trigger whenever
        the statement assigns one of these columns, even to the value it holds: the memory's
        full-text entry would be deleted and added again (most of the cost of retiring or
        reinforcing a memory). Reading the four values first costs a primary-key lookup.
        """
        stored = self._conn.execute(
            f"SELECT {', '.join(_INDEXED)} FROM memories WHERE tenant_id = ? AND id = ?",
            (values["tenant_id"], values["id"]),
        ).fetchone()
        if stored is not None and tuple(stored) == tuple(values[c] for c in _INDEXED):
            return _KEEPING_TEXT
        return UPDATABLE

    def set_status(self, tenant_id: str, ids: Sequence[str], status: str, at: datetime) -> int:
        """Set the status of memories; ``deleted`` sets ``deleted_at``, any other clears it."""
        changed = super().set_status(tenant_id, ids, status, at)
        self.changes.append(StatusChange(tenant_id, tuple(ids), str(status)))
        return changed

    def hard_delete(self, tenant_id: str, ids: Sequence[str]) -> int:
        """Remove memories and their version history for good."""
        removed = super().hard_delete(tenant_id, ids)
        self.changes.append(Removal(tenant_id, tuple(ids)))
        return removed
