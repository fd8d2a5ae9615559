# Generated from async_client.py by scripts/unasync.py: do not edit by hand;
# change async_client.py and run `python scripts/unasync.py`.
"""The CognitiveMemoryLayer client: py-cml over HTTP.

``cml/client.py`` is generated from this module by ``scripts/unasync.py``; edit this one and run
``python scripts/unasync.py``. Requests are built and answers read by :mod:`cml._core`; this
module only adds the method signatures and the send loop of :mod:`cml.transport`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self, TypeVar

import httpx

from cml import _core
from cml._core import Call, ClientCore
from cml.config import CMLConfig, resolve_config
from cml.exceptions import ConfigurationError
from cml.models import (
    ApiKeyCreated,
    ApiKeyInfo,
    Feedback,
    ForgetResponse,
    HealthResponse,
    MemoryType,
    ReadFormat,
    ReadResponse,
    Scope,
    StatsResponse,
    TurnResponse,
    UpdateResponse,
    WriteResponse,
)
from cml.transport import send_sync

__all__ = ["CognitiveMemoryLayer"]

T = TypeVar("T")


class CognitiveMemoryLayer:
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
        with CognitiveMemoryLayer(api_key="...", tenant_id="acme") as memory:
            memory.write("User prefers window seats", context_tags=["travel"])
            result = memory.read("seating preference")
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
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
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
        self._http = http_client or httpx.Client(
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

    def __repr__(self) -> str:
        config = self._core.config
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}, tenant_id={config.tenant_id!r})"
        )

    def _send(self, call: Call[T]) -> T:
        return send_sync(self._http, self._core, call)

    def health(self) -> HealthResponse:
        """Check that the server is up.

        Returns:
            Status (``ok`` or ``degraded``), server version and storage backend.

        Raises:
            APIConnectionError: The server cannot be reached.
        """
        call = self._core.build(_core.HEALTH)
        return self._send(call)

    def write(
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
            memory.write("User is allergic to peanuts", memory_type="constraint")
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
        return self._send(call)

    def read(
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
            result = memory.read("dietary restrictions", max_results=5)
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
        return self._send(call)

    def turn(
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
            turn = memory.turn("Book me a flight to Oslo", session_id="s1")
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
        return self._send(call)

    def update(
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
        """Change one memory; give at least one of the optional fields.

        Args:
            memory_id: The memory to change.
            text: New text (re-embedded).
            confidence: New confidence, in [0, 1].
            importance: New importance, in [0, 1].
            metadata: New metadata (replaces the old object).
            feedback: ``correct``, ``incorrect`` (silences the memory) or ``outdated``
                (archives it).
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
        }
        call = self._core.build(_core.UPDATE, body, idempotency_key=idempotency_key)
        return self._send(call)

    def forget(
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
        return self._send(call)

    def stats(self, *, namespace: str | None = None) -> StatsResponse:
        """Count this tenant's memories by type and status.

        Args:
            namespace: Count only this namespace.

        Returns:
            Totals, counts by type and by status, and the store's size on disk.
        """
        _core.check_namespace(namespace)
        call = self._core.build(_core.STATS, params={"namespace": namespace})
        return self._send(call)

    def create_api_key(
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
        return self._send(call)

    def list_api_keys(self, *, tenant_id: str | None = None) -> list[ApiKeyInfo]:
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
        return self._send(call)

    def revoke_api_key(self, key_id: str) -> ApiKeyInfo:
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
        return self._send(call)

    def close(self) -> None:
        """Release the connections (an ``http_client`` passed in is left open)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
