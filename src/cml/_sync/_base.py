# Generated from src/cml/_async/_base.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""What every client is before its API methods: settings, tenant, namespace, connection.

:class:`ClientBase` holds the connection (an ``httpx`` client) and the I/O-free
:class:`~cml._core.ClientCore`; the API methods live in :mod:`._memories` and :mod:`._admin` and
are combined into :class:`~cml._sync.client.CognitiveMemoryLayer`.

``with_namespace`` makes a copy of the client, of the same class, that shares the connection and
the settings (so ``set_tenant`` on either is seen by both) and whose core confines every
namespaced route of the contract to the namespace.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Self, TypeVar

import httpx

from cml._sync.transport import send
from cml._core import Call, ClientCore, request_body
from cml.config import CMLConfig, resolve_config
from cml.exceptions import ConfigurationError
from cml.models import HealthResponse, WhoAmIResponse, routes
from cml.models.routes import Route

__all__ = ["ClientBase"]

T = TypeVar("T")


class ClientBase:
    """Settings, tenant, namespace and connection of a client.

    The arguments are those of ``CognitiveMemoryLayer``, which documents them.
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
        config = resolve_config(config, locals())
        if http_client is not None and transport is not None:
            raise ConfigurationError("Pass http_client= or transport=, not both.")
        self._core = ClientCore(config)
        # The client that opened the connection closes it; namespaced copies never do.
        self._owner = http_client is None
        self._parent: ClientBase | None = None
        self._http = http_client or httpx.Client(
            transport=transport, timeout=config.timeout, verify=config.verify_ssl
        )

    @property
    def tenant_id(self) -> str | None:
        """The tenant this client's requests act on.

        The configured tenant (``tenant_id=``, ``CML_TENANT_ID`` or :meth:`set_tenant`); else
        the API key's own tenant, as the server reported it on the first authenticated call;
        ``None`` before that (:meth:`whoami` asks at once).
        """
        return self._core.tenant_id

    @property
    def namespace(self) -> str | None:
        """The namespace this client is confined to (see :meth:`with_namespace`), or ``None``."""
        return self._core.namespace

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
        The client and every namespaced copy of it (``with_namespace``) switch together.

        Args:
            tenant_id: The tenant, 1-64 letters, digits, ``_``, ``.`` or ``-``.

        Raises:
            ValidationError: ``tenant_id`` is not a valid tenant id (nothing changes).

        Example:
            ```python
            memory.set_tenant("globex")
            memory.write("Globex renews in March")  # stored for tenant globex
            ```
        """
        self._core.set_tenant(tenant_id)

    def with_namespace(self, namespace: str) -> Self:
        """This client confined to one namespace of the tenant: a client of the same class.

        Through it, writes, batch writes and turns store in ``namespace``; reads, turns, batch
        reads, forget, stats and iteration see only ``namespace``; an update of a memory outside
        it is ``NotFoundError``; passing another ``namespace=`` is ``ValidationError``.
        Everything else (health, keys, tenant, admin operations) acts as on this client.
        It shares this client's connection and settings (``set_tenant`` on either changes
        both); closing it closes nothing, close the client it was made from. Namespaces are
        exact partitions: ``with_namespace("a").with_namespace("b")`` is namespace ``a/b``,
        which neither sees nor is seen from ``a``.

        Args:
            namespace: 1-4 ``/``-separated segments of 1-64 letters, digits, ``_``, ``.``,
                ``-`` (each starting with a letter or digit), nested in this client's own
                namespace if it has one (four segments in all at most).

        Returns:
            The confined client.

        Raises:
            ValidationError: ``namespace`` is empty or malformed, or nesting exceeds four
                segments (the message states the rule).

        Example:
            ```python
            notes = memory.with_namespace("project-x")
            notes.write("Kick-off is on Monday")
            ```
        """
        bound = copy.copy(self)
        bound._core = self._core.bind(namespace)
        bound._owner = False
        # Keeps the owner alive, and with it the connection (and an embedded client's engine).
        bound._parent = self
        return bound

    def __repr__(self) -> str:
        config = self._core.config
        scope = f", namespace={self.namespace!r}" if self.namespace is not None else ""
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}, tenant_id={self.tenant_id!r}"
            f"{scope})"
        )

    def _send(self, call: Call[T]) -> T:
        return send(self._http, self._core, call)

    def _call(
        self, route: Route[T], arguments: Mapping[str, Any] | None = None, **options: Any
    ) -> T:
        # The body is the arguments that are fields of the route's request model; the options
        # are those of ClientCore.build (params, path_args, idempotency_key).
        body = None if arguments is None else request_body(route, arguments)
        return self._send(self._core.build(route, body, **options))

    def health(self) -> HealthResponse:
        """Check that the server is up (needs no key; does not report the tenant).

        Returns:
            Status (``ok`` or ``degraded``), server version and storage backend.

        Raises:
            APIConnectionError: The server cannot be reached.
        """
        return self._call(routes.HEALTH)

    def ready(self) -> HealthResponse:
        """Wait until the server can serve a write: its model is loaded and its database answers.

        The server answers 503 while it starts; the client retries that like any 503 (honouring
        ``Retry-After``, up to ``max_retries`` times) before giving up.

        Returns:
            Each part's state (``embedder``, ``database``) with ``ready`` true.

        Raises:
            ServiceUnavailableError: Still not ready after the retries; the message says which
                part is missing.
            APIConnectionError: The server cannot be reached.
        """
        return self._call(routes.READY)

    def whoami(self) -> WhoAmIResponse:
        """Who this client's requests are made as.

        The answer describes ``api_key``: ``admin_api_key`` is sent on admin calls only.

        Returns:
            The API key's id, the tenant the requests act on (``tenant_id`` reports it from
            then on), the key's own tenant, its scopes, and the tenants it may act on
            (``all_tenants`` for admin keys and embedded clients).

        Raises:
            AuthenticationError: The API key is missing or not valid.
            AuthorizationError: The key may not act on the configured tenant.

        Example:
            ```python
            me = memory.whoami()
            print(me.tenant_id, me.scopes)
            ```
        """
        return self._call(routes.WHOAMI)

    def close(self) -> None:
        """Release the connections (an ``http_client`` passed in is left open).

        A namespaced copy (``with_namespace``) closes nothing: close the client it was made from.
        """
        if self._owner:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
