"""Batch writes, batch reads and the memory listing: the bulk half of ``MemoryService``.

A mixin of :class:`~cml.engine.service.MemoryService`, kept in its own module so that each stays
small; it uses the service's store, embedder, configuration and unit-of-work plumbing
(``_replay``, ``_commit``, ``_read``). The work itself is in :mod:`cml.engine.write.batch` and
:mod:`cml.engine.listing`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from cml.embeddings.base import Embedder
from cml.engine.config import EngineConfig
from cml.engine.listing import list_page
from cml.engine.unit import Apply, Plan
from cml.engine.write.batch import gate_batch, plan_batch
from cml.models import (
    BatchReadRequest,
    BatchReadResponse,
    BatchWriteRequest,
    BatchWriteResponse,
    MemoryPage,
    MemoryStatus,
    ReadRequest,
    ReadResponse,
)
from cml.storage.base import MemoryStore, Vector

__all__ = ["BatchOperations"]

ResponseT = TypeVar("ResponseT", bound=BaseModel)


class BatchOperations:
    """Bulk operations over the store; mixed into :class:`~cml.engine.service.MemoryService`."""

    _store: MemoryStore
    _embedder: Embedder
    _config: EngineConfig

    if TYPE_CHECKING:  # provided by MemoryService

        def _read(
            self, tenant_id: str, request: ReadRequest, query_vector: Vector | None = None
        ) -> ReadResponse: ...

        def _replay(
            self,
            tenant_id: str,
            key: str | None,
            operation: str,
            request: BaseModel,
            response_type: type[ResponseT],
        ) -> tuple[str | None, ResponseT | None]: ...

        def _commit(
            self,
            tenant_id: str,
            key: str | None,
            fingerprint: str | None,
            response_type: type[ResponseT],
            plan: Plan[ResponseT],
        ) -> ResponseT: ...

    def write_batch(
        self,
        tenant_id: str,
        request: BatchWriteRequest,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> BatchWriteResponse:
        """Store many memories at once: all of them or, if any item is refused, none.

        Every item is gated first, then all contents are embedded in one embedder call, then
        each is placed (new, or reinforcing a stored or earlier-in-batch near-duplicate) and
        everything commits in one transaction with one ``memory.batch_write`` event.

        Args:
            tenant_id: Owner of the memories.
            request: The items and their shared session and namespace.
            idempotency_key: Makes a retry return the first response without storing again.
            actor: Id of the API key making the request, for the event log.

        Returns:
            One result per item, in input order.

        Raises:
            SecretRefusedError: An item holds a secret (``field`` ``items.<index>.content``);
                nothing is stored.
            IdempotencyConflictError: The idempotency key was used for a different request.
        """
        started = time.perf_counter()
        fingerprint, cached = self._replay(
            tenant_id, idempotency_key, "batch_write", request, BatchWriteResponse
        )
        if cached is not None:
            return cached
        items = gate_batch(
            tenant_id,
            request,
            refuse_secrets=self._config.refuse_secrets,
            redact=self._config.redact_pii,
        )
        vectors = self._embedder.embed([item.gate.content for item in items])

        def work(now: datetime) -> tuple[BatchWriteResponse, Apply]:
            plan = plan_batch(
                self._store,
                items,
                vectors,
                tenant_id=tenant_id,
                now=now,
                dedup_threshold=self._config.dedup_threshold,
                actor=actor,
            )
            return BatchWriteResponse(results=plan.results), plan.apply

        response = self._commit(tenant_id, idempotency_key, fingerprint, BatchWriteResponse, work)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        return response.model_copy(update={"elapsed_ms": elapsed_ms})

    def read_batch(self, tenant_id: str, request: BatchReadRequest) -> BatchReadResponse:
        """Run several reads, embedding all their queries in one embedder call.

        Args:
            tenant_id: Whose memories to search.
            request: The reads.

        Returns:
            One response per query, in query order.
        """
        started = time.perf_counter()
        vectors = self._embedder.embed([query.query for query in request.queries])
        results = [
            self._read(tenant_id, query, vector)
            for query, vector in zip(request.queries, vectors, strict=True)
        ]
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        return BatchReadResponse(results=results, elapsed_ms=elapsed_ms)

    def list_memories(
        self,
        tenant_id: str,
        *,
        cursor: str | None = None,
        limit: int = 100,
        status: str = MemoryStatus.ACTIVE.value,
        memory_types: Sequence[str] | None = None,
        namespace: str | None = None,
    ) -> MemoryPage:
        """One page of the tenant's memories in full, in id order (keyset pagination).

        Args:
            tenant_id: Whose memories.
            cursor: ``next_cursor`` of the previous page; ``None`` for the first.
            limit: Most memories on the page (1-500).
            status: Only this status (default ``active``), or ``"all"``.
            memory_types: Only these types.
            namespace: Only this namespace (exact match).

        Returns:
            The page and the cursor of the next one (``None`` on the last page).

        Raises:
            InvalidInputError: A cursor this server did not issue, or an unknown status.
        """
        return list_page(
            self._store,
            tenant_id,
            cursor=cursor,
            limit=limit,
            status=status,
            memory_types=memory_types,
            namespace=namespace,
        )
