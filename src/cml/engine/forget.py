"""Which memories a forget request selects.

Selectors combine with AND: listed ids, similarity to a query (at or above a threshold), an
upper time bound (``created_at < before``), a session and a namespace. A soft forget skips
memories that are already deleted (they are not counted twice); a hard forget also purges them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cml.embeddings.base import Embedder
from cml.models import ForgetRequest, MemoryStatus
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore

__all__ = ["QUERY_CANDIDATES", "select_for_forget"]

QUERY_CANDIDATES = 1000
"""Most memories one query-based forget can reach (nearest first)."""

_LIVE_STATUSES = tuple(s.value for s in MemoryStatus if s is not MemoryStatus.DELETED)


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
    )
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
