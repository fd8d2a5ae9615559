"""One active-forgetting run of a tenant: score → plan → (unless a dry run) apply.

Scoring and summarising (the LLM may be slow) happen without the engine's write lock; the
writes happen under it in one transaction, against memories re-read at that moment.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from cml.embeddings.base import Embedder
from cml.engine.consolidation.summarize import Summarizer
from cml.engine.consolidation.tenant_run import TenantRun
from cml.engine.forgetting.apply import Compression, apply_plan
from cml.engine.forgetting.plan import Action, PlannedAction, plan_action
from cml.engine.forgetting.score import ForgettingWeights, relevance
from cml.models import MemoryStatus
from cml.storage.base import MemoryFilter, MemoryRecord, MemoryStore

__all__ = ["SCORED_STATUSES", "forget_tenant"]

SCORED_STATUSES: tuple[str, ...] = (
    MemoryStatus.ACTIVE.value,
    MemoryStatus.COMPRESSED.value,
    MemoryStatus.SILENT.value,
)
"""Memories a run looks at (archived ones are the user's decision; deleted ones are gone)."""

_EVENT_IDS = 1000  # an event lists at most this many changed ids (the count is exact)


def forget_tenant(
    run: TenantRun,
    *,
    dry_run: bool = True,
    max_memories: int = 5000,
    weights: ForgettingWeights | None = None,
) -> dict[str, Any]:
    """Score a tenant's memories and plan (or apply) what to forget.

    Args:
        run: The tenant, its store, the embedder of compressed texts, the summarizer writing
            the COMPRESS summaries (LLM or extractive), the write lock, and the namespace
            (``None``: all).
        dry_run: Plan only: nothing is written, not even an event.
        max_memories: Most memories scored (oldest first).
        weights: Relevance knobs.

    Returns:
        ``total_scored``, ``actions`` (count per action), ``dry_run``, ``applied`` (memories
        changed), ``memories`` (``memory_id``, ``score``, ``action``, ``reason`` per memory)
        and ``elapsed_ms``.
    """
    started = time.perf_counter()
    store, tenant_id = run.store, run.tenant_id
    now = datetime.now(UTC)
    weights = weights or ForgettingWeights()
    filt = MemoryFilter(tenant_id=tenant_id, namespace=run.namespace, statuses=SCORED_STATUSES)
    records = list(itertools.islice(store.iter_memories(filt), max(0, max_memories)))
    dependents = _dependents(store, tenant_id)
    planned = [
        plan_action(r, relevance(r, now, dependents.get(r.id, 0), weights), dependents.get(r.id, 0))
        for r in records
    ]
    changed: list[str] = []
    if not dry_run:
        compressions = _compressions(run.embedder, run.summarizer, planned)
        with run.lock:
            current = {r.id: r for r in store.get_many(tenant_id, [p.record.id for p in planned])}
            with store.transaction() as tx:
                changed = apply_plan(tx, planned, current, compressions, now)
                if changed:
                    applied = Counter(p.action.value for p in planned if p.record.id in changed)
                    payload = {"applied": dict(applied)}
                    tx.add_event(
                        run.event("forgetting.run", "forget", now, changed[:_EVENT_IDS], payload)
                    )
    counts = Counter(p.action.value for p in planned)
    return {
        "tenant_id": tenant_id,
        "total_scored": len(planned),
        "actions": {action.value: counts.get(action.value, 0) for action in Action},
        "dry_run": dry_run,
        "applied": len(changed),
        "memories": [
            {
                "memory_id": p.record.id,
                "score": p.score,
                "action": p.action.value,
                "reason": p.reason,
                "applied": p.record.id in changed,
            }
            for p in planned
        ],
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 3),
    }


def _dependents(store: MemoryStore, tenant_id: str) -> Counter[str]:
    """How many live memories name each id in their provenance."""
    counts: Counter[str] = Counter()
    live = tuple(s.value for s in MemoryStatus if s is not MemoryStatus.DELETED)
    for record in store.iter_memories(MemoryFilter(tenant_id=tenant_id, statuses=live)):
        counts.update(set(record.provenance))
    return counts


def _compressions(
    embedder: Embedder, summarizer: Summarizer, planned: list[PlannedAction]
) -> dict[str, Compression]:
    targets: list[tuple[MemoryRecord, str, str]] = []
    for entry in planned:
        if entry.action is Action.COMPRESS:
            text, method = summarizer.compress(entry.record.content)
            targets.append((entry.record, text, method))
    if not targets:
        return {}
    vectors = embedder.embed([text for _, text, _ in targets])
    return {
        record.id: Compression(text, vectors[i], method)
        for i, (record, text, method) in enumerate(targets)
    }
