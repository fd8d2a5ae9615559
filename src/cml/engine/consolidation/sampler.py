"""Consolidation, stage 1: which episodes a run looks at.

Recent, active, not yet consolidated episodic memories of one tenant (optionally one namespace),
newest written first and at most ``limit`` of them, so that one run has a bounded cost however
large the backlog: the next run takes the next slice.
"""

from __future__ import annotations

from dataclasses import dataclass

from cml.models import MemoryType
from cml.storage.base import MemoryFilter, MemoryReader, MemoryRecord

__all__ = ["EPISODIC_TYPES", "ConsolidationSettings", "sample_episodes"]

EPISODIC_TYPES: tuple[str, ...] = (
    MemoryType.EPISODIC_EVENT.value,
    MemoryType.CONVERSATION.value,
    MemoryType.MESSAGE.value,
    MemoryType.OBSERVATION.value,
)
"""The kinds of memory consolidation turns into facts: things that happened or were said."""


@dataclass(frozen=True)
class ConsolidationSettings:
    """The knobs of one consolidation run."""

    max_episodes: int = 1000
    """Most episodes sampled per run."""
    cluster_threshold: float = 0.72
    """Least cosine similarity between an episode and its cluster's seed (and its mean similarity
    to the members) for it to join the cluster."""
    max_cluster_size: int = 8
    """Most episodes behind one fact (a larger group splits)."""
    align_threshold: float = 0.88
    """Cosine similarity at or above which a gist reinforces an existing fact instead of becoming
    a new one."""
    gist_statements: int = 2
    """Most statements an extractive gist keeps."""


def sample_episodes(
    store: MemoryReader, tenant_id: str, *, namespace: str | None, limit: int
) -> list[MemoryRecord]:
    """The episodes one run consolidates (only those with an embedding can be clustered).

    Args:
        store: Where the memories live.
        tenant_id: Whose episodes.
        namespace: Only this namespace's episodes; ``None`` for every namespace.
        limit: Most episodes returned.

    Returns:
        Episodes, newest written first.
    """
    only = MemoryFilter(
        tenant_id, namespace=namespace, memory_types=EPISODIC_TYPES, statuses=("active",)
    )
    records = store.list_unconsolidated(only, limit=limit)
    return [r for r in records if r.embedding is not None]
