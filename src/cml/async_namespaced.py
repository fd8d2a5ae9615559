"""AsyncNamespacedClient: a client's view confined to one namespace of its tenant.

``cml/namespaced.py`` (``NamespacedClient``) is generated from this module by
``scripts/unasync.py``; edit this one and run ``python scripts/unasync.py``.

A namespace is an isolation boundary, not a label. Through the view, memories are written into
the namespace, and reads, turns, batch reads, forget, stats and iteration see only that
namespace; an update of a memory outside it fails as not found. Everything else (health, API
keys, the tenant, admin operations, which act on the whole tenant) is the underlying client's.

Namespaces match exactly and nest predictably: ``with_namespace("a").with_namespace("b")`` is
namespace ``a/b``, a partition of its own that neither sees nor is seen from ``a``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cml import _bulk
from cml.exceptions import ValidationError
from cml.models import (
    BatchWriteItem,
    ErrorDetail,
    Feedback,
    ForgetResponse,
    HealthResponse,
    MemoryRecordOut,
    MemoryStatus,
    MemoryType,
    ReadFormat,
    ReadResponse,
    StatsResponse,
    TurnResponse,
    UpdateResponse,
    WriteResponse,
)

if TYPE_CHECKING:
    from cml.async_client import AsyncCognitiveMemoryLayer

__all__ = ["AsyncNamespacedClient"]


class AsyncNamespacedClient:
    """A view of an ``AsyncCognitiveMemoryLayer`` confined to one namespace.

    Made by ``AsyncCognitiveMemoryLayer.with_namespace``; it shares the client's connection,
    settings and tenant (``set_tenant`` on either changes both). Methods not listed here are
    the client's own, unscoped.

    Args:
        client: The client to scope.
        namespace: 1-4 ``/``-separated segments of 1-64 letters, digits, ``_``, ``.``, ``-``
            (each starting with a letter or digit).

    Raises:
        ValidationError: ``namespace`` is empty or malformed (the message states the rule).

    Example:
        ```python
        work = memory.with_namespace("work")
        await work.write("Stand-up is at 9:30")
        (await work.read("When is stand-up?")).memories  # only memories of "work"
        ```
    """

    def __init__(self, client: AsyncCognitiveMemoryLayer, namespace: str) -> None:
        self._client = client
        self._namespace = _bulk.check_namespace_name(namespace)

    @property
    def namespace(self) -> str:
        """The namespace every call of this view is confined to."""
        return self._namespace

    @property
    def client(self) -> AsyncCognitiveMemoryLayer:
        """The underlying client (unscoped)."""
        return self._client

    @property
    def tenant_id(self) -> str | None:
        """The tenant of the underlying client (``None``: the API key's own tenant)."""
        return self._client.tenant_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(namespace={self._namespace!r}, client={self._client!r})"

    def __getattr__(self, name: str) -> Any:
        # Only reached for names this class lacks: the client's other (unscoped) methods.
        if name.startswith("_") or name == "close":
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}"
                + ("; close the client it was made from" if name == "close" else "")
            )
        return getattr(self._client, name)

    def with_namespace(self, namespace: str) -> AsyncNamespacedClient:
        """A view of the nested namespace ``<this namespace>/<namespace>``.

        The nested namespace is a separate partition: it does not see this one's memories,
        nor this one its. At most four segments in all.

        Args:
            namespace: One or more segments to append.

        Returns:
            The nested view.

        Raises:
            ValidationError: ``namespace`` is malformed, or nesting exceeds four segments.
        """
        return AsyncNamespacedClient(self._client, _bulk.join_namespace(self._namespace, namespace))

    def set_tenant(self, tenant_id: str) -> None:
        """Switch the underlying client (and so every view of it) to another tenant.

        Args:
            tenant_id: The tenant to act on from the next call on.

        Raises:
            ValidationError: ``tenant_id`` is not a valid tenant id.
        """
        self._client.set_tenant(tenant_id)

    async def health(self) -> HealthResponse:
        """Check that the server is up (not namespaced).

        Returns:
            Status, server version and storage backend.
        """
        return await self._client.health()

    async def write(
        self,
        content: str,
        *,
        context_tags: list[str] | None = None,
        session_id: str | None = None,
        memory_type: MemoryType | str | None = None,
        metadata: dict[str, Any] | None = None,
        agent_id: str | None = None,
        timestamp: datetime | None = None,
        importance: float | None = None,
        confidence: float | None = None,
        idempotency_key: str | None = None,
    ) -> WriteResponse:
        """Store one memory in this namespace (see ``AsyncCognitiveMemoryLayer.write``).

        Returns:
            The new memory's id, or the id of the near-duplicate it reinforced in this
            namespace.
        """
        return await self._client.write(
            content,
            context_tags=context_tags,
            session_id=session_id,
            memory_type=memory_type,
            namespace=self._namespace,
            metadata=metadata,
            agent_id=agent_id,
            timestamp=timestamp,
            importance=importance,
            confidence=confidence,
            idempotency_key=idempotency_key,
        )

    async def batch_write(
        self,
        items: Sequence[Mapping[str, Any] | BatchWriteItem],
        *,
        session_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> list[WriteResponse]:
        """Store many memories in this namespace (see ``AsyncCognitiveMemoryLayer.batch_write``).

        Items that name a ``namespace`` must name this one.

        Returns:
            One result per item, in input order.

        Raises:
            ValidationError: An item names another namespace, or is invalid.
        """
        self._check_items(items)
        return await self._client.batch_write(
            items,
            session_id=session_id,
            namespace=self._namespace,
            idempotency_key=idempotency_key,
        )

    async def read(
        self,
        query: str,
        *,
        max_results: int = 10,
        memory_types: list[MemoryType | str] | None = None,
        session_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        format: ReadFormat | str = "packet",
        max_tokens: int = 1500,
        include_silent: bool = False,
    ) -> ReadResponse:
        """Recall memories of this namespace only (see ``AsyncCognitiveMemoryLayer.read``).

        Returns:
            The ranked memories of this namespace.
        """
        return await self._client.read(
            query,
            max_results=max_results,
            memory_types=memory_types,
            namespace=self._namespace,
            session_id=session_id,
            since=since,
            until=until,
            format=format,
            max_tokens=max_tokens,
            include_silent=include_silent,
        )

    async def batch_read(
        self,
        queries: Sequence[str],
        *,
        max_results: int = 10,
        format: ReadFormat | str = "packet",
    ) -> list[ReadResponse]:
        """Run several reads in this namespace (see ``AsyncCognitiveMemoryLayer.batch_read``).

        Returns:
            One response per query, in query order.
        """
        return await self._client.batch_read(
            queries, max_results=max_results, format=format, namespace=self._namespace
        )

    async def turn(
        self,
        user_message: str,
        *,
        assistant_response: str | None = None,
        session_id: str | None = None,
        agent_id: str | None = None,
        max_context_tokens: int = 1500,
        timestamp: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> TurnResponse:
        """A turn in this namespace: context from it, the exchange stored in it.

        See ``AsyncCognitiveMemoryLayer.turn``.

        Returns:
            The context (from this namespace only) and what was stored.
        """
        return await self._client.turn(
            user_message,
            assistant_response=assistant_response,
            session_id=session_id,
            namespace=self._namespace,
            agent_id=agent_id,
            max_context_tokens=max_context_tokens,
            timestamp=timestamp,
            idempotency_key=idempotency_key,
        )

    async def update(
        self,
        memory_id: str,
        *,
        text: str | None = None,
        confidence: float | None = None,
        importance: float | None = None,
        metadata: dict[str, Any] | None = None,
        feedback: Feedback | str | None = None,
        idempotency_key: str | None = None,
    ) -> UpdateResponse:
        """Change a memory of this namespace (see ``AsyncCognitiveMemoryLayer.update``).

        Returns:
            The memory's id and new version number.

        Raises:
            NotFoundError: No such memory in this namespace (it may exist in another).
        """
        return await self._client.update(
            memory_id,
            text=text,
            confidence=confidence,
            importance=importance,
            metadata=metadata,
            feedback=feedback,
            namespace=self._namespace,
            idempotency_key=idempotency_key,
        )

    async def forget(
        self,
        *,
        memory_ids: list[str] | None = None,
        query: str | None = None,
        threshold: float = 0.75,
        before: datetime | None = None,
        session_id: str | None = None,
        hard: bool = False,
        idempotency_key: str | None = None,
    ) -> ForgetResponse:
        """Forget memories of this namespace only (see ``AsyncCognitiveMemoryLayer.forget``).

        Ids of memories in other namespaces are not matched (not counted, not changed).

        Returns:
            How many memories of this namespace were forgotten, and their ids.
        """
        return await self._client.forget(
            memory_ids=memory_ids,
            query=query,
            threshold=threshold,
            before=before,
            namespace=self._namespace,
            session_id=session_id,
            hard=hard,
            idempotency_key=idempotency_key,
        )

    async def stats(self) -> StatsResponse:
        """Counts of this namespace's memories by type and status.

        Returns:
            Totals and counts by type and by status for this namespace.
        """
        return await self._client.stats(namespace=self._namespace)

    async def iter_memories(
        self,
        *,
        memory_types: list[MemoryType | str] | None = None,
        status: MemoryStatus | str = "active",
        batch_size: int = 100,
    ) -> AsyncIterator[MemoryRecordOut]:
        """Every memory of this namespace, in full (admin; see ``AsyncCognitiveMemoryLayer``).

        Yields:
            Each memory of this namespace exactly once, in creation order.
        """
        async for item in self._client.iter_memories(
            memory_types=memory_types,
            status=status,
            batch_size=batch_size,
            namespace=self._namespace,
        ):
            yield item

    def _check_items(self, items: Sequence[Mapping[str, Any] | BatchWriteItem]) -> None:
        problems = []
        for index, item in enumerate(items):
            if isinstance(item, BatchWriteItem):
                named = item.namespace
            else:
                named = item.get("namespace") if isinstance(item, Mapping) else None
            if named is not None and named != self._namespace:
                problems.append(
                    ErrorDetail(
                        field=f"items.{index}.namespace",
                        message=f"is {named!r}, but this view writes to {self._namespace!r}",
                    )
                )
        if problems:
            raise ValidationError(
                f"Invalid request: {problems[0].field}: {problems[0].message}",
                status_code=None,
                code="validation_error",
                details=problems,
                hint="Leave namespace out of the items, or use a view of that namespace.",
            )
