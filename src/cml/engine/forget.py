"""``forget``: which memories a forget request selects, and the operation that forgets them.

Selectors combine with AND: listed ids, similarity to a query (at or above a threshold), an
upper time bound (``created_at < before``), a session and a namespace. A soft forget skips
memories that are already deleted (they are not counted twice); a hard forget also purges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from cml.embeddings.base import Embedder
from cml.engine.context import EngineContext
from cml.engine.filters import filter_fields, has_filters
from cml.engine.mutation import Mutation, MutationStage
from cml.engine.pii import redact_fields
from cml.models import ForgetRequest, ForgetResponse, MemoryStatus
from cml.storage.base import EventRecord, MemoryFilter, MemoryRecord, MemoryStore, StoreTransaction

__all__ = ["QUERY_CANDIDATES", "ForgetPlan", "forget", "select_for_forget"]

QUERY_CANDIDATES = 1000
"""Most memories one query-based forget can reach (nearest first)."""

_LIVE_STATUSES = tuple(s.value for s in MemoryStatus if s is not MemoryStatus.DELETED)
_STATUS_CHUNK = 500


@dataclass(frozen=True)
class ForgetPlan:
    """The writes of a forget request.

    Attributes:
        tenant_id: Owner of the memories.
        memory_ids: The selected memories.
        hard: Remove rows and history for good instead of marking them ``deleted``.
        at: The time of the forget.
        actor: Id of the API key making the request, for the event log.
    """

    tenant_id: str
    memory_ids: list[str]
    hard: bool
    at: datetime
    actor: str | None

    def apply(self, tx: StoreTransaction) -> None:
        """Delete (softly or for good) in chunks, and log one ``memory.forget`` event."""
        targets = self.memory_ids
        for start in range(0, len(targets), _STATUS_CHUNK):
            chunk = targets[start : start + _STATUS_CHUNK]
            if self.hard:
                tx.hard_delete(self.tenant_id, chunk)
            else:
                tx.set_status(self.tenant_id, chunk, MemoryStatus.DELETED.value, self.at)
        if targets:
            tx.add_event(
                EventRecord(
                    tenant_id=self.tenant_id,
                    event_type="memory.forget",
                    operation="hard_delete" if self.hard else "soft_delete",
                    created_at=self.at,
                    actor=self.actor,
                    memory_ids=targets,
                    payload={"hard": self.hard, "count": len(targets)},
                )
            )


def _forget(
    ctx: EngineContext, mutation: Mutation[ForgetRequest, ForgetResponse]
) -> ForgetResponse:
    """Forget memories selected by ids, query, time, session and namespace (ANDed).

    Soft by default: memories become ``deleted`` and can be restored until purged; with
    ``hard=True`` their rows and history are removed for good. The request holds the selectors
    and ``hard``; other tenants' ids are silently not matched. See
    :class:`~cml.engine.mutation.MutationStage` for the arguments.

    Returns:
        How many memories were affected, and their ids.

    Raises:
        IdempotencyConflictError: The idempotency key was used for a different request.
    """
    tenant_id = mutation.tenant_id
    request = redact_fields(mutation.request, enabled=ctx.config.redact_pii)  # a session_id filter
    with mutation.unit_of_work(ctx) as unit:
        selected = select_for_forget(ctx.store, ctx.embedder, tenant_id, request)
        plan = ForgetPlan(
            tenant_id, [r.id for r in selected], request.hard, unit.now, mutation.actor
        )
        count = len(plan.memory_ids)
        how = "Permanently deleted" if request.hard else "Deleted (restorable)"
        response = ForgetResponse(
            success=True,
            affected_count=count,
            memory_ids=plan.memory_ids,
            hard=request.hard,
            message=f"{how} {count} memor{'y' if count == 1 else 'ies'}.",
        )
        return unit.commit(response, plan.apply)


forget = MutationStage("forget", ForgetResponse, _forget)


def select_for_forget(
    store: MemoryStore, embedder: Embedder, tenant_id: str, request: ForgetRequest
) -> list[MemoryRecord]:
    """The tenant's memories matching every selector of ``request``.

    Args:
        store: Where the memories live.
        embedder: Embeds ``request.query`` when given.
        tenant_id: Only this tenant's memories are ever selected.
        request: The selectors.

    Returns:
        The matching memories, without duplicates.
    """
    statuses = None if request.hard else _LIVE_STATUSES
    filt = MemoryFilter(
        tenant_id=tenant_id,
        namespace=request.namespace,
        statuses=statuses,
        session_id=request.session_id,
        until=request.before,
        **filter_fields(request),
    )
    # The store decides which memories pass the filters (one definition, in its SQL).
    admitted = {r.id for r in store.iter_memories(filt)} if has_filters(request) else None
    similar: dict[str, float] | None = None
    query_vector = None
    if request.query is not None:
        query_vector = embedder.embed([request.query])[0]
        hits = store.vector_search(filt, query_vector, QUERY_CANDIDATES)
        similar = {i: s for i, s in hits if s >= request.threshold}

    candidates: Iterable[MemoryRecord]
    if request.memory_ids:
        candidates = store.get_many(tenant_id, list(dict.fromkeys(request.memory_ids)))
    elif similar is not None:
        candidates = store.get_many(tenant_id, list(similar))
    else:
        candidates = store.iter_memories(filt)

    selected: list[MemoryRecord] = []
    for record in candidates:
        if record.tenant_id != tenant_id:
            continue
        if statuses is not None and record.status not in statuses:
            continue
        if admitted is not None and record.id not in admitted:
            continue
        if request.namespace is not None and record.namespace != request.namespace:
            continue
        if request.session_id is not None and record.session_id != request.session_id:
            continue
        if request.before is not None and not record.created_at < request.before:
            continue
        if query_vector is not None and similar is not None:
            if record.embedding is not None:
                if float(np.dot(record.embedding, query_vector)) < request.threshold:
                    continue
            elif record.id not in similar:
                continue
        selected.append(record)
    return selected
