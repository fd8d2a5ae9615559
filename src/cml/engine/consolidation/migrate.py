"""Consolidation, stage 5: the writes of a run.

A new gist becomes a ``semantic_fact`` whose provenance lists its source episodes and whose
metadata says where it came from; a gist that repeats a fact reinforces it (confidence up, the
new episodes appended to its provenance, the previous state kept in its version history). The
source episodes are marked consolidated: they stay active and retrievable, they are just not
sampled again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from cml.engine.write.dedup import content_hash
from cml.models import MAX_TAGS, MemoryType
from cml.storage.base import MemoryRecord, Vector, VersionRecord
from cml.storage.ids import new_id

__all__ = ["mark_consolidated", "new_fact", "reinforce_fact"]

_FACT_CONFIDENCE = {"llm": 0.75, "extractive": 0.7}
_REINFORCE_STEP = 0.05
_MAX_SESSIONS_KEPT = 20


def new_fact(
    cluster: Sequence[MemoryRecord], text: str, vector: Vector, method: str, now: datetime
) -> MemoryRecord:
    """The semantic fact standing for a cluster.

    Its timestamp is the newest episode's (the fact is as recent as its evidence), its
    importance the highest of theirs.
    """
    first = cluster[0]
    agents = {r.agent_id for r in cluster}
    sessions = sorted({r.session_id for r in cluster if r.session_id})
    tags = list(dict.fromkeys(tag for r in cluster for tag in r.context_tags))[:MAX_TAGS]
    return MemoryRecord(
        id=new_id(),
        tenant_id=first.tenant_id,
        content=text,
        memory_type=MemoryType.SEMANTIC_FACT.value,
        created_at=max(r.created_at for r in cluster),
        updated_at=now,
        namespace=first.namespace,
        agent_id=agents.pop() if len(agents) == 1 else None,
        context_tags=tags,
        metadata={
            "source": "consolidation",
            "method": method,
            "episode_count": len(cluster),
            "session_ids": sessions[:_MAX_SESSIONS_KEPT],
        },
        importance=max(r.importance for r in cluster),
        confidence=_FACT_CONFIDENCE.get(method, 0.7),
        provenance=[r.id for r in cluster],
        content_hash=content_hash(text),
        embedding=vector,
    )


def reinforce_fact(
    fact: MemoryRecord, cluster: Sequence[MemoryRecord], now: datetime
) -> tuple[MemoryRecord, VersionRecord]:
    """A fact confirmed by more episodes: more confident, with a longer provenance."""
    provenance = list(dict.fromkeys([*fact.provenance, *(r.id for r in cluster)]))
    metadata = dict(fact.metadata)
    metadata["reinforced"] = int(metadata.get("reinforced", 0)) + 1
    metadata["episode_count"] = len(provenance)
    updated = dataclasses.replace(
        fact,
        provenance=provenance,
        metadata=metadata,
        confidence=round(min(1.0, fact.confidence + _REINFORCE_STEP), 4),
        importance=max(fact.importance, *(r.importance for r in cluster)),
        created_at=max(fact.created_at, *(r.created_at for r in cluster)),
        updated_at=now,
        version=fact.version + 1,
    )
    previous = VersionRecord.snapshot(fact, at=now, reason="consolidation: reinforced by episodes")
    return updated, previous


def mark_consolidated(episode: MemoryRecord, now: datetime) -> MemoryRecord:
    """The episode as stored after a run: unchanged but for ``consolidated_at``."""
    return dataclasses.replace(episode, consolidated_at=now)
