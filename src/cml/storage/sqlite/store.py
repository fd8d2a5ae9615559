"""The SQLite backend: one file (or ``:memory:``), WAL, FTS5 and an in-memory vector index.

Lexical search is an FTS5 external-content table kept in sync by triggers (see
:mod:`cml.storage.sqlite.schema`); vector search is an exact in-memory index per tenant (see
:mod:`cml.storage.sqlite.vector_index`); the connection and locking model is in
:mod:`cml.storage.sqlite.conn`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from cml.errors import InvalidInputError, StoreMismatchError, UnavailableError
from cml.storage.base import (
    EventRecord,
    IdempotencyRecord,
    KeyRecord,
    MemoryFilter,
    MemoryRecord,
    MemoryStore,
    TenantRecord,
    Vector,
    VersionRecord,
)
from cml.storage.sql.columns import EVENT_COLUMNS, KEY_COLUMNS, MEMORY_SELECT, VERSION_COLUMNS
from cml.storage.sqlite.conn import MEMORY, Connections, prepare_file
from cml.storage.sqlite.lexical import lexical_search
from cml.storage.sqlite.rows import (
    filter_sql,
    from_epoch,
    placeholders,
    row_to_event,
    row_to_idempotency,
    row_to_key,
    row_to_memory,
    row_to_version,
    to_epoch,
)
from cml.storage.sqlite.schema import SCHEMA_VERSION, migrate
from cml.storage.sqlite.session import session_successors
from cml.storage.sqlite.tx import SQLiteTransaction, chunks
from cml.storage.sqlite.vector_index import IndexRow, VectorIndex

logger = logging.getLogger(__name__)

BEST_EFFORT_WAIT_MS = 100
"""How long access counting waits for another process's write lock before skipping."""


