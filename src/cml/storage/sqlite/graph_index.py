"""The vector index of a large tenant: an HNSW graph of int8 codes, re-scored exactly.

Every row of the graph has an entry here (its id, whether it is still live, a digest of its
float32 vector, its filter fields); a memory's row is its graph label. A search turns the
filter into a mask over the rows (:class:`~cml.storage.sqlite.fields.Fields`; a write's
duplicate check keeps its filter's rows up to date between writes instead), asks the graph
for four admitted candidates per result (at least :data:`RESCORED`) by their int8 codes, reads
the float32 embeddings of the first half of them (at least :data:`RESCORED`) from the database
and returns the best by exact cosine similarity. The float32 vectors are therefore not held
in memory: a million memories take about 400 MB of codes and 270 MB of graph links (M 32).

Rows are never removed from the graph. A deleted memory's row becomes dead (masked out); a
memory whose vector changed gets a new row and its old one dies; a change of status or other
field rewrites its fields in place. :attr:`GraphIndex.dead` counts dead rows so that the owner
can rebuild when they become many.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cml.errors import InvalidInputError
from cml.storage.base import MemoryFilter, Vector
from cml.storage.sqlite.fields import FieldRows, Fields, IndexRow, Upsert, upsert_of
from cml.storage.sqlite.graph import Graph

RESCORED = 40
"""Fewest candidates re-scored exactly per search."""

_WALKED_PER_RESULT = 4
"""Candidates a graph walk returns per result asked (its depth is at least this many)."""

_RESCORED_PER_RESULT = 2
"""Of those, candidates re-scored exactly per result (the int8 order is nearly exact: the
walk, not the quantisation, is what loses neighbours)."""

KEPT_FILTERS = 6
"""Filters of writes' searches whose admitted rows are kept up to date between searches."""

Rescore = Callable[[Sequence[str]], Mapping[str, bytes]]
"""Reads the stored float32 embeddings (bytes) of the given ids; missing ids are left out."""


def _vector(change: Upsert) -> npt.NDArray[np.float32]:
    return np.asarray(change.vector, dtype=np.float32).reshape(-1)


_FEW_ROWS = 8


def _copy(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)


def _bitmap_bytes(rows: int) -> int:
    return (rows + 7) // 8


def _kept_key(filt: MemoryFilter) -> Hashable | None:
    """What identifies a write's search filter, or ``None`` when its rows are not kept.

    The duplicate check filters on status, type, namespace and session only, the supersession
    check on status and namespace; a filter on anything else (time, agent, tags, metadata) is
    evaluated afresh at each search.
    """
    if (
        filt.since is not None
        or filt.until is not None
        or filt.as_of is not None
        or filt.agent_id is not None
        or filt.context_tags is not None
        or filt.metadata is not None
        or filt.superseded_by is not None
    ):
        return None
    return _copy(filt.statuses), _copy(filt.memory_types), filt.namespace, filt.session_id


class _KeptRows:
    """The rows one filter admits, as the bitmap a walk takes, updated row by row.

    Built from every row once (a pass over the arrays, several per million rows), then kept
    by :meth:`update` as rows are appended or change, so that the duplicate and supersession
    checks of each write do not pass over every row again.
    """

    def __init__(self, filt: MemoryFilter, bitmap: npt.NDArray[np.uint8], count: int) -> None:
        self.filt = filt
        self.bitmap = bitmap
        self.count = count

    def update(
        self, rows: npt.NDArray[np.intp], live: npt.NDArray[np.bool_], fields: Fields
    ) -> None:
        """Recompute the bits of ``rows`` (distinct row numbers) and the count."""
        needed = _bitmap_bytes(int(rows[-1]) + 1)
        if needed > len(self.bitmap):
            grown = np.zeros(max(needed, 2 * len(self.bitmap)), np.uint8)
            grown[: len(self.bitmap)] = self.bitmap
            self.bitmap = grown
        flags = live[rows].copy()
        mask = fields.mask_rows(self.filt, rows)
        if mask is not None:
            flags &= mask
        if len(rows) <= _FEW_ROWS:  # a write's row or two: plain integers are quicker
            for row, flag in zip(rows.tolist(), flags.tolist(), strict=True):
                cell, bit = row >> 3, 1 << (row & 7)
                was = bool(self.bitmap[cell] & bit)
                if was != flag:
                    self.bitmap[cell] ^= bit
                    self.count += 1 if flag else -1
            return
        cells, shifts = rows >> 3, (rows & 7).astype(np.uint8)
        before = (self.bitmap[cells] >> shifts) & 1
        self.count += int(np.count_nonzero(flags)) - int(np.count_nonzero(before))
        np.bitwise_and.at(self.bitmap, cells, ~(np.uint8(1) << shifts))
        np.bitwise_or.at(self.bitmap, cells, flags.astype(np.uint8) << shifts)


