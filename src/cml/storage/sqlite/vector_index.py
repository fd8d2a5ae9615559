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
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cml.errors import EngineError, InvalidInputError
from cml.storage.base import MemoryFilter, Vector
from cml.storage.sqlite.fields import FieldRows, Fields, IndexRow, Upsert, upsert_of
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

    Args:
        source: The database's rows and snapshot bookkeeping.
        load_guard: Held while a tenant is loaded or saved so that no commit lands half-way
            (the store passes its writer lock, which must be re-entrant).
        can_write: Whether the calling thread may write the database now (no transaction of
            its own is open); a snapshot is saved only then.
        graph_from: Embedded memories above which a tenant gets a graph.
    """

    def __init__(
        self,
        source: VectorSource,
        load_guard: AbstractContextManager[object],
        can_write: Callable[[], bool],
        *,
        graph_from: int = GRAPH_FROM,
    ) -> None:
        self._source = source
        self._load_guard = load_guard
        self._can_write = can_write
        self._graph_from = graph_from
        self._lock = threading.RLock()
        self._tenants: dict[str, Index] = {}
        self._unsaved: dict[str, int] = {}

    def search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        *,
        cache: bool = True,
        only: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest neighbours of ``vector`` among the tenant's memories admitted by ``filt``.

        ``cache=False`` builds a throw-away index when the tenant is not loaded yet (used when
        the caller is inside an uncommitted transaction on the same connection). ``only``
        admits just these ids besides (see :meth:`TenantIndex.search`).
        """
        with self._lock:
            index = self._tenants.get(filt.tenant_id)
            if index is not None:
                return self._search(index, filt, vector, limit, only)
        with self._load_guard, self._lock:
            index = self._tenants.get(filt.tenant_id)
            if index is None:
                index = self._load(filt.tenant_id)
                if cache:
                    self._tenants[filt.tenant_id] = index
                    self._save_if_due(filt.tenant_id)
            return self._search(index, filt, vector, limit, only)

    def _search(
        self,
        index: Index,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        only: Collection[str] | None,
    ) -> list[tuple[str, float]]:
        if isinstance(index, TenantIndex):
            return index.search(filt, vector, limit, only)
        tenant_id = filt.tenant_id

        def rescore(ids: Sequence[str]) -> dict[str, bytes]:
            return self._source.vectors(tenant_id, ids)

        return index.search(filt, vector, limit, rescore, only, scan_rows=self._graph_from // 4)

    def _load(self, tenant_id: str) -> Index:
        """The tenant's index: its saved graph brought up to date, or built from its rows."""
        directory = self._source.directory
        recorded = self._source.snapshot(tenant_id) if directory is not None else None
        if directory is not None and recorded is not None:
            token, seq = recorded
            graph = GraphIndex.load(directory, _stem(tenant_id), token)
            if graph is not None:
                rows, gone = self._source.changed_since(tenant_id, seq)
                graph.add([upsert_of(tenant_id, row) for row in rows])
                graph.remove(gone)
                if graph.dead <= REBUILD_AT * graph.rows:
                    self._unsaved[tenant_id] = len(rows) + len(gone)
                    return graph
        if self._source.count(tenant_id) <= self._graph_from:
            return TenantIndex.from_rows(tenant_id, self._source.rows(tenant_id))
        built = GraphIndex.build(tenant_id, self._source.chunks(tenant_id))
        if built is None:
            return TenantIndex()
        self._unsaved[tenant_id] = -1  # never saved
        return built

    def apply(self, changes: Sequence[Change]) -> None:
        """Apply committed changes to the tenants that are loaded (others load fresh later).

        Call it holding the writer lock with no transaction open: a large tenant's graph may
        be saved, or dropped to be rebuilt at its next search.
        """
        touched: set[str] = set()
        with self._lock:
            for change in changes:
                index = self._tenants.get(change.tenant_id)
                if index is None:
                    continue
                touched.add(change.tenant_id)
                if isinstance(change, Upsert):
                    if isinstance(index, GraphIndex):
                        index.add([change])
                    else:
                        index.upsert(change)
                elif isinstance(change, StatusChange):
                    index.set_status(change.ids, change.status)
                else:
                    index.remove(change.ids)
                if change.tenant_id in self._unsaved and self._unsaved[change.tenant_id] >= 0:
                    self._unsaved[change.tenant_id] += 1
            for tenant_id in touched:
                index = self._tenants[tenant_id]
                if isinstance(index, TenantIndex) and len(index) > self._graph_from:
                    del self._tenants[tenant_id]  # the next search builds its graph
                elif isinstance(index, GraphIndex) and index.dead > REBUILD_AT * index.rows:
                    del self._tenants[tenant_id]
                    self._unsaved.pop(tenant_id, None)
                else:
                    self._save_if_due(tenant_id)

    def _save_if_due(self, tenant_id: str) -> None:
        """Save a loaded graph never saved, or changed much since its last save."""
        index = self._tenants.get(tenant_id)
        unsaved = self._unsaved.get(tenant_id)
        if not isinstance(index, GraphIndex) or unsaved is None:
            return
        if 0 <= unsaved < max(SAVE_EVERY, len(index) // 20) or not self._can_write():
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

    def clear(self) -> None:
        """Drop every loaded tenant."""
        with self._lock:
            self._tenants.clear()
            self._unsaved.clear()


def _stem(tenant_id: str) -> str:
    """The file name stem of a tenant's graph (tenant ids may hold any character)."""
    return hashlib.sha256(tenant_id.encode()).hexdigest()[:32]
