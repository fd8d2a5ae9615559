"""A bounded cache of query embeddings: a repeated query skips the model.

Applications ask the same things again (a chat turn's context read, a dashboard search, an
agent's standing question); each costs a full embedder call. :class:`QueryCache` keeps the most
recently used vectors, keyed by the embedder's model identity (``model_name`` and dimension)
and the exact text, so two models never share an entry. Cached vectors are read-only: a caller
that changed one would change every later read of that query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from cml.embeddings.base import Embedder

__all__ = ["DEFAULT_SIZE", "QueryCache"]

DEFAULT_SIZE = 1024
"""Queries kept (1.5 MiB of 384-dimensional float32 vectors)."""


class QueryCache:
    """Embeds queries through ``embedder``, remembering the last ``size`` of them.

    Args:
        embedder: The model the vectors come from.
        size: Most vectors kept; 0 keeps none.

    Example:
        >>> cache = QueryCache(HashEmbedder(), size=2)  # doctest: +SKIP
        >>> cache.embed(["tea"])[0] is cache.embed(["tea"])[0]  # doctest: +SKIP
        True
    """

    def __init__(self, embedder: Embedder, size: int = DEFAULT_SIZE) -> None:
        self._embedder = embedder
        self._size = size
        self._model = (embedder.model_name, embedder.dimensions)
        self._vectors: OrderedDict[tuple[str, int, str], npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[npt.NDArray[np.float32]]:
        """The embedding of each text, in order; the texts not cached in one embedder call."""
        keys = [(*self._model, text) for text in texts]
        found: dict[tuple[str, int, str], npt.NDArray[np.float32]] = {}
        with self._lock:
            for key in keys:
                vector = self._vectors.get(key)
                if vector is not None:
                    self._vectors.move_to_end(key)
                    found[key] = vector
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            vectors = self._embedder.embed([text for _, _, text in missing])
            for key, vector in zip(missing, vectors, strict=True):
                kept = np.array(vector, dtype=np.float32)
                kept.flags.writeable = False
                found[key] = kept
            with self._lock:
                for key in missing:
                    self._vectors[key] = found[key]
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return [found[key] for key in keys]
