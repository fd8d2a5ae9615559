"""Consolidation, stage 2: group episodes that say the same thing.

No fixed number of clusters: an episode joins a group only when it is close (cosine similarity
at or above a threshold) to the group's seed *and*, on average, to its members, so a chain of
loosely related episodes does not collapse into one blob. Seeds are taken in order of how many
neighbours they have, so dense topics form first. Groups never cross namespaces (a namespace is
an isolation boundary, see docs/decisions.md #9). Episodes without a close neighbour stay alone
and are left as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from cml.storage.base import MemoryRecord

__all__ = ["cluster_episodes"]


def cluster_episodes(
    episodes: Sequence[MemoryRecord], *, threshold: float, max_size: int
) -> list[list[MemoryRecord]]:
    """Clusters of at least two episodes each, members in the order they were written.

    Args:
        episodes: Episodes with embeddings.
        threshold: Least cosine similarity to join a cluster.
        max_size: Most members of one cluster.

    Returns:
        The clusters (singletons are not returned), oldest first.
    """
    by_namespace: dict[str | None, list[MemoryRecord]] = defaultdict(list)
    for record in episodes:
        if record.embedding is not None:
            by_namespace[record.namespace].append(record)
    clusters: list[list[MemoryRecord]] = []
    for group in by_namespace.values():
        clusters.extend(_cluster_group(group, threshold, max_size))
    clusters.sort(key=lambda members: members[0].id)
    return clusters


def _cluster_group(
    group: list[MemoryRecord], threshold: float, max_size: int
) -> list[list[MemoryRecord]]:
    if len(group) < 2:
        return []
    vectors = np.stack([r.embedding for r in group if r.embedding is not None])
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1.0)
    close = similarity >= threshold
    degree = close.sum(axis=1)
    assigned = np.zeros(len(group), dtype=bool)
    clusters: list[list[MemoryRecord]] = []
    for seed in np.argsort(-degree, kind="stable"):
        if assigned[seed] or degree[seed] == 0:
            continue
        members = [int(seed)]
        for other in np.argsort(-similarity[seed], kind="stable"):
            if len(members) >= max_size or not close[seed, other]:
                break
            if assigned[other]:
                continue
            if float(similarity[other, members].mean()) >= threshold:
                members.append(int(other))
        if len(members) < 2:
            continue
        assigned[members] = True
        clusters.append(sorted((group[i] for i in members), key=lambda r: r.id))
    return clusters
