"""Consolidation, stage 4: match a gist with the semantic facts the tenant already has.

A gist whose embedding is at least ``threshold`` similar to an active fact in the same namespace
reinforces that fact (never a second copy of it). Facts created earlier in the same run count
too, so two clusters saying the same thing yield one fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cml.models import MemoryType
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore, Vector

__all__ = ["Aligner"]

_NEIGHBOURS = 10
_FACT_STATUSES = ("active", "compressed")


@dataclass
class Aligner:
    """Finds the fact a gist repeats.

    Args:
        store: Where the existing facts live.
        tenant_id: Whose facts.
        threshold: Least cosine similarity for a match.
    """

    store: MemoryStore
    tenant_id: str
    threshold: float
    _fresh: list[MemoryRecord] = field(default_factory=list)

    def remember(self, fact: MemoryRecord) -> None:
        """Count a fact planned in this run as existing for the next gists."""
        self._fresh = [f for f in self._fresh if f.id != fact.id] + [fact]

    def match(self, namespace: str | None, vector: Vector) -> MemoryRecord | None:
        """The closest fact of ``namespace`` at or above the threshold, or ``None``."""
        best: tuple[float, MemoryRecord] | None = None
        for fact in self._fresh:
            if fact.namespace == namespace and fact.embedding is not None:
                score = float(np.dot(fact.embedding, vector))
                if score >= self.threshold and (best is None or score > best[0]):
                    best = (score, fact)
        filt = MemoryFilter(
            tenant_id=self.tenant_id,
            namespace=namespace,
            memory_types=[MemoryType.SEMANTIC_FACT.value],
            statuses=_FACT_STATUSES,
        )
        hits = [(i, s) for i, s in self.store.vector_search(filt, vector, _NEIGHBOURS)]
        fresh_ids = {f.id for f in self._fresh}
        for record in self.store.get_many(
            self.tenant_id, [i for i, s in hits if s >= self.threshold]
        ):
            # A filter without a namespace matches every namespace; facts of None stay apart.
            if record.namespace != namespace or record.id in fresh_ids:
                continue
            score = dict(hits)[record.id]
            if best is None or score > best[0]:
                best = (score, record)
        return None if best is None else best[1]
