"""The admin methods of the clients.

They cover the listing, consolidation, forgetting, purge, tenants, the event log, component
health, API keys and webhooks (subscribe a URL to a tenant's events; deliveries are signed:
check them in the receiver with :func:`cml.models.webhooks.verify_signature`).

All but ``restore`` (a memory method) need an admin key: they are sent with ``admin_api_key``
when one is configured. Their results are the contract's models, which also answer dict-style
lookups (``report["facts_extracted"]``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from cml import _bulk
from cml._async._base import AsyncClientBase
from cml._async.transport import send, stream
from cml._checks import check_id, check_tenant_id
from cml._core import time_param
from cml.models import (
    ApiKeyCreated,
    ApiKeyInfo,
    ComponentHealth,
    ConsolidateResponse,
    EventItem,
    EventPage,
    ForgettingResponse,
    IntegrityReport,
    LogVerification,
    MemoryRecordOut,
    MemoryStatus,
    MemoryType,
    PurgeResponse,
    Scope,
    TenantInfo,
    WebhookCreated,
    WebhookDelivery,
    WebhookInfo,
    routes,
)

__all__ = ["AsyncAdminMethods"]


class AsyncAdminMethods(AsyncClientBase):
    """The admin methods (see ``AsyncCognitiveMemoryLayer``)."""

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
            call = core.build(routes.LIST_MEMORIES, params=params)
            page = await send(self._http, core, call)
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def consolidate(
        self, *, tenant_id: str | None = None, user_id: str | None = None
    ) -> ConsolidateResponse:
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
            ``facts_reinforced``, ``migrations_completed``, ``fact_ids``, ``elapsed_ms`` (as
            attributes, or dict-style: ``report["facts_extracted"]``).

        Raises:
            AuthorizationError: The key used is not an admin key.
            ConflictError: A consolidation of this tenant is already running (``job_running``).

        Example:
            ```python
            report = await memory.consolidate(user_id="alice")
            print(report.facts_extracted, "new facts")
            ```
        """
        return await self._call(routes.CONSOLIDATE, locals())

    async def run_forgetting(
        self,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        dry_run: bool = True,
        max_memories: int = 5000,
    ) -> ForgettingResponse:
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
            plan = await memory.run_forgetting(user_id="alice")
            print(plan.actions)             # {"KEEP": 120, "DECAY": 4, ...}
            await memory.run_forgetting(user_id="alice", dry_run=False)
            ```
        """
        return await self._call(routes.RUN_FORGETTING, locals())

    async def purge(
        self, *, older_than: datetime | None = None, tenant_id: str | None = None
    ) -> PurgeResponse:
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
        return await self._call(routes.PURGE, locals())

    async def list_tenants(self) -> list[TenantInfo]:
        """Every tenant with its counts (admin).

        Returns:
            One entry per tenant: ``tenant_id``, ``memory_count`` (not deleted),
            ``fact_count``, ``event_count`` and ``last_activity``.

        Raises:
            AuthorizationError: The key used is not an admin key.
        """
        return await self._call(routes.LIST_TENANTS)

    async def get_events(
        self,
        *,
        limit: int = 50,
        page: int | None = None,
        cursor: str | None = None,
        event_type: str | None = None,
        since: datetime | None = None,
    ) -> EventPage:
        """A page of the tenant's event log, newest first (admin).

        Every change is an event: ``memory.write``, ``memory.update``, ``memory.forget``,
        ``memory.supersede``, ``memory.restore``, ``memory.purge``, ``consolidation.run``,
        ``forgetting.run``, ``key.create``, ``key.revoke``, ...

        Walk the log with ``cursor=page.next_cursor``: like the memory listing, a cursor never
        skips or repeats an event while others are logged. ``page`` jumps to a page by number
        instead.

        Args:
            limit: Events per page (1-500).
            page: Page number, from 1 (the first page when neither it nor ``cursor`` is given).
            cursor: The ``next_cursor`` of the previous page.
            event_type: Only events of this type.
            since: Only events from this time on.

        Returns:
            ``items`` (``id``, ``event_type``, ``operation``, ``actor``, ``memory_ids``,
            ``payload``, ``created_at``), ``next_cursor`` (``None`` on the last page),
            ``total``, ``per_page``, and ``page`` and ``total_pages`` when paged by number.

        Raises:
            ValidationError: Both ``page`` and ``cursor``, or a cursor the server did not issue.
            AuthorizationError: The key used is not an admin key.

        Example:
            ```python
            page = await memory.get_events(event_type="memory.forget")
            while True:
                for event in page.items:
                    print(event.created_at, event.memory_ids)
                if page.next_cursor is None:
                    break
                page = await memory.get_events(cursor=page.next_cursor)
            ```
        """
        params = {
            "per_page": str(limit),
            "page": None if page is None else str(page),
            "cursor": cursor,
            "event_type": event_type,
            "since": time_param(since),
        }
        return await self._call(routes.GET_EVENTS, params=params)

    async def stream_events(
        self, *, event_type: str | None = None, since: datetime | None = None
    ) -> AsyncIterator[EventItem]:
        """Follow the tenant's event log live (admin; server-sent events).

        Without ``since`` only events from now on are yielded. A dropped connection (or the
        server ending an idle stream) is reopened transparently, resuming right after the last
        event received. The iteration runs until you leave the loop.

        Args:
            event_type: Only events of this type.
            since: Start with the events from this time on, then follow.

        Yields:
            Each event (the items of :meth:`get_events`).

        Raises:
            AuthorizationError: The key used is not an admin key.
            APIConnectionError: The connection failed more often than ``max_retries`` allows.

        Example:
            ```python
            async for event in memory.stream_events(event_type="memory.write"):
                print(event.memory_ids)
            ```
        """
        params = {"event_type": event_type, "since": time_param(since)}
        call = self._core.build(routes.STREAM_EVENTS, params=params)
        async for event in stream(self._http, self._core, call):
            yield event

    async def verify_event_log(self, *, tenant_id: str | None = None) -> LogVerification:
        """Check the tenant's event log against its hash chain (admin).

        Each event stores the hash of the tenant's previous event; the server recomputes every
        hash, oldest first, so a stored event that was changed, removed or moved is found.

        Args:
            tenant_id: Tenant whose log is checked; the client's tenant when omitted.

        Returns:
            ``ok``, ``events`` (how many were checked), ``head_hash`` and, when the log does
            not verify, ``broken``: the first broken link's ``event_id``, ``position`` and
            ``reason``.

        Raises:
            AuthorizationError: The key used is not an admin key, or may not administer the
                tenant.

        Example:
            ```python
            report = await memory.verify_event_log()
            if not report.ok:
                print(report.broken.event_id, report.broken.reason)
            ```
        """
        check_tenant_id(tenant_id)
        return await self._call(routes.VERIFY_EVENTS, params={"tenant_id": tenant_id})

    async def component_health(self) -> ComponentHealth:
        """Health of each server component, probed for real (admin).

        Returns:
            ``status`` (``healthy`` or ``degraded``) and ``components``: for ``database``,
            ``vector_index``, ``embedder``, ``llm`` and ``scheduler``, a ``status``
            (``healthy``, ``unhealthy`` or ``disabled``), ``latency_ms``, ``details`` and
            ``error``.

        Raises:
            AuthorizationError: The key used is not an admin key.
        """
        return await self._call(routes.COMPONENTS)

    async def check_integrity(self) -> IntegrityReport:
        """Check the whole store for damage (admin key; 409 while a check runs).

        Returns:
            ``status`` (``intact``/``damaged``), ``checks``, ``problems``, ``not_checked``, hint.
        """
        return await self._call(routes.INTEGRITY_CHECK)

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
            scopes: Permissions; ``read`` and ``write`` when omitted. ``admin`` administers
                ``tenant_id`` and ``extra_tenants`` only; ``operator`` makes a global operator
                key, which administers every tenant (only an operator key may create one).
            name: A label to recognise the key by.
            extra_tenants: Further tenants the key may act on through ``X-Tenant-ID``.

        Returns:
            The key's details (``all_tenants`` is true for a global operator key) and, in
            ``key``, the secret itself, shown only this once.

        Raises:
            AuthorizationError: The key used lacks the admin scope, or may not administer
                the tenants named.
        """
        return await self._call(routes.CREATE_KEY, locals())

    async def list_api_keys(self, *, tenant_id: str | None = None) -> list[ApiKeyInfo]:
        """List API keys (admin); secrets are never returned.

        Args:
            tenant_id: Only the keys of this tenant.

        Returns:
            The keys, revoked ones included (see ``revoked_at``).

        Raises:
            AuthorizationError: The key used lacks the admin scope.
        """
        check_tenant_id(tenant_id)
        return await self._call(routes.LIST_KEYS, params={"tenant_id": tenant_id})

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
        check_id("key_id", key_id)
        return await self._call(routes.REVOKE_KEY, path_args={"key_id": key_id})

    async def create_webhook(
        self,
        url: str,
        *,
        event_types: list[str] | None = None,
        secret: str | None = None,
        tenant_id: str | None = None,
        description: str | None = None,
        enabled: bool = True,
    ) -> WebhookCreated:
        """Subscribe ``url`` to a tenant's events (admin).

        Every matching event is POSTed to ``url`` as JSON, signed in ``X-CML-Signature``, at
        least once, with retries after failures.

        Args:
            url: Where to POST (``http`` or ``https``; the server refuses private and
                link-local addresses unless its operator allows them).
            event_types: Event types of the event log (``memory.write``, ...); ``["*"]``
                (every event) when omitted.
            secret: The signing secret (16 characters or more); generated when omitted.
            tenant_id: Whose events; the client's tenant when omitted.
            description: A label to recognise the webhook by.
            enabled: Whether deliveries are queued for it.

        Returns:
            The webhook, with its ``secret``: the only time the API shows it.

        Raises:
            ValidationError: A malformed or refused URL, or an unknown event type shape.
            AuthorizationError: The key used lacks the admin scope.
        """
        return await self._call(routes.CREATE_WEBHOOK, locals())

    async def list_webhooks(self, *, tenant_id: str | None = None) -> list[WebhookInfo]:
        """Every webhook, or one tenant's (admin); secrets are never listed.

        Args:
            tenant_id: Only this tenant's webhooks.

        Returns:
            The webhooks, oldest first.
        """
        return await self._call(routes.LIST_WEBHOOKS, params={"tenant_id": tenant_id})

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        event_types: list[str] | None = None,
        secret: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookInfo:
        """Change a webhook (admin); the arguments left out stay as they are.

        Args:
            webhook_id: The webhook's id.
            url: A new URL.
            event_types: New event types (``*`` for every one).
            secret: A new signing secret.
            description: A new label.
            enabled: Pause (``False``) or resume (``True``) deliveries.

        Returns:
            The webhook as it now is.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        return await self._call(
            routes.UPDATE_WEBHOOK, locals(), path_args={"webhook_id": webhook_id}
        )

    async def delete_webhook(self, webhook_id: str) -> WebhookInfo:
        """Delete a webhook and its delivery log (admin).

        Args:
            webhook_id: The webhook's id.

        Returns:
            The webhook as it was.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        return await self._call(routes.DELETE_WEBHOOK, path_args={"webhook_id": webhook_id})

    async def test_webhook(self, webhook_id: str) -> WebhookDelivery:
        """Send a ``webhook.test`` event to this webhook alone (admin).

        Args:
            webhook_id: The webhook's id.

        Returns:
            The queued delivery; follow it with :meth:`webhook_deliveries`.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        return await self._call(routes.TEST_WEBHOOK, path_args={"webhook_id": webhook_id})

    async def webhook_deliveries(
        self, webhook_id: str, *, status: str | None = None, limit: int = 50
    ) -> list[WebhookDelivery]:
        """A webhook's delivery log, newest first (admin).

        Args:
            webhook_id: The webhook's id.
            status: Only ``pending``, ``delivered`` or ``failed`` deliveries.
            limit: At most this many.

        Returns:
            Each delivery's event, status, attempts, last HTTP status and last error.

        Raises:
            NotFoundError: No such webhook.
        """
        check_id("webhook_id", webhook_id)
        return await self._call(
            routes.LIST_WEBHOOK_DELIVERIES,
            params={"status": status, "limit": str(limit)},
            path_args={"webhook_id": webhook_id},
        )
