"""Batch writes: many memories through the gate, one embedding call and one transaction.

A batch is all or nothing. Every item passes the write gate before anything else happens, so one
item holding a secret refuses the whole request (the error names ``items.<index>.content``).
The contents are then embedded together (one call to the embedder, which batches internally),
and each item is placed in input order: it reinforces a near-duplicate, either one already
stored or an earlier item of the same batch, or becomes a new memory. Every insert and
reinforcement, one ``memory.batch_write`` event and the idempotency record then commit as one
transaction.

The duplicate rules are those of single writes (:mod:`cml.engine.dedup`); the batch only adds
the earlier items of the same request as candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from cml.engine.dedup import EPISODIC_KINDS, content_hash, find_duplicate, reinforce
from cml.engine.gate import GateResult, check_attributes, pass_gate
from cml.engine.pii import redact_fields
from cml.engine.unit import Apply
from cml.engine.writes import NewMemory, new_record, write_response
from cml.models import BatchWriteRequest, WriteResponse
from cml.storage.base import EventRecord, MemoryRecord, MemoryStore, StoreTransaction, Vector

__all__ = ["BatchPlan", "GatedItem", "gate_batch", "plan_batch"]

_Scope = tuple[str | None, str, str | None]


@dataclass(frozen=True)
class GatedItem:
    """One batch item after the gate: its content and decisions, and where it goes."""

    gate: GateResult
    target: NewMemory


@dataclass(frozen=True)
class BatchPlan:
    """The outcome of planning a batch.

    Attributes:
        results: One response per item, in input order.
        apply: Inserts the new memories, updates the reinforced ones, logs one event.
    """

    results: list[WriteResponse]
    apply: Apply


def gate_batch(
    tenant_id: str, request: BatchWriteRequest, *, refuse_secrets: bool, redact: bool
) -> list[GatedItem]:
    """Pass every item through the write gate, applying the batch's shared session/namespace.

    Args:
        tenant_id: Owner of the memories.
        request: The batch.
        refuse_secrets: Refuse content that looks like a credential.
        redact: Redact personal data.

    Returns:
        The gated items, in input order.

    Raises:
        SecretRefusedError: An item holds a secret; ``field`` is ``items.<index>.content``
            (or ``.metadata``, ``.context_tags.<i>``, ``.namespace``, ``.session_id``,
            ``.agent_id``).
    """
    gated: list[GatedItem] = []
    for index, item in enumerate(request.items):
        gate = pass_gate(
            item.content,
            memory_type=item.memory_type,
            importance=item.importance,
            refuse_secrets=refuse_secrets,
            redact=redact,
            field=f"items.{index}.content",
        )
        target = NewMemory(
            tenant_id=tenant_id,
            namespace=item.namespace if item.namespace is not None else request.namespace,
            session_id=item.session_id if item.session_id is not None else request.session_id,
            agent_id=item.agent_id,
            context_tags=item.context_tags,
            metadata=item.metadata,
            timestamp=item.timestamp,
            confidence=item.confidence,
        )
        if refuse_secrets:
            labels = {
                "namespace": target.namespace,
                "session_id": target.session_id,
                "agent_id": target.agent_id,
            }
            check_attributes(
                item.metadata, item.context_tags, labels=labels, prefix=f"items.{index}."
            )
        gated.append(GatedItem(gate=gate, target=redact_fields(target, enabled=redact)))
    return gated


@dataclass
class _Group:
    """The new memories of one duplicate scope within the batch (hashes and a vector matrix)."""

    dimensions: int
    ids: list[str] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    matrix: npt.NDArray[np.float32] = field(init=False)

    def __post_init__(self) -> None:
        self.matrix = np.empty((8, self.dimensions), dtype=np.float32)

    def find(self, text_hash: str, vector: Vector, threshold: float) -> str | None:
        if text_hash in self.hashes:
            return self.hashes[text_hash]
        if not self.ids:
            return None
        scores = self.matrix[: len(self.ids)] @ vector
        best = int(np.argmax(scores))
        return self.ids[best] if float(scores[best]) >= threshold else None

    def add(self, memory_id: str, text_hash: str, vector: Vector) -> None:
        if len(self.ids) == len(self.matrix):
            grown = np.empty((2 * len(self.matrix), self.dimensions), dtype=np.float32)
            grown[: len(self.ids)] = self.matrix
            self.matrix = grown
        self.matrix[len(self.ids)] = vector
        self.ids.append(memory_id)
        self.hashes.setdefault(text_hash, memory_id)


def _scope(target: NewMemory, memory_type: str) -> _Scope:
    # The same scope rule as dedup.find_duplicate: session only matters for episodic kinds.
    session = target.session_id if memory_type in EPISODIC_KINDS else None
    return (target.namespace, memory_type, session)


def plan_batch(
    store: MemoryStore,
    items: list[GatedItem],
    vectors: npt.NDArray[np.float32],
    *,
    tenant_id: str,
    now: datetime,
    dedup_threshold: float,
    actor: str | None,
) -> BatchPlan:
    """Place every item (new memory or reinforcement) and plan the batch's writes.

    The caller must keep other writers out (the service's lock) until the plan is applied.

    Args:
        store: Where to look for stored duplicates.
        items: The gated items, in input order.
        vectors: Their embeddings, one row per item.
        tenant_id: Owner of the memories.
        now: The time of the write.
        dedup_threshold: Cosine similarity at or above which a memory is a duplicate.
        actor: Id of the API key making the request, for the event log.

    Returns:
        The per-item responses and the writes.
    """
    planned: dict[str, MemoryRecord] = {}  # latest state of every memory the batch touches
    inserted: list[str] = []
    reinforced: list[str] = []
    groups: dict[_Scope, _Group] = {}
    results: list[WriteResponse] = []
    for item, vector in zip(items, vectors, strict=True):
        gate, target = item.gate, item.target
        memory_type = gate.memory_type.value
        text_hash = content_hash(gate.content)
        group = groups.setdefault(_scope(target, memory_type), _Group(dimensions=len(vector)))
        duplicate: MemoryRecord | None = None
        earlier = group.find(text_hash, vector, dedup_threshold)
        if earlier is not None:
            duplicate = planned[earlier]
        else:
            stored = find_duplicate(
                store,
                tenant_id=tenant_id,
                namespace=target.namespace,
                session_id=target.session_id,
                memory_type=memory_type,
                text_hash=text_hash,
                vector=vector,
                threshold=dedup_threshold,
            )
            if stored is not None:
                # Reinforce the state this batch already gave it, so repeats add up.
                duplicate = planned.get(stored.id, stored)
        if duplicate is not None:
            record = reinforce(duplicate, now=now, importance=gate.importance)
            if record.id not in planned:
                reinforced.append(record.id)
        else:
            record = new_record(gate, vector, target, now=now, text_hash=text_hash)
            inserted.append(record.id)
            group.add(record.id, text_hash, vector)
        planned[record.id] = record
        results.append(write_response(record, deduplicated=duplicate is not None, gate=gate))

    event = EventRecord(
        tenant_id=tenant_id,
        event_type="memory.batch_write",
        operation="batch_write",
        created_at=now,
        actor=actor,
        memory_ids=list(planned),
        payload={
            "items": len(items),
            "stored": len(inserted),
            "reinforced": len(items) - len(inserted),
            "namespaces": sorted({str(i.target.namespace) for i in items if i.target.namespace}),
            "redactions": sorted({kind for i in items for kind in i.gate.redactions}),
        },
    )

    def apply(tx: StoreTransaction) -> None:
        tx.insert([planned[i] for i in inserted])
        for memory_id in reinforced:
            tx.update(planned[memory_id])
        tx.add_event(event)

    return BatchPlan(results=results, apply=apply)
