"""Forgetting, stage 1: how relevant a memory still is, as a number in [0, 1].

``value`` weighs what the memory is worth on its own — importance, confidence, its type (a
constraint outweighs a chat line) and how often it has been recalled. ``freshness`` is the
recency of its last activity (when it happened or was last recalled), decaying with a
half-life. A fresh memory is fully relevant whatever its value; as it ages its relevance sinks
towards its value::

    relevance = freshness + (1 - freshness) * value + dependents bonus

Memories that others were derived from (their id is in another memory's provenance) get a
bonus per dependent, capped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from cml.models import MemoryType
from cml.storage.base import MemoryRecord

__all__ = ["TYPE_WEIGHTS", "ForgettingWeights", "relevance"]

TYPE_WEIGHTS: dict[str, float] = {
    MemoryType.CONSTRAINT: 1.0,
    MemoryType.PREFERENCE: 0.9,
    MemoryType.PROCEDURE: 0.9,
    MemoryType.SEMANTIC_FACT: 0.8,
    MemoryType.KNOWLEDGE: 0.8,
    MemoryType.TASK_STATE: 0.6,
    MemoryType.PLAN: 0.6,
    MemoryType.EPISODIC_EVENT: 0.5,
    MemoryType.HYPOTHESIS: 0.4,
    MemoryType.CONVERSATION: 0.4,
    MemoryType.OBSERVATION: 0.4,
    MemoryType.MESSAGE: 0.3,
    MemoryType.TOOL_RESULT: 0.3,
    MemoryType.REASONING_STEP: 0.2,
    MemoryType.SCRATCH: 0.1,
}
"""How much a memory's kind is worth keeping, in [0, 1]."""


@dataclass(frozen=True)
class ForgettingWeights:
    """The knobs of the relevance score (weights of ``value`` sum to 1)."""

    importance: float = 0.35
    """Weight of the memory's importance."""
    confidence: float = 0.25
    """Weight of its confidence."""
    type: float = 0.25
    """Weight of its kind (see :data:`TYPE_WEIGHTS`)."""
    access: float = 0.15
    """Weight of how often it was recalled."""
    access_scale: float = 5.0
    """Recalls at which the access term reaches about 63 %."""
    half_life_days: float = 30.0
    """Age of the last activity, in days, at which freshness is one half."""
    dependent_bonus: float = 0.15
    """Added per memory derived from this one."""
    dependent_cap: float = 0.3
    """Most the dependents can add."""


def relevance(
    record: MemoryRecord, now: datetime, dependents: int, weights: ForgettingWeights
) -> float:
    """The relevance of ``record`` at ``now``, in [0, 1] (rounded to 4 places).

    Example:
        A two-year-old scratch note of importance 0.1 and confidence 0.1, never recalled,
        scores about 0.09 (DELETE); the same note from today scores 1.0 (KEEP).
    """
    last = record.created_at
    if record.last_accessed_at is not None and record.last_accessed_at > last:
        last = record.last_accessed_at
    age_days = max(0.0, (now - last).total_seconds() / 86_400)
    freshness = math.exp(-math.log(2) * age_days / weights.half_life_days)
    access = 1.0 - math.exp(-record.access_count / weights.access_scale)
    value = (
        weights.importance * _unit(record.importance)
        + weights.confidence * _unit(record.confidence)
        + weights.type * TYPE_WEIGHTS.get(str(record.memory_type), 0.4)
        + weights.access * access
    )
    bonus = min(weights.dependent_cap, weights.dependent_bonus * dependents)
    return round(_unit(freshness + (1.0 - freshness) * value + bonus), 4)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
