"""The unit of work both backends share (see :class:`~cml.storage.base.Transactions`).

The statements run on one connection inside a transaction the backend opened; the backend
commits it. Inserts of shared keys use ``ON CONFLICT`` instead of a read-then-write, so they are
safe against other processes (or PostgreSQL replicas) writing at the same time: when another
one holds the same idempotency key in an uncommitted transaction, the database makes this insert
wait for it, and the key then counts as taken (or free, if that transaction rolled back).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, Generic

from cml.errors import RecordNotFoundError
from cml.storage.base import EventRecord, IdempotencyRecord, KeyRecord, MemoryRecord, VersionRecord
from cml.storage.sql.chain import seal_legacy
from cml.storage.sql.columns import (
    IDEMPOTENCY_COLUMNS,
    KEY_COLUMNS,
    MEMORY_COLUMNS,
    VERSION_COLUMNS,
)
from cml.storage.sql.connections import ConnT
from cml.storage.sql.dialect import Dialect
from cml.storage.sql.rows import (
    idempotency_params,
    key_params,
    memory_params,
    version_params,
)
from cml.storage.sql.webhooks import add_event_with_deliveries

__all__ = ["BULK_FROM", "UPDATABLE", "SQLTransaction", "stamp_stored_at"]

BULK_FROM = 16
"""Rows per insert from which a backend counts their term statistics in one pass."""


def stamp_stored_at(records: Sequence[MemoryRecord]) -> None:
    """Set the ``stored_at`` of records that have none to now (one instant for all)."""
    now = datetime.now(UTC)
    for record in records:
        if record.stored_at is None:
            record.stored_at = now


UPDATABLE = tuple(c for c in MEMORY_COLUMNS if c not in ("id", "tenant_id", "stored_at"))
"""The columns an update of a memory may assign (all but its id, tenant and ``stored_at``)."""


@cache
def _insert_memory(d: Dialect) -> str:
    columns = ", ".join(MEMORY_COLUMNS)
    return f"INSERT INTO memories ({columns}) VALUES ({d.marks(len(MEMORY_COLUMNS))})"


@cache
def _update_memory(d: Dialect, columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{column} = {d.mark}" for column in columns)
    return f"UPDATE memories SET {assignments} WHERE tenant_id = {d.mark} AND id = {d.mark}"


class SQLTransaction(Generic[ConnT]):
    """Mutations on ``conn`` inside an open transaction.

    Args:
        conn: The connection the backend opened the transaction on.
        dialect: How the backend spells the statements.
    """

    def __init__(self, conn: ConnT, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect

    def insert(self, records: Sequence[MemoryRecord]) -> None:
        """Insert new memories; a record's ``stored_at`` is set to now when it is ``None``."""
        stamp_stored_at(records)
        if not records:
            return
        cursor = self._conn.cursor()
        try:
            cursor.executemany(
                _insert_memory(self._dialect), [memory_params(self._dialect, r) for r in records]
            )
        finally:
            cursor.close()

    def update(self, record: MemoryRecord, *, previous: VersionRecord | None = None) -> None:
        """Replace every field of a memory but its id, tenant and ``stored_at``.

        Raises:
            RecordNotFoundError: The tenant has no memory with this id.
        """
        d = self._dialect
        values = dict(zip(MEMORY_COLUMNS, memory_params(d, record), strict=True))
        columns = self._assigned(values)
        params = [values[c] for c in columns] + [record.tenant_id, record.id]
        if self._conn.execute(_update_memory(d, columns), params).rowcount == 0:
            raise RecordNotFoundError(f"memory {record.id} not found")
        if previous is not None:
            self._conn.execute(
                f"INSERT INTO memory_versions (tenant_id, {VERSION_COLUMNS})"
                f" VALUES ({d.marks(10)})",
                version_params(d, record.tenant_id, previous),
            )

    def _assigned(self, values: dict[str, Any]) -> tuple[str, ...]:
        """The columns an update of a memory to ``values`` assigns: all that can change."""
        return UPDATABLE

    def set_status(self, tenant_id: str, ids: Sequence[str], status: str, at: datetime) -> int:
        """Set the status of memories; ``deleted`` sets ``deleted_at``, any other clears it."""
        d = self._dialect
        status = str(status)
        deleted_at = d.time_in(at) if status == "deleted" else None
        changed = 0
        for part in d.chunks(list(dict.fromkeys(ids))):
            among, params = d.in_list("id", part)
            changed += self._conn.execute(
                f"UPDATE memories SET status = {d.mark}, deleted_at = {d.mark}"
                f" WHERE tenant_id = {d.mark} AND status <> {d.mark} AND {among}",
                (status, deleted_at, tenant_id, status, *params),
            ).rowcount
        return changed

    def hard_delete(self, tenant_id: str, ids: Sequence[str]) -> int:
        """Remove memories and their version history for good."""
        d = self._dialect
        removed = 0
        for part in d.chunks(list(dict.fromkeys(ids))):
            among, params = d.in_list("id", part)
            removed += self._conn.execute(
                f"DELETE FROM memories WHERE tenant_id = {d.mark} AND {among}",
                (tenant_id, *params),
            ).rowcount
            among, params = d.in_list("memory_id", part)
            self._conn.execute(
                f"DELETE FROM memory_versions WHERE tenant_id = {d.mark} AND {among}",
                (tenant_id, *params),
            )
        return removed

    def put_idempotency(self, record: IdempotencyRecord) -> bool:
        """Store a request outcome; ``False`` if the tenant already used this key."""
        cursor = self._conn.execute(
            f"INSERT INTO idempotency ({IDEMPOTENCY_COLUMNS}) VALUES ({self._dialect.marks(5)})"
            " ON CONFLICT (tenant_id, key) DO NOTHING",
            idempotency_params(self._dialect, record),
        )
        return cursor.rowcount == 1

    def add_event(self, event: EventRecord) -> None:
        """Append to the tenant's event log (the database assigns the id).

        The tenant's webhooks that want the event get a delivery queued in this transaction.
        """
        add_event_with_deliveries(self._conn, self._dialect, event)

    def seal_event_log(self, tenant_id: str) -> None:
        """Chain the tenant's events written before the log was hash-chained (if any)."""
        seal_legacy(self._conn, self._dialect, tenant_id)

    def insert_key(self, key: KeyRecord) -> None:
        """Store a new API key (its hash, never the secret)."""
        self._conn.execute(
            f"INSERT INTO api_keys ({KEY_COLUMNS}) VALUES ({self._dialect.marks(9)})",
            key_params(self._dialect, key),
        )

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        """Mark a key revoked; ``False`` if it does not exist or is already revoked."""
        mark = self._dialect.mark
        cursor = self._conn.execute(
            f"UPDATE api_keys SET revoked_at = {mark} WHERE id = {mark} AND revoked_at IS NULL",
            (self._dialect.time_in(at), key_id),
        )
        return cursor.rowcount == 1
