"""A query read again is not embedded again; the cache stays bounded and per model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from cml.embeddings import HashEmbedder
from cml.embeddings.cache import QueryCache
from cml.engine import MemoryService
from cml.models import BatchReadRequest, ReadRequest, WriteRequest

Counted = tuple[MemoryService, list[int]]


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting how many texts each call embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls.append(len(texts))
        return super().embed(texts)


def test_a_repeated_read_embeds_its_query_once(counted: Counted) -> None:
    service, calls = counted
    service.write("acme", WriteRequest(content="Alice drinks green tea"))
    written = len(calls)
    first = service.read("acme", ReadRequest(query="what does Alice drink?"))
    again = service.read("acme", ReadRequest(query="what does Alice drink?"))
    assert [m.id for m in again.memories] == [m.id for m in first.memories]
    assert calls[written:] == [1]
    # A batch embeds only the queries it has not seen, in one call.
    batch = BatchReadRequest(
        queries=[ReadRequest(query="what does Alice drink?"), ReadRequest(query="tea?")]
    )
    service.read_batch("acme", batch)
    assert calls[written:] == [1, 1]


def test_the_cache_keeps_the_most_recent_queries_only() -> None:
    counting = CountingEmbedder()
    cache = QueryCache(counting, size=2)
    cache.embed(["a", "b"])
    cache.embed(["a"])  # "a" is now the most recent, "b" the oldest
    cache.embed(["c"])  # evicts "b"
    assert counting.calls == [2, 1]
    cache.embed(["a", "c"])
    assert counting.calls == [2, 1]
    cache.embed(["b"])
    assert counting.calls == [2, 1, 1]


def test_cached_vectors_are_the_models_and_cannot_be_changed() -> None:
    embedder = HashEmbedder()
    cache = QueryCache(embedder)
    vector = cache.embed(["green tea"])[0]
    assert np.array_equal(vector, embedder.embed(["green tea"])[0])
    with pytest.raises(ValueError, match="read-only"):
        vector[0] = 1.0
