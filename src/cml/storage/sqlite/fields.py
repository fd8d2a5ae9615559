"""The per-row fields a vector search filters on, held as small numpy arrays.

Status, type, namespace and session are small integer codes; ``created_at`` and the times of
:attr:`MemoryFilter.as_of` are epoch seconds. Both kinds of tenant index (the exact matrix of
:mod:`cml.storage.sqlite.vector_index` and the graph of :mod:`cml.storage.sqlite.graph_index`)
keep one :class:`Fields` and turn a :class:`~cml.storage.base.MemoryFilter` into a row mask
with :meth:`Fields.mask`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cml.storage.base import MemoryFilter, Vector
from cml.storage.sqlite.dialect import to_epoch

IndexRow = tuple[
    str, bytes, str, str, "str | None", "str | None", float, float, "float | None", "float | None"
]
"""``(id, float32 embedding bytes, status, memory_type, namespace, session_id, created_at,
stored_at, valid_from, superseded_at)``."""

INDEX_COLUMNS = (
    "id, embedding, status, memory_type, namespace, session_id, created_at, stored_at,"
    " valid_from, superseded_at"
)
"""The columns of :data:`IndexRow`, in order, for ``SELECT``."""

_NONE_CODE = 0

_COMPARED = 4
"""Up to this many allowed codes, a filter compares each instead of indexing a table."""


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


def upsert_of(tenant_id: str, row: IndexRow) -> Upsert:
    """The :class:`Upsert` that puts a stored row into its tenant's index."""
    memory_id, embedding, status, memory_type, namespace, session_id, created = row[:7]
    recorded, valid_from, retired = row[7:]
    return Upsert(
        tenant_id,
        memory_id,
        np.frombuffer(embedding, dtype=np.float32),
        status,
        memory_type,
        namespace,
        session_id,
        created,
        recorded,
        valid_from,
        retired,
    )


class Fields:
    """The filterable fields of up to ``capacity`` rows (grown on demand).

    Args:
        capacity: Rows to allocate at first.
    """

    def __init__(self, capacity: int) -> None:
        self.codes: dict[str | None, int] = {None: _NONE_CODE}
        self.allocate(max(capacity, 1))

    def allocate(self, capacity: int) -> None:
        """Replace every array by zeroed ones of ``capacity`` rows."""
        self.status: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.memory_type: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.namespace: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.session: npt.NDArray[np.int32] = np.zeros(capacity, dtype=np.int32)
        self.created_at: npt.NDArray[np.float64] = np.zeros(capacity, dtype=np.float64)
        # Per row: recorded (stored_at), valid from, retired (superseded_at, +inf when never).
        self.times: npt.NDArray[np.float64] = np.zeros((capacity, 3), dtype=np.float64)

    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return int(self.status.shape[0])

    def arrays(self) -> tuple[npt.NDArray[Any], ...]:
        """Every per-row array, in a fixed order."""
        return (
            self.status,
            self.memory_type,
            self.namespace,
            self.session,
            self.created_at,
            self.times,
        )

    def grow(self, count: int, capacity: int) -> None:
        """Reallocate to ``capacity`` rows, keeping the first ``count``."""
        old = self.arrays()
        self.allocate(capacity)
        for target, source in zip(self.arrays(), old, strict=True):
            target[:count] = source[:count]

    def code(self, value: str | None) -> int:
        """The small integer standing for ``value`` (assigned on first sight)."""
        code = self.codes.get(value)
        if code is None:
            code = len(self.codes)
            self.codes[value] = code
        return code

    def set(self, i: int, change: Upsert) -> None:
        """Write the fields of ``change`` into row ``i``."""
        self.status[i] = self.code(change.status)
        self.memory_type[i] = self.code(change.memory_type)
        self.namespace[i] = self.code(change.namespace)
        self.session[i] = self.code(change.session_id)
        self.created_at[i] = change.created_at
        self.times[i] = (
            change.recorded_at,
            change.created_at if change.valid_from is None else change.valid_from,
            np.inf if change.retired_at is None else change.retired_at,
        )

    def set_status(self, rows: Sequence[int], status: str) -> None:
        """Change the status of ``rows``."""
        self.status[list(rows)] = self.code(status)

    def move(self, source: int, target: int) -> None:
        """Copy row ``source`` over row ``target``."""
        for array in self.arrays():
            array[target] = array[source]

    def mask(self, filt: MemoryFilter, count: int) -> npt.NDArray[np.bool_] | None:
        """Which of the first ``count`` rows the filter admits (``None`` means all)."""
        return self.mask_rows(filt, slice(0, count))

    def mask_rows(
        self, filt: MemoryFilter, rows: slice | npt.NDArray[np.intp]
    ) -> npt.NDArray[np.bool_] | None:
        """Which of ``rows`` (a slice or an array of row numbers) the filter admits.

        ``None`` means all of them.
        """
        mask: npt.NDArray[np.bool_] | None = None

        def narrow(condition: npt.NDArray[np.bool_]) -> None:
            nonlocal mask
            mask = condition if mask is None else mask & condition

        if filt.statuses is not None:
            narrow(self._among(self.status[rows], filt.statuses))
        if filt.memory_types is not None:
            narrow(self._among(self.memory_type[rows], filt.memory_types))
        if filt.namespace is not None:
            narrow(self.namespace[rows] == self.codes.get(filt.namespace, -1))
        if filt.session_id is not None:
            narrow(self.session[rows] == self.codes.get(filt.session_id, -1))
        if filt.since is not None:
            narrow(self.created_at[rows] >= to_epoch(filt.since))
        if filt.until is not None:
            narrow(self.created_at[rows] <= to_epoch(filt.until))
        if filt.as_of is not None:
            at = to_epoch(filt.as_of)
            times = self.times[rows]
            narrow((times[:, 0] <= at) & (times[:, 1] <= at))
            if not filt.retired_by_then:
                narrow(times[:, 2] > at)
        return mask

    def _among(self, column: npt.NDArray[np.int32], values: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Which entries of ``column`` hold the code of one of ``values``.

        A few values are compared one by one (a comparison pass over a million rows takes a
        fifth of indexing a lookup table with them); many go through the table, which is still
        several times faster than ``np.isin``.
        """
        codes = {self.codes[v] for v in values if v in self.codes}
        if len(codes) > _COMPARED:
            table = np.zeros(len(self.codes), dtype=np.bool_)
            table[list(codes)] = True
            return table[column]
        found = np.zeros(column.shape[0], dtype=np.bool_)
        for code in codes:
            found |= column == code
        return found


class FieldRows:
    """What both index shapes keep: a memory id per row, the row of each live id, the fields.

    :class:`~cml.storage.sqlite.vector_index.TenantIndex` and
    :class:`~cml.storage.sqlite.graph_index.GraphIndex` set the three attributes.
    """

    ids: list[str]
    """The memory id of each row."""
    positions: dict[str, int]
    """The row of each memory in the index."""
    fields: Fields
    """The filter fields of each row."""

    def set_status(self, ids: Iterable[str], status: str) -> None:
        """Change the status of the entries present among ``ids``."""
        self.fields.set_status([i for i in map(self.positions.get, ids) if i is not None], status)
