"""Planning the storage of one gated memory: a new row, or the reinforcement of its duplicate.

Shared by ``write`` and ``turn`` (and, piece by piece, by ``batch_write``). Planning reads the
store (the duplicate check) and returns a :class:`MemoryPlan`: the record as it will be stored
and the event, which :meth:`MemoryPlan.apply` writes inside the operation's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cml.engine.context import EngineContext
from cml.engine.write.dedup import content_hash, find_duplicate, reinforce
from cml.engine.write.gate import Draft, GateResult
from cml.engine.write.supersede import Retirement, find_superseded, retire
from cml.engine.write.validity import valid_from
from cml.models import MemoryType, WriteResponse
from cml.storage.base import EventRecord, MemoryRecord, StoreTransaction, Vector
from cml.storage.ids import new_id

__all__ = ["MemoryPlan", "new_record", "plan_memory", "write_event", "write_response"]

_DEFAULT_CONFIDENCE = 0.8
_HYPOTHESIS_CONFIDENCE = 0.5


@dataclass(frozen=True)
class MemoryPlan:
    """The outcome of planning: the record as it will be stored, and its event.

    Attributes:
        record: The new memory, or the reinforced existing one.
        deduplicated: True when an existing memory is reinforced instead of a new one stored.
        event: The ``memory.write`` event.
        retirements: The older memories the new one supersedes.
    """

    record: MemoryRecord
    deduplicated: bool
    event: EventRecord
    retirements: list[Retirement] = field(default_factory=list)

    @property
    def superseded(self) -> list[str]:
        """Ids of the memories this write retires."""
        return [r.record.id for r in self.retirements]

    def apply(self, tx: StoreTransaction) -> None:
        """Insert (or update, when reinforcing) the record, retire what it supersedes, log."""
        if self.deduplicated:
            tx.update(self.record)
        else:
            tx.insert([self.record])
        tx.add_event(self.event)
        for retirement in self.retirements:
            retirement.apply(tx)


def plan_memory(
    ctx: EngineContext,
    draft: Draft,
    gate: GateResult,
    vector: Vector,
    *,
    now: datetime,
    actor: str | None,
    operation: str,
) -> MemoryPlan:
    """Plan the storage of a gated memory and its event.

    The caller must keep other writers out (the unit of work's lock) until the plan is applied,
    so that the duplicate check still holds at commit time.

    Args:
        ctx: The engine: its store is searched for duplicates with its ``dedup_threshold``.
        draft: Tenant, scope and caller-given attributes.
        gate: The content, type and importance the gate let through.
        vector: The content's embedding.
        now: The time of the write.
        actor: Id of the API key making the request, for the event log.
        operation: ``write`` or ``turn``, for the event log.
    """
    text_hash = content_hash(gate.content)
    duplicate = find_duplicate(
        ctx.store,
        tenant_id=draft.tenant_id,
        namespace=draft.namespace,
        session_id=draft.session_id,
        memory_type=gate.memory_type.value,
        text_hash=text_hash,
        vector=vector,
        threshold=ctx.config.dedup_threshold,
        text=gate.content,
    )
    retirements: list[Retirement] = []
    if duplicate is not None:
        record = reinforce(duplicate, now=now, importance=gate.importance)
    else:
        record = new_record(draft, gate, vector, now=now, text_hash=text_hash)
        retirements = [
            retire(old, by=record, now=now, reason=reason, actor=actor)
            for old, reason in find_superseded(ctx, record)
        ]
    event = write_event(
        record,
        draft,
        gate,
        now=now,
        actor=actor,
        operation=operation,
        deduplicated=duplicate is not None,
    )
    return MemoryPlan(
        record=record, deduplicated=duplicate is not None, event=event, retirements=retirements
    )


def new_record(
    draft: Draft, gate: GateResult, vector: Vector, *, now: datetime, text_hash: str
) -> MemoryRecord:
    """The row of a novel memory (not a duplicate), with a fresh id.

    Args:
        draft: Tenant, scope and caller-given attributes.
        gate: The content, type and importance the gate let through.
        vector: The content's embedding.
        now: The time of the write (also the event time when the caller gave none).
        text_hash: The content's :func:`~cml.engine.write.dedup.content_hash`.
    """
    confidence = draft.confidence
    if confidence is None:
        hypothesis = gate.memory_type is MemoryType.HYPOTHESIS
        confidence = _HYPOTHESIS_CONFIDENCE if hypothesis else _DEFAULT_CONFIDENCE
    return MemoryRecord(
        id=new_id(),
        tenant_id=draft.tenant_id,
        content=gate.content,
        memory_type=gate.memory_type.value,
        created_at=draft.timestamp or now,
        updated_at=now,
        namespace=draft.namespace,
        session_id=draft.session_id,
        agent_id=draft.agent_id,
        context_tags=list(draft.context_tags),
        metadata=dict(draft.metadata),
        importance=gate.importance,
        confidence=confidence,
        content_hash=text_hash,
        embedding=vector,
        valid_from=valid_from(gate.content, draft.timestamp or now),
        type_given=draft.memory_type is not None,
    )


def write_event(
    record: MemoryRecord,
    draft: Draft,
    gate: GateResult,
    *,
    now: datetime,
    actor: str | None,
    operation: str,
    deduplicated: bool,
) -> EventRecord:
    """The ``memory.write`` event of one stored or reinforced memory."""
    # The payload says what the gate decided, never the content: the event log is for audit.
    return EventRecord(
        tenant_id=draft.tenant_id,
        event_type="memory.write",
        operation="reinforce" if deduplicated else operation,
        created_at=now,
        actor=actor,
        memory_ids=[record.id],
        payload={
            "memory_type": record.memory_type,
            "namespace": draft.namespace,
            "deduplicated": deduplicated,
            "redactions": gate.redactions,
            "type_reason": gate.type_reason,
        },
    )


def write_response(
    record: MemoryRecord,
    *,
    deduplicated: bool,
    gate: GateResult,
    superseded: list[str] | None = None,
) -> WriteResponse:
    """What a write tells its caller about one memory (and the memories it retired)."""
    retired = f" Supersedes {len(superseded)} older memory(ies)." if superseded else ""
    return WriteResponse(
        success=True,
        memory_id=record.id,
        chunks_created=0 if deduplicated else 1,
        message=(
            "Near-duplicate of an existing memory; reinforced it instead of storing again."
            if deduplicated
            else f"Stored as {gate.memory_type.value}.{retired}"
        ),
        memory_type=record.memory_type,
        deduplicated=deduplicated,
        redactions=gate.redactions,
        superseded=list(superseded or []),
    )
