"""The PostgreSQL backend: pgvector HNSW and tsvector/GIN search, shared by server replicas.

Every piece of shared state lives in the database, so any number of ``cml serve`` processes can
use one database: idempotency keys are a primary key (``ON CONFLICT DO NOTHING``), leases an
``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` in one statement, and the embedding model a row
written under an advisory lock. The schema comes from Alembic (``cml db upgrade``); opening a
store only checks its revision.

The statements both backends share come from :class:`~cml.storage.sql.store.SQLStore` and
:class:`~cml.storage.sql.tx.SQLTransaction` in the :data:`~cml.storage.postgres.dialect.POSTGRES`
dialect; this module holds what is PostgreSQL's own: the pool, pgvector and tsvector search, the
embedding model's HNSW index and the health facts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import psycopg
from psycopg import errors as pg_errors

from cml.errors import (
    DatabaseDamagedError,
    InvalidInputError,
    StoreMismatchError,
)
from cml.storage.base import IntegrityFindings, MemoryFilter, MemoryStore, TermStatistics, Vector
from cml.storage.postgres import integrity
from cml.storage.postgres.dialect import POSTGRES
from cml.storage.postgres.planner import refresh_if_stale, settle
from cml.storage.postgres.pool import EF_SEARCH, Connections, cannot_connect
from cml.storage.postgres.schema import (
    HNSW_INDEX,
    check_revision,
    describe_location,
    to_conninfo,
)
from cml.storage.postgres.search import (
    lexical_sql,
    partition_lexical_sql,
    recent_skip,
    search_words,
    session_successors_sql,
    term_statistics_sql,
    vector_sql,
    websearch_text,
)
from cml.storage.postgres.tx import PostgresTransaction
from cml.storage.sql.store import SQLStore
from cml.storage.textrank import (
    RECENT_WINDOW,
    Candidate,
    described_by_statistics,
    plan_probe,
    rank_in_partition,
    rescore_size,
)

BULK_INDEX_MEMORY_MB = (1024, 4096)
"""Least and most ``maintenance_work_mem`` (MiB) of the HNSW build after a bulk load. Between
the two, the build gets what the table's graph needs (:func:`_graph_megabytes`): a graph that
fits in memory builds several times faster, and a million 384-dimensional vectors need ~2 GiB."""

HNSW_M = 16
"""Neighbours per node of the HNSW graph (pgvector's ``m``; its default)."""

HNSW_EF_CONSTRUCTION = 64
"""Candidates kept while the HNSW graph is built (pgvector's ``ef_construction``; its default)."""

_MODEL_LOCK = 0x636D6C01
"""Advisory lock taken while the embedding model is recorded and its index built."""


class PostgresStore(SQLStore[psycopg.Connection[Any]]):
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
    dialect = POSTGRES
    _db: Connections

    def __init__(self, database_url: str, *, pool_min: int = 1, pool_max: int = 10) -> None:
        conninfo = to_conninfo(database_url)
        self.location = describe_location(conninfo)
        self._damage: str | None = None
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
                refresh_if_stale(conn)  # a read planned without statistics scans the tenant
        except psycopg.Error as exc:
            raise cannot_connect(self.location, exc) from None
        self._db = Connections(conninfo, self.location, min_size=pool_min, max_size=pool_max)

    # -- lifecycle and metadata ----------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool (safe to call twice)."""
        self._db.close()

    def check_embedding_model(self, model: str, dimensions: int) -> None:
        """Record the embedding model on first use; refuse a different model afterwards.

        The first use also builds the HNSW index for the model's dimension, then vacuums the
        table it was built over (:func:`~cml.storage.postgres.planner.settle`).

        Raises:
            StoreMismatchError: The store holds embeddings of another model or dimension.
        """
        with self._db.write() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MODEL_LOCK,))
            self._record_model(conn, "cml_meta", model, dimensions)
            built = self._ensure_hnsw_index(conn, dimensions)
        self._dims = dimensions
        if built:
            with self._db.own_write() as conn:
                settle(conn)  # the rows the index was built over are read fast from now on

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Drop the HNSW index for a large import and build it again once, at the end.

        Inserting row by row into pgvector's graph costs milliseconds per row; one build over
        the loaded table is many times faster. Meanwhile vector searches scan exactly (slower).
        If the process dies in the block, the next :meth:`check_embedding_model` (every engine
        start) builds the index again. The build takes a ``SHARE`` lock on ``memories``:
        readers go on (exact vector scans), writers wait for the end of the build.
        """
        with self._db.write() as conn:
            conn.execute(f"DROP INDEX IF EXISTS {HNSW_INDEX}")
        try:
            yield
        finally:
            if self._dims is not None:
                with self._db.write() as conn:
                    row = conn.execute(
                        "SELECT count(*) FROM memories WHERE embedding IS NOT NULL"
                    ).fetchone()
                    megabytes = _graph_megabytes(int(row[0]) if row else 0, self._dims)
                    conn.execute(f"SET LOCAL maintenance_work_mem = '{megabytes}MB'")
                    self._ensure_hnsw_index(conn, self._dims)

    def _ensure_hnsw_index(self, conn: psycopg.Connection[Any], dimensions: int) -> bool:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HNSW_INDEX,)).fetchone()
        if exists is not None and exists[0]:
            return False
        try:
            with conn.transaction():  # a savepoint: the message below replaces the failure
                conn.execute(
                    f"CREATE INDEX {HNSW_INDEX} ON memories USING hnsw"
                    f" ((embedding::vector({int(dimensions)})) vector_cosine_ops)"
                    f" WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
                )
        except pg_errors.DataException as exc:
            raise StoreMismatchError(
                f"The store {self.location} holds embeddings that are not "
                f"{dimensions}-dimensional: {str(exc).strip()}",
                hint="Use a new database for this embedding model.",
            ) from None
        return True

    def storage_bytes(self) -> int:
        """Bytes used by the whole database (``pg_database_size``)."""
        with self._db.read() as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0

    def ping(self) -> None:
        """Run ``SELECT 1``.

        Raises:
            UnavailableError: The database does not answer (or the store is closed).
            DatabaseDamagedError: An integrity check found damage earlier.
        """
        if self._damage is not None:
            raise DatabaseDamagedError(
                f"The database is damaged ({self._damage}).",
                hint="Restore the last backup (pg_restore of a pg_dump, or a base backup with "
                "its WAL), or a replica; see docs/operations.md.",
            )
        with self._db.read() as conn:
            conn.execute("SELECT 1").fetchone()

    def check_integrity(self) -> IntegrityFindings:
        """Checksum failures, and ``amcheck`` where installed (:mod:`.integrity`).

        Damage found is reported by health from then on; PostgreSQL refuses a damaged page by
        itself (``data_corrupted``) when a request reads it.
        """
        with self._db.read() as conn:
            findings = integrity.check(conn)
        if findings.problems:
            self._damage = "; ".join(findings.problems[:3])
        return findings

    def wait_for_start_check(self, timeout: float | None = None) -> bool:
        """``True`` at once: no check runs at open (see :meth:`check_integrity`)."""
        return True

    def describe(self) -> dict[str, Any]:
        """Backend, server and pgvector versions, location, schema, pool state and latency.

        The latency is a probe: one ``SELECT 1`` round trip, in milliseconds.
        """
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

    # -- reads (the statements both backends share come from SQLStore) -------------------------
    def _memory_rows(
        self, conn: psycopg.Connection[Any], sql: str, params: Sequence[Any]
    ) -> list[Any]:
        # Binary results: embeddings arrive as float32 bytes, not as text to parse.
        return conn.execute(sql, params, binary=True).fetchall()

    # -- search ------------------------------------------------------------------------------------
    def lexical_search(self, filt: MemoryFilter, query: str, limit: int) -> list[tuple[str, float]]:
        """Full-text matches of any word of ``query``, higher score first.

        A read of what the partition statistics count takes the bounded probe and scores its
        best matches with the partition's BM25 (:mod:`cml.storage.textrank`); any other read
        ranks every match by ``ts_rank_cd``. Any text is accepted; a query with no usable word
        returns ``[]``.
        """
        text = websearch_text(query)
        if text is None or limit <= 0:
            return []
        if described_by_statistics(filt):
            return self._search_partition(filt, search_words(query), limit)
        sql, params = lexical_sql(filt, text, limit)
        with self._db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [(memory_id, float(rank)) for memory_id, rank in rows]

    def _search_partition(
        self, filt: MemoryFilter, words: list[str], limit: int
    ) -> list[tuple[str, float]]:
        statistics = self.term_statistics(filt.tenant_id, filt.namespace, words)
        probe = plan_probe(statistics)
        kept = probe.words
        if filt.memory_types is None or "semantic_fact" in filt.memory_types:
            # Facts written by consolidation are searched here too but not counted (as in the
            # SQLite backend, where they have an index of their own): a word only they hold
            # is still looked for.
            kept = [*kept, *(w for w in words if statistics.frequencies.get(w, 0) == 0)]
        if not kept:
            return []
        window = RECENT_WINDOW if probe.windowed else None
        skip = None if window is None else recent_skip(window, probe.matched, statistics.documents)
        with self._db.read() as conn:
            while True:
                sql, params = partition_lexical_sql(
                    filt, words, " or ".join(kept), window, rescore_size(limit), skip=skip
                )
                rows = conn.execute(sql, params).fetchall()
                # A window found among the newest memories is the whole window only if full.
                if skip is None or (rows and rows[0][4] == window):
                    break
                skip = None
        lengths: dict[str, int] = {}
        counts: dict[str, dict[str, int]] = {}
        for memory_id, length, word, n, _ in rows:
            lengths[memory_id] = int(length)
            found = counts.setdefault(memory_id, {})
            if word is not None:
                found[word] = int(n)
        candidates = [Candidate(i, lengths[i], counts[i]) for i in lengths]
        return rank_in_partition(candidates, statistics, limit)

    def term_statistics(
        self, tenant_id: str, namespace: str | None, words: Sequence[str]
    ) -> TermStatistics:
        """A partition's searchable memories and how many hold each word (see the protocol)."""
        sql, params = term_statistics_sql(tenant_id, namespace, list(words))
        with self._db.read() as conn:
            rows = conn.execute(sql, params).fetchall()
        documents, length = next((int(n), int(t)) for word, n, t in rows if word is None)
        counts = {str(word): int(n) for word, n, _ in rows if word is not None}
        return TermStatistics(documents, counts, length)

    def vector_search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        *,
        near: bool = False,
        write: bool = False,
    ) -> list[tuple[str, float]]:
        """Nearest memories by cosine similarity among those matching the filter.

        Uses the HNSW index once the embedding dimension is recorded, and the exact query when
        the index cannot fill ``limit`` (a selective filter) or no dimension is recorded yet.
        ``near`` and ``write`` change nothing here: the index's search depth is set per
        connection, and the filter is the query's.

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

    # -- writes ----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        """A unit of work on one pooled connection.

        It commits on normal exit and rolls back on an exception.

        Raises:
            RuntimeError: A transaction is already open in this thread.
        """
        with self._db.write() as conn:
            yield PostgresTransaction(conn)


def _recorded_dimensions(conn: psycopg.Connection[Any]) -> int | None:
    row = conn.execute("SELECT value FROM cml_meta WHERE key = 'embedding_dimensions'").fetchone()
    return None if row is None else int(row[0])


def _graph_megabytes(vectors: int, dimensions: int) -> int:
    """``maintenance_work_mem`` (MiB) for an HNSW build of ``vectors``, within the bounds.

    A node holds its vector and, on the bottom layer, ``2 * m`` neighbours with their
    distances; a quarter more covers the upper layers and pgvector's own bookkeeping.
    """
    node = 4 * dimensions + 2 * HNSW_M * 16 + 64
    least, most = BULK_INDEX_MEMORY_MB
    return max(least, min(most, int(vectors * node * 1.25) >> 20))


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
