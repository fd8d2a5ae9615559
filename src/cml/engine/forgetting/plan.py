"""Forgetting, stage 2: from relevance to an action per memory.

Thresholds: KEEP (> 0.7), DECAY (> 0.5), SILENCE (> 0.3), COMPRESS (> 0.1), DELETE (≤ 0.1).
Then two protections:

- constraints, preferences and procedures never lose their wording or their row: a COMPRESS
  or DELETE becomes SILENCE (kept word for word, out of reads, restorable);
- a memory others were derived from is never deleted: DELETE becomes COMPRESS, so the
  provenance of the derived memories keeps pointing at a row.

An action that would change nothing (anything but DELETE on a silent memory, compressing a
compressed one) is planned as KEEP.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cml.models import MemoryStatus, MemoryType
from cml.storage.base import MemoryRecord

__all__ = ["PROTECTED_TYPES", "Action", "PlannedAction", "action_for", "plan_action"]

PROTECTED_TYPES: frozenset[str] = frozenset(
    {MemoryType.CONSTRAINT.value, MemoryType.PREFERENCE.value, MemoryType.PROCEDURE.value}
)
"""Kinds of memory that are never deleted nor compressed by forgetting."""


class Action(StrEnum):
    """What forgetting does to one memory."""

    KEEP = "KEEP"
    DECAY = "DECAY"
    SILENCE = "SILENCE"
    COMPRESS = "COMPRESS"
    DELETE = "DELETE"


@dataclass(frozen=True)
class PlannedAction:
    """The decision for one memory.

    Attributes:
        record: The memory as it was scored.
        score: Its relevance.
        action: What to do.
        reason: Why, when a protection or the memory's status changed the action.
    """

    record: MemoryRecord
    score: float
    action: Action
    reason: str | None = None


def action_for(score: float) -> Action:
    """The action of a relevance score (thresholds exactly as documented).

    Example:
        >>> action_for(0.71), action_for(0.7), action_for(0.1)
        (<Action.KEEP: 'KEEP'>, <Action.DECAY: 'DECAY'>, <Action.DELETE: 'DELETE'>)
    """
    if score > 0.7:
        return Action.KEEP
    if score > 0.5:
        return Action.DECAY
    if score > 0.3:
        return Action.SILENCE
    if score > 0.1:
        return Action.COMPRESS
    return Action.DELETE


def plan_action(record: MemoryRecord, score: float, dependents: int) -> PlannedAction:
    """The action for one scored memory, protections and status applied."""
    action = action_for(score)
    reason: str | None = None
    if str(record.memory_type) in PROTECTED_TYPES and action in (Action.COMPRESS, Action.DELETE):
        action, reason = Action.SILENCE, f"{record.memory_type} is protected: silenced instead"
    elif dependents and action is Action.DELETE:
        action, reason = Action.COMPRESS, "other memories derive from it: compressed instead"
    status = str(record.status)
    no_op = (
        # A silent memory is already out of reads: only deleting it changes anything.
        (
            status == MemoryStatus.SILENT.value
            and action in (Action.DECAY, Action.SILENCE, Action.COMPRESS)
        )
        or (status == MemoryStatus.COMPRESSED.value and action is Action.COMPRESS)
    )
    if no_op:
        action, reason = Action.KEEP, f"already {status}"
    return PlannedAction(record=record, score=score, action=action, reason=reason)
