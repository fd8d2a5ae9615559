"""An exact, in-memory vector index per tenant (used by the SQLite backend).

Each tenant's vectors live in one float32 matrix with parallel arrays for the fields a search can
filter on (status, type, namespace, session as small integer codes; ``created_at`` and the times
of :attr:`MemoryFilter.as_of` as epoch seconds). A search is one matrix-vector product over all
of the tenant's rows; the filter is a boolean mask that sets excluded scores to ``-inf``;
``argpartition`` picks the top k.

That product reads the whole float32 matrix (150 MB at 100k x 384) and is bound by memory
bandwidth: ~10 ms per query on a small machine, paid by every read and by every write's
duplicate check. So a tenant with more than :data:`EXACT_UP_TO` admitted rows is searched in two
steps: the signs of each vector, packed 64 to a word (1/32 of the matrix), rank every row by
Hamming distance to the query's signs; the :data:`SHORTLIST` nearest (at least 20 per result
asked) are then scored exactly. Smaller tenants, including every benchmark conversation, stay
exact.

The store loads a tenant lazily from its table on first use and applies changes only after the
transaction that made them has committed, so a rolled-back write never reaches the index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cml.errors import InvalidInputError
from cml.storage.base import MemoryFilter, Vector
from cml.storage.sqlite.dialect import to_epoch

IndexRow = tuple[
    str, bytes, str, str, "str | None", "str | None", float, float, "float | None", "float | None"
]
"""``(id, float32 embedding bytes, status, memory_type, namespace, session_id, created_at,
stored_at, valid_from, superseded_at)``."""

_INITIAL_CAPACITY = 256
_NONE_CODE = 0

EXACT_UP_TO = 20_000
"""Admitted rows up to which a search scores every row exactly."""

SHORTLIST = 1_000
"""Fewest rows kept by the sign (Hamming) pass for exact scoring in a large tenant."""

_SHORTLIST_PER_RESULT = 20


def needs_rows(filt: MemoryFilter) -> bool:
    """Whether ``filt`` filters on fields the index does not hold (metadata, tags, agent).

    Such a search is restricted to the ids the database admits, before the top k is taken.
    """
    return filt.metadata is not None or filt.context_tags is not None or filt.agent_id is not None


def sign_bits(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.uint64]:
    """The signs of each row packed into 64-bit words (rows padded with zero bits)."""
    rows = np.atleast_2d(vectors)
    packed = np.packbits(rows > 0, axis=1)
    width = -(-packed.shape[1] // 8) * 8
    if width != packed.shape[1]:
        packed = np.pad(packed, ((0, 0), (0, width - packed.shape[1])))
    return np.ascontiguousarray(packed).view(np.uint64)


@dataclass(frozen=True)
class Upsert:
    """Add a memory to its tenant's index or replace its entry."""

    tenant_id: str
    id: str
    vector: Vector
    status: str
    memory_type: str
    namespace: str | None
    session_id: str | None
    created_at: float
    recorded_at: float = 0.0
    """When the store learned it (``stored_at``)."""
    valid_from: float | None = None
    """When it began to hold (``created_at`` when ``None``)."""
    retired_at: float | None = None
    """When it was superseded (``None``: never)."""


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


def _times(
    created: float, recorded: float, valid_from: float | None, retired: float | None
) -> tuple[float, float, float]:
    """The row of :attr:`TenantIndex.times` for one memory."""
    return (
        recorded,
        created if valid_from is None else valid_from,
        np.inf if retired is None else retired,
    )


