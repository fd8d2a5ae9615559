"""An HNSW graph over int8-quantised vectors (faiss), searched with a row filter.

Vectors are unit length and compared by inner product. Each vector is stored as 384 int8 codes
(a quarter of float32) under a per-dimension range learned from the first vectors added; the
candidates a search returns are re-scored exactly by the caller from the stored float32
embeddings, so quantisation costs ranking precision only among the candidates it keeps.

A search takes the rows it may return as a bitmap, turned into a faiss bitmap selector that
the graph walk consults: filtered-out rows are walked through but never returned, so a
narrow filter does not empty the top k. When the mask admits few rows the walk would wander
through mostly excluded rows, so those rows are scanned directly instead
(:data:`SCAN_SHARE`, or fewer rows than the caller says).

Rows are appended and never removed from the graph (HNSW has no removal): the caller excludes
dead rows through the mask and rebuilds when they become many.

A new graph links each node to :data:`M` others per layer. Its degree is part of the saved
graph: one saved with another degree (M 16 before decision 89) loads and grows with its own,
and the store replaces one of a lower degree by a new graph built in the background.
A build, or an append of many rows, links them carefully (:data:`EF_CONSTRUCTION`); the few rows
of a single write are linked with a shallower search (:data:`INSERT_EF_CONSTRUCTION`). A search
walks deeper as the graph grows (:func:`search_depth`), so that recall holds at a million rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

M = 32
"""Degree of a new graph (links per node and layer; twice that on the bottom layer)."""

EF_CONSTRUCTION = 200
"""Candidates kept while linking the rows of a build or of an append of :data:`BULK_ADD` or more."""

INSERT_EF_CONSTRUCTION = 64
"""Candidates kept while linking the rows of a smaller append (a single write's)."""

BULK_ADD = 100
"""Rows appended at once from which they are linked with :data:`EF_CONSTRUCTION`."""

EF_SEARCH = 160
"""Fewest candidates kept by a search walk (see :func:`search_depth`)."""

ROWS_PER_EF = 2_000
"""Beyond ``EF_SEARCH * ROWS_PER_EF`` rows, a walk keeps one more candidate per this many rows."""

SCAN_SHARE = 0.02
"""Share of the rows at or below which a filtered search scans the admitted rows directly."""


def search_depth(rows: int, k: int) -> int:
    """Candidates a search walk keeps (efSearch) in a graph of ``rows`` rows, for ``k`` results.

    :data:`EF_SEARCH` up to 320,000 rows, then one more per :data:`ROWS_PER_EF` rows (500 at a
    million), and never fewer than ``k``.
    """
    return max(EF_SEARCH, rows // ROWS_PER_EF, k)


# One thread: the machine's cores serve concurrent requests, and OpenMP's spinning threads
# slow every small search down under contention.
faiss.omp_set_num_threads(1)


class Graph:
    """An HNSW graph of int8 codes; a row's label is its insertion order.

    Args:
        index: The faiss index (``IndexHNSWSQ``, inner product).
    """

    def __init__(self, index: faiss.IndexHNSWSQ) -> None:
        self._index = index
        self._storage = faiss.downcast_index(index.storage)

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], degree: int = M) -> Graph:
        """A graph of ``vectors`` (whose value ranges train the quantiser) of ``degree``."""
        index = faiss.IndexHNSWSQ(
            vectors.shape[1],
            faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]
            degree,
            faiss.METRIC_INNER_PRODUCT,
        )
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        index.train(rows)
        graph = cls(index)
        graph._append(rows, EF_CONSTRUCTION)
        return graph

    @classmethod
    def load(cls, path: Path) -> Graph:
        """A graph written by :meth:`save`."""
        # read_index returns the most derived class, owning its index (a downcast proxy would
        # not, and the index would be freed with the temporary).
        return cls(faiss.read_index(str(path)))  # type: ignore[arg-type]

    def save(self, path: Path) -> None:
        """Write the graph to ``path`` (through a temporary file renamed over it)."""
        partial = path.with_name(path.name + ".partial")
        faiss.write_index(self._index, str(partial))
        os.replace(partial, path)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimensions(self) -> int:
        """Length of the vectors."""
        return int(self._index.d)

    @property
    def degree(self) -> int:
        """Links per node on the upper layers (the M the graph was built with)."""
        return int(self._index.hnsw.nb_neighbors(1))  # type: ignore[attr-defined]

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        """Append rows (labels continue from :func:`len`)."""
        rows = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        many = len(rows) >= BULK_ADD
        self._append(rows, EF_CONSTRUCTION if many else INSERT_EF_CONSTRUCTION)

    def _append(self, rows: npt.NDArray[np.float32], ef_construction: int) -> None:
        self._index.hnsw.efConstruction = ef_construction
        self._index.add(rows)

    def search(
        self,
        query: npt.NDArray[np.float32],
        k: int,
        bitmap: npt.NDArray[np.uint8],
        admitted: int,
        scan_rows: int,
        *,
        shallow: bool = False,
    ) -> npt.NDArray[np.int64]:
        """Up to ``k`` admitted rows nearest to ``query`` by their int8 codes, nearest first.

        Args:
            query: A unit-length vector.
            k: Rows wanted.
            bitmap: The rows that may be returned, one bit per row (row ``i`` is bit ``i % 8``
                of byte ``i // 8``: ``np.packbits(flags, bitorder="little")``), at least
                ``len(self)`` bits long.
            admitted: How many bits of ``bitmap`` are set.
            scan_rows: At or below this many admitted rows (or :data:`SCAN_SHARE` of all),
                they are scanned directly instead of walking the graph.
            shallow: Walk at :data:`EF_SEARCH` whatever the graph's size (enough to find
                near-duplicates, not for recall@10 in a large graph).
        """
        count = len(self)
        selector = faiss.IDSelectorBitmap(count, faiss.swig_ptr(bitmap))
        x = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if admitted <= max(scan_rows, SCAN_SHARE * count):
            params = faiss.SearchParameters()
            params.sel = selector
            _, labels = self._storage.search(x, k, params=params)
        else:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.sel = selector
            params.efSearch = max(EF_SEARCH, k) if shallow else search_depth(count, k)
            _, labels = self._index.search(x, k, params=params)
        found: npt.NDArray[np.int64] = labels[0]
        return found[found >= 0]
