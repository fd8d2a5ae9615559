"""The in-memory vector index of the SQLite backend, one per tenant.

A tenant with up to :data:`GRAPH_FROM` embedded memories is searched exactly: its vectors live
in one float32 matrix (:class:`TenantIndex`), a search is one matrix-vector product with the
filter applied as a mask, ``argpartition`` picks the top k. A larger tenant is searched through
an HNSW graph of int8 codes whose candidates are re-scored exactly
(:class:`~cml.storage.sqlite.graph_index.GraphIndex`).

A large tenant's graph is saved next to the database (``<file>.vectors/``) and loaded at the
next start instead of being rebuilt from every row; the rows changed since the save are
replayed from the database's change log (:mod:`cml.storage.sqlite.vector_source`), so a crash
between a commit and the next save loses nothing.

The store loads a tenant lazily on first use and applies changes only after the transaction
that made them has committed, so a rolled-back write never reaches the index.

A graph is never built inside a read or a write. A tenant that crosses :data:`GRAPH_FROM`, or
whose graph has no usable files, is built on a background thread from the rows; so is a graph
with too many dead rows (:data:`REBUILD_AT`) or saved with a lower degree than new graphs' (by
an older py-cml). Meanwhile its searches are answered by the exact index (or by the old graph,
when one is being replaced).
Changes committed while the build runs are kept and replayed into the new graph before it
takes over, under the writer lock, and the graph is then saved.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cml.errors import EngineError, InvalidInputError
from cml.storage.base import MemoryFilter, Vector
from cml.storage.sqlite.fields import FieldRows, Fields, IndexRow, Upsert, upsert_of
from cml.storage.sqlite.graph import M
from cml.storage.sqlite.graph_index import GraphIndex
from cml.storage.sqlite.vector_source import VectorSource

__all__ = ["Change", "GraphIndex", "Removal", "StatusChange", "TenantIndex", "Upsert"]

logger = logging.getLogger(__name__)

_INITIAL_CAPACITY = 256

GRAPH_FROM = 20_000
"""Embedded memories above which a tenant is searched through a graph instead of exactly."""

SAVE_EVERY = 10_000
"""Changes to a large tenant after which its graph is saved again (at least 5 % of it)."""

REBUILD_AT = 0.3
"""Share of dead rows in a graph at which it is rebuilt from the database."""


def needs_rows(filt: MemoryFilter) -> bool:
    """Whether ``filt`` filters on fields the index does not hold (metadata, tags, agent).

    Such a search is restricted to the ids the database admits, before the top k is taken.
    """
    return filt.metadata is not None or filt.context_tags is not None or filt.agent_id is not None


@dataclass(frozen=True)
class StatusChange:
    """Change the status of indexed memories."""

    tenant_id: str
    ids: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Removal:
    """Take memories out of the index."""

    tenant_id: str
    ids: tuple[str, ...]


Change = Upsert | StatusChange | Removal


class TenantIndex(FieldRows):
    """The vectors of one (small) tenant and the fields a search filters on; exact search.

    Not thread-safe by itself.
    """

    def __init__(self, dimensions: int | None = None, capacity: int = _INITIAL_CAPACITY) -> None:
        self.dimensions = dimensions
        self.ids = []
        self.positions = {}
        self.fields = Fields(capacity)
        self.matrix: npt.NDArray[np.float32] = np.zeros((capacity, dimensions or 0), np.float32)

    @classmethod
    def from_rows(cls, tenant_id: str, rows: Sequence[IndexRow]) -> TenantIndex:
        """Build an index from stored rows."""
        if not rows:
            return cls()
        index = cls(len(rows[0][1]) // 4, capacity=max(_INITIAL_CAPACITY, len(rows) * 5 // 4))
        for row in rows:
            index.upsert(upsert_of(tenant_id, row))
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def upsert(self, change: Upsert) -> None:
        """Insert or replace one entry."""
        vector = np.asarray(change.vector, dtype=np.float32).reshape(-1)
        if self.dimensions is None or not self.ids:
            if self.dimensions != vector.shape[0]:
                self.dimensions = int(vector.shape[0])
                self.matrix = np.zeros((self.matrix.shape[0], self.dimensions), np.float32)
        elif vector.shape[0] != self.dimensions:
            raise ValueError(
                f"embedding has {vector.shape[0]} dimensions, index has {self.dimensions}"
            )
        i = self.positions.get(change.id)
        if i is None:
            i = len(self.ids)
            if i == self.matrix.shape[0]:
                capacity = max(_INITIAL_CAPACITY, 2 * i)
                self.matrix = np.resize(self.matrix, (capacity, self.dimensions))
                self.fields.grow(i, capacity)
            self.ids.append(change.id)
            self.positions[change.id] = i
        self.matrix[i] = vector
        self.fields.set(i, change)

    def remove(self, ids: Collection[str]) -> None:
        """Remove entries, moving the last row into each hole to keep the arrays dense."""
        for memory_id in ids:
            i = self.positions.pop(memory_id, None)
            if i is None:
                continue
            last = len(self.ids) - 1
            if i != last:
                moved = self.ids[last]
                self.ids[i] = moved
                self.positions[moved] = i
                self.matrix[i] = self.matrix[last]
                self.fields.move(last, i)
            self.ids.pop()

    def search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        only: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``limit`` entries most similar to ``vector`` among those the filter admits.

        ``only``, when given, admits just these ids besides (the rows of a filter the index
        holds no columns for, such as metadata; see :func:`needs_rows`).
        """
        count = len(self.ids)
        if limit <= 0 or count == 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dimensions:
            raise InvalidInputError(
                f"query vector has {query.shape[0]} dimensions, the store holds "
                f"{self.dimensions}-dimensional embeddings"
            )
        mask = self.fields.mask(filt, count)
        if only is not None:
            among = np.zeros(count, dtype=np.bool_)
            among[[i for i in map(self.positions.get, only) if i is not None]] = True
            mask = among if mask is None else mask & among
        k = min(limit, count if mask is None else int(np.count_nonzero(mask)))
        if k == 0:
            return []
        scores = self.matrix[:count] @ query
        if mask is not None:
            np.putmask(scores, ~mask, -np.inf)
        top = np.argpartition(-scores, k - 1)[:k] if k < count else np.arange(count)
        order = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in order]


