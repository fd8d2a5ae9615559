"""Retiring what a new memory supersedes: candidates, the decision, and the retired state.

After a write stores a new memory (never for a write merged into a near-duplicate), the few
*active* memories of the same tenant and namespace closest to it in meaning are the candidates;
:func:`cml.engine.write.supersession.decide_supersession` (or the LLM, when one is configured,
see :mod:`cml.engine.write.judge`) decides for each whether the new memory retires it. A retired
memory is never deleted: its status becomes ``superseded``, ``superseded_at``/``superseded_by``
say when and by which memory, ``valid_to`` when it stopped holding, its previous state goes into
its version history, and one ``memory.supersede`` event is logged per retirement.
``restore()`` undoes it (:func:`reinstate`).

Only types the writer stated count: an inferred type is a guess (the classifier files most
unmatched sentences under ``episodic_event``), so an inferred type is passed as ``None`` and the
text decides; a stated episode never retires anything and is never retired.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from cml.engine.context import EngineContext
from cml.engine.write.judge import judge
from cml.engine.write.supersession import can_supersede
from cml.models import MemoryStatus
from cml.storage.base import (
    EventRecord,
    MemoryFilter,
    MemoryRecord,
    StoreTransaction,
    VersionRecord,
)

__all__ = ["Retirement", "find_superseded", "reinstate", "retire", "stated_type"]

_CANDIDATES = 16
"""Nearest active memories looked at per new memory."""

_ACTIVE = (MemoryStatus.ACTIVE.value,)


def stated_type(record: MemoryRecord) -> str | None:
    """The memory's type if its writer stated it, else ``None`` (let the text decide)."""
    return record.memory_type if record.type_given else None


@dataclass(frozen=True)
class Retirement:
    """An older memory retired by a newer one (or by hand), ready to be written.

    Attributes:
        record: The memory in its retired state.
        previous: Its state before, for its version history (``None`` when the caller writes
            the record itself, see :func:`retire`).
        event: The ``memory.supersede`` event.
    """

    record: MemoryRecord
    previous: VersionRecord | None
    event: EventRecord

    def apply(self, tx: StoreTransaction) -> None:
        """Write the retired state (keeping the previous one in history) and the event.

        Without ``previous`` only the event is written: the caller writes the record.
        """
        if self.previous is not None:
            tx.update(self.record, previous=self.previous)
        tx.add_event(self.event)


def retire(
    old: MemoryRecord,
    *,
    by: MemoryRecord | None,
    now: datetime,
    reason: str,
    actor: str | None,
    history: bool = True,
) -> Retirement:
    """The retired state of ``old`` and its event.

    Args:
        old: The memory to retire (active).
        by: The memory that supersedes it, or ``None`` when retired by hand.
        now: The time of the retirement (transaction time).
        reason: Why, for the history and the event (``"residence: value changed"``).
        actor: Id of the API key making the request.
        history: Bump the version and keep the state before in the version history; False
            when the caller writes ``old`` itself in the same unit of work (an earlier item of
            a batch, or an update that keeps the history already).
    """
    # It stopped holding when the new fact began to, unless that predates the old one itself.
    ends = now if by is None else min(by.valid_since, now)
    retired = dataclasses.replace(
        old,
        status=MemoryStatus.SUPERSEDED.value,
        superseded_at=now,
        superseded_by=None if by is None else by.id,
        valid_to=max(ends, old.valid_since),
        updated_at=now,
        version=old.version + 1 if history else old.version,
    )
    why = f"superseded: {reason}" if by is None else f"superseded by {by.id}: {reason}"
    event = EventRecord(
        tenant_id=old.tenant_id,
        event_type="memory.supersede",
        operation="supersede" if by is not None else "outdated",
        created_at=now,
        actor=actor,
        memory_ids=[old.id] if by is None else [old.id, by.id],
        payload={
            "superseded": old.id,
            "superseded_by": None if by is None else by.id,
            "namespace": old.namespace,
            "reason": reason,
        },
    )
    previous = VersionRecord.snapshot(old, at=now, reason=why) if history else None
    return Retirement(record=retired, previous=previous, event=event)


def reinstate(record: MemoryRecord, *, now: datetime) -> MemoryRecord:
    """A retired memory made current again (``restore``): active, no longer superseded."""
    return dataclasses.replace(
        record,
        status=MemoryStatus.ACTIVE.value,
        superseded_at=None,
        superseded_by=None,
        valid_to=None,
        deleted_at=None,
        updated_at=now,
        version=record.version + 1,
    )


def find_superseded(
    ctx: EngineContext,
    new: MemoryRecord,
    *,
    earlier: Sequence[MemoryRecord] = (),
) -> list[tuple[MemoryRecord, str]]:
    """The active memories ``new`` retires, each with the reason.

    Args:
        ctx: The engine: its store is searched for candidates, its LLM (if any) asked.
        new: The memory about to be stored (with its embedding).
        earlier: The latest state of memories written earlier in the same batch (not yet in
            the store, or changed by it), also candidates when active and in ``new``'s
            namespace.

    Returns:
        ``(older memory, reason)`` for every memory to retire, nearest first.
    """
    new_type = stated_type(new)
    if new.embedding is None:
        return []
    # The rules alone can tell from the text that nothing can be retired: skip the search.
    if ctx.llm is None and not can_supersede(new.content, new_type):
        return []
    candidates = [
        (record, stated_type(record), score) for record, score in _candidates(ctx, new, earlier)
    ]
    return judge(ctx.llm, new, new_type, candidates)


def _candidates(
    ctx: EngineContext, new: MemoryRecord, earlier: Sequence[MemoryRecord]
) -> list[tuple[MemoryRecord, float]]:
    """The nearest active memories of ``new``'s tenant and namespace, with their similarity."""
    assert new.embedding is not None
    filt = MemoryFilter(tenant_id=new.tenant_id, namespace=new.namespace, statuses=_ACTIVE)
    scored: dict[str, tuple[MemoryRecord, float]] = {}
    hits = dict(ctx.store.vector_search(filt, new.embedding, _CANDIDATES, write=True))
    for record in ctx.store.get_many(new.tenant_id, list(hits)):
        scored[record.id] = (record, hits[record.id])
    for record in earlier:  # the batch's state wins over the stored one
        if record.embedding is not None:
            scored[record.id] = (record, float(np.dot(record.embedding, new.embedding)))
    current = [
        (record, score)
        for record, score in scored.values()
        # A filter namespace of None means "any"; a memory without one matches only its kind.
        if record.id != new.id
        and record.namespace == new.namespace
        and record.status == MemoryStatus.ACTIVE.value
    ]
    return sorted(current, key=lambda pair: -pair[1])[:_CANDIDATES]