class GraphIndex(FieldRows):
    """A large tenant's vectors as a graph, with the fields a search filters on.

    Not thread-safe by itself. Build one with :meth:`build`, :meth:`from_changes` or
    :meth:`load`.

    Args:
        graph: The graph; its row ``i`` is ``ids[i]``.
        ids: The memory of each graph row (dead rows included).
        fields: The filter fields per row.
        live: Per row, whether it is the current row of its memory.
        digests: Per row, a CRC-32 of the float32 vector (an upsert with the same vector keeps
            its row).
    """

    def __init__(
        self,
        graph: Graph,
        ids: list[str],
        fields: Fields,
        live: npt.NDArray[np.bool_],
        digests: npt.NDArray[np.uint32],
    ) -> None:
        self.graph = graph
        self.ids = ids
        self.fields = fields
        self.live = live
        self.digests = digests
        if live[: len(ids)].all():
            self.positions = dict(zip(ids, range(len(ids)), strict=True))
        else:
            flags = zip(ids, live[: len(ids)].tolist(), strict=True)
            self.positions = {m: i for i, (m, alive) in enumerate(flags) if alive}
        self.dead = len(ids) - len(self.positions)
        self._kept: dict[Hashable, _KeptRows] = {}
        """The rows admitted by the latest filters of writes' searches, kept up to date."""

    @classmethod
    def from_changes(cls, changes: Sequence[Upsert]) -> GraphIndex:
        """A graph index of ``changes`` (at least one; their vectors train the quantiser)."""
        graph = Graph.build(np.stack([_vector(c) for c in changes]))
        capacity = len(changes) + len(changes) // 4
        index = cls(
            graph, [], Fields(capacity), np.zeros(capacity, np.bool_), np.zeros(capacity, np.uint32)
        )
        index._record(changes)
        return index

    @classmethod
    def build(cls, tenant_id: str, chunks: Iterable[Sequence[IndexRow]]) -> GraphIndex | None:
        """A graph index of stored rows read chunk by chunk (``None`` when there are none).

        Rows of another width than the first are left out (only outside tampering makes them).
        """
        index: GraphIndex | None = None
        for chunk in chunks:
            if index is None:
                width = len(chunk[0][1]) if chunk else 0
                rows = [upsert_of(tenant_id, r) for r in chunk if len(r[1]) == width]
                index = cls.from_changes(rows) if rows else None
            else:
                width = index.graph.dimensions * 4
                index.add([upsert_of(tenant_id, r) for r in chunk if len(r[1]) == width])
        return index

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def rows(self) -> int:
        """Rows in the graph, dead ones included."""
        return len(self.ids)

    def add(self, changes: Sequence[Upsert]) -> None:
        """Insert or replace entries; only a changed vector adds a graph row."""
        appended: list[Upsert] = []
        rewritten: list[int] = []
        for change in changes:
            i = self.positions.get(change.id)
            if i is not None and int(self.digests[i]) == zlib.crc32(_vector(change).tobytes()):
                self.fields.set(i, change)
                rewritten.append(i)
            else:
                appended.append(change)
        self._changed(rewritten)
        if appended:
            vectors = np.stack([_vector(c) for c in appended])
            if vectors.shape[1] != self.graph.dimensions:
                raise ValueError(
                    f"embedding has {vectors.shape[1]} dimensions, "
                    f"index has {self.graph.dimensions}"
                )
            self.graph.add(vectors)
            self._record(appended)

    def _record(self, changes: Sequence[Upsert]) -> None:
        """Note the rows the graph has just appended for ``changes``."""
        start = len(self.ids)
        end = start + len(changes)
        if end > self.fields.capacity:
            capacity = max(end, 2 * self.fields.capacity)
            self.fields.grow(start, capacity)
            self.live = np.resize(self.live, capacity)
            self.digests = np.resize(self.digests, capacity)
        killed: list[int] = []
        for i, change in enumerate(changes, start):
            old = self.positions.get(change.id)
            if old is not None:
                self.live[old] = False
                self.dead += 1
                killed.append(old)
            self.ids.append(change.id)
            self.positions[change.id] = i
            self.live[i] = True
            self.digests[i] = zlib.crc32(_vector(change).tobytes())
            self.fields.set(i, change)
        self._changed([*killed, *range(start, end)])

    def remove(self, ids: Iterable[str]) -> None:
        """Take entries out (their rows stay in the graph, dead)."""
        rows: list[int] = []
        for memory_id in ids:
            i = self.positions.pop(memory_id, None)
            if i is not None:
                self.live[i] = False
                self.dead += 1
                rows.append(i)
        self._changed(rows)

    def set_status(self, ids: Iterable[str], status: str) -> None:
        """Change the status of the entries present among ``ids``."""
        rows = [i for i in map(self.positions.get, ids) if i is not None]
        self.fields.set_status(rows, status)
        self._changed(rows)

    def search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        rescore: Rescore,
        only: Collection[str] | None = None,
        *,
        scan_rows: int = 0,
        near: bool = False,
        write: bool = False,
    ) -> list[tuple[str, float]]:
        """The ``limit`` entries most similar to ``vector`` among those the filter admits.

        Candidates come from the graph by their int8 codes, filtered during the walk; their
        scores are exact cosine similarities of the stored float32 embeddings (``rescore``).
        ``only``, when given, admits just these ids besides. A filter admitting at most
        ``scan_rows`` rows is answered by scanning them (see :meth:`Graph.search`). ``near``
        walks the graph at its shallowest depth (only near-duplicates are wanted). The rows
        admitted by the filter of a ``near`` or ``write`` search (a write's checks, whose
        filters recur) are kept between searches (see :class:`_KeptRows`).
        """
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.graph.dimensions:
            raise InvalidInputError(
                f"query vector has {query.shape[0]} dimensions, the store holds "
                f"{self.graph.dimensions}-dimensional embeddings"
            )
        if limit <= 0:
            return []
        key = _kept_key(filt) if (near or write) and only is None else None
        if key is not None:
            kept = self._kept_admitted(key, filt)
            bitmap, admitted = kept.bitmap, kept.count
        else:
            flags = self._admitted(filt, only)
            bitmap, admitted = np.packbits(flags, bitorder="little"), int(np.count_nonzero(flags))
        if admitted == 0:
            return []
        walked = self.graph.search(
            query,
            max(RESCORED, _WALKED_PER_RESULT * limit),
            bitmap,
            admitted,
            scan_rows,
            shallow=near,
        )
        rows = walked[: max(RESCORED, _RESCORED_PER_RESULT * limit)].tolist()
        ids = self.ids  # indexed by Python ints (``tolist``): numpy scalars index slower
        candidates = [ids[i] for i in rows]
        stored = rescore(candidates)
        found = [m for m in candidates if m in stored]
        if not found:
            return []
        matrix = np.frombuffer(b"".join(stored[m] for m in found), np.float32)
        scores = matrix.reshape(len(found), -1) @ query
        order = np.argsort(-scores, kind="stable")[:limit]
        exact = scores.tolist()  # the same floats as ``float(scores[i])``, converted at once
        return [(found[i], exact[i]) for i in order.tolist()]

    def _admitted(
        self, filt: MemoryFilter, only: Collection[str] | None = None
    ) -> npt.NDArray[np.bool_]:
        """Per row, whether it is live and admitted by ``filt`` (and among ``only``)."""
        count = self.rows
        admitted = self.live[:count].copy()
        mask = self.fields.mask(filt, count)
        if mask is not None:
            admitted &= mask
        if only is not None:
            among = np.zeros(count, dtype=np.bool_)
            among[[i for i in map(self.positions.get, only) if i is not None]] = True
            admitted &= among
        return admitted

    def _kept_admitted(self, key: Hashable, filt: MemoryFilter) -> _KeptRows:
        """The kept rows of a write's search filter, made from every row on first use."""
        kept = self._kept.pop(key, None)
        if kept is None:
            # Kept with copies of its lists: the caller's may change after the search.
            statuses, types = _copy(filt.statuses), _copy(filt.memory_types)
            filt = replace(filt, statuses=statuses, memory_types=types)
            flags = self._admitted(filt)
            bitmap = np.zeros(_bitmap_bytes(self.fields.capacity), np.uint8)
            packed = np.packbits(flags, bitorder="little")
            bitmap[: len(packed)] = packed
            kept = _KeptRows(filt, bitmap, int(np.count_nonzero(flags)))
            if len(self._kept) >= KEPT_FILTERS:
                self._kept.pop(next(iter(self._kept)))
        self._kept[key] = kept  # the most recently used last
        return kept

    def _changed(self, rows: Iterable[int]) -> None:
        """Bring the kept rows of writes' search filters up to date for ``rows``."""
        if not self._kept:
            return
        distinct = sorted(set(rows))
        if not distinct:
            return
        changed = np.array(distinct, dtype=np.intp)
        for kept in self._kept.values():
            kept.update(changed, self.live, self.fields)

    # -- persistence -----------------------------------------------------------------------------
    def save(self, directory: Path, stem: str, token: str) -> None:
        """Write the graph and the rest to ``<stem>.<token>.faiss`` and ``.npz`` in ``directory``.

        A new token names new files, so a crash while saving never damages the files of the
        token the database records; the caller removes the old ones after recording the new.
        """
        self.graph.save(directory / f"{stem}.{token}.faiss")
        count = self.rows
        arrays: dict[str, Any] = {
            **_saved_ids(self.ids),
            "live": self.live[:count],
            "digests": self.digests[:count],
            "codes": np.array(json.dumps(list(self.fields.codes.items()))),
        }
        for name, array in zip(_FIELD_NAMES, self.fields.arrays(), strict=True):
            arrays[name] = array[:count]
        partial = directory / f"{stem}.{token}.npz.partial"
        with partial.open("wb") as out:
            np.savez(out, **arrays)
        os.replace(partial, directory / f"{stem}.{token}.npz")

    @classmethod
    def load(cls, directory: Path, stem: str, token: str) -> GraphIndex | None:
        """The index :meth:`save` wrote under ``token`` (``None`` if a file is missing)."""
        graph_file = directory / f"{stem}.{token}.faiss"
        rest_file = directory / f"{stem}.{token}.npz"
        if not graph_file.exists() or not rest_file.exists():
            return None
        with np.load(rest_file) as saved:
            ids = _loaded_ids(saved)
            fields = Fields(len(ids))
            fields.codes = dict(json.loads(str(saved["codes"])))
            for name, array in zip(_FIELD_NAMES, fields.arrays(), strict=True):
                array[:] = saved[name]
            live, digests = saved["live"].copy(), saved["digests"].copy()
        graph = Graph.load(graph_file)
        if len(graph) != len(ids):
            return None
        return cls(graph, ids, fields, live, digests)


_FIELD_NAMES = ("status", "memory_type", "namespace", "session", "created_at", "times")


def _saved_ids(ids: list[str]) -> dict[str, npt.NDArray[Any]]:
    """The ids as one block of UTF-8 lines (a million load in a tenth of a second).

    Ids holding a line break (no id py-cml makes does) are saved as an array of strings, four
    bytes a character and several times slower to load.
    """
    text = "\n".join(ids)
    if text.count("\n") != max(len(ids) - 1, 0):
        return {"ids": np.array(ids, dtype=np.str_)}
    return {"id_lines": np.frombuffer(text.encode(), dtype=np.uint8)}


def _loaded_ids(saved: Any) -> list[str]:
    """The ids :func:`_saved_ids` wrote."""
    if "id_lines" not in saved:
        ids: list[str] = saved["ids"].tolist()
        return ids
    text = saved["id_lines"].tobytes().decode()
    return text.split("\n") if text else []
