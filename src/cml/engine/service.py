"""MemoryService: the operations of the memory API (write, read, turn, update, forget, stats).

Each mutation is one store transaction holding the memory change, its event and, when the
caller sent an idempotency key, the stored response. Mutations are serialised by a lock (the
duplicate check and the insert must not interleave); reads run concurrently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel

from cml.embeddings.base import Embedder
from cml.engine.batch_ops import BatchOperations
from cml.engine.config import EngineConfig
from cml.engine.consolidation.placement import place_consolidated_facts
from cml.engine.context import shape_response
from cml.engine.dedup import content_hash
from cml.engine.forget import select_for_forget
from cml.engine.gate import GateResult, check_attributes, clean_text, pass_gate
from cml.engine.idempotency import replay, request_fingerprint
from cml.engine.pii import redact_fields
from cml.engine.retrieval import RankingWeights, Scored, retrieve
from cml.engine.unit import Apply, Plan, commit, nothing
from cml.engine.update import NewText, plan_update
from cml.engine.writes import MemoryPlan, NewMemory, plan_memory, write_response
from cml.errors import NotFoundError, SecretRefusedError
from cml.models import (
    MAX_QUERY_CHARS,
    ForgetRequest,
    ForgetResponse,
    MemoryStatus,
    MemoryType,
    ReadFormat,
    ReadRequest,
    ReadResponse,
    StatsResponse,
    TurnRequest,
    TurnResponse,
    UpdateRequest,
    UpdateResponse,
    WriteRequest,
    WriteResponse,
)
from cml.storage.base import EventRecord, MemoryStore, StoreTransaction, Vector

__all__ = ["MemoryService"]

ResponseT = TypeVar("ResponseT", bound=BaseModel)

_TURN_CONTEXT_RESULTS = 10
_STATUS_CHUNK = 500


def _labels(request: WriteRequest | TurnRequest) -> dict[str, str | None]:
    """The short fields of a request that are stored with its memory."""
    return {
        "namespace": request.namespace,
        "session_id": request.session_id,
        "agent_id": request.agent_id,
    }


class MemoryService(BatchOperations):
    """The memory operations of one tenant-partitioned store.

    Batch writes, batch reads and the memory listing come from
    :class:`~cml.engine.batch_ops.BatchOperations`.

    Args:
        store: Where memories, events and idempotency records live.
        embedder: Embeds content and queries (the store's model).
        config: Gate and dedup settings.
        weights: Retrieval ranking knobs.

    Example:
        >>> engine.memories.write("acme", WriteRequest(content="Prefers tea"))  # doctest: +SKIP
    """

    def __init__(
        self,
        store: MemoryStore,
        embedder: Embedder,
        config: EngineConfig,
        *,
        weights: RankingWeights | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._config = config
        self._weights = weights or RankingWeights()
        self._lock = threading.RLock()

    # -- write -------------------------------------------------------------------------------------

    def write(
        self,
        tenant_id: str,
        request: WriteRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> WriteResponse:
        """Store one memory, or reinforce the near-duplicate it repeats.

        Args:
            tenant_id: Owner of the memory.
            request: Content and attributes.
            idempotency_key: Makes a retry return the first response without storing again.
            actor: Id of the API key making the request, for the event log.

        Returns:
            The new (or reinforced) memory's id and what the write gate did.

        Raises:
            SecretRefusedError: The content, metadata or a tag looks like a credential.
            ConflictError: The idempotency key was used for a different request.
        """
        fingerprint, cached = self._replay(
            tenant_id, idempotency_key, "write", request, WriteResponse
        )
        if cached is not None:
            return cached
        gate = pass_gate(
            request.content,
            memory_type=request.memory_type,
            importance=request.importance,
            refuse_secrets=self._config.refuse_secrets,
            redact=self._config.redact_pii,
        )
        if self._config.refuse_secrets:
            check_attributes(request.metadata, request.context_tags, labels=_labels(request))
        request = redact_fields(request, enabled=self._config.redact_pii)
        vector = self._embed_one(gate.content)

        def work(now: datetime) -> tuple[WriteResponse, Apply]:
            target = NewMemory(
                tenant_id=tenant_id,
                namespace=request.namespace,
                session_id=request.session_id,
                agent_id=request.agent_id,
                context_tags=request.context_tags,
                metadata=request.metadata,
                timestamp=request.timestamp,
                confidence=request.confidence,
            )
            plan = self._plan_memory(gate, vector, target, now=now, actor=actor, operation="write")
            response = write_response(plan.record, deduplicated=plan.deduplicated, gate=gate)
            return response, plan.apply

        return self._commit(tenant_id, idempotency_key, fingerprint, WriteResponse, work)

    # -- read --------------------------------------------------------------------------------------

    def read(self, tenant_id: str, request: ReadRequest) -> ReadResponse:
        """Recall the memories most relevant to a query, shaped as the request asks.

        Args:
            tenant_id: Whose memories to search.
            request: Query, filters, format and token budget.

        Returns:
            The ranked memories with relevance in [0, 1] (plus buckets and/or a context block).
        """
        return self._read(tenant_id, request)

    def _read(
        self, tenant_id: str, request: ReadRequest, query_vector: Vector | None = None
    ) -> ReadResponse:
        request = redact_fields(request, enabled=self._config.redact_pii)  # a session_id filter
        started = time.perf_counter()
        now = datetime.now(UTC)
        vector = query_vector if query_vector is not None else self._embed_one(request.query)

        def rank(memory_types: Sequence[MemoryType] | None) -> list[Scored]:
            asked = request
            if memory_types is not None:
                asked = request.model_copy(update={"memory_types": list(memory_types)})
            return retrieve(
                self._store,
                self._embedder,
                tenant_id,
                asked,
                now=now,
                weights=self._weights,
                query_vector=vector,
            )

        # Consolidated facts accompany the ranked list instead of taking its slots.
        scored, facts = place_consolidated_facts(self._store, tenant_id, request, rank)
        if scored or facts:
            self._store.record_access(tenant_id, [s.record.id for s in [*scored, *facts]], now)
        elapsed_ms = (time.perf_counter() - started) * 1000
        return shape_response(
            request.query,
            scored,
            request.format,
            request.max_tokens,
            elapsed_ms,
            companions=facts,
        )

    # -- turn --------------------------------------------------------------------------------------

    def turn(
        self,
        tenant_id: str,
        request: TurnRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> TurnResponse:
        """Give the context for a user message, then remember the exchange.

        The context is retrieved before the exchange is stored, so a message is never its own
        context. The exchange is stored once, as one ``conversation`` memory; if it holds a
        secret, the context is still returned but nothing is stored.

        Args:
            tenant_id: Owner of the conversation.
            request: The user message, optional assistant response, session and budget.
            idempotency_key: Makes a retry return the first response without storing again.
            actor: Id of the API key making the request, for the event log.

        Returns:
            The context block and what was retrieved and stored.
        """
        fingerprint, cached = self._replay(
            tenant_id, idempotency_key, "turn", request, TurnResponse
        )
        if cached is not None:
            return cached
        context = self.read(
            tenant_id,
            ReadRequest(
                query=request.user_message[:MAX_QUERY_CHARS],
                max_results=_TURN_CONTEXT_RESULTS,
                namespace=request.namespace,
                format=ReadFormat.LLM_CONTEXT,
                max_tokens=request.max_context_tokens,
            ),
        )
        if self._config.refuse_secrets:
            check_attributes(None, labels=_labels(request))
        request = redact_fields(request, enabled=self._config.redact_pii)
        exchange = f"User: {request.user_message}"
        if request.assistant_response:
            exchange += f"\nAssistant: {request.assistant_response}"
        gate: GateResult | None
        try:
            gate = pass_gate(
                exchange,
                memory_type=MemoryType.CONVERSATION,
                refuse_secrets=self._config.refuse_secrets,
                redact=self._config.redact_pii,
            )
        except SecretRefusedError:
            gate = None
        vector = self._embed_one(gate.content) if gate is not None else None

        def work(now: datetime) -> tuple[TurnResponse, Apply]:
            stored: list[str] = []
            apply: Apply = nothing
            if gate is not None and vector is not None:
                target = NewMemory(
                    tenant_id=tenant_id,
                    namespace=request.namespace,
                    session_id=request.session_id,
                    agent_id=request.agent_id,
                    timestamp=request.timestamp,
                )
                plan = self._plan_memory(
                    gate, vector, target, now=now, actor=actor, operation="turn"
                )
                apply = plan.apply
                if not plan.deduplicated:
                    stored.append(plan.record.id)
            return TurnResponse(
                memory_context=context.context,
                memories_retrieved=len(context.memories),
                memories_stored=len(stored),
                stored_ids=stored,
            ), apply

        return self._commit(tenant_id, idempotency_key, fingerprint, TurnResponse, work)

    # -- update ------------------------------------------------------------------------------------

    def update(
        self,
        tenant_id: str,
        request: UpdateRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> UpdateResponse:
        """Change one memory's text, scores, metadata or status (through feedback).

        Args:
            tenant_id: Owner of the memory.
            request: The memory id and what to change.
            idempotency_key: Makes a retry return the first response without changing again.
            actor: Id of the API key making the request, for the event log.

        Returns:
            The memory's new version number.

        Raises:
            NotFoundError: No such memory for this tenant (the same for another tenant's id).
            SecretRefusedError: The new text or metadata looks like a credential.
            ConflictError: The idempotency key was used for a different request.
        """
        fingerprint, cached = self._replay(
            tenant_id, idempotency_key, "update", request, UpdateResponse
        )
        if cached is not None:
            return cached
        if self._config.refuse_secrets:
            check_attributes(request.metadata)
        request = redact_fields(request, enabled=self._config.redact_pii)
        new_text: NewText | None = None
        if request.text is not None:
            text, _ = clean_text(
                request.text,
                refuse_secrets=self._config.refuse_secrets,
                redact=self._config.redact_pii,
                field="text",
            )
            new_text = NewText(text, self._embed_one(text), content_hash(text))

        def work(now: datetime) -> tuple[UpdateResponse, Apply]:
            record = self._store.get(tenant_id, request.memory_id)
            # A memory outside the caller's namespace is "not found", like another tenant's:
            # a namespaced caller must not learn what exists elsewhere.
            if (
                record is None
                or record.status == MemoryStatus.DELETED.value
                or (request.namespace is not None and record.namespace != request.namespace)
            ):
                where = f" in namespace {request.namespace!r}" if request.namespace else ""
                raise NotFoundError(
                    f"No memory with id {request.memory_id!r}{where}.", field="memory_id"
                )
            plan = plan_update(record, request, new_text=new_text, now=now)
            event = EventRecord(
                tenant_id=tenant_id,
                event_type="memory.update",
                operation="update",
                created_at=now,
                actor=actor,
                memory_ids=[record.id],
                payload={
                    "changed": plan.changed,
                    "version": plan.record.version,
                    "status": plan.record.status,
                },
            )

            def apply(tx: StoreTransaction) -> None:
                tx.update(plan.record, previous=plan.previous)
                tx.add_event(event)

            return UpdateResponse(
                success=True,
                memory_id=record.id,
                version=plan.record.version,
                message="Updated " + ", ".join(plan.changed) + ".",
            ), apply

        return self._commit(tenant_id, idempotency_key, fingerprint, UpdateResponse, work)

    # -- forget ------------------------------------------------------------------------------------

    def forget(
        self,
        tenant_id: str,
        request: ForgetRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> ForgetResponse:
        """Forget memories selected by ids, query, time, session and namespace (ANDed).

        Soft by default: memories become ``deleted`` and can be restored until purged; with
        ``hard=True`` their rows and history are removed for good.

        Args:
            tenant_id: Owner of the memories; other tenants' ids are silently not matched.
            request: Selectors and ``hard``.
            idempotency_key: Makes a retry return the first response.
            actor: Id of the API key making the request, for the event log.

        Returns:
            How many memories were affected, and their ids.
        """
        fingerprint, cached = self._replay(
            tenant_id, idempotency_key, "forget", request, ForgetResponse
        )
        if cached is not None:
            return cached
        request = redact_fields(request, enabled=self._config.redact_pii)  # a session_id filter

        def work(now: datetime) -> tuple[ForgetResponse, Apply]:
            selected = select_for_forget(self._store, self._embedder, tenant_id, request)
            targets = [r.id for r in selected]

            def apply(tx: StoreTransaction) -> None:
                for start in range(0, len(targets), _STATUS_CHUNK):
                    chunk = targets[start : start + _STATUS_CHUNK]
                    if request.hard:
                        tx.hard_delete(tenant_id, chunk)
                    else:
                        tx.set_status(tenant_id, chunk, MemoryStatus.DELETED.value, now)
                if targets:
                    tx.add_event(
                        EventRecord(
                            tenant_id=tenant_id,
                            event_type="memory.forget",
                            operation="hard_delete" if request.hard else "soft_delete",
                            created_at=now,
                            actor=actor,
                            memory_ids=targets,
                            payload={"hard": request.hard, "count": len(targets)},
                        )
                    )

            how = "Permanently deleted" if request.hard else "Deleted (restorable)"
            return ForgetResponse(
                success=True,
                affected_count=len(targets),
                memory_ids=targets,
                hard=request.hard,
                message=f"{how} {len(targets)} memor{'y' if len(targets) == 1 else 'ies'}.",
            ), apply

        return self._commit(tenant_id, idempotency_key, fingerprint, ForgetResponse, work)

    # -- stats -------------------------------------------------------------------------------------

    def stats(self, tenant_id: str, namespace: str | None = None) -> StatsResponse:
        """Counts of a tenant's memories by type and status.

        ``total_memories`` and ``by_type`` leave out deleted memories (they are in the bin);
        ``by_status`` and ``deleted_memories`` show them.
        """
        counts = self._store.count_by_type_and_status(tenant_id, namespace)
        by_status: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for (memory_type, status), count in counts.items():
            by_status[status] = by_status.get(status, 0) + count
            if status != MemoryStatus.DELETED.value:
                by_type[memory_type] = by_type.get(memory_type, 0) + count
        return StatsResponse(
            tenant_id=tenant_id,
            namespace=namespace,
            total_memories=sum(by_type.values()),
            active_memories=by_status.get(MemoryStatus.ACTIVE.value, 0),
            silent_memories=by_status.get(MemoryStatus.SILENT.value, 0),
            compressed_memories=by_status.get(MemoryStatus.COMPRESSED.value, 0),
            archived_memories=by_status.get(MemoryStatus.ARCHIVED.value, 0),
            deleted_memories=by_status.get(MemoryStatus.DELETED.value, 0),
            by_type=dict(sorted(by_type.items())),
            by_status=dict(sorted(by_status.items())),
            storage_bytes=self._store.storage_bytes(),
        )

    @property
    def write_lock(self) -> threading.RLock:
        """The lock serialising this service's mutations (the admin operations share it)."""
        return self._lock

    # -- plumbing ----------------------------------------------------------------------------------

    def _embed_one(self, text: str) -> Vector:
        vector: Vector = self._embedder.embed([text])[0]
        return vector

    def _replay(
        self,
        tenant_id: str,
        key: str | None,
        operation: str,
        request: BaseModel,
        response_type: type[ResponseT],
    ) -> tuple[str | None, ResponseT | None]:
        if key is None:
            return None, None
        fingerprint = request_fingerprint(operation, request)
        return fingerprint, replay(self._store, tenant_id, key, fingerprint, response_type)

    def _plan_memory(
        self,
        gate: GateResult,
        vector: Vector,
        target: NewMemory,
        *,
        now: datetime,
        actor: str | None,
        operation: str,
    ) -> MemoryPlan:
        return plan_memory(
            self._store,
            gate,
            vector,
            target,
            now=now,
            dedup_threshold=self._config.dedup_threshold,
            actor=actor,
            operation=operation,
        )

    def _commit(
        self,
        tenant_id: str,
        key: str | None,
        fingerprint: str | None,
        response_type: type[ResponseT],
        plan: Plan[ResponseT],
    ) -> ResponseT:
        return commit(
            self._store,
            self._lock,
            plan,
            tenant_id=tenant_id,
            key=key,
            fingerprint=fingerprint,
            response_type=response_type,
        )
