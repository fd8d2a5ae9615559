"""Batch writes: many memories through the gate, one embedding call and one transaction.

A batch is all or nothing. Every item passes the write gate before anything else happens, so one
item holding a secret refuses the whole request (the error names ``items.<index>.content``).
The contents are then embedded together (one call to the embedder, which batches internally),
and each item is placed in input order: it reinforces a near-duplicate, either one already
stored or an earlier item of the same batch, or becomes a new memory. Every insert and
reinforcement, one ``memory.batch_write`` event and the idempotency record then commit as one
transaction.

The duplicate and supersession rules are those of single writes (:mod:`cml.engine.write.dedup`,
:mod:`cml.engine.write.supersede`); the batch only adds the earlier items of the same request as
candidates, so a correction later in a batch retires an earlier item as it would a stored memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from cml.engine.config import EngineConfig
from cml.engine.context import EngineContext
from cml.engine.pii import redact_fields
from cml.engine.write.dedup import EPISODIC_KINDS, content_hash, find_duplicate, reinforce
from cml.engine.write.details import says_nothing_new
from cml.engine.write.gate import Draft, GateResult, admit
from cml.engine.write.plan import new_record, write_response
from cml.engine.write.supersede import Retirement, find_superseded, retire
from cml.models import BatchWriteRequest, WriteResponse
from cml.storage.base import EventRecord, MemoryRecord, StoreTransaction, Vector

__all__ = ["BatchPlan", "GatedItem", "gate_batch", "plan_batch"]

_Scope = tuple[str | None, str, str | None]


@dataclass(frozen=True)
class GatedItem:
    """One batch item after the gate: where it goes and what the gate let through."""

    draft: Draft
    gate: GateResult


@dataclass(frozen=True)
class BatchPlan:
    """The outcome of planning a batch.

    Attributes:
        results: One response per item, in input order.
        inserts: The new memories.
        updates: The reinforced memories, in their final state.
        event: The one ``memory.batch_write`` event.
        retirements: The memories the batch's items supersede (one event each).
    """

    results: list[WriteResponse]
    inserts: list[MemoryRecord]
    updates: list[MemoryRecord]
    event: EventRecord
    retirements: list[Retirement] = field(default_factory=list)

    def apply(self, tx: StoreTransaction) -> None:
        """Insert the new memories, update the reinforced ones, log the events, retire."""
        tx.insert(self.inserts)
        for record in self.updates:
            tx.update(record)
        tx.add_event(self.event)
        for retirement in self.retirements:
            retirement.apply(tx)


def gate_batch(tenant_id: str, request: BatchWriteRequest, config: EngineConfig) -> list[GatedItem]:
    """Pass every item through the write gate, applying the batch's shared session/namespace.

    Args:
        tenant_id: Owner of the memories.
        request: The batch.
        config: The gate's settings.

    Returns:
        The gated items, in input order.

    Raises:
        SecretRefusedError: An item holds a secret; ``field`` is ``items.<index>.content``
            (or ``.metadata``, ``.context_tags.<i>``, ``.namespace``, ``.session_id``,
            ``.agent_id``).
    """
    gated: list[GatedItem] = []
    for index, item in enumerate(request.items):
        draft = replace(
            Draft.of(tenant_id, item, field_prefix=f"items.{index}."),
            namespace=item.namespace if item.namespace is not None else request.namespace,
            session_id=item.session_id if item.session_id is not None else request.session_id,
        )
        gate = admit(draft, config)  # secrets are looked for before anything is redacted
        gated.append(GatedItem(draft=redact_fields(draft, enabled=config.redact_pii), gate=gate))
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


def _scope(draft: Draft, memory_type: str) -> _Scope:
    # The same scope rule as dedup.find_duplicate: session only matters for episodic kinds.
    session = draft.session_id if memory_type in EPISODIC_KINDS else None
    return (draft.namespace, memory_type, session)


def plan_batch(
    ctx: EngineContext,
    items: list[GatedItem],
    vectors: npt.NDArray[np.float32],
    *,
    tenant_id: str,
    now: datetime,
    actor: str | None,
) -> BatchPlan:
    """Place every item (new memory or reinforcement) and plan the batch's writes.

    The caller must keep other writers out (the unit of work's lock) until the plan is applied.

    Args:
        ctx: The engine: its store is searched for duplicates with its ``dedup_threshold``.
        items: The gated items, in input order.
        vectors: Their embeddings, one row per item.
        tenant_id: Owner of the memories.
        now: The time of the write.
        actor: Id of the API key making the request, for the event log.

    Returns:
        The per-item responses and the writes.
    """
    threshold = ctx.config.dedup_threshold
    planned: dict[str, MemoryRecord] = {}  # latest state of every memory the batch touches
    inserted: list[str] = []
    reinforced: list[str] = []
    groups: dict[_Scope, _Group] = {}
    results: list[WriteResponse] = []
    retirements: list[Retirement] = []
    for item, vector in zip(items, vectors, strict=True):
        draft, gate = item.draft, item.gate
        memory_type = gate.memory_type.value
        text_hash = content_hash(gate.content)
        group = groups.setdefault(_scope(draft, memory_type), _Group(dimensions=len(vector)))
        duplicate: MemoryRecord | None = None
        earlier = group.find(text_hash, vector, threshold)
        if earlier is not None and (
            planned[earlier].status != "active"  # retired by a later item: not merged into
            or not says_nothing_new(planned[earlier].content, gate.content)
        ):
            earlier = None  # close in meaning but a changed detail: not a repeat
        if earlier is not None:
            duplicate = planned[earlier]
        else:
            stored = find_duplicate(
                ctx.store,
                tenant_id=tenant_id,
                namespace=draft.namespace,
                session_id=draft.session_id,
                memory_type=memory_type,
                text_hash=text_hash,
                vector=vector,
                threshold=threshold,
                text=gate.content,
            )
            if stored is not None:
                # Reinforce the state this batch already gave it, so repeats add up.
                duplicate = planned.get(stored.id, stored)
                if duplicate.status != "active":
                    duplicate = None  # an earlier item retired it
        superseded: list[str] = []
        if duplicate is not None:
            record = reinforce(duplicate, now=now, importance=gate.importance)
            if record.id not in planned:
                reinforced.append(record.id)
        else:
            record = new_record(draft, gate, vector, now=now, text_hash=text_hash)
            inserted.append(record.id)
            group.add(record.id, text_hash, vector)
            for old, reason in find_superseded(ctx, record, earlier=list(planned.values())):
                fresh = old.id in inserted  # inserted by this batch: no stored state to keep
                retirement = retire(
                    old, by=record, now=now, reason=reason, actor=actor, history=not fresh
                )
                planned[old.id] = retirement.record
                if old.id in reinforced:
                    reinforced.remove(old.id)  # the retirement carries its final state
                retirements.append(retirement)
                superseded.append(old.id)
        planned[record.id] = record
        results.append(
            write_response(
                record, deduplicated=duplicate is not None, gate=gate, superseded=superseded
            )
        )

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
            "namespaces": sorted({str(i.draft.namespace) for i in items if i.draft.namespace}),
            "redactions": sorted({kind for i in items for kind in i.gate.redactions}),
            "superseded": len(retirements),
        },
    )

    return BatchPlan(
        results=results,
        inserts=[planned[i] for i in inserted],
        updates=[planned[i] for i in reinforced],
        event=event,
        retirements=retirements,
    )
