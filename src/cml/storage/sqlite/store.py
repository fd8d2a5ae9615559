"""The SQLite backend: one file (or ``:memory:``), WAL, FTS5 and an in-memory vector index.

The statements both backends share come from :class:`~cml.storage.sql.store.SQLStore` in the
:data:`~cml.storage.sqlite.dialect.SQLITE` dialect. What is SQLite's own: lexical search is an
FTS5 external-content table kept in sync by triggers (:mod:`cml.storage.sqlite.schema`,
:mod:`cml.storage.sqlite.lexical`); vector search is an in-memory index per tenant, exact or
(for a large tenant) a graph saved beside the file (:mod:`cml.storage.sqlite.vector_index`);
the connection and locking model is in :mod:`cml.storage.sqlite.conn`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from cml.storage.base import IntegrityFindings, MemoryFilter, MemoryStore, TermStatistics, Vector
from cml.storage.sql.rows import filter_sql
from cml.storage.sql.store import SQLStore
from cml.storage.sqlite.conn import MEMORY, Connections, prepare_file
from cml.storage.sqlite.dialect import SQLITE
from cml.storage.sqlite.integrity import CHECK_AFTER_OPEN_FROM
from cml.storage.sqlite.lexical import lexical_search
from cml.storage.sqlite.schema import SCHEMA_VERSION, migrate, stored_schema_version
from cml.storage.sqlite.session import session_successors
from cml.storage.sqlite.terms import term_statistics
from cml.storage.sqlite.tx import SQLiteTransaction
from cml.storage.sqlite.vector_index import GRAPH_FROM, VectorIndex, needs_rows
from cml.storage.sqlite.vector_source import VectorSource


class SQLiteStore(SQLStore[sqlite3.Connection]):
    """A :class:`~cml.storage.base.MemoryStore` in one SQLite file (or in memory).

    Opening runs SQLite's ``quick_check`` over the file (decision 60) and refuses a damaged
    one; a file of ``check_after_open_from`` bytes or more that needs no migration is checked
    after the open instead, on a thread of its own, while requests are served (decision 90).

    Args:
        path: The database file (its directory is created if missing) or ``":memory:"``.
        vector_graph_from: Embedded memories above which a tenant is searched through a graph
            (saved beside the file) instead of exactly.
        check_after_open_from: Bytes of database file from which the integrity check runs
            after the open rather than before it.

    Raises:
        UnavailableError: The file or its directory cannot be created or written (the message
            names which and what to change).
        StoreMismatchError: The database was written by a newer py-cml.

    Example:
        >>> store = SQLiteStore(":memory:")
        >>> store.ping()
        >>> store.close()
    """

    backend = "sqlite"
    dialect = SQLITE
    _db: Connections

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        vector_graph_from: int = GRAPH_FROM,
        check_after_open_from: int = CHECK_AFTER_OPEN_FROM,
    ) -> None:
        in_memory = str(path) == MEMORY
        self.path: Path | None = None if in_memory else Path(path).expanduser().resolve()
        self.location = MEMORY if self.path is None else str(self.path)
        if self.path is not None:
            prepare_file(self.path)
        self._db = Connections(self.location)
        try:
            after = self._check_after_open(check_after_open_from)
            if not after:
                self._db.check_intact()
            migrate(self._db.writer, location=self.location)
        except sqlite3.Error as exc:
            self._db.close(merge_log=False)
            raise self._db.opening_error(exc) from exc
        except BaseException:
            self._db.close(merge_log=False)
            raise
        if after:
            self._db.check_after_opening()
        self._index = VectorIndex(VectorSource(self._db, self.path), graph_from=vector_graph_from)

    def _check_after_open(self, from_bytes: int) -> bool:
        """Whether the file is large enough to be checked after the open, and needs no migration.

        A migration writes to the file, so a file that needs one is checked before, as a small
        one is (its check is a fraction of a second).
        """
        if self.path is None or not self.path.exists():
            return False
        if self.path.stat().st_size < from_bytes:
            return False
        return stored_schema_version(self._db.writer) == SCHEMA_VERSION

    # -- lifecycle and metadata ----------------------------------------------------------------
    def close(self) -> None:
        """Save the large tenants' vector graphs, close every connection (safe to call twice)."""
        with self._db.write_lock:
            if not self._db.closed:
                self._index.save()
            self._index.clear()
            self._db.close()

    def check_embedding_model(self, model: str, dimensions: int) -> None:
        """Record the embedding model on first use; refuse a different one afterwards.

        Raises:
            StoreMismatchError: The store holds embeddings of another model or dimension.
        """
        with self._db.write() as conn:
            self._record_model(conn, "meta", model, dimensions)

    def bulk_load(self) -> AbstractContextManager[None]:
        """Nothing to prepare: a large insert already counts its terms in bulk (``bulk.py``)."""
        return nullcontext()

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
            DatabaseDamagedError: A query found the file damaged earlier.
        """
        self._db.raise_damage()
        try:
            with self._db.read() as conn:
                conn.execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            self._db.fail(exc)

    def wait_for_start_check(self, timeout: float | None = None) -> bool:
        """Wait for the integrity check that runs after the open of a large file.

        Returns:
            ``True`` once it has finished (at once when the file was checked before the open,
            or is in memory); ``False`` if ``timeout`` seconds passed first.
        """
        return self._db.wait_for_start_check(timeout)

    def check_integrity(self) -> IntegrityFindings:
        """Run ``PRAGMA integrity_check`` and the full-text indexes' own checks.

        Damage found is remembered: every read and write refuses from then on with
        ``DatabaseDamagedError`` and health reports the database damaged, until a restart on
        a restored or recovered file.
        """
        return self._db.check_full()

    def describe(self) -> dict[str, Any]:
        """Backend, SQLite version, location, schema version, size, journal mode and indexes.

        ``indexed_tenants`` counts the tenants whose vectors are loaded in memory,
        ``vector_graphs_building`` those whose graph is being built or rebuilt in the background.
        """
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
            "vector_graphs_building": self._index.building_count(),
        }

    # -- search (the reads both backends share come from SQLStore) ------------------------------
    def lexical_search(self, filt: MemoryFilter, query: str, limit: int) -> list[tuple[str, float]]:
        """BM25-ranked full-text matches of any word of ``query`` (higher score is better).

        Any text is accepted: words are quoted, English stopwords dropped, and a query with no
        usable word returns ``[]``.
        """
        with self._db.read() as conn:
            return lexical_search(conn, filt, query, limit)

    def term_statistics(
        self, tenant_id: str, namespace: str | None, words: Sequence[str]
    ) -> TermStatistics:
        """A partition's searchable memories and how many hold each word (see the protocol)."""
        with self._db.read() as conn:
            return term_statistics(conn, tenant_id, namespace, list(words))

    def vector_search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        *,
        near: bool = False,
        write: bool = False,
    ) -> list[tuple[str, float]]:
        """Nearest neighbours by cosine similarity among memories matching the filter.

        Exact up to :data:`~cml.storage.sqlite.vector_index.GRAPH_FROM` memories in the
        tenant; beyond, the candidates of a graph search re-scored exactly (a shallower walk
        when ``near``: only near-duplicates are wanted; the graph keeps the rows admitted by
        the filter of a ``near`` or ``write`` search between searches).
        """
        self._db.check_open()
        # Inside an open transaction on the shared :memory: connection a fresh load would see
        # uncommitted rows, so such a load is used once and not kept.
        cache = not (self._db.in_memory and self._db.in_transaction())
        only = self._admitted(filt) if needs_rows(filt) else None
        return self._index.search(
            filt, vector, limit, cache=cache, only=only, near=near, write=write
        )

    def wait_for_vector_graphs(self, timeout: float | None = None) -> bool:
        """Wait until no tenant's vector graph is being built in the background.

        A tenant that crosses the graph threshold (or whose saved graph is missing or stale) is
        searched exactly while its graph is built on a background thread; benchmarks and tests
        wait here for the graph to take over.

        Returns:
            ``False`` if ``timeout`` seconds passed first.
        """
        return self._index.wait_for_builds(timeout)

    def _admitted(self, filt: MemoryFilter) -> set[str]:
        """Ids of the memories that pass a filter the index cannot evaluate (see needs_rows)."""
        where, params = filter_sql(SQLITE, filt)
        with self._db.read() as conn:
            rows = conn.execute(f"SELECT m.id FROM memories AS m WHERE {where}", params)
            return {memory_id for (memory_id,) in rows}

    def session_successors(
        self, filt: MemoryFilter, ids: Sequence[str], count: int
    ) -> dict[str, list[str]]:
        """Up to ``count`` memories after each of ``ids`` in its session (see the protocol)."""
        with self._db.read() as conn:
            return session_successors(conn, filt, ids, count)

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


def _conforms(store: SQLiteStore) -> MemoryStore:
    return store  # mypy checks that SQLiteStore implements the protocol