class TenantIndex:
    """The vectors of one tenant and the fields a search filters on. Not thread-safe by itself."""

    def __init__(
        self,
        dimensions: int | None = None,
        capacity: int = _INITIAL_CAPACITY,
        *,
        exact_up_to: int = EXACT_UP_TO,
    ) -> None:
        self.dimensions = dimensions
        self.exact_up_to = exact_up_to
        self.ids: list[str] = []
        self.positions: dict[str, int] = {}
        self._codes: dict[str | None, int] = {None: _NONE_CODE}
        self._allocate(max(capacity, 1), dimensions or 0)

    @classmethod
    def from_rows(cls, rows: Sequence[IndexRow], *, exact_up_to: int = EXACT_UP_TO) -> TenantIndex:
        """Build an index from stored rows in one pass."""
        if not rows:
            return cls(exact_up_to=exact_up_to)
        dimensions = len(rows[0][1]) // 4
        index = cls(
            dimensions,
            capacity=max(_INITIAL_CAPACITY, len(rows) + len(rows) // 4),
            exact_up_to=exact_up_to,
        )
        count = len(rows)
        blob = b"".join(row[1] for row in rows)
        index.matrix[:count] = np.frombuffer(blob, dtype=np.float32).reshape(count, dimensions)
        index.signs[:, :count] = sign_bits(index.matrix[:count]).T
        for i, row in enumerate(rows):
            memory_id, _, status, memory_type, namespace, session_id, created = row[:7]
            recorded, valid_from, retired = row[7:]
            index.ids.append(memory_id)
            index.positions[memory_id] = i
            index.status[i] = index._code(status)
            index.memory_type[i] = index._code(memory_type)
            index.namespace[i] = index._code(namespace)
            index.session[i] = index._code(session_id)
            index.created_at[i] = created
            index.times[i] = _times(created, recorded, valid_from, retired)
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def _allocate(self, capacity: int, dimensions: int) -> None:
        self.matrix: npt.NDArray[np.float32] = np.zeros((capacity, dimensions), dtype=np.float32)
        # One row per 64-bit word, one column per entry: a distance is a few passes over
        # contiguous words (summing six words along each row is three times slower).
        self.signs: npt.NDArray[np.uint64] = np.zeros((-(-dimensions // 64), capacity), np.uint64)
        self.status: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.memory_type: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.namespace: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.session: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.created_at: npt.NDArray[np.float64] = np.zeros(capacity, dtype=np.float64)
        # Per row: recorded (stored_at), valid from, retired (superseded_at, +inf when never).
        self.times: npt.NDArray[np.float64] = np.zeros((capacity, 3), dtype=np.float64)

    def _grow(self) -> None:
        count = len(self.ids)
        old = self._arrays()
        self._allocate(max(_INITIAL_CAPACITY, 2 * self.matrix.shape[0]), self.dimensions or 0)
        for target, source in zip(self._arrays(), old, strict=True):
            target[:count] = source[:count]

    def _arrays(self) -> tuple[npt.NDArray[Any], ...]:
        """Every per-row array, in a fixed order."""
        return (
            self.matrix,
            self.signs.T,
            self.status,
            self.memory_type,
            self.namespace,
            self.session,
            self.created_at,
            self.times,
        )

    def _code(self, value: str | None) -> int:
        code = self._codes.get(value)
        if code is None:
            code = len(self._codes)
            self._codes[value] = code
        return code

    def upsert(self, change: Upsert) -> None:
        """Insert or replace one entry."""
        vector = np.asarray(change.vector, dtype=np.float32).reshape(-1)
        if self.dimensions is None or not self.ids:
            if self.dimensions != vector.shape[0]:
                self.dimensions = int(vector.shape[0])
                self._allocate(self.matrix.shape[0], self.dimensions)
        elif vector.shape[0] != self.dimensions:
            raise ValueError(
                f"embedding has {vector.shape[0]} dimensions, index has {self.dimensions}"
            )
        i = self.positions.get(change.id)
        if i is None:
            if len(self.ids) == self.matrix.shape[0]:
                self._grow()
            i = len(self.ids)
            self.ids.append(change.id)
            self.positions[change.id] = i
        self.matrix[i] = vector
        self.signs[:, i] = sign_bits(vector)[0]
        self.status[i] = self._code(change.status)
        self.memory_type[i] = self._code(change.memory_type)
        self.namespace[i] = self._code(change.namespace)
        self.session[i] = self._code(change.session_id)
        self.created_at[i] = change.created_at
        self.times[i] = _times(
            change.created_at, change.recorded_at, change.valid_from, change.retired_at
        )

    def set_status(self, ids: Iterable[str], status: str) -> None:
        """Change the status code of the entries present among ``ids``."""
        code = self._code(status)
        for memory_id in ids:
            i = self.positions.get(memory_id)
            if i is not None:
                self.status[i] = code

    def remove(self, ids: Iterable[str]) -> None:
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
                for array in self._arrays():
                    array[i] = array[last]
            self.ids.pop()

    def _mask(self, filt: MemoryFilter) -> npt.NDArray[np.bool_] | None:
        """Rows the filter admits (``None`` means all rows)."""
        count = len(self.ids)
        mask: npt.NDArray[np.bool_] | None = None

        def narrow(condition: npt.NDArray[np.bool_]) -> None:
            nonlocal mask
            mask = condition if mask is None else mask & condition

        if filt.statuses is not None:
            narrow(self._allowed(filt.statuses)[self.status[:count]])
        if filt.memory_types is not None:
            narrow(self._allowed(filt.memory_types)[self.memory_type[:count]])
        if filt.namespace is not None:
            narrow(self.namespace[:count] == self._codes.get(filt.namespace, -1))
        if filt.session_id is not None:
            narrow(self.session[:count] == self._codes.get(filt.session_id, -1))
        if filt.since is not None:
            narrow(self.created_at[:count] >= to_epoch(filt.since))
        if filt.until is not None:
            narrow(self.created_at[:count] <= to_epoch(filt.until))
        if filt.as_of is not None:
            at = to_epoch(filt.as_of)
            times = self.times[:count]
            narrow((times[:, 0] <= at) & (times[:, 1] <= at))
            if not filt.retired_by_then:
                narrow(times[:, 2] > at)
        return mask

    def _allowed(self, values: Sequence[str]) -> npt.NDArray[np.bool_]:
        """A lookup table: ``table[code]`` is True for the codes of ``values``.

        Indexing the table with a code array is several times faster than ``np.isin``.
        """
        table = np.zeros(len(self._codes), dtype=np.bool_)
        table[[self._codes[v] for v in values if v in self._codes]] = True
        return table

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
        mask = self._mask(filt)
        if only is not None:
            among = np.zeros(count, dtype=np.bool_)
            among[[i for i in map(self.positions.get, only) if i is not None]] = True
            mask = among if mask is None else mask & among
        admitted = count if mask is None else int(np.count_nonzero(mask))
        k = min(limit, admitted)
        if k == 0:
            return []
        shortlist = max(SHORTLIST, _SHORTLIST_PER_RESULT * k)
        if admitted > max(self.exact_up_to, shortlist):
            rows = self._shortlist(query, mask, shortlist)
            scores = self.matrix[rows] @ query
        else:
            rows = np.arange(count)
            scores = self.matrix[:count] @ query
            if mask is not None:
                np.putmask(scores, ~mask, -np.inf)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        order = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[rows[i]], float(scores[i])) for i in order if scores[i] != -np.inf][:k]

    def _shortlist(
        self, query: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_] | None, size: int
    ) -> npt.NDArray[np.intp]:
        """At least ``size`` admitted rows whose signs differ least from the query's.

        Distances are small integers, so the cut-off comes from a histogram rather than a
        partial sort; rows tied at the cut-off are all kept.
        """
        count = len(self.ids)
        words = sign_bits(query)[0]
        distances = np.bitwise_count(self.signs[0, :count] ^ words[0]).astype(np.uint16)
        for w in range(1, len(words)):
            distances += np.bitwise_count(self.signs[w, :count] ^ words[w])
        beyond = 64 * len(words) + 1
        if mask is not None:
            # Farther than any real distance: excluded rows are never kept (admitted >= size).
            np.putmask(distances, ~mask, beyond)
        cumulative = np.cumsum(np.bincount(distances, minlength=beyond + 1))
        cut = int(np.searchsorted(cumulative, size))
        return np.flatnonzero(distances <= cut)


class VectorIndex:
    """Per-tenant :class:`TenantIndex` objects, loaded lazily and safe to share between threads.

    Args:
        load: Reads every embedded memory of a tenant from the database.
        load_guard: Held while a tenant is loaded so that no commit lands half-way through the
            read (the store passes its writer lock, which must be re-entrant).
    """

    def __init__(
        self,
        load: Callable[[str], Sequence[IndexRow]],
        load_guard: AbstractContextManager[object],
    ) -> None:
        self._load = load
        self._load_guard = load_guard
        self._lock = threading.RLock()
        self._tenants: dict[str, TenantIndex] = {}

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
                return index.search(filt, vector, limit, only)
        with self._load_guard, self._lock:
            index = self._tenants.get(filt.tenant_id)
            if index is None:
                index = TenantIndex.from_rows(self._load(filt.tenant_id))
                if cache:
                    self._tenants[filt.tenant_id] = index
            return index.search(filt, vector, limit, only)

    def apply(self, changes: Sequence[Change]) -> None:
        """Apply committed changes to the tenants that are loaded (others load fresh later)."""
        with self._lock:
            for change in changes:
                index = self._tenants.get(change.tenant_id)
                if index is None:
                    continue
                if isinstance(change, Upsert):
                    index.upsert(change)
                elif isinstance(change, StatusChange):
                    index.set_status(change.ids, change.status)
                else:
                    index.remove(change.ids)

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
