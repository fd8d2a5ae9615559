"""What every stage of a memory operation works with, in one frozen object.

An operation (``write``, ``read``, ``turn``, ...) is a module-level function of the stage that owns
it; it takes an :class:`EngineContext` first and passes on what each step needs. The context is
built once per engine and never changes, so a stage cannot reach anything the engine was not
opened with.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cml.embeddings.base import Embedder
from cml.embeddings.cache import QueryCache
from cml.engine.config import EngineConfig
from cml.engine.read.retrieval import RankingWeights
from cml.llm import ChatLLM
from cml.storage.base import MemoryStore, Vector

__all__ = ["EngineContext"]


@dataclass(frozen=True)
class EngineContext:
    """The resources and settings of one engine.

    Attributes:
        store: Where memories, events and idempotency records live.
        embedder: Embeds contents and queries (the store's model).
        config: Gate and duplicate settings.
        weights: Retrieval ranking knobs.
        lock: Serialises the engine's mutations (a write's duplicate check and its insert must
            not interleave with another write); reads never take it.
        llm: The optional chat model; when set, it decides which memories a write supersedes
            (the rules remain its fallback).
        queries: The recently read queries' embeddings (built from ``embedder``).

    Example:
        >>> ctx = EngineContext(store, HashEmbedder(), EngineConfig())  # doctest: +SKIP
        >>> write(ctx, "acme", WriteRequest(content="Prefers tea"))  # doctest: +SKIP
    """

    store: MemoryStore
    embedder: Embedder
    config: EngineConfig
    weights: RankingWeights = field(default_factory=RankingWeights)
    lock: threading.RLock = field(default_factory=threading.RLock, compare=False)
    llm: ChatLLM | None = field(default=None, compare=False)
    queries: QueryCache = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "queries", QueryCache(self.embedder))

    def embed(self, text: str) -> Vector:
        """The embedding of one text (one embedder call)."""
        vector: Vector = self.embedder.embed([text])[0]
        return vector

    def embed_queries(self, texts: list[str]) -> list[Vector]:
        """The embeddings of read queries, through the engine's :class:`QueryCache`."""
        return self.queries.embed(texts)
