"""``update``: how an update request changes one memory, and the operation that stores it.

Explicit values are applied first, then feedback adjusts them:

* ``correct``: confidence +0.2 (capped at 1).
* ``incorrect``: confidence drops to 0.05 and the memory is silenced (kept, not recalled).
* ``outdated``: the memory is retired as a supersession retires it (status ``superseded``,
  ``superseded_at`` and ``valid_to`` now, no ``superseded_by``, one ``memory.supersede`` event);
  ``restore()`` undoes it.

Every update bumps the version and keeps the previous state in the version history.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from cml.engine.context import EngineContext
from cml.engine.mutation import Mutation, MutationStage
from cml.engine.pii import redact_fields
from cml.engine.write.dedup import content_hash
from cml.engine.write.gate import admit_update
from cml.engine.write.supersede import retire
from cml.errors import RecordNotFoundError
from cml.models import Feedback, MemoryStatus, UpdateRequest, UpdateResponse
from cml.storage.base import EventRecord, MemoryRecord, StoreTransaction, Vector, VersionRecord

__all__ = ["NewText", "UpdatePlan", "plan_update", "update"]

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
        event: The ``memory.update`` event.
        retired: The ``memory.supersede`` event when ``feedback="outdated"`` retires it.
    """

    record: MemoryRecord
    previous: VersionRecord
    changed: list[str]
    event: EventRecord
    retired: EventRecord | None = None

    def apply(self, tx: StoreTransaction) -> None:
        """Store the new state, keep the previous one in the history, log the events."""
        tx.update(self.record, previous=self.previous)
        tx.add_event(self.event)
        if self.retired is not None:
            tx.add_event(self.retired)


def plan_update(
    record: MemoryRecord,
    request: UpdateRequest,
    *,
    new_text: NewText | None,
    now: datetime,
    actor: str | None,
) -> UpdatePlan:
    """Apply ``request`` to ``record``.

    Args:
        record: The memory as stored now.
        request: What to change.
        new_text: The gated, embedded replacement text when ``request.text`` is set.
        now: The time of the update.
        actor: Id of the API key making the request, for the event log.

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
    retired: EventRecord | None = None
    if request.feedback is Feedback.OUTDATED and record.status != MemoryStatus.SUPERSEDED.value:
        retirement = retire(
            updated, by=None, now=now, reason="feedback: outdated", actor=actor, history=False
        )
        updated, retired = retirement.record, retirement.event
    if request.feedback is not None:
        changed.append(f"feedback:{request.feedback.value}")
    updated.confidence = round(updated.confidence, 4)
    previous = VersionRecord.snapshot(record, at=now, reason="update: " + ", ".join(changed))
    event = EventRecord(
        tenant_id=record.tenant_id,
        event_type="memory.update",
        operation="update",
        created_at=now,
        actor=actor,
        memory_ids=[record.id],
        payload={"changed": changed, "version": updated.version, "status": updated.status},
    )
    return UpdatePlan(
        record=updated, previous=previous, changed=changed, event=event, retired=retired
    )


def _update(
    ctx: EngineContext, mutation: Mutation[UpdateRequest, UpdateResponse]
) -> UpdateResponse:
    """Change one memory's text, scores, metadata or status (through feedback).

    The request names the memory and what to change; see
    :class:`~cml.engine.mutation.MutationStage` for the arguments.

    Returns:
        The memory's new version number.

    Raises:
        RecordNotFoundError: No such memory for this tenant (the same for another tenant's id)
            or, when the request names a namespace, in that namespace.
        SecretRefusedError: The new text or metadata looks like a credential.
        IdempotencyConflictError: The idempotency key was used for a different request.
    """
    tenant_id, request = mutation.tenant_id, mutation.request
    text = admit_update(request, ctx.config)
    request = redact_fields(request, enabled=ctx.config.redact_pii)
    new_text = NewText(text, ctx.embed(text), content_hash(text)) if text is not None else None
    with mutation.unit_of_work(ctx) as unit:
        record = ctx.store.get(tenant_id, request.memory_id)
        # A memory outside the caller's namespace is "not found", like another tenant's:
        # a namespaced caller must not learn what exists elsewhere.
        if (
            record is None
            or record.status == MemoryStatus.DELETED.value
            or (request.namespace is not None and record.namespace != request.namespace)
        ):
            where = f" in namespace {request.namespace!r}" if request.namespace else ""
            raise RecordNotFoundError(
                f"No memory with id {request.memory_id!r}{where}.", field="memory_id"
            )
        plan = plan_update(record, request, new_text=new_text, now=unit.now, actor=mutation.actor)
        response = UpdateResponse(
            success=True,
            memory_id=record.id,
            version=plan.record.version,
            message="Updated " + ", ".join(plan.changed) + ".",
        )
        return unit.commit(response, plan.apply)


update = MutationStage("update", UpdateResponse, _update)
