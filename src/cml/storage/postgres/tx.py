"""The unit of work of the PostgreSQL backend (see :meth:`MemoryStore.transaction`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from cml.errors import RecordNotFoundError
from cml.storage.base import EventRecord, IdempotencyRecord, KeyRecord, MemoryRecord, VersionRecord
from cml.storage.columns import MEMORY_COLUMNS
from cml.storage.postgres.rows import jsonb, memory_params, utc

_INSERT_MEMORY = (
    f"INSERT INTO memories ({', '.join(MEMORY_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(MEMORY_COLUMNS))})"
)
_UPDATABLE = [c for c in MEMORY_COLUMNS if c not in ("id", "tenant_id", "stored_at")]
_UPDATE_MEMORY = (
    f"UPDATE memories SET {', '.join(f'{c} = %s' for c in _UPDATABLE)}"
    " WHERE tenant_id = %s AND id = %s"
)
_INSERT_VERSION = (
    "INSERT INTO memory_versions (tenant_id, memory_id, version, content, confidence,"
    " importance, metadata, status, changed_at, reason)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def version_params(tenant_id: str, version: VersionRecord) -> tuple[Any, ...]:
    """Values for :data:`_INSERT_VERSION`."""
    return (
        tenant_id,
        version.memory_id,
        version.version,
        version.content,
        version.confidence,
        version.importance,
        jsonb(version.metadata),
        str(version.status),
        utc(version.changed_at),
        version.reason,
    )


class PostgresTransaction:
    """Mutations on one connection inside an open ``BEGIN ... COMMIT``.

    Every statement is safe against other server replicas writing at the same time: inserts of
    shared keys use ``ON CONFLICT`` instead of a read-then-write.
    """

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories; a record's ``stored_at`` is set to now when it is ``None``."""
        now = datetime.now(UTC)
        for record in records:
            if record.stored_at is None:
                record.stored_at = now
        if records:
            with self._conn.cursor() as cur:
                cur.executemany(_INSERT_MEMORY, [memory_params(r) for r in records])

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
            self._conn.execute(_INSERT_VERSION, version_params(record.tenant_id, previous))

    def set_status(self, tenant_id: str, ids: Sequence[str], status: str, at: datetime) -> int:
        """Set the status of memories; ``deleted`` sets ``deleted_at``, any other clears it."""
        status = str(status)
        deleted_at = utc(at) if status == "deleted" else None
        return self._conn.execute(
            "UPDATE memories SET status = %s, deleted_at = %s"
            " WHERE tenant_id = %s AND status <> %s AND id = ANY(%s)",
            (status, deleted_at, tenant_id, status, list(dict.fromkeys(ids))),
        ).rowcount

    def hard_delete(self, tenant_id: str, ids: Sequence[str]) -> int:
        """Remove memories and their version history for good."""
        unique = list(dict.fromkeys(ids))
        removed = self._conn.execute(
            "DELETE FROM memories WHERE tenant_id = %s AND id = ANY(%s)", (tenant_id, unique)
        ).rowcount
        self._conn.execute(
            "DELETE FROM memory_versions WHERE tenant_id = %s AND memory_id = ANY(%s)",
            (tenant_id, unique),
        )
        return removed

    def put_idempotency(self, record: IdempotencyRecord) -> bool:
        """Store a request outcome; ``False`` if the tenant already used this key.

        When another replica holds the same key in an uncommitted transaction, PostgreSQL makes
        this insert wait for it: the key then counts as taken (or free, if it rolled back).
        """
        cursor = self._conn.execute(
            "INSERT INTO idempotency (tenant_id, key, request_hash, response, created_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (tenant_id, key) DO NOTHING",
            (
                record.tenant_id,
                record.key,
                record.request_hash,
                jsonb(record.response),
                utc(record.created_at),
            ),
        )
        return cursor.rowcount == 1

    def add_event(self, event: EventRecord) -> None:
        """Append to the tenant's event log (the database assigns the id)."""
        self._conn.execute(
            "INSERT INTO events (tenant_id, event_type, operation, created_at, actor,"
            " memory_ids, payload) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                event.tenant_id,
                event.event_type,
                event.operation,
                utc(event.created_at),
                event.actor,
                jsonb(list(event.memory_ids)),
                jsonb(event.payload),
            ),
        )

    def insert_key(self, key: KeyRecord) -> None:
        """Store a new API key (its hash, never the secret)."""
        self._conn.execute(
            "INSERT INTO api_keys (id, tenant_id, key_hash, prefix, scopes, created_at, name,"
            " extra_tenants, revoked_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                key.id,
                key.tenant_id,
                key.key_hash,
                key.prefix,
                jsonb([str(s) for s in key.scopes]),
                utc(key.created_at),
                key.name,
                jsonb(list(key.extra_tenants)),
                None if key.revoked_at is None else utc(key.revoked_at),
            ),
        )

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        """Mark a key revoked; ``False`` if it does not exist or is already revoked."""
        cursor = self._conn.execute(
            "UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
            (utc(at), key_id),
        )
        return cursor.rowcount == 1
