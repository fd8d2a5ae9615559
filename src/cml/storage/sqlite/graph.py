"""An HNSW graph over int8-quantised vectors (faiss), searched with a row filter.

Vectors are unit length and compared by inner product. Each vector is stored as 384 int8 codes
(a quarter of float32) under a per-dimension range learned from the first vectors added; the
candidates a search returns are re-scored exactly by the caller from the stored float32
embeddings, so quantisation costs ranking precision only among the candidates it keeps.

A search takes the rows it may return as a boolean mask, turned into a faiss bitmap selector
that the graph walk consults: filtered-out rows are walked through but never returned, so a
narrow filter does not empty the top k. When the mask admits few rows the walk would wander
through mostly excluded rows, so those rows are scanned directly instead
(:data:`SCAN_SHARE`, or fewer rows than the caller says).

Rows are appended and never removed from the graph (HNSW has no removal): the caller excludes
dead rows through the mask and rebuilds when they become many.
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

M = 16
"""Graph degree (links per node and layer; twice that on the bottom layer)."""

EF_CONSTRUCTION = 200
"""Candidates kept while linking a new node."""

EF_SEARCH = 160
"""Candidates kept by a search walk (raised to the number of results asked when larger)."""

SCAN_SHARE = 0.02
"""Share of the rows at or below which a filtered search scans the admitted rows directly."""


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
    def build(cls, vectors: npt.NDArray[np.float32]) -> Graph:
        """A graph of ``vectors`` (whose value ranges train the quantiser)."""
        index = faiss.IndexHNSWSQ(
            vectors.shape[1],
            faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]
            M,
            faiss.METRIC_INNER_PRODUCT,
        )
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.train(np.ascontiguousarray(vectors, dtype=np.float32))
        graph = cls(index)
        graph.add(vectors)
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

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        """Append rows (labels continue from :func:`len`)."""
        self._index.add(np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32))

    def search(
        self,
        query: npt.NDArray[np.float32],
        k: int,
        admitted: npt.NDArray[np.bool_],
        scan_rows: int,
    ) -> npt.NDArray[np.int64]:
        """Up to ``k`` admitted rows nearest to ``query`` by their int8 codes, nearest first.

        Args:
            query: A unit-length vector.
            k: Rows wanted.
            admitted: One flag per row (``len(self)`` long): the rows that may be returned.
            scan_rows: At or below this many admitted rows (or :data:`SCAN_SHARE` of all),
                they are scanned directly instead of walking the graph.
        """
        count = len(self)
        bitmap = np.packbits(admitted[:count], bitorder="little")
        selector = faiss.IDSelectorBitmap(count, faiss.swig_ptr(bitmap))
        x = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if np.count_nonzero(admitted) <= max(scan_rows, SCAN_SHARE * count):
            params = faiss.SearchParameters()
            params.sel = selector
            _, labels = self._storage.search(x, k, params=params)
        else:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.sel = selector
            params.efSearch = max(EF_SEARCH, k)
            _, labels = self._index.search(x, k, params=params)
        found: npt.NDArray[np.int64] = labels[0]
        return found[found >= 0]
