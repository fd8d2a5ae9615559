"""Planning the storage of one gated memory: a new row, or the reinforcement of its duplicate.

Shared by ``write`` and ``turn`` (and, piece by piece, by ``batch_write``). Planning reads the
store (the duplicate check); the returned :data:`~cml.engine.unit.Apply` performs the writes
inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cml.engine.dedup import content_hash, find_duplicate, reinforce
from cml.engine.gate import GateResult
from cml.engine.unit import Apply
from cml.models import MemoryType, WriteResponse
from cml.storage.base import EventRecord, MemoryRecord, MemoryStore, StoreTransaction, Vector
from cml.storage.ids import new_id

__all__ = ["MemoryPlan", "NewMemory", "new_record", "plan_memory", "write_event", "write_response"]

_DEFAULT_CONFIDENCE = 0.8
_HYPOTHESIS_CONFIDENCE = 0.5


@dataclass(frozen=True)
class NewMemory:
    """Where a memory goes and the attributes the caller gave it (besides its gated content)."""

    tenant_id: str
    namespace: str | None = None
    session_id: str | None = None
    agent_id: str | None = None
    context_tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class MemoryPlan:
    """The outcome of planning: the record as it will be stored, and the writes to apply.

    Attributes:
        record: The new memory, or the reinforced existing one.
        deduplicated: True when an existing memory is reinforced instead of a new one stored.
        apply: Inserts or updates the record and logs the ``memory.write`` event.
    """

    record: MemoryRecord
    deduplicated: bool
    apply: Apply


def plan_memory(
    store: MemoryStore,
    gate: GateResult,
    vector: Vector,
    target: NewMemory,
    *,
    now: datetime,
    dedup_threshold: float,
    actor: str | None,
    operation: str,
) -> MemoryPlan:
    """Plan the storage of a gated memory and its event.

    The caller must keep other writers out (the service's lock) until the plan is applied, so
    that the duplicate check still holds at commit time.

    Args:
        store: Where to look for duplicates.
        gate: The content and the gate's decisions.
        vector: The content's embedding.
        target: Tenant, scope and caller-given attributes.
        now: The time of the write.
        dedup_threshold: Cosine similarity at or above which the memory is a duplicate.
        actor: Id of the API key making the request, for the event log.
        operation: ``write`` or ``turn``, for the event log.
    """
    text_hash = content_hash(gate.content)
    duplicate = find_duplicate(
        store,
        tenant_id=target.tenant_id,
        namespace=target.namespace,
        session_id=target.session_id,
        memory_type=gate.memory_type.value,
        text_hash=text_hash,
        vector=vector,
        threshold=dedup_threshold,
        text=gate.content,
    )
    if duplicate is not None:
        record = reinforce(duplicate, now=now, importance=gate.importance)
    else:
        record = new_record(gate, vector, target, now=now, text_hash=text_hash)
    event = write_event(
        record,
        gate,
        target,
        now=now,
        actor=actor,
        operation=operation,
        deduplicated=duplicate is not None,
    )

    def apply(tx: StoreTransaction) -> None:
        if duplicate is not None:
            tx.update(record)
        else:
            tx.insert([record])
        tx.add_event(event)

    return MemoryPlan(record=record, deduplicated=duplicate is not None, apply=apply)


def new_record(
    gate: GateResult, vector: Vector, target: NewMemory, *, now: datetime, text_hash: str
) -> MemoryRecord:
    """The row of a novel memory (not a duplicate), with a fresh id.

    Args:
        gate: The content and the gate's decisions.
        vector: The content's embedding.
        target: Tenant, scope and caller-given attributes.
        now: The time of the write (also the event time when the caller gave none).
        text_hash: The content's :func:`~cml.engine.dedup.content_hash`.
    """
    confidence = target.confidence
    if confidence is None:
        hypothesis = gate.memory_type is MemoryType.HYPOTHESIS
        confidence = _HYPOTHESIS_CONFIDENCE if hypothesis else _DEFAULT_CONFIDENCE
    return MemoryRecord(
        id=new_id(),
        tenant_id=target.tenant_id,
        content=gate.content,
        memory_type=gate.memory_type.value,
        created_at=target.timestamp or now,
        updated_at=now,
        namespace=target.namespace,
        session_id=target.session_id,
        agent_id=target.agent_id,
        context_tags=list(target.context_tags),
        metadata=dict(target.metadata),
        importance=gate.importance,
        confidence=confidence,
        content_hash=text_hash,
        embedding=vector,
    )


def write_event(
    record: MemoryRecord,
    gate: GateResult,
    target: NewMemory,
    *,
    now: datetime,
    actor: str | None,
    operation: str,
    deduplicated: bool,
) -> EventRecord:
    """The ``memory.write`` event of one stored or reinforced memory."""
    # The payload says what the gate decided, never the content: the event log is for audit.
    return EventRecord(
        tenant_id=target.tenant_id,
        event_type="memory.write",
        operation="reinforce" if deduplicated else operation,
        created_at=now,
        actor=actor,
        memory_ids=[record.id],
        payload={
            "memory_type": record.memory_type,
            "namespace": target.namespace,
            "deduplicated": deduplicated,
            "redactions": gate.redactions,
            "type_reason": gate.type_reason,
        },
    )


def write_response(record: MemoryRecord, *, deduplicated: bool, gate: GateResult) -> WriteResponse:
    """What a write tells its caller about one memory."""
    return WriteResponse(
        success=True,
        memory_id=record.id,
        chunks_created=0 if deduplicated else 1,
        message=(
            "Near-duplicate of an existing memory; reinforced it instead of storing again."
            if deduplicated
            else f"Stored as {gate.memory_type.value}."
        ),
        memory_type=record.memory_type,
        deduplicated=deduplicated,
        redactions=gate.redactions,
    )
