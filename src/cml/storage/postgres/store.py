"""The PostgreSQL backend: pgvector HNSW and tsvector/GIN search, shared by server replicas.

Every piece of shared state lives in the database, so any number of ``cml serve`` processes can
use one database: idempotency keys are a primary key (``ON CONFLICT DO NOTHING``), leases an
``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` in one statement, and the embedding model a row
written under an advisory lock. The schema comes from Alembic (``cml db upgrade``); opening a
store only checks its revision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from psycopg import errors as pg_errors

from cml.errors import (
    DatabaseUnavailableError,
    InvalidInputError,
    StoreMismatchError,
    UnavailableError,
)
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
from cml.storage.postgres.pool import EF_SEARCH, Connections, first_line
from cml.storage.postgres.rows import (
    filter_sql,
    row_to_event,
    row_to_idempotency,
    row_to_key,
    row_to_memory,
    row_to_version,
    utc,
)
from cml.storage.postgres.schema import (
    HNSW_INDEX,
    check_revision,
    describe_location,
    to_conninfo,
)
from cml.storage.postgres.search import (
    lexical_sql,
    session_successors_sql,
    vector_sql,
    websearch_text,
)
from cml.storage.postgres.tenants import list_tenants
from cml.storage.postgres.tx import PostgresTransaction
from cml.storage.sql.columns import EVENT_COLUMNS, KEY_COLUMNS, MEMORY_SELECT, VERSION_COLUMNS

logger = logging.getLogger(__name__)

_MODEL_LOCK = 0x636D6C01
"""Advisory lock taken while the embedding model is recorded and its index built."""


class PostgresStore:
    """A :class:`~cml.storage.base.MemoryStore` in a PostgreSQL database with pgvector.

    Args:
        database_url: ``postgresql://user:password@host:5432/dbname`` (any libpq URL).
        pool_min: Connections kept open.
        pool_max: Most connections open at once.

    Raises:
        UnavailableError: The database cannot be reached.
        StoreMismatchError: The schema is missing, older (run ``cml db upgrade``) or newer.

    Example:
        >>> store = PostgresStore("postgresql://cml@db.internal/cml")  # doctest: +SKIP
        >>> store.describe()["pgvector_version"]  # doctest: +SKIP
        '0.6.2'
    """

    backend = "postgres"

    def __init__(self, database_url: str, *, pool_min: int = 1, pool_max: int = 10) -> None:
        conninfo = to_conninfo(database_url)
        self.location = describe_location(conninfo)
        # One direct connection first: a missing schema must be reported as such, not as a pool
        # that cannot configure its connections.
        try:
            with psycopg.connect(conninfo, connect_timeout=10, autocommit=True) as conn:
                self.schema_revision = check_revision(conn, self.location)
                self.server_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
                row = conn.execute(
                    "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
                ).fetchone()
                self.pgvector_version = None if row is None else str(row[0])
                self._dims = _recorded_dimensions(conn)
        except psycopg.Error as exc:
            raise DatabaseUnavailableError(
                f"Cannot connect to PostgreSQL at {self.location}: {first_line(exc)}",
                hint="Check CML_DATABASE_URL and that PostgreSQL is running and reachable.",
            ) from None
        self._db = Connections(conninfo, self.location, min_size=pool_min, max_size=pool_max)

    # -- lifecycle and metadata ----------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool (safe to call twice)."""
        self._db.close()

    def check_embedding_model(self, model: str, dimensions: int) -> None:
        """Record the embedding model on first use (and build the HNSW index for its dimension);
        refuse a different model afterwards.

        Raises:
            StoreMismatchError: The store holds embeddings of another model or dimension.
        """
        with self._db.write() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MODEL_LOCK,))
            rows = dict(
                conn.execute(
                    "SELECT key, value FROM cml_meta"
                    " WHERE key IN ('embedding_model', 'embedding_dimensions')"
                ).fetchall()
            )
            if not rows:
                conn.execute(
                    "INSERT INTO cml_meta (key, value) VALUES"
                    " ('embedding_model', %s), ('embedding_dimensions', %s)",
                    (model, str(dimensions)),
                )
            else:
                held_model, held_dims = (
                    rows.get("embedding_model"),
                    rows.get("embedding_dimensions"),
                )
                if held_model != model or held_dims != str(dimensions):
                    raise StoreMismatchError(
                        f"The store {self.location} holds embeddings from model {held_model!r} "
                        f"({held_dims} dimensions), but the embedder is {model!r} "
                        f"({dimensions} dimensions).",
                        hint=f"Configure embedding model {held_model!r} with {held_dims} "
                        "dimensions, or use a new database for the new model.",
                    )
            self._ensure_hnsw_index(conn, dimensions)
        self._dims = dimensions

    def _ensure_hnsw_index(self, conn: psycopg.Connection[Any], dimensions: int) -> None:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HNSW_INDEX,)).fetchone()
        if exists is not None and exists[0]:
            return
        try:
            with conn.transaction():  # a savepoint: the message below replaces the failure
                conn.execute(
                    f"CREATE INDEX {HNSW_INDEX} ON memories USING hnsw"
                    f" ((embedding::vector({int(dimensions)})) vector_cosine_ops)"
                )
        except pg_errors.DataException as exc:
            raise StoreMismatchError(
                f"The store {self.location} holds embeddings that are not "
                f"{dimensions}-dimensional: {str(exc).strip()}",
                hint="Use a new database for this embedding model.",
            ) from None

    def storage_bytes(self) -> int:
        """Bytes used by the whole database (``pg_database_size``)."""
        with self._db.read() as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0

    def ping(self) -> None:
        """Run ``SELECT 1``.

        Raises:
            UnavailableError: The database does not answer (or the store is closed).
        """
        with self._db.read() as conn:
            conn.execute("SELECT 1").fetchone()

    def describe(self) -> dict[str, Any]:
        """Backend, server and pgvector versions, location, schema, pool state and a latency
        probe (one ``SELECT 1`` round trip, in milliseconds)."""
        started = time.perf_counter()
        self.ping()
        latency_ms = (time.perf_counter() - started) * 1000
        stats = self._db.pool.get_stats()
        return {
            "backend": self.backend,
            "server_version": self.server_version,
            "pgvector_version": self.pgvector_version,
            "location": self.location,
            "schema_revision": self.schema_revision,
            "embedding_dimensions": self._dims,
            "latency_ms": round(latency_ms, 3),
            "pool": {
                "min": stats.get("pool_min"),
                "max": stats.get("pool_max"),
                "open": stats.get("pool_size"),
                "idle": stats.get("pool_available"),
                "waiting": stats.get("requests_waiting", 0),
            },
            "storage_bytes": self.storage_bytes(),
        }

    # -- reads -----------------------------------------------------------------------------------
    def _memories(self, sql: str, params: Sequence[Any]) -> list[MemoryRecord]:
        with self._db.read() as conn:
            rows = conn.execute(sql, params, binary=True).fetchall()
        return [row_to_memory(row) for row in rows]

    def get(self, tenant_id: str, memory_id: str) -> MemoryRecord | None:
        """One memory of the tenant, whatever its status."""
        found = self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE m.tenant_id = %s AND m.id = %s",
            (tenant_id, memory_id),
        )
        return found[0] if found else None

    def get_many(self, tenant_id: str, ids: Sequence[str]) -> list[MemoryRecord]:
        """The tenant's memories among ``ids``, in the order of ``ids`` (duplicates once)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        found = {
            r.id: r
            for r in self._memories(
                f"SELECT {MEMORY_SELECT} FROM memories AS m"
                " WHERE m.tenant_id = %s AND m.id = ANY(%s)",
                (tenant_id, wanted),
            )
        }
        return [found[i] for i in wanted if i in found]

    def find_by_hash(self, filt: MemoryFilter, content_hash: str) -> MemoryRecord | None:
        """The oldest memory matching the filter with exactly this content hash."""
        where, params = filter_sql(filt)
        found = self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m"
            f" WHERE {where} AND m.content_hash = %s ORDER BY m.id LIMIT 1",
            (*params, content_hash),
        )
        return found[0] if found else None

    def lexical_search(self, filt: MemoryFilter, query: str, limit: int) -> list[tuple[str, float]]:
        """``ts_rank_cd``-ranked full-text matches of any word of ``query`` (higher is better).

        Any text is accepted; a query with no usable word returns ``[]``.
        """
        text = websearch_text(query)
        if text is None or limit <= 0:
            return []
        sql, params = lexical_sql(filt, text, limit)
        with self._db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [(memory_id, float(rank)) for memory_id, rank in rows]

    def vector_search(
        self, filt: MemoryFilter, vector: Vector, limit: int
    ) -> list[tuple[str, float]]:
        """Nearest memories by cosine similarity among those matching the filter.

        Uses the HNSW index once the embedding dimension is recorded, and the exact query when
        the index cannot fill ``limit`` (a selective filter) or no dimension is recorded yet.

        Raises:
            InvalidInputError: ``vector`` has another dimension than the stored embeddings.
        """
        probe = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
        if limit <= 0:
            return []
        dims = self._dims
        if dims is not None and probe.shape[0] != dims:
            raise _wrong_size(probe.shape[0], dims)
        with self._db.read() as conn:
            rows: list[tuple[str, float]] = []
            if dims is not None:
                rows = _run_hnsw(conn, *vector_sql(filt, probe, limit, dims), limit)
            if len(rows) < limit:
                sql, params = vector_sql(filt, probe, limit, None)
                # Inside a unit of work a failed statement would abort it: use a savepoint.
                guard = conn.transaction() if self._db.in_transaction() else nullcontext()
                try:
                    with guard:
                        rows = conn.execute(sql, params).fetchall()
                except pg_errors.DataException:
                    raise _wrong_size(probe.shape[0], None) from None
        return [(memory_id, 1.0 - float(distance)) for memory_id, distance in rows]

    def session_successors(
        self, filt: MemoryFilter, ids: Sequence[str], count: int
    ) -> dict[str, list[str]]:
        """Up to ``count`` memories after each of ``ids`` in its session (see the protocol)."""
        if count <= 0 or not ids:
            return {}
        sql, params = session_successors_sql(filt, list(dict.fromkeys(ids)), count)
        following: dict[str, list[str]] = {}
        with self._db.read() as conn:
            for anchor, successor in conn.execute(sql, params).fetchall():
                following.setdefault(anchor, []).append(successor)
        return following

    def list_memories(
        self, filt: MemoryFilter, *, after_id: str | None = None, limit: int = 100
    ) -> list[MemoryRecord]:
        """Memories matching the filter, by id ascending, starting after ``after_id``."""
        where, params = filter_sql(filt)
        if after_id is not None:
            where += " AND m.id > %s"
            params.append(after_id)
        return self._memories(
            f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE {where} ORDER BY m.id LIMIT %s",
            (*params, max(limit, 0)),
        )

    def any_memory(self, filt: MemoryFilter) -> bool:
        """Whether at least one memory matches the filter (an index probe, not a scan)."""
        where, params = filter_sql(filt)
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT EXISTS (SELECT 1 FROM memories AS m WHERE {where})", params
            ).fetchone()
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
        sql = "SELECT memory_type, status, COUNT(*) FROM memories WHERE tenant_id = %s"
        params: list[Any] = [tenant_id]
        if namespace is not None:
            sql += " AND namespace = %s"
            params.append(namespace)
        with self._db.read() as conn:
            rows = conn.execute(sql + " GROUP BY memory_type, status", params).fetchall()
        return {(memory_type, status): int(count) for memory_type, status, count in rows}

    def versions(self, tenant_id: str, memory_id: str) -> list[VersionRecord]:
        """Earlier states of a memory, oldest first."""
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {VERSION_COLUMNS} FROM memory_versions"
                " WHERE tenant_id = %s AND memory_id = %s ORDER BY version, pk",
                (tenant_id, memory_id),
            ).fetchall()
        return [row_to_version(row) for row in rows]

    def get_idempotency(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        """The stored outcome for an idempotency key of this tenant."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT tenant_id, key, request_hash, response, created_at FROM idempotency"
                " WHERE tenant_id = %s AND key = %s",
                (tenant_id, key),
            ).fetchone()
        return None if row is None else row_to_idempotency(row)

    def record_access(self, tenant_id: str, ids: Sequence[str], at: datetime) -> None:
        """Count one access of each memory. Best effort: a failing database skips the update."""
        unique = sorted(set(ids))
        if not unique:
            return
        # Rows are locked in id order, so two replicas counting overlapping reads cannot deadlock.
        statement = (
            "UPDATE memories SET access_count = access_count + 1, last_accessed_at = %s"
            " WHERE id IN (SELECT id FROM memories WHERE tenant_id = %s AND id = ANY(%s)"
            " ORDER BY id FOR UPDATE)"
        )
        params = (utc(at), tenant_id, unique)
        if self._db.in_transaction():
            with self._db.read() as conn:  # this thread's unit of work
                conn.execute(statement, params)
            return
        try:
            with self._db.read() as conn, conn.transaction():
                # Best effort on the read path: do not wait for the WAL flush (a crash may lose
                # the last few access counts, nothing else).
                conn.execute("SET LOCAL synchronous_commit = off")
                conn.execute(statement, params)
        except UnavailableError as exc:
            if self._db.closed:
                raise
            logger.warning("access counts not recorded: %s", exc.message)

    def find_key(self, key_hash: str) -> KeyRecord | None:
        """The key with this hash, revoked or not."""
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = %s", (key_hash,)
            ).fetchone()
        return None if row is None else row_to_key(row)

    def list_keys(self, tenant_id: str | None = None) -> list[KeyRecord]:
        """All keys, or one tenant's, oldest first."""
        sql = f"SELECT {KEY_COLUMNS} FROM api_keys"
        params: tuple[str, ...] = ()
        if tenant_id is not None:
            sql += " WHERE tenant_id = %s"
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
        where = "tenant_id = %s"
        params: list[Any] = [tenant_id]
        if event_type is not None:
            where += " AND event_type = %s"
            params.append(event_type)
        if since is not None:
            where += " AND created_at >= %s"
            params.append(utc(since))
        with self._db.read() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM events WHERE {where}", params).fetchone()
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where}"
                " ORDER BY id DESC LIMIT %s OFFSET %s",
                (*params, limit, offset),
            ).fetchall()
        return [row_to_event(row) for row in rows], int(total[0]) if total else 0

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
        where = "tenant_id = %s AND id > %s"
        params: list[Any] = [tenant_id, after_id]
        if event_type is not None:
            where += " AND event_type = %s"
            params.append(event_type)
        if since is not None:
            where += " AND created_at >= %s"
            params.append(utc(since))
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY id LIMIT %s",
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
            f"SELECT {MEMORY_SELECT} FROM memories AS m WHERE m.tenant_id = %s"
            " AND m.status = 'active' AND m.consolidated_at IS NULL AND m.memory_type = ANY(%s)"
        )
        params: list[Any] = [tenant_id, [str(t) for t in memory_types]]
        if namespace is not None:
            sql += " AND m.namespace = %s"
            params.append(namespace)
        return self._memories(sql + " ORDER BY m.pk DESC LIMIT %s", (*params, limit))

    def list_tenants(self) -> list[TenantRecord]:
        """Every tenant of the memories, events and keys, with counts and last activity."""
        with self._db.read() as conn:
            return list_tenants(conn)

    # -- writes ----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        """A unit of work on one pooled connection: commits on normal exit, rolls back on an
        exception.

        Raises:
            RuntimeError: A transaction is already open in this thread.
        """
        with self._db.write() as conn:
            yield PostgresTransaction(conn)

    # -- leases ----------------------------------------------------------------------------------
    def try_acquire_lease(self, name: str, owner: str, ttl_seconds: float, now: datetime) -> bool:
        """Take (or renew) the named lease for ``owner`` if free, expired or already theirs.

        One statement: a competing replica's insert or takeover of the same row waits for this
        one, then sees its result, so two owners never both get ``True``.
        """
        now = utc(now)
        with self._db.read() as conn:
            taken = conn.execute(
                "INSERT INTO leases (name, owner, expires_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner,"
                " expires_at = EXCLUDED.expires_at"
                " WHERE leases.owner = EXCLUDED.owner OR leases.expires_at <= %s",
                (name, owner, now + timedelta(seconds=ttl_seconds), now),
            ).rowcount
        return taken == 1

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease back if ``owner`` holds it."""
        with self._db.read() as conn:
            conn.execute("DELETE FROM leases WHERE name = %s AND owner = %s", (name, owner))


def _recorded_dimensions(conn: psycopg.Connection[Any]) -> int | None:
    row = conn.execute("SELECT value FROM cml_meta WHERE key = 'embedding_dimensions'").fetchone()
    return None if row is None else int(row[0])


def _wrong_size(given: int, held: int | None) -> InvalidInputError:
    held_text = f"{held}-dimensional" if held is not None else "differently sized"
    return InvalidInputError(
        f"query vector has {given} dimensions, the store holds {held_text} embeddings"
    )


def _run_hnsw(
    conn: psycopg.Connection[Any], sql: str, params: list[Any], limit: int
) -> list[tuple[str, float]]:
    if limit <= EF_SEARCH:
        return conn.execute(sql, params).fetchall()
    # The graph walk returns at most ef_search rows: widen it for this query when asked for more.
    with conn.transaction():
        conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(min(limit, 1000)),))
        return conn.execute(sql, params).fetchall()


def _conforms(store: PostgresStore) -> MemoryStore:
    return store  # mypy checks that PostgresStore implements the protocol
