"""Every read (and the three small writes of their own) that both backends run the same way.

:class:`SQLStore` implements the roles of :class:`~cml.storage.base.MemoryStore` whose SQL is the
same in SQLite and PostgreSQL once a :class:`~cml.storage.sql.dialect.Dialect` fills in the
parameter marks, list parameters and value encodings: reading memories, versions, idempotency
records, events, keys and tenants, counting accesses, and leases. A backend subclasses it and
adds what truly differs: opening and closing, full-text and vector search, session order, and
how a unit of work (:class:`~cml.storage.sql.tx.SQLTransaction`) is opened and committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from cml.errors import InvalidInputError, StoreMismatchError, UnavailableError
from cml.storage.base import (
    ALL_EVENTS,
    ChainHead,
    EventFilter,
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryRecord,
    TenantRecord,
    VersionRecord,
)
from cml.storage.sql.chain import read_head
from cml.storage.sql.columns import (
    CANDIDATE_SELECT,
    EVENT_COLUMNS,
    IDEMPOTENCY_COLUMNS,
    KEY_COLUMNS,
    MEMORY_SELECT,
    VERSION_COLUMNS,
)
from cml.storage.sql.connections import Connections, ConnT, read_all, read_one
from cml.storage.sql.dialect import Dialect
from cml.storage.sql.rows import (
    filter_sql,
    row_to_candidate,
    row_to_event,
    row_to_idempotency,
    row_to_key,
    row_to_memory,
    row_to_version,
)
from cml.storage.sql.webhooks import SQLWebhooks

__all__ = ["SQLStore", "any_memory_statement"]

logger = logging.getLogger(__name__)


def _conditions(mark: str, *conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A ``WHERE`` text joining ``column op mark`` with ``AND``, and its parameters.

    Each condition is ``("column op", value)``; one whose value is ``None`` is left out (an
    optional filter), so the first should always have a value.
    """
    kept = [(test, value) for test, value in conditions if value is not None]
    return " AND ".join(f"{test} {mark}" for test, _ in kept), [value for _, value in kept]


def any_memory_statement(d: Dialect, filt: MemoryFilter) -> tuple[str, list[Any]]:
    """The statement of :meth:`SQLStore.any_memory` and its parameters (one row: 0 or 1)."""
    where, params = filter_sql(d, filt)
    # No ORDER BY: with one, SQLite walks the (tenant_id, id) index looking for a match.
    return f"SELECT EXISTS (SELECT 1 FROM memories AS m WHERE {where})", params