class SQLiteStore:
    """A :class:`~cml.storage.base.MemoryStore` in one SQLite file (or in memory).

    Args:
        path: The database file (parent directories are created) or ``":memory:"``.

    Raises:
        UnavailableError: The file or its directory cannot be created or written.
        StoreMismatchError: The database was written by a newer py-cml.

    Example:
        >>> store = SQLiteStore(":memory:")
        >>> store.ping()
        >>> store.close()
    """

    backend = "sqlite"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        in_memory = str(path) == MEMORY
        self.path: Path | None = None if in_memory else Path(path).expanduser().resolve()
        self.location = MEMORY if self.path is None else str(self.path)
        if self.path is not None:
            prepare_file(self.path)
        self._db = Connections(self.location)
        try:
            migrate(self._db.writer, location=self.location)
        except sqlite3.Error as exc:
            self._db.close()
            raise self._db.opening_error(exc) from exc
        except BaseException:
            self._db.close()
            raise
        self._index = VectorIndex(self._load_vectors, self._db.write_lock)

    # -- lifecycle and metadata ----------------------------------------------------------------
    def close(self) -> None:
        """Close every connection and drop the vector index (safe to call twice)."""
        with self._db.write_lock:
            self._index.clear()
            self._db.close()

    def check_embedding_model(self, model: str, dimensions: int) -> None:
        """Record the embedding model on first use; refuse a different one afterwards.

        Raises:
            StoreMismatchError: The store holds embeddings of another model or dimension.
        """
        with self._db.write() as conn:
            rows = dict(
                conn.execute(
                    "SELECT key, value FROM meta"
                    " WHERE key IN ('embedding_model', 'embedding_dimensions')"
                ).fetchall()
            )
            if not rows:
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("embedding_model", model), ("embedding_dimensions", str(dimensions))],
                )
                return
            held_model, held_dims = rows.get("embedding_model"), rows.get("embedding_dimensions")
            if held_model != model or held_dims != str(dimensions):
                raise StoreMismatchError(
                    f"The store {self.location} holds embeddings from model {held_model!r} "
                    f"({held_dims} dimensions), but the embedder is {model!r} "
                    f"({dimensions} dimensions).",
                    hint=f"Configure embedding model {held_model!r} with {held_dims} dimensions, "
                    "or use a new database for the new model.",
                )

    def storage_bytes(self) -> int:
        """Bytes used by the database file and its WAL and shared-memory files."""
        if self.path is None:
            with self._db.read() as conn:
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                size = conn.execute("PRAGMA page_size").fetchone()[0]
            return int(pages) * int(size)
        total = 0
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(f"{self.path}{suffix}")
            if candidate.exists():
                total += candidate.stat().st_size
        return total

    def ping(self) -> None:
        """Run ``SELECT 1``.

        Raises:
            UnavailableError: The database does not answer (or the store is closed).
        """
        try:
            with self._db.read() as conn:
                conn.execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            self._db.fail(exc)

    def describe(self) -> dict[str, Any]:
        """Backend, SQLite library version, location, schema version, size and journal mode."""
        with self._db.read() as conn:
            journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        return {
            "backend": self.backend,
            "sqlite_version": sqlite3.sqlite_version,
            "location": self.location,
            "schema_version": SCHEMA_VERSION,
            "journal_mode": str(journal),
            "storage_bytes": self.storage_bytes(),
            "indexed_tenants": self._index.tenant_count(),
        }

    # -- reads -----------------------------------------------------------------------------------
    def get(self, tenant_id: str, memory_id: str) -> MemoryRecord | None:
        """One memory of the tenant, whatever its status."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE m.tenant_id = ? AND m.id = ?",
                (tenant_id, memory_id),
            ).fetchone()
        return None if row is None else row_to_memory(row)

    def get_many(self, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
        """The tenant's memories among ``ids``, in the order of ``ids`` (duplicates once)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, MemoryRecord] = {}
        with self._db.read() as conn:
            for part in chunks(wanted):
                for row in conn.execute(
                    f"SELECT {MEMORY_SELECT} FROM memories AS m"
                    f" WHERE m.tenant_id = ? AND m.id IN ({placeholders(len(part))})",
                    (tenant_id, *part),
                ).fetchall():
                    record = row_to_memory(row)
                    found[record.id] = record
        return [found[i] for i in wanted if i in found]

    def find_by_hash(self, filt: MemoryFilter, content_hash: str) -> MemoryRecord | None:
        """The oldest memory matching the filter with exactly this content hash."""
        where, params = filter_sql(filt)
        with self._db.read() as conn:
            # Without the hint SQLite walks (tenant_id, id) to skip the sort, scanning the whole
            # tenant on every write's duplicate check; the hash index finds the few candidates.
            row = conn.execute(
                f"SELECT {MEMORY_SELECT} FROM memories AS m INDEXED BY ix_memories_tenant_hash"
                f" WHERE {where} AND m.content_hash = ? ORDER BY m.id LIMIT 1",
                (*params, content_hash),
            ).fetchone()
        return None if row is None else row_to_memory(row)

    def lexical_search(self, filt: MemoryFilter, query: str, limit: int) -> list[tuple[str, float]]:
        """BM25-ranked full-text matches of any word of ``query`` (higher score is better).

        Any text is accepted: words are quoted, English stopwords dropped, and a query with no
        usable word returns ``[]``.
        """
        with self._db.read() as conn:
            return lexical_search(conn, filt, query, limit)

    def vector_search(
        self, filt: MemoryFilter, vector: Vector, limit: int
    ) -> list[tuple[str, float]]:
        """Exact nearest neighbours by cosine similarity among memories matching the filter."""
        self._db.check_open()
        # Inside an open transaction on the shared :memory: connection a fresh load would see
        # uncommitted rows, so such a load is used once and not kept.
        cache = not (self._db.in_memory and self._db.in_transaction())
        return self._index.search(filt, vector, limit, cache=cache)

    def session_successors(
        self, filt: MemoryFilter, ids: Sequence[str], count: int
    ) -> dict[str, list[str]]:
        """Up to ``count`` memories after each of ``ids`` in its session (see the protocol)."""
        with self._db.read() as conn:
            return session_successors(conn, filt, ids, count)

    def _load_vectors(self, tenant_id: str) -> list[IndexRow]:
        with self._db.read() as conn:
            rows: list[IndexRow] = conn.execute(
                "SELECT id, embedding, status, memory_type, namespace, session_id, created_at"
                " FROM memories WHERE tenant_id = ? AND embedding IS NOT NULL ORDER BY pk",
                (tenant_id,),
            ).fetchall()
        if rows:
            # Rows of another width can only come from outside tampering; they are unsearchable.
            width = len(rows[-1][1])
            rows = [row for row in rows if len(row[1]) == width]
        return rows

    def list_memories(
        self, filt: MemoryFilter, *, after_id: str | None = None, limit: int = 100
    ) -> list[MemoryRecord]:
        """Memories matching the filter, by id ascending, starting after ``after_id``."""
        where, params = filter_sql(filt)
        if after_id is not None:
            where += " AND m.id > ?"
            params.append(after_id)
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE {where} ORDER BY m.id LIMIT ?",
                (*params, max(limit, 0)),
            ).fetchall()
        return [row_to_memory(row) for row in rows]

    def any_memory(self, filt: MemoryFilter) -> bool:
        """Whether at least one memory matches the filter (an index probe, not a scan)."""
        where, params = filter_sql(filt)
        # No ORDER BY: with one, SQLite walks the (tenant_id, id) index looking for a match.
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT EXISTS (SELECT 1 FROM memories AS m WHERE {where})", params
            ).fetchone()
        return bool(row[0])

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
        sql = "SELECT memory_type, status, COUNT(*) FROM memories WHERE tenant_id = ?"
        params: list[Any] = [tenant_id]
        if namespace is not None:
            sql += " AND namespace = ?"
            params.append(namespace)
        with self._db.read() as conn:
            rows = conn.execute(sql + " GROUP BY memory_type, status", params).fetchall()
        return {(memory_type, status): count for memory_type, status, count in rows}

    def versions(self, tenant_id: str, memory_id: str) -> list[VersionRecord]:
        """Earlier states of a memory, oldest first."""
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {VERSION_COLUMNS} FROM memory_versions"
                " WHERE tenant_id = ? AND memory_id = ? ORDER BY version, pk",
                (tenant_id, memory_id),
            ).fetchall()
        return [row_to_version(row) for row in rows]

    def get_idempotency(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        """The stored outcome for an idempotency key of this tenant."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT tenant_id, key, request_hash, response, created_at FROM idempotency"
                " WHERE tenant_id = ? AND key = ?",
                (tenant_id, key),
            ).fetchone()
        return None if row is None else row_to_idempotency(row)

    def record_access(self, tenant_id: str, ids: Sequence[str], at: datetime) -> None:
        """Count one access of each memory. Best effort: a busy database skips the update."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return
        statement = (
            "UPDATE memories SET access_count = access_count + 1, last_accessed_at = ?"
            " WHERE tenant_id = ? AND id IN ({})"
        )

        def run(conn: sqlite3.Connection) -> None:
            for part in chunks(unique):
                conn.execute(
                    statement.format(placeholders(len(part))), (to_epoch(at), tenant_id, *part)
                )

        with self._db.write_lock:
            if self._db.in_transaction():
                run(self._db.writer)  # already inside this thread's unit of work
                return
            try:
                with self._db.write(wait_ms=BEST_EFFORT_WAIT_MS) as conn:
                    run(conn)
            except UnavailableError as exc:
                if self._db.closed:
                    raise
                logger.warning("access counts not recorded: %s", exc.message)

    def find_key(self, key_hash: str) -> KeyRecord | None:
        """The key with this hash, revoked or not."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,)
            ).fetchone()
        return None if row is None else row_to_key(row)

    def list_keys(self, tenant_id: str | None = None) -> list[KeyRecord]:
        """All keys, or one tenant's, oldest first."""
        sql = f"SELECT {KEY_COLUMNS} FROM api_keys"
        params: tuple[str, ...] = ()
        if tenant_id is not None:
            sql += " WHERE tenant_id = ?"
            params = (tenant_id,)
        with self._db.read() as conn:
            rows = conn.execute(sql + " ORDER BY created_at, id", params).fetchall()
        return [row_to_key(row) for row in rows]

    def list_events(
        self,
        tenant_id: str,
        *,
        event_type: str | None = None,
        since: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[EventRecord], int]:
        """A page of the tenant's events, newest first, and the total number matching."""
        if offset < 0 or limit < 0:
            raise InvalidInputError("offset and limit must not be negative")
        where = "tenant_id = ?"
        params: list[Any] = [tenant_id]
        if event_type is not None:
            where += " AND event_type = ?"
            params.append(event_type)
        if since is not None:
            where += " AND created_at >= ?"
            params.append(to_epoch(since))
        with self._db.read() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where}"
                " ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [row_to_event(row) for row in rows], int(total[0])

    def events_after(
        self,
        tenant_id: str,
        after_id: int,
        *,
        event_type: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[EventRecord]:
        """The tenant's events after ``after_id``, oldest first."""
        where = "tenant_id = ? AND id > ?"
        params: list[Any] = [tenant_id, after_id]
        if event_type is not None:
            where += " AND event_type = ?"
            params.append(event_type)
        if since is not None:
            where += " AND created_at >= ?"
            params.append(to_epoch(since))
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY id LIMIT ?",
                (*params, max(limit, 0)),
            ).fetchall()
        return [row_to_event(row) for row in rows]

    def list_unconsolidated(
        self,
        tenant_id: str,
        memory_types: Sequence[str],
        *,
        limit: int,
        namespace: str | None = None,
    ) -> list[MemoryRecord]:
        """Active, not yet consolidated memories of these types, newest written first."""
        if not memory_types or limit <= 0:
            return []
        sql = (
            f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE m.tenant_id = ?"
            " AND m.status = 'active' AND m.consolidated_at IS NULL"
            f" AND m.memory_type IN ({placeholders(len(memory_types))})"
        )
        params: list[Any] = [tenant_id, *[str(t) for t in memory_types]]
        if namespace is not None:
            sql += " AND m.namespace = ?"
            params.append(namespace)
        with self._db.read() as conn:
            rows = conn.execute(sql + " ORDER BY m.pk DESC LIMIT ?", (*params, limit)).fetchall()
        return [row_to_memory(row) for row in rows]

    def list_tenants(self) -> list[TenantRecord]:
        """Every tenant of the memories, events and keys, with counts and last activity."""
        with self._db.read() as conn:
            memories = {
                tenant: (total, facts, last)
                for tenant, total, facts, last in conn.execute(
                    "SELECT tenant_id, SUM(status != 'deleted'),"
                    " SUM(status != 'deleted' AND memory_type = 'semantic_fact'),"
                    " MAX(MAX(updated_at, stored_at)) FROM memories GROUP BY tenant_id"
                ).fetchall()
            }
            events = {
                tenant: (count, last)
                for tenant, count, last in conn.execute(
                    "SELECT tenant_id, COUNT(*), MAX(created_at) FROM events GROUP BY tenant_id"
                ).fetchall()
            }
            keyed = {row[0] for row in conn.execute("SELECT DISTINCT tenant_id FROM api_keys")}
        tenants: list[TenantRecord] = []
        for tenant in sorted(set(memories) | set(events) | keyed):
            total, facts, memory_last = memories.get(tenant, (0, 0, None))
            event_count, event_last = events.get(tenant, (0, None))
            stamps = [t for t in (memory_last, event_last) if t is not None]
            tenants.append(
                TenantRecord(
                    tenant_id=tenant,
                    memory_count=int(total or 0),
                    fact_count=int(facts or 0),
                    event_count=int(event_count),
                    last_activity=from_epoch(max(stamps)) if stamps else None,
                )
            )
        return tenants

    # -- writes ----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[SQLiteTransaction]:
        """A unit of work: commits on normal exit, rolls back (index untouched) on an exception.

        Raises:
            RuntimeError: A transaction is already open in this thread.
        """
        with self._db.write_lock:
            with self._db.write() as conn:
                tx = SQLiteTransaction(conn)
                yield tx
            # Committed. Still holding the writer lock, so index updates land in commit order.
            self._index.apply(tx.changes)

    # -- leases ----------------------------------------------------------------------------------
    def try_acquire_lease(self, name: str, owner: str, ttl_seconds: float, now: datetime) -> bool:
        """Take (or renew) the named lease for ``owner`` if free, expired or already theirs."""
        expires = to_epoch(now) + ttl_seconds
        with self._db.write_lock, self._db.write() as conn:
            # One statement: insert, or take over only when expired or already ours.
            taken = conn.execute(
                "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,"
                " expires_at = excluded.expires_at"
                " WHERE leases.owner = excluded.owner OR leases.expires_at <= ?",
                (name, owner, expires, to_epoch(now)),
            ).rowcount
        return taken == 1

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease back if ``owner`` holds it."""
        with self._db.write_lock, self._db.write() as conn:
            conn.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))


def _conforms(store: SQLiteStore) -> MemoryStore:
    return store  # mypy checks that SQLiteStore implements the protocol
