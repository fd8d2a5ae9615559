"""How an update request changes one memory (pure; the service stores the outcome).

Explicit values are applied first, then feedback adjusts them:

* ``correct``: confidence +0.2 (capped at 1).
* ``incorrect``: confidence drops to 0.05 and the memory is silenced (kept, not recalled).
* ``outdated``: confidence is halved and the memory is archived.

Every update bumps the version and keeps the previous state in the version history.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from cml.models import Feedback, MemoryStatus, UpdateRequest
from cml.storage.base import MemoryRecord, Vector, VersionRecord

__all__ = ["NewText", "UpdatePlan", "plan_update"]

_CORRECT_STEP = 0.2
_INCORRECT_CONFIDENCE = 0.05


@dataclass(frozen=True)
class NewText:
    """Replacement content that already passed the gate, with its embedding and hash."""

    content: str
    embedding: Vector
    content_hash: str


@dataclass(frozen=True)
class UpdatePlan:
    """The outcome of an update.

    Attributes:
        record: The memory as it will be stored.
        previous: Its state before, for the version history.
        changed: Names of what changed, e.g. ``["text", "feedback:incorrect"]``.
    """

    record: MemoryRecord
    previous: VersionRecord
    changed: list[str]


def plan_update(
    record: MemoryRecord, request: UpdateRequest, *, new_text: NewText | None, now: datetime
) -> UpdatePlan:
    """Apply ``request`` to ``record``.

    Args:
        record: The memory as stored now.
        request: What to change.
        new_text: The gated, embedded replacement text when ``request.text`` is set.
        now: The time of the update.

    Returns:
        The new state, the previous one, and what changed.
    """
    changed: list[str] = []
    updated = dataclasses.replace(record, updated_at=now, version=record.version + 1)
    if new_text is not None:
        updated.content = new_text.content
        updated.embedding = new_text.embedding
        updated.content_hash = new_text.content_hash
        changed.append("text")
    if request.confidence is not None:
        updated.confidence = request.confidence
        changed.append("confidence")
    if request.importance is not None:
        updated.importance = request.importance
        changed.append("importance")
    if request.metadata is not None:
        # Merge: given keys replace, the others stay (send a key with null to clear its value).
        updated.metadata = {**record.metadata, **request.metadata}
        changed.append("metadata")
    if request.feedback is Feedback.CORRECT:
        updated.confidence = min(1.0, updated.confidence + _CORRECT_STEP)
    elif request.feedback is Feedback.INCORRECT:
        updated.confidence = _INCORRECT_CONFIDENCE
        updated.status = MemoryStatus.SILENT.value
    elif request.feedback is Feedback.OUTDATED:
        updated.confidence = updated.confidence / 2
        updated.status = MemoryStatus.ARCHIVED.value
    if request.feedback is not None:
        changed.append(f"feedback:{request.feedback.value}")
    updated.confidence = round(updated.confidence, 4)
    previous = VersionRecord.snapshot(record, at=now, reason="update: " + ", ".join(changed))
    return UpdatePlan(record=updated, previous=previous, changed=changed)
