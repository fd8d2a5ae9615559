"""Pseudo-relevance feedback: a second round of search seeded by the first round's best hits.

A question whose answer spans several memories ("What recommendations has Nate received from
Joanna?") is worded like none of them: the first round finds the one or two memories that share
its words, and the others are worded like *those* (the same book, the same trip). So the first
round's ``feedback_hits`` best memories (by fused rank) seed a second round:

- vector: the query's embedding plus the mean of the seeds' embeddings, renormalised, searched
  again (``feedback_vector`` is the weight of that list in the fusion);
- lexical: the seeds' informative words (those not common in the partition, :mod:`.terms`),
  searched as a full-text query (``feedback_lexical``).

Both lists join the fusion with small weights, so a memory the first round ranked well keeps
its place unless the second round agrees with it, and a memory found only by the second round
enters below the first round's best. The similarity term of the rerank still measures the
caller's query, not the expanded one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from cml.engine.read.terms import informative_query
from cml.storage.fts import query_tokens

if TYPE_CHECKING:
    from cml.storage.base import MemoryFilter, MemoryStore, Vector

__all__ = ["expanded_vector", "feedback_rankings"]


def expanded_vector(query: Vector, seeds: Sequence[Vector]) -> Vector | None:
    """The query moved toward the seeds: ``query + mean(seeds)``, unit length.

    Returns ``None`` when no seed has the query's shape (nothing to expand with).

    Example:
        >>> import numpy as np
        >>> v = expanded_vector(np.array([1.0, 0.0]), [np.array([0.0, 1.0])])
        >>> [round(float(x), 3) for x in v]
        [0.707, 0.707]
    """
    usable = [s for s in seeds if s.shape == query.shape]
    if not usable:
        return None
    moved: Vector = (query + np.mean(np.stack(usable), axis=0)).astype(np.float32)
    norm = float(np.linalg.norm(moved))
    if norm == 0:
        return None
    return moved / np.float32(norm)


def feedback_rankings(
    store: MemoryStore,
    filt: MemoryFilter,
    first: dict[str, float],
    query_vector: Vector,
    limit: int,
    *,
    hits: int,
    vector_weight: float,
    lexical_weight: float,
    common_share: float,
) -> list[tuple[list[str], float]]:
    """The second-round lists to fuse with the first round's, with their weights.

    Args:
        store: Where the memories live.
        filt: The read's filter (the second round searches exactly what the first did).
        first: The first round's fused scores.
        query_vector: The caller's query embedding.
        limit: Candidates asked of each search.
        hits: How many of the first round's best hits seed the second
            (``RankingWeights.feedback_hits``).
        vector_weight: Weight of the second-round vector list (0: no vector round).
        lexical_weight: Weight of the second-round full-text list (0: no full-text round).
        common_share: Partition share above which a seed word is left out (:mod:`.terms`).

    Returns:
        ``[(ids best first, weight), ...]``; empty when feedback is off or nothing seeds it.
    """
    if hits <= 0 or (vector_weight <= 0 and lexical_weight <= 0):
        return []
    seeds_ids = sorted(first, key=lambda i: -first[i])[:hits]
    if not seeds_ids:
        return []
    seeds = [r for r in store.get_many(filt.tenant_id, seeds_ids) if r.tenant_id == filt.tenant_id]
    rankings: list[tuple[list[str], float]] = []
    if vector_weight > 0:
        vector = expanded_vector(
            query_vector, [r.embedding for r in seeds if r.embedding is not None]
        )
        if vector is not None:
            found = store.vector_search(filt, vector, limit)
            rankings.append(([i for i, _ in found], vector_weight))
    if lexical_weight > 0:
        words = query_tokens(" ".join(r.content for r in seeds))
        if words:
            text = informative_query(store, filt, " ".join(words), common_share)
            found = store.lexical_search(filt, text, limit)
            rankings.append(([i for i, _ in found], lexical_weight))
    return rankings
