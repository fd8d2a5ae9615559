"""The memory methods of the clients.

They cover write, read, turn, update, forget, restore, stats (now and over time), their batch
forms, and the
look-ups of the tenant's own memories: one by id, its history, and the listing.

Each method names its route in the contract's table and passes its arguments; the core builds,
validates (before sending) and, for a namespaced client, confines the call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cml import _bulk
from cml._async._base import AsyncClientBase
from cml._async.transport import send
from cml._checks import check_id, validate
from cml._concurrency import gather_async
from cml._core import arguments_for
from cml.exceptions import APIError
from cml.models import (
    MAX_PAGE_SIZE,
    BatchWriteItem,
    Feedback,
    ForgetResponse,
    HistoryQuery,
    MemoryListQuery,
    MemoryPage,
    MemoryRecordOut,
    MemoryStatus,
    MemoryType,
    MemoryVersion,
    ReadFormat,
    ReadResponse,
    RestoreResponse,
    StatsResponse,
    TimelineBucket,
    TimelineQuery,
    TimelineResponse,
    TurnResponse,
    UpdateResponse,
    WriteResponse,
    routes,
)

__all__ = ["AsyncMemoryMethods"]


class AsyncMemoryMethods(AsyncClientBase):
    """The memory methods (see ``AsyncCognitiveMemoryLayer``)."""

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
        return await self._call(routes.WRITE, locals(), idempotency_key=idempotency_key)

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
        include_superseded: bool = False,
        as_of: datetime | None = None,
        min_relevance: float | None = None,
        metadata: dict[str, Any] | None = None,
        context_tags: list[str] | None = None,
        agent_id: str | None = None,
        reference_time: datetime | None = None,
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
            include_superseded: Also return memories a newer one retired (after the current
                ones, with ``superseded_at`` and ``superseded_by`` set).
            as_of: Answer as the store stood at this time: what it had recorded by then, valid
                then and not yet retired (a correction written later is not seen yet).
            min_relevance: Leave out results whose relevance is below this (in [0, 1];
                relevance is calibrated, so one threshold means the same for every query).
            metadata: Only memories whose metadata has each of these keys at exactly this value.
            context_tags: Only memories holding at least one of these tags.
            agent_id: Only memories of this agent.
            reference_time: The moment the query is asked from: dates in it ("last week",
                "in May", "two days ago", "on Saturday") are resolved against this time, and
                memories from the named days rank higher. Defaults to ``as_of``, else now.

        Returns:
            The ranked memories, each with a relevance score; ``.context`` is the block to put
            in a prompt (it leaves out memories below the server's context floor, and is empty
            when nothing stored is relevant enough).

        Raises:
            ValidationError: Invalid arguments (raised before sending).

        Example:
            ```python
            result = await memory.read("dietary restrictions", max_results=5)
            for item in result.memories:
                print(item.relevance, item.text)
            ```
        """
        return await self._call(routes.READ, locals())

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
        r"""Get the memory context for a user message, and store the exchange.

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
            prompt = f"{turn.memory_context}\n\nUser: Book me a flight to Oslo"
            ```
        """
        return await self._call(routes.TURN, locals(), idempotency_key=idempotency_key)

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
                (retires it as a correction would; ``restore()`` undoes it).
            namespace: Change the memory only if it is in this namespace (``NotFoundError``
                otherwise); a namespaced client sends its own.
            idempotency_key: Key making repeats of this update apply once; generated when
                omitted.

        Returns:
            The memory's id and new version number.

        Raises:
            ValidationError: Invalid arguments or nothing to change (raised before sending).
            NotFoundError: No such memory for this tenant.
        """
        return await self._call(routes.UPDATE, locals(), idempotency_key=idempotency_key)

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
        metadata: dict[str, Any] | None = None,
        context_tags: list[str] | None = None,
        agent_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> ForgetResponse:
        """Forget memories by id, by similarity to a query, by age, by session or by filters.

        Selectors combine with AND; at least one of ``memory_ids``, ``query``, ``before``,
        ``session_id``, ``metadata``, ``context_tags`` and ``agent_id`` is required.

        Args:
            memory_ids: These memories.
            query: Memories similar to this text.
            threshold: Least cosine similarity to ``query`` for a memory to be forgotten.
            before: Memories older than this.
            namespace: Only in this namespace.
            session_id: Memories of this session.
            hard: Delete for good instead of the restorable soft delete.
            metadata: Memories whose metadata has each of these keys at exactly this value.
            context_tags: Memories holding at least one of these tags.
            agent_id: Memories of this agent.
            idempotency_key: Key making repeats of this call apply once; generated when omitted.

        Returns:
            How many memories were forgotten, and their ids.

        Raises:
            ValidationError: No selector, or invalid arguments (raised before sending).
        """
        return await self._call(routes.FORGET, locals(), idempotency_key=idempotency_key)

    async def stats(self, *, namespace: str | None = None) -> StatsResponse:
        """Count this tenant's memories by type and status.

        Args:
            namespace: Count only this namespace.

        Returns:
            Totals, counts by type and by status, and the store's size on disk.
        """
        return await self._call(routes.STATS, params={"namespace": namespace})

    async def timeline(
        self,
        *,
        bucket: TimelineBucket | str = "day",
        since: datetime | None = None,
        until: datetime | None = None,
        namespace: str | None = None,
    ) -> TimelineResponse:
        """Count the memories this tenant stored per UTC day or week, by type.

        Deleted memories are left out, as in :meth:`stats`; every bucket of the span is in the
        answer, empty ones too.

        Args:
            bucket: ``day`` or ``week`` (weeks start on Monday).
            since: Start with the bucket holding this time (default: 30 days or 12 weeks
                before ``until``).
            until: End with the bucket holding this time (default: now).
            namespace: Count only this namespace.

        Returns:
            The buckets oldest first, each with its start, total and counts by type.

        Raises:
            ValidationError: ``since`` after ``until``, an unknown bucket, or a span of more
                than 366 buckets.

        Example:
            ```python
            for point in (await memory.timeline(bucket="week")).buckets:
                print(point.start.date(), point.total, point.by_type)
            ```
        """
        query = validate(TimelineQuery, arguments_for(TimelineQuery, locals()))
        return await self._call(routes.TIMELINE, params=query.to_params())

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
        bodies = _bulk.batch_write_bodies(
            items,
            session_id=session_id,
            namespace=self._core.namespace_for(namespace),
            bound=self._core.namespace,
        )
        calls = [
            self._core.build(
                routes.BATCH_WRITE, body, idempotency_key=_bulk.chunk_key(idempotency_key, index)
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
        min_relevance: float | None = None,
        metadata: dict[str, Any] | None = None,
        context_tags: list[str] | None = None,
        agent_id: str | None = None,
        reference_time: datetime | None = None,
    ) -> list[ReadResponse]:
        """Run several reads; results in query order.

        Up to 100 queries go in one request (the server embeds them together); longer lists
        are split, and the async client keeps up to two of those requests in flight.

        Args:
            queries: What to recall, one natural-language query each.
            max_results: Most memories per query (1-100).
            format: ``packet``, ``list`` or ``llm_context``, as for :meth:`read`.
            namespace: Only this namespace.
            min_relevance: Leave out results whose relevance is below this, as for
                :meth:`read`.
            metadata: Only memories whose metadata has each of these keys at exactly this value.
            context_tags: Only memories holding at least one of these tags.
            agent_id: Only memories of this agent.
            reference_time: The moment every query is asked from, as for :meth:`read`.

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
            queries,
            max_results=max_results,
            format=str(format),
            namespace=self._core.namespace_for(namespace),
            shared={
                "min_relevance": min_relevance,
                "metadata": metadata,
                "context_tags": context_tags,
                "agent_id": agent_id,
                "reference_time": reference_time,
            },
        )
        calls = [self._core.build(routes.BATCH_READ, body) for body in bodies]
        pages = await gather_async(self._send, calls, limit=_bulk.BATCH_READ_CONCURRENCY)
        return [result for page in pages for result in page.results]

    async def restore(
        self, memory_ids: list[str], *, idempotency_key: str | None = None
    ) -> RestoreResponse:
        """Bring soft-deleted (not yet purged), silenced or superseded memories back to active.

        Restoring a superseded memory undoes its supersession (the memory that superseded it
        stays).

        Args:
            memory_ids: The memories to restore (1-1000); ids that are unknown, of another
                tenant, or not deleted, silent or superseded are not counted.
            idempotency_key: Key making repeats of this call apply once; generated when omitted.

        Returns:
            How many memories are active again, and their ids.

        Example:
            ```python
            gone = await memory.forget(query="old address")
            await memory.restore(gone.memory_ids)
            ```
        """
        return await self._call(routes.RESTORE, locals(), idempotency_key=idempotency_key)

    async def get(self, memory_id: str, *, namespace: str | None = None) -> MemoryRecordOut:
        """One memory of this tenant, in full, whatever its status.

        Args:
            memory_id: The memory's id.
            namespace: The memory must be in this namespace (``NotFoundError`` otherwise); a
                namespaced client sends its own.

        Returns:
            The memory with its text, type, status, scores, metadata and timestamps.

        Raises:
            NotFoundError: No such memory for this tenant (or in that namespace).

        Example:
            ```python
            stored = await memory.write("Prefers aisle seats")
            print((await memory.get(stored.memory_id)).text)
            ```
        """
        check_id("memory_id", memory_id)
        return await self._call(
            routes.GET_MEMORY, params={"namespace": namespace}, path_args={"memory_id": memory_id}
        )

    async def history(self, memory_id: str, *, namespace: str | None = None) -> list[MemoryVersion]:
        """Every state of one memory, newest (the current one) first.

        Each state says when the store took it on, and, for a replaced one, when and why the
        next state replaced it (an update of its text or scores, a consolidation, ...).

        Args:
            memory_id: The memory's id.
            namespace: The memory must be in this namespace (``NotFoundError`` otherwise); a
                namespaced client sends its own.

        Returns:
            The states, newest first; the first one has ``current`` set.

        Raises:
            NotFoundError: No such memory for this tenant (or in that namespace).

        Example:
            ```python
            for state in await memory.history(memory_id):
                print(state.version, state.text, state.reason)
            ```
        """
        check_id("memory_id", memory_id)
        core = self._core.snapshot()
        states: list[MemoryVersion] = []
        cursor: str | None = None
        while True:
            query = validate(
                HistoryQuery, {"cursor": cursor, "per_page": MAX_PAGE_SIZE, "namespace": namespace}
            )
            call = core.build(
                routes.MEMORY_HISTORY, params=query.to_params(), path_args={"memory_id": memory_id}
            )
            page = await send(self._http, core, call)
            states.extend(page.items)
            if page.next_cursor is None:
                return states
            cursor = page.next_cursor

    async def list_memories(
        self,
        *,
        cursor: str | None = None,
        per_page: int = 100,
        memory_types: list[MemoryType | str] | None = None,
        status: MemoryStatus | str = "active",
        namespace: str | None = None,
        metadata: dict[str, Any] | None = None,
        context_tags: list[str] | None = None,
        agent_id: str | None = None,
        superseded_by: str | None = None,
    ) -> MemoryPage:
        """One page of this tenant's memories, in creation order (a read key is enough).

        Pages are keyset pages: pass ``next_cursor`` back as ``cursor`` for the next one. A
        walk sees every memory that matches throughout it exactly once, even while others are
        written or deleted; one written meanwhile shows up at most once.

        Args:
            cursor: ``next_cursor`` of the previous page; omit for the first page.
            per_page: Memories on the page (1-500).
            memory_types: Only these kinds of memory.
            status: Only this status (default ``active``), or ``"all"``.
            namespace: Only this namespace (exact match).
            metadata: Only memories whose metadata has each of these keys at exactly this value.
            context_tags: Only memories holding at least one of these tags.
            agent_id: Only memories of this agent.
            superseded_by: Only the memories this memory retired (its earlier versions of a
                fact); they are ``superseded``, so pass ``status="all"`` or ``"superseded"``.

        Returns:
            The page's memories in full, and ``next_cursor`` (``None`` on the last page).

        Raises:
            ValidationError: Invalid arguments (raised before sending).

        Example:
            ```python
            page = await memory.list_memories(metadata={"project": "apollo"})
            while True:
                for item in page.items:
                    print(item.id, item.text)
                if page.next_cursor is None:
                    break
                page = await memory.list_memories(
                    cursor=page.next_cursor, metadata={"project": "apollo"}
                )
            ```
        """
        query = validate(MemoryListQuery, arguments_for(MemoryListQuery, locals()))
        return await self._call(routes.LIST_OWN_MEMORIES, params=query.to_params())
