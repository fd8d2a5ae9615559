"""The operator-facing operations: consolidation, forgetting, restore/purge, tenants, events,
component health. The server's admin routes (and ``/memory/restore``) map onto this class.

Consolidation and forgetting runs hold the tenant's job lease (see :mod:`cml.engine.jobs`);
mutations share the write lock of :class:`~cml.engine.service.MemoryService` so that they never
interleave with a write's duplicate check.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from cml.embeddings.base import Embedder
from cml.engine.consolidation import ConsolidationSettings, Summarizer, consolidate_tenant
from cml.engine.events import events_after, events_page, latest_event_id
from cml.engine.forgetting import ForgettingWeights, forget_tenant
from cml.engine.health import engine_components
from cml.engine.jobs import job_lease
from cml.engine.lifecycle import purgeable, restorable
from cml.engine.unit import Apply, commit
from cml.engine.write.idempotency import replay, request_fingerprint
from cml.llm import ChatLLM
from cml.models import MemoryStatus, RestoreRequest, RestoreResponse
from cml.storage.base import EventRecord, MemoryStore, StoreTransaction

__all__ = ["AdminService"]

_CHUNK = 500


class AdminService:
    """Admin operations over one store.

    Args:
        store: The memory store.
        embedder: Embeds gists and compressed texts.
        llm: The optional chat model for gists and summaries.
        lock: The write lock shared with the memory service.
        consolidation: Consolidation knobs.
        forgetting: Relevance-score knobs.
    """

    def __init__(
        self,
        store: MemoryStore,
        embedder: Embedder,
        llm: ChatLLM | None,
        lock: threading.RLock,
        *,
        consolidation: ConsolidationSettings | None = None,
        forgetting: ForgettingWeights | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._llm = llm
        self._lock = lock
        self.consolidation_settings = consolidation or ConsolidationSettings()
        self.forgetting_weights = forgetting or ForgettingWeights()

    def _summarizer(self) -> Summarizer:
        # A fresh one per run: an LLM failure switches one run to extractive, not all later ones.
        return Summarizer(self._llm, gist_statements=self.consolidation_settings.gist_statements)

    # -- consolidation and forgetting ----------------------------------------------------------

    def consolidate(
        self,
        tenant_id: str,
        *,
        namespace: str | None = None,
        actor: str | None = None,
        trigger: str = "api",
    ) -> dict[str, Any]:
        """Turn the tenant's recent episodes into semantic facts (see :mod:`.consolidation`).

        Raises:
            JobRunningError: A consolidation of this tenant is already running.
        """
        with job_lease(self._store, "consolidate", tenant_id):
            return consolidate_tenant(
                self._store,
                self._embedder,
                self._summarizer(),
                self._lock,
                tenant_id,
                namespace=namespace,
                settings=self.consolidation_settings,
                actor=actor,
                trigger=trigger,
            )

    def run_forgetting(
        self,
        tenant_id: str,
        *,
        namespace: str | None = None,
        dry_run: bool = True,
        max_memories: int = 5000,
        actor: str | None = None,
        trigger: str = "api",
    ) -> dict[str, Any]:
        """Score the tenant's memories and plan (or apply) forgetting (see :mod:`.forgetting`).

        Raises:
            JobRunningError: A forgetting run of this tenant is already running.
        """
        with job_lease(self._store, "forget", tenant_id):
            return forget_tenant(
                self._store,
                self._embedder,
                self._summarizer(),
                self._lock,
                tenant_id,
                namespace=namespace,
                dry_run=dry_run,
                max_memories=max_memories,
                weights=self.forgetting_weights,
                actor=actor,
                trigger=trigger,
            )

    # -- restore and purge ---------------------------------------------------------------------

    def restore(
        self,
        tenant_id: str,
        request: RestoreRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> RestoreResponse:
        """Make soft-deleted or silenced memories active again.

        Unknown ids, other tenants' ids and memories that are neither deleted nor silent are
        not counted (and not revealed).
        """
        fingerprint: str | None = None
        if idempotency_key is not None:
            fingerprint = request_fingerprint("restore", request)
            cached = replay(self._store, tenant_id, idempotency_key, fingerprint, RestoreResponse)
            if cached is not None:
                return cached

        def plan(now: datetime) -> tuple[RestoreResponse, Apply]:
            ids = [r.id for r in restorable(self._store, tenant_id, request.memory_ids)]

            def apply(tx: StoreTransaction) -> None:
                if not ids:
                    return
                tx.set_status(tenant_id, ids, MemoryStatus.ACTIVE.value, now)
                tx.add_event(
                    EventRecord(
                        tenant_id=tenant_id,
                        event_type="memory.restore",
                        operation="restore",
                        created_at=now,
                        actor=actor,
                        memory_ids=ids,
                        payload={"count": len(ids)},
                    )
                )

            plural = "y" if len(ids) == 1 else "ies"
            return RestoreResponse(
                success=True,
                affected_count=len(ids),
                memory_ids=ids,
                message=f"Restored {len(ids)} memor{plural}.",
            ), apply

        return commit(
            self._store,
            self._lock,
            plan,
            tenant_id=tenant_id,
            key=idempotency_key,
            fingerprint=fingerprint,
            response_type=RestoreResponse,
        )

    def purge(
        self, tenant_id: str, *, older_than: datetime | None = None, actor: str | None = None
    ) -> dict[str, Any]:
        """Delete the tenant's soft-deleted memories (and their history) for good.

        Args:
            tenant_id: Whose memories.
            older_than: Only those deleted before this time.
            actor: The API key that asked, for the event log.

        Returns:
            ``tenant_id``, ``purged_count``, ``memory_ids`` and ``message``.
        """
        with self._lock:
            ids = [r.id for r in purgeable(self._store, tenant_id, older_than)]
            if ids:
                with self._store.transaction() as tx:
                    for start in range(0, len(ids), _CHUNK):
                        tx.hard_delete(tenant_id, ids[start : start + _CHUNK])
                    tx.add_event(
                        EventRecord(
                            tenant_id=tenant_id,
                            event_type="memory.purge",
                            operation="purge",
                            created_at=datetime.now(UTC),
                            actor=actor,
                            memory_ids=ids[:1000],
                            payload={
                                "count": len(ids),
                                "older_than": older_than.isoformat() if older_than else None,
                            },
                        )
                    )
        plural = "y" if len(ids) == 1 else "ies"
        return {
            "tenant_id": tenant_id,
            "purged_count": len(ids),
            "memory_ids": ids,
            "message": f"Purged {len(ids)} deleted memor{plural} for good.",
        }

    # -- tenants, events, health ---------------------------------------------------------------

    def list_tenants(self) -> list[dict[str, Any]]:
        """Every tenant with its memory, fact and event counts and its last activity."""
        return [
            {
                "tenant_id": t.tenant_id,
                "memory_count": t.memory_count,
                "fact_count": t.fact_count,
                "event_count": t.event_count,
                "last_activity": t.last_activity.isoformat() if t.last_activity else None,
            }
            for t in self._store.list_tenants()
        ]

    def events(
        self,
        tenant_id: str,
        *,
        page: int = 1,
        per_page: int = 50,
        event_type: str | None = None,
        since: datetime | None = None,
    ) -> dict[str, Any]:
        """A page of the tenant's event log, newest first."""
        return events_page(
            self._store, tenant_id, page=page, per_page=per_page, event_type=event_type, since=since
        )

    def events_after(
        self,
        tenant_id: str,
        after_id: int,
        *,
        event_type: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The tenant's events after ``after_id``, oldest first (following the log)."""
        return events_after(
            self._store, tenant_id, after_id, event_type=event_type, since=since, limit=limit
        )

    def latest_event_id(self, tenant_id: str) -> int:
        """Id of the tenant's newest event, 0 if none."""
        return latest_event_id(self._store, tenant_id)

    def components(self) -> dict[str, dict[str, Any]]:
        """Probe the database, vector index, embedder and LLM (see :mod:`.health`)."""
        return engine_components(self._store, self._embedder, self._llm)
