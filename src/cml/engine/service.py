"""MemoryService: the memory API (write, read, turn, update, forget, stats, batches, look-ups).

A facade over the stages: each method hands the engine's :class:`~cml.engine.context.EngineContext`
to the function that runs the operation, where the work is written out in order. Each mutation
is one :class:`~cml.engine.unit.UnitOfWork`: planned under the engine's lock, then one store
transaction holding the memory change, its event and, when the caller sent an idempotency key,
the stored response. Reads run concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from cml import models
from cml.engine import forget, listing, lookup, stats, update
from cml.engine.context import EngineContext
from cml.engine.deadline import Deadline
from cml.engine.read import pipeline as read_path
from cml.engine.write import pipeline as write_path

__all__ = ["MemoryService"]


class MemoryService:
    """The memory operations of one tenant-partitioned store.

    Every method is safe to call from several threads. Errors are those of
    :mod:`cml.errors`: ``SecretRefusedError`` for a credential in what would be stored,
    ``IdempotencyConflictError`` for a key reused with another request,
    ``RecordNotFoundError`` for an unknown memory.

    Args:
        context: The engine's store, embedder, settings, ranking weights and write lock.

    Example:
        >>> engine.memories.write("acme", WriteRequest(content="Prefers tea"))  # doctest: +SKIP
    """

    def __init__(self, context: EngineContext) -> None:
        self._ctx = context

    @property
    def write_lock(self) -> threading.RLock:
        """The lock serialising this service's mutations (the admin operations share it)."""
        return self._ctx.lock

    def write(
        self,
        tenant_id: str,
        request: models.WriteRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> models.WriteResponse:
        """Store one memory, or reinforce its near-duplicate (:func:`.write.pipeline.write`)."""
        return write_path.write(
            self._ctx, tenant_id, request, idempotency_key=idempotency_key, actor=actor
        )

    def write_batch(
        self,
        tenant_id: str,
        request: models.BatchWriteRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
        deadline: Deadline | None = None,
    ) -> models.BatchWriteResponse:
        """Store many memories, all or none (:func:`.write.pipeline.write_batch`)."""
        return write_path.write_batch(
            self._ctx,
            tenant_id,
            request,
            idempotency_key=idempotency_key,
            actor=actor,
            deadline=deadline,
        )

    def read(self, tenant_id: str, request: models.ReadRequest) -> models.ReadResponse:
        """Recall the memories most relevant to a query (:func:`.read.pipeline.read`)."""
        return read_path.read(self._ctx, tenant_id, request)

    def read_batch(
        self,
        tenant_id: str,
        request: models.BatchReadRequest,
        *,
        deadline: Deadline | None = None,
    ) -> models.BatchReadResponse:
        """Run several reads with one embedder call (:func:`.read.pipeline.read_batch`)."""
        return read_path.read_batch(self._ctx, tenant_id, request, deadline=deadline)

    def turn(
        self,
        tenant_id: str,
        request: models.TurnRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> models.TurnResponse:
        """Give the context for a message, then remember it (:func:`.write.pipeline.turn`)."""
        return write_path.turn(
            self._ctx, tenant_id, request, idempotency_key=idempotency_key, actor=actor
        )

    def update(
        self,
        tenant_id: str,
        request: models.UpdateRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> models.UpdateResponse:
        """Change one memory's text, scores, metadata or status (:func:`.update.update`)."""
        return update.update(
            self._ctx, tenant_id, request, idempotency_key=idempotency_key, actor=actor
        )

    def forget(
        self,
        tenant_id: str,
        request: models.ForgetRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> models.ForgetResponse:
        """Forget the memories a request selects, softly or for good (:func:`.forget.forget`)."""
        return forget.forget(
            self._ctx, tenant_id, request, idempotency_key=idempotency_key, actor=actor
        )

    def stats(self, tenant_id: str, namespace: str | None = None) -> models.StatsResponse:
        """Counts of a tenant's memories by type and status (:func:`.stats.stats`)."""
        return stats.stats(self._ctx.store, tenant_id, namespace)

    def timeline(self, tenant_id: str, query: models.TimelineQuery) -> models.TimelineResponse:
        """The memories a tenant stored per day or week, by type (:func:`.stats.timeline`)."""
        return stats.timeline(self._ctx.store, tenant_id, query)

    def list_memories(
        self,
        tenant_id: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
        status: str = models.MemoryStatus.ACTIVE.value,
        memory_types: Sequence[str] | None = None,
        namespace: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        context_tags: Sequence[str] | None = None,
        agent_id: str | None = None,
        superseded_by: str | None = None,
    ) -> models.MemoryPage:
        """One page of the tenant's memories in id order (:func:`.listing.list_page`)."""
        return listing.list_page(
            self._ctx.store,
            tenant_id,
            cursor=cursor,
            limit=limit,
            status=status,
            memory_types=memory_types,
            namespace=namespace,
            metadata=metadata,
            context_tags=context_tags,
            agent_id=agent_id,
            superseded_by=superseded_by,
        )

    def get(
        self, tenant_id: str, memory_id: str, *, namespace: str | None = None
    ) -> models.MemoryRecordOut:
        """One memory in full, whatever its status (:func:`.lookup.get_memory`)."""
        return lookup.get_memory(self._ctx.store, tenant_id, memory_id, namespace=namespace)

    def history(
        self,
        tenant_id: str,
        memory_id: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
        namespace: str | None = None,
    ) -> models.HistoryPage:
        """One page of a memory's states, newest first (:func:`.lookup.history_page`)."""
        return lookup.history_page(
            self._ctx.store, tenant_id, memory_id, cursor=cursor, limit=limit, namespace=namespace
        )
