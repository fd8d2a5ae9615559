"""The operator-facing operations.

Consolidation, forgetting, restore/purge, tenants, events and component health. The server's
admin routes (and ``/memory/restore``) map onto this class.

Every operation returns the contract's model of its answer (``ConsolidateResponse``,
``EventPage``, ...), which the server sends as is. Consolidation and forgetting runs hold the
tenant's job lease (see :mod:`cml.engine.jobs`); mutations share the write lock of
:class:`~cml.engine.service.MemoryService` so that they never interleave with a write's
duplicate check.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
from datetime import UTC, datetime

from cml.embeddings.base import Embedder
from cml.engine.consolidation import ConsolidationSettings, Summarizer, consolidate_tenant
from cml.engine.consolidation.tenant_run import TenantRun
from cml.engine.events import event_dict, latest_event_id, verify_log
from cml.engine.forgetting import ForgettingWeights, forget_tenant
from cml.engine.health import engine_components
from cml.engine.jobs import job_lease
from cml.engine.lifecycle import purgeable, restorable
from cml.engine.unit import UnitOfWork
from cml.engine.write.idempotency import IdempotentCall
from cml.engine.write.supersede import reinstate
from cml.errors import InvalidInputError
from cml.llm import ChatLLM
from cml.models import (
    ComponentStatus,
    ConsolidateResponse,
    EventItem,
    EventPage,
    ForgettingResponse,
    LogVerification,
    MemoryStatus,
    PurgeResponse,
    RestoreRequest,
    RestoreResponse,
    TenantInfo,
)
from cml.storage.base import (
    ALL_EVENTS,
    EventFilter,
    EventRecord,
    MemoryStore,
    StoreTransaction,
    VersionRecord,
)

__all__ = ["ALL_EVENTS", "AdminService", "EventFilter"]

_CHUNK = 500
# Stores take 64-bit offsets; no tenant has this many events, so a clamped page is still empty.
_MAX_OFFSET = 2**62


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
    ) -> ConsolidateResponse:
        """Turn the tenant's recent episodes into semantic facts (see :mod:`.consolidation`).

        Raises:
            JobRunningError: A consolidation of this tenant is already running.
        """
        with job_lease(self._store, "consolidate", tenant_id):
            run = self._run(tenant_id, namespace, actor, trigger)
            report = consolidate_tenant(run, self.consolidation_settings)
        return ConsolidateResponse.model_validate(report)

    def run_forgetting(
        self,
        tenant_id: str,
        *,
        namespace: str | None = None,
        dry_run: bool = True,
        max_memories: int = 5000,
        actor: str | None = None,
        trigger: str = "api",
    ) -> ForgettingResponse:
        """Score the tenant's memories and plan (or apply) forgetting (see :mod:`.forgetting`).

        Raises:
            JobRunningError: A forgetting run of this tenant is already running.
        """
        with job_lease(self._store, "forget", tenant_id):
            run = self._run(tenant_id, namespace, actor, trigger)
            report = forget_tenant(
                run, dry_run=dry_run, max_memories=max_memories, weights=self.forgetting_weights
            )
        return ForgettingResponse.model_validate(report)

    def _run(
        self, tenant_id: str, namespace: str | None, actor: str | None, trigger: str
    ) -> TenantRun:
        summarizer = self._summarizer()
        return TenantRun(
            self._store,
            self._embedder,
            summarizer,
            self._lock,
            tenant_id,
            namespace,
            actor,
            trigger,
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
        """Make soft-deleted, silenced or superseded memories active again.

        A superseded memory is no longer retired (a wrong supersession is undone); the memory
        that superseded it stays. Unknown ids, other tenants' ids and memories in no such state
        are not counted (and not revealed).
        """
        call = IdempotentCall.of(tenant_id, idempotency_key, "restore", request, RestoreResponse)
        replayed = call.replay(self._store)
        if replayed is not None:
            return replayed
        with UnitOfWork(self._store, self._lock, call) as unit:
            now = unit.now
            found = restorable(self._store, tenant_id, request.memory_ids)
            ids = [r.id for r in found]
            retired = [r for r in found if r.status == MemoryStatus.SUPERSEDED.value]

            def apply(tx: StoreTransaction) -> None:
                if not ids:
                    return
                for record in retired:  # undo the supersession, keeping it in the history
                    previous = VersionRecord.snapshot(record, at=now, reason="restore")
                    tx.update(reinstate(record, now=now), previous=previous)
                others = [r.id for r in found if r.status != MemoryStatus.SUPERSEDED.value]
                if others:
                    tx.set_status(tenant_id, others, MemoryStatus.ACTIVE.value, now)
                tx.add_event(
                    EventRecord(
                        tenant_id=tenant_id,
                        event_type="memory.restore",
                        operation="restore",
                        created_at=now,
                        actor=actor,
                        memory_ids=ids,
                        payload={"count": len(ids), "superseded": [r.id for r in retired]},
                    )
                )

            plural = "y" if len(ids) == 1 else "ies"
            response = RestoreResponse(
                success=True,
                affected_count=len(ids),
                memory_ids=ids,
                message=f"Restored {len(ids)} memor{plural}.",
            )
            return unit.commit(response, apply)

    def purge(
        self, tenant_id: str, *, older_than: datetime | None = None, actor: str | None = None
    ) -> PurgeResponse:
        """Delete the tenant's soft-deleted memories (and their history) for good.

        Args:
            tenant_id: Whose memories.
            older_than: Only those deleted before this time.
            actor: The API key that asked, for the event log.

        Returns:
            How many memories were purged, and their ids.
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
        return PurgeResponse(
            tenant_id=tenant_id,
            purged_count=len(ids),
            memory_ids=ids,
            message=f"Purged {len(ids)} deleted memor{plural} for good.",
        )

    # -- tenants, events, health ---------------------------------------------------------------

    def list_tenants(self) -> list[TenantInfo]:
        """Every tenant with its memory, fact and event counts and its last activity."""
        return [
            TenantInfo(
                tenant_id=t.tenant_id,
                memory_count=t.memory_count,
                fact_count=t.fact_count,
                event_count=t.event_count,
                last_activity=t.last_activity,
            )
            for t in self._store.list_tenants()
        ]

    def events(
        self,
        tenant_id: str,
        which: EventFilter = ALL_EVENTS,
        *,
        page: int | None = None,
        cursor: str | None = None,
        per_page: int = 50,
    ) -> EventPage:
        """A page of the tenant's event log, newest first: by ``cursor``, else by ``page``.

        The log only grows (events are never deleted), so a cursor records how many matching
        events lie below the last one returned; the next page starts there, wherever new events
        have pushed it, and keeps to ids below the last one returned, so a walk by cursor never
        skips or repeats an event while others are written.

        Args:
            tenant_id: Whose events.
            which: Which of them (of a type, from a time on).
            page: Page number from 1 (the first page when neither this nor ``cursor`` is given).
            cursor: The ``next_cursor`` of the previous page.
            per_page: Events per page.

        Raises:
            InvalidInputError: Both ``page`` and ``cursor``, or a cursor this server did not
                issue.
        """
        if page is not None and cursor is not None:
            raise InvalidInputError(
                "Give page or cursor, not both.",
                field="cursor",
                hint="Walk the log with next_cursor; page numbers are for jumping to a page.",
            )

        def window(offset: int, limit: int) -> tuple[list[EventRecord], int]:
            return self._store.list_events(
                tenant_id, which, offset=min(offset, _MAX_OFFSET), limit=limit
            )

        if cursor is None:
            number = page or 1
            offset = (number - 1) * per_page
            rows, total = window(offset, per_page)
            taken = [(offset + i, row) for i, row in enumerate(rows)]
        else:
            bound, below = _decode_event_cursor(cursor)
            _, total = window(0, 0)
            # Start a little above where the page should begin: events committed out of id
            # order (concurrent writers on PostgreSQL) then cannot make it skip one.
            offset = max(0, total - below - _EVENT_MARGIN)
            taken = []
            while len(taken) < per_page:
                rows, total = window(offset, per_page + _EVENT_MARGIN)
                for i, row in enumerate(rows):
                    if len(taken) < per_page and (row.id or 0) < bound:
                        taken.append((offset + i, row))
                        bound = row.id or 0
                if len(rows) < per_page + _EVENT_MARGIN:
                    break
                offset += len(rows)
            number = None
        next_cursor = None
        if taken:
            position, last = taken[-1]
            below = total - position - 1
            if below > 0 and last.id is not None:
                next_cursor = _encode_event_cursor(last.id, below)
        return EventPage(
            items=[_event_item(row) for _, row in taken],
            next_cursor=next_cursor,
            total=total,
            per_page=per_page,
            page=number,
            total_pages=math.ceil(total / per_page) if per_page else 0,
        )

    def events_after(
        self, tenant_id: str, after_id: int, which: EventFilter = ALL_EVENTS, *, limit: int = 100
    ) -> list[EventItem]:
        """The tenant's events after ``after_id``, oldest first (following the log)."""
        found = self._store.events_after(tenant_id, after_id, which, limit=limit)
        return [_event_item(event) for event in found]

    def latest_event_id(self, tenant_id: str) -> int:
        """Id of the tenant's newest event, 0 if none."""
        return latest_event_id(self._store, tenant_id)

    def verify_log(self, tenant_id: str) -> LogVerification:
        """Check the tenant's event log against its hash chain (see :func:`.events.verify_log`)."""
        return verify_log(self._store, tenant_id)

    def components(self) -> dict[str, ComponentStatus]:
        """Probe the database, vector index, embedder and LLM (see :mod:`.health`)."""
        found = engine_components(self._store, self._embedder, self._llm)
        return {name: ComponentStatus.model_validate(entry) for name, entry in found.items()}


_EVENT_MARGIN = 16
_EVENT_CURSOR_PREFIX = "e1:"


def _event_item(event: EventRecord) -> EventItem:
    return EventItem.model_validate(event_dict(event))


def _encode_event_cursor(last_id: int, below: int) -> str:
    """The cursor after event ``last_id``, with ``below`` matching events older than it."""
    raw = f"{_EVENT_CURSOR_PREFIX}{last_id}:{below}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_event_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        last, below = text.removeprefix(_EVENT_CURSOR_PREFIX).split(":")
        if not text.startswith(_EVENT_CURSOR_PREFIX) or not (last.isdigit() and below.isdigit()):
            raise ValueError(text)
        return int(last), int(below)
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidInputError(
            "The cursor is not one this server issued.",
            field="cursor",
            hint="Pass back the next_cursor of the previous page unchanged, or omit it to start.",
        ) from None