class SQLStore(SQLWebhooks[ConnT]):
    """The statements both backends share, over a backend's connections and dialect.

    Subclasses set :attr:`dialect`, ``location`` and ``_db`` (their connections) and implement
    the rest of :class:`~cml.storage.base.MemoryStore`.
    """

    dialect: ClassVar[Dialect]
    location: str
    """Where the database is, for messages (never a password)."""
    _db: Connections[ConnT]

    def _memory_rows(self, conn: ConnT, sql: str, params: Sequence[Any]) -> list[Any]:
        """Rows of a ``MEMORY_SELECT`` (a backend may ask its driver for a faster format)."""
        return conn.execute(sql, params).fetchall()

    def _memories(self, sql: str, params: Sequence[Any]) -> list[MemoryRecord]:
        with self._db.read() as conn:
            rows = self._memory_rows(conn, sql, params)
        return [row_to_memory(self.dialect, row) for row in rows]

    # -- memories --------------------------------------------------------------------------------
    def get(self, tenant_id: str, memory_id: str) -> MemoryRecord | None:
        """One memory of the tenant, whatever its status."""
        mark = self.dialect.mark
        found = self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m"
            f" WHERE m.tenant_id = {mark} AND m.id = {mark}",
            (tenant_id, memory_id),
        )
        return found[0] if found else None

    def get_many(self, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
        """The tenant's memories among ``ids``, in the order of ``ids`` (duplicates once)."""
        return self._among(tenant_id, ids, MEMORY_SELECT, row_to_memory)

    def get_candidates(self, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
        """Like :meth:`get_many`, with only the fields a read ranks its candidates by.

        The fields of ``CANDIDATE_COLUMNS`` are read; the others keep their defaults
        (:func:`~cml.storage.sql.rows.row_to_candidate`).
        """
        return self._among(tenant_id, ids, CANDIDATE_SELECT, row_to_candidate)

    def _among(
        self,
        tenant_id: str,
        ids: Sequence[str],
        select: str,
        decode: Callable[[Dialect, Sequence[Any]], MemoryRecord],
    ) -> list[MemoryRecord]:
        d = self.dialect
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        rows: list[Any] = []
        with self._db.read() as conn:
            for part in d.chunks(wanted):
                among, params = d.in_list("m.id", part)
                rows += self._memory_rows(
                    conn,
                    f"SELECT {select} FROM memories AS m WHERE m.tenant_id = {d.mark} AND {among}",
                    (tenant_id, *params),
                )
        found = {record.id: record for record in (decode(d, row) for row in rows)}
        return [found[i] for i in wanted if i in found]

    def find_by_hash(self, filt: MemoryFilter, content_hash: str) -> MemoryRecord | None:
        """The oldest memory matching the filter with exactly this content hash."""
        d = self.dialect
        where, params = filter_sql(d, filt)
        # Without the hint SQLite walks (tenant_id, id) to skip the sort, scanning the whole
        # tenant on every write's duplicate check; the hash index finds the few candidates.
        found = self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m{d.hint('ix_memories_tenant_hash')}"
            f" WHERE {where} AND m.content_hash = {d.mark} ORDER BY m.id LIMIT 1",
            (*params, content_hash),
        )
        return found[0] if found else None

    def list_memories(
        self, filt: MemoryFilter, *, after_id: str | None = None, limit: int = 100
    ) -> list[MemoryRecord]:
        """Memories matching the filter, by id ascending, starting after ``after_id``."""
        mark = self.dialect.mark
        where, params = filter_sql(self.dialect, filt)
        if after_id is not None:
            where += f" AND m.id > {mark}"
            params.append(after_id)
        return self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE {where} ORDER BY m.id LIMIT {mark}",
            (*params, max(limit, 0)),
        )

    def any_memory(self, filt: MemoryFilter) -> bool:
        """Whether at least one memory matches the filter (an index probe, not a scan)."""
        row = read_one(self._db, *any_memory_statement(self.dialect, filt))
        return bool(row[0]) if row else False

    def iter_memories(self, filt: MemoryFilter, batch_size: int = 500) -> Iterator[MemoryRecord]:
        """Every memory matching the filter in id order, read ``batch_size`` at a time."""
        after_id: str | None = None
        while True:
            batch = self.list_memories(filt, after_id=after_id, limit=batch_size)
            yield from batch
            if len(batch) < batch_size:
                return
            after_id = batch[-1].id

    def count_by_type_and_status(
        self, tenant_id: str, namespace: str | None = None
    ) -> dict[tuple[str, str], int]:
        """Memory counts keyed by ``(memory_type, status)``."""
        where, params = _conditions(
            self.dialect.mark, ("tenant_id =", tenant_id), ("namespace =", namespace)
        )
        rows = read_all(
            self._db,
            f"SELECT memory_type, status, COUNT(*) FROM memories WHERE {where}"
            " GROUP BY memory_type, status",
            params,
        )
        return {(memory_type, status): int(count) for memory_type, status, count in rows}

    def count_by_day_and_type(
        self, tenant_id: str, since: datetime, until: datetime, namespace: str | None = None
    ) -> dict[tuple[int, str], int]:
        """Counts of the memories not deleted by UTC day stored and type (days since 1970)."""
        d = self.dialect
        stored = "COALESCE(stored_at, created_at)"
        day = d.epoch_day.format(column=stored)
        where, params = _conditions(
            d.mark,
            ("tenant_id =", tenant_id),
            (f"{stored} >=", d.time_in(since)),
            (f"{stored} <", d.time_in(until)),
            ("namespace =", namespace),
        )
        rows = read_all(
            self._db,
            f"SELECT {day}, memory_type, COUNT(*) FROM memories"
            f" WHERE {where} AND status <> 'deleted' GROUP BY 1, memory_type",
            params,
        )
        return {(int(days), memory_type): int(count) for days, memory_type, count in rows}

    def versions(self, tenant_id: str, memory_id: str) -> list[VersionRecord]:
        """Earlier states of a memory, oldest first."""
        mark = self.dialect.mark
        rows = read_all(
            self._db,
            f"SELECT {VERSION_COLUMNS} FROM memory_versions"
            f" WHERE tenant_id = {mark} AND memory_id = {mark} ORDER BY version, pk",
            (tenant_id, memory_id),
        )
        return [row_to_version(self.dialect, row) for row in rows]

    def list_unconsolidated(self, filt: MemoryFilter, *, limit: int) -> list[MemoryRecord]:
        """Memories the filter admits that are not yet consolidated, newest written first."""
        if limit <= 0:
            return []
        where, params = filter_sql(self.dialect, filt)
        return self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE {where}"
            f" AND m.consolidated_at IS NULL ORDER BY m.pk DESC LIMIT {self.dialect.mark}",
            (*params, limit),
        )

    # -- access counts: a best-effort write of its own -------------------------------------------
    def record_access(self, tenant_id: str, ids: Sequence[str], at: datetime) -> None:
        """Count one access of each memory (see :class:`~cml.storage.base.AccessCounter`).

        Outside a unit of work this commits by itself, and a busy or failing database skips it
        with a warning: a read never fails or waits because its access counts could not be
        written.
        """
        d = self.dialect
        unique = sorted(set(ids))
        if not unique:
            return
        try:
            with self._db.best_effort() as conn:
                for part in d.chunks(unique):
                    among, params = d.in_list("id", part)
                    # Rows are locked in id order, so two PostgreSQL replicas counting
                    # overlapping reads cannot deadlock. A backend without row locks (one
                    # writer) updates the rows directly: the same rows, at a third less cost
                    # than through the subquery.
                    rows = (
                        f"id IN (SELECT id FROM memories WHERE tenant_id = {d.mark} AND {among}"
                        f" ORDER BY id{d.row_lock})"
                        if d.row_lock
                        else f"tenant_id = {d.mark} AND {among}"
                    )
                    conn.execute(
                        "UPDATE memories SET access_count = access_count + 1,"
                        f" last_accessed_at = {d.mark} WHERE {rows}",
                        (d.time_in(at), tenant_id, *params),
                    )
        except UnavailableError as exc:
            if self._db.closed:
                raise
            logger.warning("access counts not recorded: %s", exc.message)

    # -- idempotency, keys, events, tenants ------------------------------------------------------
    def get_idempotency(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        """The stored outcome for an idempotency key of this tenant."""
        mark = self.dialect.mark
        row = read_one(
            self._db,
            f"SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency"
            f" WHERE tenant_id = {mark} AND key = {mark}",
            (tenant_id, key),
        )
        return None if row is None else row_to_idempotency(self.dialect, row)

    def find_key(self, key_hash: str) -> KeyRecord | None:
        """The key with this hash, revoked or not."""
        sql = f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = {self.dialect.mark}"
        row = read_one(self._db, sql, (key_hash,))
        return None if row is None else row_to_key(self.dialect, row)

    def list_keys(self, tenant_id: str | None = None) -> list[KeyRecord]:
        """All keys, or one tenant's, oldest first."""
        sql = f"SELECT {KEY_COLUMNS} FROM api_keys"
        params: tuple[str, ...] = ()
        if tenant_id is not None:
            sql += f" WHERE tenant_id = {self.dialect.mark}"
            params = (tenant_id,)
        rows = read_all(self._db, sql + " ORDER BY created_at, id", params)
        return [row_to_key(self.dialect, row) for row in rows]

    def _event_where(self, tenant_id: str, which: EventFilter) -> tuple[str, list[Any]]:
        return _conditions(
            self.dialect.mark,
            ("tenant_id =", tenant_id),
            ("event_type =", which.event_type),
            ("created_at >=", self.dialect.opt_time_in(which.since)),
        )

    def list_events(
        self, tenant_id: str, which: EventFilter = ALL_EVENTS, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[EventRecord], int]:
        """A page of the tenant's events, newest first, and the total number matching."""
        if offset < 0 or limit < 0:
            raise InvalidInputError("offset and limit must not be negative")
        mark = self.dialect.mark
        where, params = self._event_where(tenant_id, which)
        with self._db.read() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where}"
                f" ORDER BY id DESC LIMIT {mark} OFFSET {mark}",
                (*params, limit, offset),
            ).fetchall()
        events = [row_to_event(self.dialect, row) for row in rows]
        return events, int(total[0]) if total else 0

    def events_after(
        self, tenant_id: str, after_id: int, which: EventFilter = ALL_EVENTS, *, limit: int = 100
    ) -> list[EventRecord]:
        """The tenant's events after ``after_id``, oldest first."""
        mark = self.dialect.mark
        where, params = self._event_where(tenant_id, which)
        rows = read_all(
            self._db,
            f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} AND id > {mark}"
            f" ORDER BY id LIMIT {mark}",
            (*params, after_id, max(limit, 0)),
        )
        return [row_to_event(self.dialect, row) for row in rows]

    def chain_head(self, tenant_id: str) -> ChainHead | None:
        """Where the tenant's event hash chain ends (``None`` before its first chained event)."""
        with self._db.read() as conn:
            return read_head(conn, self.dialect, tenant_id)

    def list_tenants(self) -> list[TenantRecord]:
        """Every tenant of the memories, events and keys, with counts and last activity."""
        with self._db.read() as conn:
            memories = conn.execute(
                "SELECT tenant_id,"
                " SUM(CASE WHEN status <> 'deleted' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN status <> 'deleted' AND memory_type = 'semantic_fact'"
                " THEN 1 ELSE 0 END),"
                " MAX(updated_at), MAX(stored_at) FROM memories GROUP BY tenant_id"
            ).fetchall()
            events = conn.execute(
                "SELECT tenant_id, COUNT(*), MAX(created_at) FROM events GROUP BY tenant_id"
            ).fetchall()
            keyed = conn.execute("SELECT DISTINCT tenant_id FROM api_keys").fetchall()
        counts: dict[str, list[int]] = {}
        latest: dict[str, list[datetime]] = {}
        for tenant, total, facts, *stamps in memories:
            counts[tenant] = [int(total), int(facts), 0]
            latest[tenant] = [self.dialect.time_out(t) for t in stamps]
        for tenant, total, stamp in events:
            counts.setdefault(tenant, [0, 0, 0])[2] = int(total)
            latest.setdefault(tenant, []).append(self.dialect.time_out(stamp))
        for (tenant,) in keyed:
            counts.setdefault(tenant, [0, 0, 0])
        # Sorted by code point, which is PostgreSQL's byte-wise "C" order of UTF-8 text.
        return [
            TenantRecord(
                tenant_id=tenant,
                memory_count=counts[tenant][0],
                fact_count=counts[tenant][1],
                event_count=counts[tenant][2],
                last_activity=max(latest[tenant]) if latest.get(tenant) else None,
            )
            for tenant in sorted(counts)
        ]

    # -- the embedding model and leases: small writes of their own ---------------------------------
    def _record_model(self, conn: ConnT, table: str, model: str, dimensions: int) -> None:
        """Record the embedding model in ``table`` on first use; refuse a different one after.

        Raises:
            StoreMismatchError: The store holds embeddings of another model or dimension.
        """
        mark = self.dialect.mark
        held = dict(
            conn.execute(
                f"SELECT key, value FROM {table}"
                " WHERE key IN ('embedding_model', 'embedding_dimensions')"
            ).fetchall()
        )
        if not held:
            conn.execute(
                f"INSERT INTO {table} (key, value) VALUES"
                f" ('embedding_model', {mark}), ('embedding_dimensions', {mark})",
                (model, str(dimensions)),
            )
            return
        held_model, held_dims = held.get("embedding_model"), held.get("embedding_dimensions")
        if held_model != model or held_dims != str(dimensions):
            raise StoreMismatchError(
                f"The store {self.location} holds embeddings from model {held_model!r} "
                f"({held_dims} dimensions), but the embedder is {model!r} "
                f"({dimensions} dimensions).",
                hint=f"Configure embedding model {held_model!r} with {held_dims} dimensions, "
                "or use a new database for the new model.",
            )

    def try_acquire_lease(self, name: str, owner: str, ttl_seconds: float, now: datetime) -> bool:
        """Take (or renew) the named lease for ``owner`` if free, expired or already theirs.

        One statement: a competing process's insert or takeover of the same row waits for this
        one, then sees its result, so two owners never both get ``True``.
        """
        d = self.dialect
        with self._db.own_write() as conn:
            taken = conn.execute(
                f"INSERT INTO leases (name, owner, expires_at) VALUES ({d.marks(3)})"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
                " expires_at = excluded.expires_at"
                f" WHERE leases.owner = excluded.owner OR leases.expires_at <= {d.mark}",
                (name, owner, d.time_in(now + timedelta(seconds=ttl_seconds)), d.time_in(now)),
            ).rowcount
        return taken == 1

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease back if ``owner`` holds it."""
        mark = self.dialect.mark
        with self._db.own_write() as conn:
            conn.execute(
                f"DELETE FROM leases WHERE name = {mark} AND owner = {mark}", (name, owner)
            )
