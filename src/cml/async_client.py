"""The AsyncCognitiveMemoryLayer client: py-cml over HTTP.

``cml/client.py`` is generated from this module by ``scripts/unasync.py``; edit this one and run
``python scripts/unasync.py``. Requests are built and answers read by :mod:`cml._core`; this
module only adds the method signatures and the send loop of :mod:`cml.transport`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Self, TypeVar

import httpx

from cml import _bulk, _core, async_namespaced
from cml._core import Call, ClientCore
from cml.config import CMLConfig, resolve_config
from cml.exceptions import APIError, ConfigurationError
from cml.models import (
    ApiKeyCreated,
    ApiKeyInfo,
    BatchWriteItem,
    Feedback,
    ForgetResponse,
    HealthResponse,
    MemoryRecordOut,
    MemoryStatus,
    MemoryType,
    ReadFormat,
    ReadResponse,
    RestoreResponse,
    Scope,
    StatsResponse,
    TurnResponse,
    UpdateResponse,
    WriteResponse,
)
from cml.transport import gather_async, send_async, stream_async

__all__ = ["AsyncCognitiveMemoryLayer"]

T = TypeVar("T")


class AsyncCognitiveMemoryLayer:
    """Client of a py-cml server.

    Settings come from the arguments, then ``CML_*`` environment variables, then defaults (see
    :class:`~cml.config.CMLConfig`). Failed requests are retried where that is safe; writes carry
    an ``Idempotency-Key`` so that a retried write is stored once.

    Args:
        api_key: Key sent as ``X-API-Key`` (``CML_API_KEY``).
        base_url: Server address (``CML_BASE_URL``, default ``http://localhost:8000``).
        tenant_id: Tenant to act on, sent as ``X-Tenant-ID`` (``CML_TENANT_ID``); unset, the
            API key's own tenant.
        admin_api_key: Key for the admin calls (``CML_ADMIN_API_KEY``); ``api_key`` when unset.
        timeout: Seconds to wait for each attempt (``CML_TIMEOUT``, default 30).
        max_retries: Extra attempts after a retryable failure (``CML_MAX_RETRIES``, default 3).
        verify_ssl: Check the server's TLS certificate (``CML_VERIFY_SSL``, default true).
        config: Settings to start from instead of the environment; the other arguments
            override its fields.
        http_client: An ``httpx`` client to send with (it is not closed by :meth:`close`).
        transport: An ``httpx`` transport for a client built here (tests, in-process apps).

    Raises:
        ConfigurationError: A setting or ``CML_*`` variable has an unusable value.

    Example:
        ```python
        async with AsyncCognitiveMemoryLayer(api_key="...", tenant_id="acme") as memory:
            await memory.write("User prefers window seats", context_tags=["travel"])
            result = await memory.read("seating preference")
            print(result.context)
        ```
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        tenant_id: str | None = None,
        admin_api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        verify_ssl: bool | None = None,
        config: CMLConfig | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        config = resolve_config(
            config,
            api_key=api_key,
            base_url=base_url,
            tenant_id=tenant_id,
            admin_api_key=admin_api_key,
            timeout=timeout,
            max_retries=max_retries,
            verify_ssl=verify_ssl,
        )
        if http_client is not None and transport is not None:
            raise ConfigurationError("Pass http_client= or transport=, not both.")
        self._core = ClientCore(config)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=config.timeout, verify=config.verify_ssl
        )

    @property
    def tenant_id(self) -> str | None:
        """The tenant this client asks for, or ``None`` for the API key's own tenant."""
        return self._core.config.tenant_id

    @property
    def config(self) -> CMLConfig:
        """The resolved settings of this client."""
        return self._core.config

    def set_tenant(self, tenant_id: str) -> None:
        """Act on another tenant from the next call on.

        Safe while other threads or tasks use the client: a call already being sent (or
        retried) keeps the tenant it was made with, and an ``iter_memories`` in progress
        stays on the tenant it started on. The API key must be granted the tenant (an admin
        key may act on any); otherwise the next call raises ``AuthorizationError`` (403).

        Args:
            tenant_id: The tenant, 1-64 letters, digits, ``_``, ``.`` or ``-``.

        Raises:
            ValidationError: ``tenant_id`` is not a valid tenant id (nothing changes).

        Example:
            ```python
            memory.set_tenant("globex")
            await memory.write("Globex renews in March")  # stored for tenant globex
            ```
        """
        self._core.set_tenant(tenant_id)

    def with_namespace(self, namespace: str) -> async_namespaced.AsyncNamespacedClient:
        """A view of this client confined to one namespace of the tenant.

        Through the view, writes, batch writes and turns store in ``namespace``; reads, turns,
        batch reads, forget, stats and iteration see only ``namespace``; an update of a memory
        outside it is ``NotFoundError``. Everything else (health, keys, tenant) is this
        client's. Namespaces are exact partitions: ``with_namespace("a").with_namespace("b")``
        is namespace ``a/b``, which neither sees nor is seen from ``a``.

        Args:
            namespace: 1-4 ``/``-separated segments of 1-64 letters, digits, ``_``, ``.``,
                ``-`` (each starting with a letter or digit).

        Returns:
            The namespaced view (it shares this client's connection and tenant).

        Raises:
            ValidationError: ``namespace`` is empty or malformed (the message states the rule).

        Example:
            ```python
            notes = memory.with_namespace("project-x")
            await notes.write("Kick-off is on Monday")
            ```
        """
        return async_namespaced.AsyncNamespacedClient(self, namespace)

    def __repr__(self) -> str:
        config = self._core.config
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}, tenant_id={config.tenant_id!r})"
        )

    async def _send(self, call: Call[T]) -> T:
        return await send_async(self._http, self._core, call)

    async def health(self) -> HealthResponse:
        """Check that the server is up.

        Returns:
            Status (``ok`` or ``degraded``), server version and storage backend.

        Raises:
            APIConnectionError: The server cannot be reached.
        """
        call = self._core.build(_core.HEALTH)
        return await self._send(call)

    async def write(
        self,
        content: str,
        *,
        context_tags: list[str] | None = None,
        session_id: str | None = None,
        memory_type: MemoryType | str | None = None,
        namespace: str | None = None,
        metadata: dict[str, Any] | None = None,
        agent_id: str | None = None,
        timestamp: datetime | None = None,
        importance: float | None = None,
        confidence: float | None = None,
        idempotency_key: str | None = None,
    ) -> WriteResponse:
        """Store one memory.

        Args:
            content: The text to remember (up to 32,000 characters).
            context_tags: Labels to filter and group by.
            session_id: Conversation or session the memory belongs to.
            memory_type: Kind of memory; inferred from the content when omitted.
            namespace: Sub-space of the tenant, e.g. ``"project-x/notes"``.
            metadata: Any JSON object (up to 16 KiB, 5 levels deep).
            agent_id: The agent that produced the memory.
            timestamp: When the remembered event happened; now when omitted.
            importance: Override of the server's importance estimate, in [0, 1].
            confidence: How certain the memory is, in [0, 1].
            idempotency_key: Key making repeats of this write store it once; generated when
                omitted (and reused by the SDK's own retries).

        Returns:
            The new memory's id, or the existing one a near-duplicate reinforced.

        Raises:
            ValidationError: Invalid arguments (raised before sending), or content refused by
                the server, such as a secret (``code`` ``secret_detected``).
            ConflictError: ``idempotency_key`` was already used for a different write.

        Example:
            ```python
            await memory.write("User is allergic to peanuts", memory_type="constraint")
            ```
        """
        body = {
            "content": content,
            "context_tags": context_tags,
            "session_id": session_id,
            "memory_type": memory_type,
            "namespace": namespace,
            "metadata": metadata,
            "agent_id": agent_id,
            "timestamp": timestamp,
            "importance": importance,
            "confidence": confidence,
        }
        call = self._core.build(_core.WRITE, body, idempotency_key=idempotency_key)
        return await self._send(call)

    async def read(
        self,
        query: str,
        *,
        max_results: int = 10,
        memory_types: list[MemoryType | str] | None = None,
        namespace: str | None = None,
        session_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        format: ReadFormat | str = "packet",
        max_tokens: int = 1500,
        include_silent: bool = False,
    ) -> ReadResponse:
        """Recall the memories most relevant to ``query``.

        Args:
            query: What to recall, in natural language.
            max_results: Most memories to return (1-100).
            memory_types: Only these kinds of memory.
            namespace: Only this namespace.
            session_id: Only this session.
            since: Only memories from this time on.
            until: Only memories up to this time.
            format: ``packet`` (ranked list, buckets by kind and a context block), ``list``
                (ranked list only) or ``llm_context`` (ranked list and context block).
            max_tokens: Token budget of the context block.
            include_silent: Also return silenced memories.

        Returns:
            The ranked memories, each with a relevance score; ``.context`` is the block to put
            in a prompt.

        Raises:
            ValidationError: Invalid arguments (raised before sending).

        Example:
            ```python
            result = await memory.read("dietary restrictions", max_results=5)
            for item in result.memories:
                print(item.relevance, item.text)
            ```
        """
        body = {
            "query": query,
            "max_results": max_results,
            "memory_types": memory_types,
            "namespace": namespace,
            "session_id": session_id,
            "since": since,
            "until": until,
            "format": format,
            "max_tokens": max_tokens,
            "include_silent": include_silent,
        }
        call = self._core.build(_core.READ, body)
        return await self._send(call)

    async def turn(
        self,
        user_message: str,
        *,
        assistant_response: str | None = None,
        session_id: str | None = None,
        namespace: str | None = None,
        agent_id: str | None = None,
        max_context_tokens: int = 1500,
        timestamp: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> TurnResponse:
        """Get the memory context for a user message, and store the exchange.

        Args:
            user_message: The user's message.
            assistant_response: The assistant's reply, when already known.
            session_id: Conversation the turn belongs to.
            namespace: Namespace to recall from and store in.
            agent_id: The agent taking part.
            max_context_tokens: Token budget of the returned context.
            timestamp: When the turn happened; now when omitted.
            idempotency_key: Key making repeats of this turn store it once; generated when
                omitted.

        Returns:
            ``memory_context`` to give the model, and what was retrieved and stored.

        Raises:
            ValidationError: Invalid arguments (raised before sending).

        Example:
            ```python
            turn = await memory.turn("Book me a flight to Oslo", session_id="s1")
            prompt = f"{turn.memory_context}\\n\\nUser: Book me a flight to Oslo"
            ```
        """
        body = {
            "user_message": user_message,
            "assistant_response": assistant_response,
            "session_id": session_id,
            "namespace": namespace,
            "agent_id": agent_id,
            "max_context_tokens": max_context_tokens,
            "timestamp": timestamp,
        }
        call = self._core.build(_core.TURN, body, idempotency_key=idempotency_key)
        return await self._send(call)

    async def update(
        self,
        memory_id: str,
        *,
        text: str | None = None,
        confidence: float | None = None,
        importance: float | None = None,
        metadata: dict[str, Any] | None = None,
        feedback: Feedback | str | None = None,
        namespace: str | None = None,
        idempotency_key: str | None = None,
    ) -> UpdateResponse:
        """Change one memory; give at least one of the optional fields.

        Args:
            memory_id: The memory to change.
            text: New text (re-embedded).
            confidence: New confidence, in [0, 1].
            importance: New importance, in [0, 1].
            metadata: New metadata (replaces the old object).
            feedback: ``correct``, ``incorrect`` (silences the memory) or ``outdated``
                (archives it).
            namespace: Change the memory only if it is in this namespace (``NotFoundError``
                otherwise); what namespaced views send.
            idempotency_key: Key making repeats of this update apply once; generated when
                omitted.

        Returns:
            The memory's id and new version number.

        Raises:
            ValidationError: Invalid arguments or nothing to change (raised before sending).
            NotFoundError: No such memory for this tenant.
        """
        body = {
            "memory_id": memory_id,
            "text": text,
            "confidence": confidence,
            "importance": importance,
            "metadata": metadata,
            "feedback": feedback,
            "namespace": namespace,
        }
        call = self._core.build(_core.UPDATE, body, idempotency_key=idempotency_key)
        return await self._send(call)

    async def forget(
        self,
        *,
        memory_ids: list[str] | None = None,
        query: str | None = None,
        threshold: float = 0.75,
        before: datetime | None = None,
        namespace: str | None = None,
        session_id: str | None = None,
        hard: bool = False,
        idempotency_key: str | None = None,
    ) -> ForgetResponse:
        """Forget memories by id, by similarity to a query, by age or by session.

        Selectors combine with AND; at least one of ``memory_ids``, ``query``, ``before`` and
        ``session_id`` is required.

        Args:
            memory_ids: These memories.
            query: Memories similar to this text.
            threshold: Least cosine similarity to ``query`` for a memory to be forgotten.
            before: Memories older than this.
            namespace: Only in this namespace.
            session_id: Memories of this session.
            hard: Delete for good instead of the restorable soft delete.
            idempotency_key: Key making repeats of this call apply once; generated when omitted.

        Returns:
            How many memories were forgotten, and their ids.

        Raises:
            ValidationError: No selector, or invalid arguments (raised before sending).
        """
        body = {
            "memory_ids": memory_ids,
            "query": query,
            "threshold": threshold,
            "before": before,
            "namespace": namespace,
            "session_id": session_id,
            "hard": hard,
        }
        call = self._core.build(_core.FORGET, body, idempotency_key=idempotency_key)
        return await self._send(call)

    async def stats(self, *, namespace: str | None = None) -> StatsResponse:
        """Count this tenant's memories by type and status.

        Args:
            namespace: Count only this namespace.

        Returns:
            Totals, counts by type and by status, and the store's size on disk.
        """
        _core.check_namespace(namespace)
        call = self._core.build(_core.STATS, params={"namespace": namespace})
        return await self._send(call)

    async def batch_write(
        self,
        items: Sequence[Mapping[str, Any] | BatchWriteItem],
        *,
        session_id: str | None = None,
        namespace: str | None = None,
        idempotency_key: str | None = None,
    ) -> list[WriteResponse]:
        """Store many memories, embedded in batches on the server; results in input order.

        Up to 500 items go in one request, stored all or nothing: an invalid item (or one
        holding a secret) refuses the request with an error naming ``items.<index>.<field>``.
        Longer lists are sent as several requests, one after another; if one fails, the
        earlier ones stay stored, and calling again with the same ``idempotency_key`` stores
        nothing twice.

        Args:
            items: Dicts with ``content`` and any of ``context_tags``, ``memory_type``,
                ``metadata``, ``agent_id``, ``session_id``, ``namespace``, ``timestamp``,
                ``importance``, ``confidence`` (or ``BatchWriteItem`` models).
            session_id: Session of the items that do not name their own.
            namespace: Namespace of the items that do not name their own.
            idempotency_key: Key making repeats of this call store once (each request of a
                long list derives its own from it); generated per request when omitted.

        Returns:
            One result per item, in input order (``deduplicated`` when the item reinforced a
            stored memory or an earlier item of the list).

        Raises:
            ValidationError: Invalid items (checked before sending, all of them at once), or
                content refused by the server (``code`` ``secret_detected``).
            ConflictError: ``idempotency_key`` was already used for a different batch.

        Example:
            ```python
            items = [{"content": "Likes jazz"}, {"content": "Lives in Oslo"}]
            results = await memory.batch_write(items, session_id="onboarding")
            ```
        """
        bodies = _bulk.batch_write_bodies(items, session_id=session_id, namespace=namespace)
        calls = [
            self._core.build(
                _core.BATCH_WRITE, body, idempotency_key=_bulk.chunk_key(idempotency_key, index)
            )
            for index, body in enumerate(bodies)
        ]
        results: list[WriteResponse] = []
        for call in calls:
            try:
                response = await self._send(call)
            except APIError as exc:
                raise _bulk.shift_error(exc, len(results)) from exc.__cause__
            results.extend(response.results)
        return results

    async def batch_read(
        self,
        queries: Sequence[str],
        *,
        max_results: int = 10,
        format: ReadFormat | str = "packet",
        namespace: str | None = None,
    ) -> list[ReadResponse]:
        """Run several reads; results in query order.

        Up to 100 queries go in one request (the server embeds them together); longer lists
        are split, and the async client keeps up to four of those requests in flight.

        Args:
            queries: What to recall, one natural-language query each.
            max_results: Most memories per query (1-100).
            format: ``packet``, ``list`` or ``llm_context``, as for :meth:`read`.
            namespace: Only this namespace.

        Returns:
            One ``ReadResponse`` per query, in the order of ``queries``.

        Raises:
            ValidationError: An invalid query or option (checked before sending).

        Example:
            ```python
            for answer in await memory.batch_read(["Where does Ann live?", "Ann's job?"]):
                print(answer.context)
            ```
        """
        bodies = _bulk.batch_read_bodies(
            queries, max_results=max_results, format=str(format), namespace=namespace
        )
        calls = [self._core.build(_core.BATCH_READ, body) for body in bodies]
        pages = await gather_async(self._send, calls, limit=_bulk.BATCH_READ_CONCURRENCY)
        return [result for page in pages for result in page.results]

    async def iter_memories(
        self,
        *,
        memory_types: list[MemoryType | str] | None = None,
        status: MemoryStatus | str = "active",
        batch_size: int = 100,
        namespace: str | None = None,
    ) -> AsyncIterator[MemoryRecordOut]:
        """Every memory of the tenant, in full, in creation order (admin).

        Pages through ``GET /admin/memories`` with a cursor (not offsets): each memory that
        matches throughout the iteration is yielded exactly once, even while others are
        written or deleted. One written meanwhile is yielded at most once; one deleted before
        it was reached is not yielded. The iteration stays on the tenant it started on.

        Args:
            memory_types: Only these kinds of memory.
            status: Only this status (default ``active``), or ``"all"``.
            batch_size: Memories fetched per request (1-500).
            namespace: Only this namespace (exact match).

        Yields:
            Each memory with its full text, type, status, scores, metadata and timestamps.

        Raises:
            ValidationError: Invalid arguments (raised when the iteration starts).
            AuthorizationError: The key used lacks the admin scope.

        Example:
            ```python
            async for item in memory.iter_memories(memory_types=["preference"]):
                print(item.id, item.text)
            ```
        """
        core = self._core.snapshot()
        cursor: str | None = None
        while True:
            params = _bulk.list_params(
                cursor=cursor,
                batch_size=batch_size,
                status=status,
                memory_types=memory_types,
                namespace=namespace,
            )
            call = core.build(_core.LIST_MEMORIES, params=params)
            page = await send_async(self._http, core, call)
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def consolidate(
        self, *, tenant_id: str | None = None, user_id: str | None = None
    ) -> dict[str, Any]:
        """Consolidate recent episodes into semantic facts, the "sleep cycle" (admin).

        Samples the tenant's recent, not yet consolidated episodes, groups those that say the
        same thing, writes one fact per group (by the server's LLM when configured, extractive
        otherwise) with provenance links to its episodes, and marks the episodes consolidated
        (they stay stored and recalled). A fact close to an existing one reinforces it instead.
        Running it again right away creates nothing new.

        Args:
            tenant_id: Tenant to consolidate; the client's tenant when omitted.
            user_id: Only this end user's memories, i.e. the namespace of that name.

        Returns:
            ``episodes_sampled``, ``clusters_formed``, ``facts_extracted``,
            ``facts_reinforced``, ``migrations_completed``, ``fact_ids``, ``elapsed_ms``.

        Raises:
            AuthorizationError: The key used is not an admin key.
            ConflictError: A consolidation of this tenant is already running (``job_running``).

        Example:
            ```python
            report = await memory.consolidate(user_id="alice")
            print(report["facts_extracted"], "new facts")
            ```
        """
        call = self._core.build(_core.CONSOLIDATE, {"tenant_id": tenant_id, "user_id": user_id})
        return await self._send(call)

    async def run_forgetting(
        self,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        dry_run: bool = True,
        max_memories: int = 5000,
    ) -> dict[str, Any]:
        """Active forgetting: score every memory's relevance and act on it (admin).

        Relevance in [0, 1] comes from importance, recency, recall frequency, confidence, type
        and dependents. Actions: ``KEEP`` (> 0.7), ``DECAY`` (> 0.5, lowers confidence),
        ``SILENCE`` (> 0.3, left out of reads), ``COMPRESS`` (> 0.1, content replaced by a
        summary, the original kept in the version history) and ``DELETE`` (soft, restorable
        until purged). Constraints, preferences and procedures are never deleted nor
        compressed (silenced instead); memories others derive from are never deleted.

        Args:
            tenant_id: Tenant to score; the client's tenant when omitted.
            user_id: Only this end user's memories, i.e. the namespace of that name.
            dry_run: Only plan (the default): nothing is changed.
            max_memories: Most memories scored, oldest first (1-100,000).

        Returns:
            ``total_scored``, ``actions`` (count per action), ``dry_run``, ``applied`` and
            ``memories``: ``memory_id``, ``score``, ``action``, ``reason``, ``applied`` each.

        Raises:
            AuthorizationError: The key used is not an admin key.
            ConflictError: A forgetting run of this tenant is already running.

        Example:
            ```python
            plan = await memory.run_forgetting()
            print(plan["actions"])          # {"KEEP": 120, "DECAY": 4, ...}
            await memory.run_forgetting(dry_run=False)
            ```
        """
        body = {
            "tenant_id": tenant_id,
            "user_id": user_id,
            "dry_run": dry_run,
            "max_memories": max_memories,
        }
        call = self._core.build(_core.RUN_FORGETTING, body)
        return await self._send(call)

    async def restore(
        self, memory_ids: list[str], *, idempotency_key: str | None = None
    ) -> RestoreResponse:
        """Bring soft-deleted (not yet purged) or silenced memories back to active.

        Args:
            memory_ids: The memories to restore (1-1000); ids that are unknown, of another
                tenant, or neither deleted nor silent are not counted.
            idempotency_key: Key making repeats of this call apply once; generated when omitted.

        Returns:
            How many memories are active again, and their ids.

        Example:
            ```python
            gone = await memory.forget(query="old address")
            await memory.restore(gone.memory_ids)
            ```
        """
        call = self._core.build(
            _core.RESTORE, {"memory_ids": memory_ids}, idempotency_key=idempotency_key
        )
        return await self._send(call)

    async def purge(
        self, *, older_than: datetime | None = None, tenant_id: str | None = None
    ) -> dict[str, Any]:
        """Delete soft-deleted memories and their history for good (admin).

        After a purge they can no longer be restored.

        Args:
            older_than: Only memories deleted before this time; all deleted ones when omitted.
            tenant_id: Tenant to purge; the client's tenant when omitted.

        Returns:
            ``tenant_id``, ``purged_count``, ``memory_ids`` and ``message``.

        Raises:
            AuthorizationError: The key used is not an admin key.
        """
        body = {"older_than": older_than, "tenant_id": tenant_id}
        call = self._core.build(_core.PURGE, body)
        return await self._send(call)

    async def list_tenants(self) -> list[dict[str, Any]]:
        """Every tenant with its counts (admin).

        Returns:
            One dict per tenant: ``tenant_id``, ``memory_count`` (not deleted), ``fact_count``,
            ``event_count`` and ``last_activity``.

        Raises:
            AuthorizationError: The key used is not an admin key.
        """
        call = self._core.build(_core.LIST_TENANTS)
        return await self._send(call)

    async def get_events(
        self,
        *,
        limit: int = 50,
        page: int = 1,
        event_type: str | None = None,
        since: datetime | None = None,
    ) -> dict[str, Any]:
        """A page of the tenant's event log, newest first (admin).

        Every change is an event: ``memory.write``, ``memory.update``, ``memory.forget``,
        ``memory.restore``, ``memory.purge``, ``consolidation.run``, ``forgetting.run``,
        ``key.create``, ``key.revoke``, ...

        Args:
            limit: Events per page (1-500).
            page: Page number, from 1.
            event_type: Only events of this type.
            since: Only events from this time on.

        Returns:
            ``items`` (``id``, ``event_type``, ``operation``, ``actor``, ``memory_ids``,
            ``payload``, ``created_at``), ``total``, ``page``, ``per_page``, ``total_pages``.

        Raises:
            AuthorizationError: The key used is not an admin key.

        Example:
            ```python
            page = await memory.get_events(event_type="memory.forget")
            for event in page["items"]:
                print(event["created_at"], event["memory_ids"])
            ```
        """
        params = {
            "per_page": str(limit),
            "page": str(page),
            "event_type": event_type,
            "since": _core.time_param(since),
        }
        call = self._core.build(_core.GET_EVENTS, params=params)
        return await self._send(call)

    async def stream_events(
        self, *, event_type: str | None = None, since: datetime | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Follow the tenant's event log live (admin; server-sent events).

        Without ``since`` only events from now on are yielded. A dropped connection (or the
        server ending an idle stream) is reopened transparently, resuming right after the last
        event received. The iteration runs until you leave the loop.

        Args:
            event_type: Only events of this type.
            since: Start with the events from this time on, then follow.

        Yields:
            Each event as a dict (the items of :meth:`get_events`).

        Raises:
            AuthorizationError: The key used is not an admin key.
            APIConnectionError: The connection failed more often than ``max_retries`` allows.

        Example:
            ```python
            async for event in memory.stream_events(event_type="memory.write"):
                print(event["memory_ids"])
            ```
        """
        params = {"event_type": event_type, "since": _core.time_param(since)}
        call = self._core.build(_core.STREAM_EVENTS, params=params)
        async for event in stream_async(self._http, self._core, call):
            yield event

    async def component_health(self) -> dict[str, Any]:
        """Health of each server component, probed for real (admin).

        Returns:
            ``status`` (``healthy`` or ``degraded``) and ``components``: for ``database``,
            ``vector_index``, ``embedder``, ``llm`` and ``scheduler``, a ``status``
            (``healthy``, ``unhealthy`` or ``disabled``), ``latency_ms``, ``details`` and
            ``error``.

        Raises:
            AuthorizationError: The key used is not an admin key.
        """
        call = self._core.build(_core.COMPONENTS)
        return await self._send(call)

    async def create_api_key(
        self,
        tenant_id: str,
        *,
        scopes: list[Scope | str] | None = None,
        name: str | None = None,
        extra_tenants: list[str] | None = None,
    ) -> ApiKeyCreated:
        """Create an API key (admin).

        Sent with ``admin_api_key`` when set, else ``api_key``; the key needs the admin scope.

        Args:
            tenant_id: Tenant the key belongs to.
            scopes: Permissions; ``read`` and ``write`` when omitted.
            name: A label to recognise the key by.
            extra_tenants: Further tenants the key may act on through ``X-Tenant-ID``.

        Returns:
            The key's details and, in ``key``, the secret itself, shown only this once.

        Raises:
            AuthorizationError: The key used lacks the admin scope.
        """
        body = {
            "tenant_id": tenant_id,
            "scopes": scopes,
            "name": name,
            "extra_tenants": extra_tenants,
        }
        call = self._core.build(_core.CREATE_KEY, body)
        return await self._send(call)

    async def list_api_keys(self, *, tenant_id: str | None = None) -> list[ApiKeyInfo]:
        """List API keys (admin); secrets are never returned.

        Args:
            tenant_id: Only the keys of this tenant.

        Returns:
            The keys, revoked ones included (see ``revoked_at``).

        Raises:
            AuthorizationError: The key used lacks the admin scope.
        """
        _core.check_tenant_id(tenant_id)
        call = self._core.build(_core.LIST_KEYS, params={"tenant_id": tenant_id})
        return await self._send(call)

    async def revoke_api_key(self, key_id: str) -> ApiKeyInfo:
        """Revoke an API key (admin); it stops working at once.

        Args:
            key_id: The key's ``id`` (not the secret).

        Returns:
            The key, with ``revoked_at`` set.

        Raises:
            NotFoundError: No such key.
            AuthorizationError: The key used lacks the admin scope.
        """
        _core.check_id("key_id", key_id)
        call = self._core.build(_core.REVOKE_KEY, path_args={"key_id": key_id})
        return await self._send(call)

    async def close(self) -> None:
        """Release the connections (an ``http_client`` passed in is left open)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
