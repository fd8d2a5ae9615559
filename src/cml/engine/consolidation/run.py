"""One consolidation run of a tenant: sample → cluster → summarize → align → migrate.

The slow part (sampling, clustering, asking the LLM) happens without holding the engine's write
lock; aligning and writing happen under it, in one transaction, after re-reading the sampled
episodes so that an episode forgotten meanwhile is left as it is.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cml.engine.consolidation.align import Aligner
from cml.engine.consolidation.cluster import cluster_episodes
from cml.engine.consolidation.migrate import mark_consolidated, new_fact, reinforce_fact
from cml.engine.consolidation.sampler import ConsolidationSettings, sample_episodes
from cml.engine.consolidation.tenant_run import TenantRun
from cml.storage.base import MemoryRecord, Vector, VersionRecord

__all__ = ["consolidate_tenant"]


@dataclass(frozen=True)
class _Gist:
    cluster: list[MemoryRecord]
    text: str
    method: str
    vector: Vector


def consolidate_tenant(
    run: TenantRun, settings: ConsolidationSettings | None = None
) -> dict[str, Any]:
    """Consolidate a tenant's recent episodes into semantic facts.

    Args:
        run: The tenant, its store, the embedder of the gists, the summarizer writing them
            (LLM or extractive), the write lock, and the namespace (``None``: all, each
            consolidated on its own).
        settings: Sampling, clustering and alignment knobs.

    Returns:
        ``episodes_sampled``, ``clusters_formed``, ``facts_extracted``, ``facts_reinforced``,
        ``migrations_completed`` (episodes marked consolidated), ``fact_ids`` and
        ``elapsed_ms``.
    """
    started = time.perf_counter()
    settings = settings or ConsolidationSettings()
    episodes = sample_episodes(
        run.store, run.tenant_id, namespace=run.namespace, limit=settings.max_episodes
    )
    clusters = cluster_episodes(
        episodes, threshold=settings.cluster_threshold, max_size=settings.max_cluster_size
    )
    summaries = [run.summarizer.gist(cluster) for cluster in clusters]
    gists: list[_Gist] = []
    if summaries:
        vectors = run.embedder.embed([text for text, _ in summaries])
        gists = [
            _Gist(cluster, text, method, vectors[i])
            for i, (cluster, (text, method)) in enumerate(zip(clusters, summaries, strict=True))
        ]
    with run.lock:
        report = _apply(run, gists, settings)
    report["episodes_sampled"] = len(episodes)
    report["clusters_formed"] = len(clusters)
    report["llm_used"] = any(g.method == "llm" for g in gists)
    report["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return report


def _apply(run: TenantRun, gists: list[_Gist], settings: ConsolidationSettings) -> dict[str, Any]:
    store, tenant_id = run.store, run.tenant_id
    now = datetime.now(UTC)
    aligner = Aligner(store, tenant_id, settings.align_threshold)
    created: dict[str, MemoryRecord] = {}
    reinforced: dict[str, tuple[MemoryRecord, VersionRecord]] = {}
    episodes: dict[str, MemoryRecord] = {}
    for gist in gists:
        # Re-read: an episode forgotten or consolidated since sampling is left alone.
        current = [
            r
            for r in store.get_many(tenant_id, [e.id for e in gist.cluster])
            if r.status == "active" and r.consolidated_at is None and r.id not in episodes
        ]
        if len(current) < 2:
            continue
        match = aligner.match(current[0].namespace, gist.vector)
        if match is None:
            fact = new_fact(current, gist.text, gist.vector, gist.method, now)
            created[fact.id] = fact
        elif match.id in created:
            fact, _ = reinforce_fact(match, current, now)
            created[fact.id] = fact
        else:
            if match.id in reinforced:
                # Reinforced twice in one run: one new version, the pre-run state in history.
                base, previous = reinforced[match.id]
                fact = dataclasses.replace(
                    reinforce_fact(base, current, now)[0], version=base.version
                )
            else:
                fact, previous = reinforce_fact(match, current, now)
            reinforced[fact.id] = (fact, previous)
        aligner.remember(fact)
        episodes.update((r.id, mark_consolidated(r, now)) for r in current)

    fact_ids = [*created, *reinforced]
    counts = {
        "facts_extracted": len(created),
        "facts_reinforced": len(reinforced),
        "migrations_completed": len(episodes),
    }
    if episodes:
        with store.transaction() as tx:
            if created:
                tx.insert(list(created.values()))
            for fact, previous in reinforced.values():
                tx.update(fact, previous=previous)
            for episode in episodes.values():
                tx.update(episode)
            tx.add_event(run.event("consolidation.run", "consolidate", now, fact_ids, counts))
    return {"tenant_id": tenant_id, **counts, "fact_ids": fact_ids}
