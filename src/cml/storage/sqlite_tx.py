"""The unit of work of the SQLite backend (see :meth:`MemoryStore.transaction`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from cml.errors import RecordNotFoundError
from cml.storage.base import EventRecord, IdempotencyRecord, KeyRecord, MemoryRecord, VersionRecord
from cml.storage.columns import MEMORY_COLUMNS
from cml.storage.sqlite_rows import dump_json, memory_params, placeholders, to_epoch
from cml.storage.vector_index import Change, Removal, StatusChange, Upsert

CHUNK = 500
"""Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit."""

_T = TypeVar("_T")

_INSERT_MEMORY = (
    f"INSERT INTO memories ({', '.join(MEMORY_COLUMNS)}) "
    f"VALUES ({placeholders(len(MEMORY_COLUMNS))})"
)
_UPDATABLE = [c for c in MEMORY_COLUMNS if c not in ("id", "tenant_id", "stored_at")]
_UPDATE_MEMORY = (
    f"UPDATE memories SET {', '.join(f'{c} = ?' for c in _UPDATABLE)}"
    " WHERE tenant_id = ? AND id = ?"
)


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    )


class SQLiteTransaction:
    """Mutations on the writer connection inside an open ``BEGIN IMMEDIATE`` transaction.

    Changes for the vector index are collected in :attr:`changes`; the store applies them only
    after ``COMMIT`` succeeds.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.changes: list[Change] = []

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories; a record's ``stored_at`` is set to now when it is ``None``."""
        now = datetime.now(UTC)
        for record in records:
            if record.stored_at is None:
                record.stored_at = now
        self._conn.executemany(_INSERT_MEMORY, [memory_params(r) for r in records])
        self.changes.extend(index_change(r) for r in records)

    def update(self, record: MemoryRecord, *, previous: VersionRecord | None = None) -> None:
        """Replace every field of a memory but its id, tenant and ``stored_at``.

        Raises:
            RecordNotFoundError: The tenant has no memory with this id.
        """
        values = dict(zip(MEMORY_COLUMNS, memory_params(record), strict=True))
        params = [values[c] for c in _UPDATABLE] + [record.tenant_id, record.id]
        if self._conn.execute(_UPDATE_MEMORY, params).rowcount == 0:
            raise RecordNotFoundError(f"memory {record.id} not found")
        if previous is not None:
            self._conn.execute(
                "INSERT INTO memory_versions (tenant_id, memory_id, version, content, confidence,"
                " importance, metadata, status, changed_at, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.tenant_id,
                    previous.memory_id,
                    previous.version,
                    previous.content,
                    previous.confidence,
                    previous.importance,
                    dump_json(previous.metadata),
                    str(previous.status),
                    to_epoch(previous.changed_at),
                    previous.reason,
                ),
            )
        self.changes.append(index_change(record))

    def set_status(self, tenant_id: str, ids: Sequence[str], status: str, at: datetime) -> int:
        """Set the status of memories; ``deleted`` sets ``deleted_at``, any other clears it."""
        status = str(status)
        deleted_at = to_epoch(at) if status == "deleted" else None
        changed = 0
        for part in chunks(list(dict.fromkeys(ids))):
            changed += self._conn.execute(
                "UPDATE memories SET status = ?, deleted_at = ?"
                f" WHERE tenant_id = ? AND status != ? AND id IN ({placeholders(len(part))})",
                (status, deleted_at, tenant_id, status, *part),
            ).rowcount
        self.changes.append(StatusChange(tenant_id, tuple(ids), status))
        return changed

    def hard_delete(self, tenant_id: str, ids: Sequence[str]) -> int:
        """Remove memories and their version history for good."""
        removed = 0
        for part in chunks(list(dict.fromkeys(ids))):
            marks = placeholders(len(part))
            removed += self._conn.execute(
                f"DELETE FROM memories WHERE tenant_id = ? AND id IN ({marks})",
                (tenant_id, *part),
            ).rowcount
            self._conn.execute(
                f"DELETE FROM memory_versions WHERE tenant_id = ? AND memory_id IN ({marks})",
                (tenant_id, *part),
            )
        self.changes.append(Removal(tenant_id, tuple(ids)))
        return removed

    def put_idempotency(self, record: IdempotencyRecord) -> bool:
        """Store a request outcome; ``False`` if the tenant already used this key."""
        cursor = self._conn.execute(
            "INSERT INTO idempotency (tenant_id, key, request_hash, response, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, key) DO NOTHING",
            (
                record.tenant_id,
                record.key,
                record.request_hash,
                dump_json(record.response),
                to_epoch(record.created_at),
            ),
        )
        return cursor.rowcount == 1

    def add_event(self, event: EventRecord) -> None:
        """Append to the tenant's event log (the store assigns the id)."""
        self._conn.execute(
            "INSERT INTO events (tenant_id, event_type, operation, created_at, actor,"
            " memory_ids, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.tenant_id,
                event.event_type,
                event.operation,
                to_epoch(event.created_at),
                event.actor,
                dump_json(list(event.memory_ids)),
                dump_json(event.payload),
            ),
        )

    def insert_key(self, key: KeyRecord) -> None:
        """Store a new API key (its hash, never the secret)."""
        self._conn.execute(
            "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, scopes, created_at, name,"
            " extra_tenants, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.id,
                key.tenant_id,
                key.key_hash,
                key.prefix,
                dump_json([str(s) for s in key.scopes]),
                to_epoch(key.created_at),
                key.name,
                dump_json(list(key.extra_tenants)),
                None if key.revoked_at is None else to_epoch(key.revoked_at),
            ),
        )

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        """Mark a key revoked; ``False`` if it does not exist or is already revoked."""
        cursor = self._conn.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (to_epoch(at), key_id),
        )
        return cursor.rowcount == 1