Index = TenantIndex | GraphIndex


class VectorIndex:
    """Per-tenant indexes, loaded lazily, saved when large, safe to share between threads.

    A tenant is loaded or saved holding the database's writer lock (so that no commit lands
    half-way), and a snapshot is saved only when the calling thread may write.

    Args:
        source: The database's rows, writer lock and snapshot bookkeeping.
        graph_from: Embedded memories above which a tenant gets a graph.
    """

    def __init__(self, source: VectorSource, *, graph_from: int = GRAPH_FROM) -> None:
        self._source = source
        self._graph_from = graph_from
        self._lock = threading.RLock()
        """Guards the tables below; taken after the writer lock when a thread needs both."""
        self._tenants: dict[str, Index] = {}
        """The loaded tenants' indexes: exact ones, or graphs for large tenants."""
        self._unsaved: dict[str, int] = {}
        """Per loaded graph, the changes not in its saved snapshot (``-1``: never saved)."""
        # Tenants whose graph is being built: the changes committed since the build started.
        self._building: dict[str, list[Change]] = {}
        self._builders: dict[str, threading.Thread] = {}
        self._generation = 0  # bumped by clear(): a build started before is thrown away

    def search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        *,
        cache: bool = True,
        only: Collection[str] | None = None,
        near: bool = False,
        write: bool = False,
    ) -> list[tuple[str, float]]:
        """Nearest neighbours of ``vector`` among the tenant's memories admitted by ``filt``.

        ``cache=False`` builds a throw-away index when the tenant is not loaded yet (used when
        the caller is inside an uncommitted transaction on the same connection). ``only``
        admits just these ids besides (see :meth:`TenantIndex.search`). ``near``: only
        near-duplicates are wanted, a graph is walked at its shallowest depth. ``near`` or
        ``write``: a write's check, whose filter's rows a graph keeps between searches.
        """
        with self._lock:
            index = self._tenants.get(filt.tenant_id)
            if index is not None:
                return self._search(index, filt, vector, limit, only, near, write)
        with self._source.write_lock, self._lock:
            index = self._tenants.get(filt.tenant_id)
            if index is None:
                index, reason = self._load(filt.tenant_id)
                if cache:
                    self._tenants[filt.tenant_id] = index
                    if reason is not None:
                        self._start_build(filt.tenant_id, reason)
                    self._save_if_due(filt.tenant_id)
            return self._search(index, filt, vector, limit, only, near, write)

    def _search(
        self,
        index: Index,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        only: Collection[str] | None,
        near: bool,
        write: bool,
    ) -> list[tuple[str, float]]:
        if isinstance(index, TenantIndex):
            return index.search(filt, vector, limit, only)
        tenant_id = filt.tenant_id

        def rescore(ids: Sequence[str]) -> dict[str, bytes]:
            return self._source.vectors(tenant_id, ids)

        return index.search(
            filt,
            vector,
            limit,
            rescore,
            only,
            scan_rows=self._graph_from // 4,
            near=near,
            write=write,
        )

    def _load(self, tenant_id: str) -> tuple[Index, str | None]:
        """The tenant's index, and why a (new) graph should be built for it (``None``: no need).

        A saved graph is brought up to date from the change log; a large tenant without one, or
        whose log is long, is loaded exactly, its graph to be built in the background. A saved
        graph of a lower degree than :data:`~cml.storage.sqlite.graph.M` (saved by an older
        py-cml) answers while its replacement is built.
        """
        directory = self._source.directory
        recorded = self._source.snapshot(tenant_id) if directory is not None else None
        if directory is not None and recorded is not None:
            token, seq = recorded
            graph = GraphIndex.load(directory, _stem(tenant_id), token)
            if graph is not None:
                rows, gone = self._source.changed_since(tenant_id, seq)
                # A long log (a large import since the save) would be a build inside this
                # read: the rows are searched exactly and built in the background instead.
                if len(rows) + len(gone) <= max(SAVE_EVERY, graph.rows // 20):
                    graph.add([upsert_of(tenant_id, row) for row in rows])
                    graph.remove(gone)
                    self._unsaved[tenant_id] = len(rows) + len(gone)
                    return graph, _rebuild_reason(graph)
        exact = TenantIndex.from_rows(tenant_id, self._source.rows(tenant_id))
        if len(exact) <= self._graph_from:
            return exact, None
        return exact, "a new graph" if recorded is None else "its saved graph is out of date"

    def _start_build(self, tenant_id: str, reason: str) -> None:
        """Build the tenant's graph on a background thread (call holding both locks).

        Logged when it starts and ends: a large tenant's build keeps a core busy for minutes.
        """
        if tenant_id in self._building:
            return
        self._building[tenant_id] = []
        index = self._tenants.get(tenant_id)
        logger.info(
            "building the vector graph of a tenant of %d memories in the background: %s",
            0 if index is None else len(index),
            reason,
        )
        builder = threading.Thread(
            target=self._build,
            args=(tenant_id, self._generation),
            name="cml-vector-graph",
            daemon=True,
        )
        self._builders[tenant_id] = builder
        builder.start()

    def _build(self, tenant_id: str, generation: int) -> None:
        """Build a graph from the rows, then replay what was committed meanwhile and swap."""
        graph: GraphIndex | None = None
        started = time.monotonic()
        try:
            graph = GraphIndex.build(tenant_id, self._source.chunks(tenant_id))
        except (EngineError, sqlite3.Error, RuntimeError, ValueError) as exc:
            # Closed or failing store: the index in use stays; a later change starts again.
            logger.warning("could not build the vector graph of a tenant: %s", exc)
        finally:
            with self._source.write_lock, self._lock:
                if generation == self._generation:  # else the store was closed meanwhile
                    pending = self._building.pop(tenant_id, [])
                    self._builders.pop(tenant_id, None)
                    if graph is not None and tenant_id in self._tenants:
                        _apply(graph, pending)
                        self._tenants[tenant_id] = graph
                        self._unsaved[tenant_id] = -1  # never saved
                        self._save_if_due(tenant_id)
                        logger.info(
                            "built the vector graph of a tenant: %d rows, M %d, in %.1f s",
                            graph.rows,
                            graph.graph.degree,
                            time.monotonic() - started,
                        )

    def wait_for_builds(self, timeout: float | None = None) -> bool:
        """Wait until no graph is being built; ``False`` if ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                builders = list(self._builders.values())
            if not builders:
                return True
            for builder in builders:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                builder.join(left)
                if builder.is_alive():
                    return False

    def apply(self, changes: Sequence[Change]) -> None:
        """Apply committed changes to the tenants that are loaded (others load fresh later).

        Call it holding the writer lock with no transaction open: a large tenant's graph may
        be saved, or dropped to be rebuilt at its next search.
        """
        touched: set[str] = set()
        with self._lock:
            for tenant_id, run in _runs(changes):
                pending = self._building.get(tenant_id)
                if pending is not None:
                    pending.extend(run)
                index = self._tenants.get(tenant_id)
                if index is None:
                    continue
                touched.add(tenant_id)
                _apply(index, run)
                if tenant_id in self._unsaved and self._unsaved[tenant_id] >= 0:
                    self._unsaved[tenant_id] += len(run)
            for tenant_id in touched:
                index = self._tenants[tenant_id]
                reason = _rebuild_reason(index) if isinstance(index, GraphIndex) else None
                if isinstance(index, TenantIndex) and len(index) > self._graph_from:
                    self._start_build(tenant_id, "a new graph")  # searched exactly meanwhile
                elif reason is not None:
                    self._start_build(tenant_id, reason)  # the old graph answers meanwhile
                else:
                    self._save_if_due(tenant_id)

    def _save_if_due(self, tenant_id: str) -> None:
        """Save a loaded graph never saved, or changed much since its last save."""
        index = self._tenants.get(tenant_id)
        unsaved = self._unsaved.get(tenant_id)
        if not isinstance(index, GraphIndex) or unsaved is None:
            return
        if 0 <= unsaved < max(SAVE_EVERY, len(index) // 20) or not self._source.can_write():
            return
        self._save(tenant_id, index)

    def _save(self, tenant_id: str, index: GraphIndex) -> None:
        directory = self._source.directory
        if directory is None:
            return
        stem = _stem(tenant_id)
        token = uuid.uuid4().hex
        try:
            directory.mkdir(exist_ok=True)
            index.save(directory, stem, token)
            self._source.record(tenant_id, token)
        except (OSError, RuntimeError, sqlite3.Error, EngineError) as exc:
            # The graph in memory stays right; the next start rebuilds or replays instead.
            logger.warning("could not save the vector graph of a tenant: %s", exc)
            return
        self._unsaved[tenant_id] = 0
        for old in directory.glob(f"{stem}.*"):
            if not old.name.startswith(f"{stem}.{token}."):
                old.unlink(missing_ok=True)

    def save(self) -> None:
        """Save every loaded graph with unsaved changes (call holding the writer lock)."""
        with self._lock:
            for tenant_id, index in self._tenants.items():
                if isinstance(index, GraphIndex) and self._unsaved.get(tenant_id, 0) != 0:
                    self._save(tenant_id, index)

    def loaded_size(self, tenant_id: str) -> int | None:
        """Entries held for a tenant, or ``None`` if it is not loaded."""
        with self._lock:
            index = self._tenants.get(tenant_id)
            return None if index is None else len(index)

    def tenant_count(self) -> int:
        """How many tenants are loaded in memory."""
        with self._lock:
            return len(self._tenants)

    def building_count(self) -> int:
        """How many tenants' graphs are being built (or rebuilt) in the background now."""
        with self._lock:
            return len(self._building)

    def clear(self) -> None:
        """Drop every loaded tenant (a graph being built is thrown away when it is done)."""
        with self._lock:
            self._tenants.clear()
            self._unsaved.clear()
            self._building.clear()
            self._builders.clear()
            self._generation += 1


def _runs(changes: Sequence[Change]) -> Iterator[tuple[str, list[Change]]]:
    """``changes`` in order, as runs of consecutive changes to one tenant."""
    run: list[Change] = []
    for change in changes:
        if run and run[0].tenant_id != change.tenant_id:
            yield run[0].tenant_id, run
            run = []
        run.append(change)
    if run:
        yield run[0].tenant_id, run


def _apply(index: Index, changes: Sequence[Change]) -> None:
    """Apply committed changes to a tenant's index, in order.

    A graph gets consecutive upserts of distinct memories in one append (the same rows and
    fields as one by one).
    """
    batch: dict[str, Upsert] = {}
    for change in changes:
        if isinstance(change, Upsert):
            if isinstance(index, TenantIndex):
                index.upsert(change)
                continue
            if change.id in batch:
                index.add(list(batch.values()))
                batch = {}
            batch[change.id] = change
            continue
        if batch and isinstance(index, GraphIndex):
            index.add(list(batch.values()))
            batch = {}
        if isinstance(change, StatusChange):
            index.set_status(change.ids, change.status)
        else:
            index.remove(change.ids)
    if batch and isinstance(index, GraphIndex):
        index.add(list(batch.values()))


def _rebuild_reason(index: GraphIndex) -> str | None:
    """Why a loaded graph should be rebuilt from the rows (``None``: it is fine as it is).

    Too many dead rows, or a degree below :data:`~cml.storage.sqlite.graph.M`: a graph saved by
    an older py-cml keeps its degree as it grows, and with it a lower recall.
    """
    if index.dead > REBUILD_AT * index.rows:
        return f"{index.dead} of its {index.rows} rows are dead"
    if index.graph.degree < M:
        return f"its saved graph has M {index.graph.degree}, new graphs M {M}"
    return None


def _stem(tenant_id: str) -> str:
    """The file name stem of a tenant's graph (tenant ids may hold any character)."""
    return hashlib.sha256(tenant_id.encode()).hexdigest()[:32]
