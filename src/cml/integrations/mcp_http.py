"""The memory tools over MCP's streamable HTTP transport (``/mcp``, ``cml mcp --http``).

The same tools as over stdio (:mod:`cml.integrations.mcp_server`), served statelessly: every HTTP
request is authenticated on its own and runs against a py-cml client made for its caller, so a
request can never act with the key of an earlier one.

A request's API key comes in ``X-API-Key`` or ``Authorization: Bearer <key>``, and an optional
``X-Tenant-ID`` picks the tenant, exactly as on the REST API. Before the request reaches MCP the
caller is checked with ``whoami``: a missing or unknown key answers 401 and a tenant the key may
not use answers 403, with the server's message; so an MCP client learns it is not signed in at
``initialize``, not at its first tool call.

- :func:`mount_mcp` adds ``/mcp`` to the py-cml app ``cml serve`` runs. The tools call the app's
  own routes in-process with the caller's key, so the server's authentication, tenant rules,
  rate limits and validation apply to them unchanged.
- :func:`mcp_http_app` is the standalone ASGI app of ``cml mcp --http``, over any client.

Needs ``pip install 'py-cml[integrations]'``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cml.config import CMLConfig
from cml.exceptions import APIError, CMLError
from cml.integrations._async.tools import AsyncMemoryToolDispatcher
from cml.integrations._extra import require
from cml.integrations.mcp_server import build_server

require("mcp")

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager  # noqa: E402
from mcp.server.transport_security import TransportSecuritySettings  # noqa: E402
from starlette.datastructures import Headers  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.types import Receive, Scope, Send  # noqa: E402

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from cml._async.client import AsyncCognitiveMemoryLayer

__all__ = ["MCP_PATH", "Caller", "ClientFactory", "loopback_only", "mcp_http_app", "mount_mcp"]

MCP_PATH = "/mcp"
"""Where ``cml serve`` and ``cml mcp --http`` serve MCP."""

logger = logging.getLogger("cml.integrations.mcp")


@dataclass(frozen=True)
class Caller:
    """Who sent one MCP request: the API key and tenant from its headers (``None`` if absent)."""

    api_key: str | None
    tenant_id: str | None

    @classmethod
    def from_headers(cls, headers: Headers) -> Caller:
        """Read ``X-API-Key`` (or ``Authorization: Bearer``) and ``X-Tenant-ID``."""
        key = headers.get("x-api-key")
        if key is None:
            scheme, _, token = headers.get("authorization", "").partition(" ")
            key = token.strip() if scheme.lower() == "bearer" and token.strip() else None
        return cls(api_key=key, tenant_id=headers.get("x-tenant-id"))


ClientFactory = Callable[[Caller], AbstractAsyncContextManager["AsyncCognitiveMemoryLayer"]]
"""Makes the py-cml client one request's tools run with, for the request's caller."""


def _refusal(exc: APIError) -> JSONResponse:
    status = exc.status_code or 401
    headers = {"WWW-Authenticate": 'Bearer realm="py-cml"'} if status == 401 else None
    body = {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
    return JSONResponse(body, status_code=status, headers=headers)


class _MCPEndpoint:
    """The ASGI app answering MCP requests, one stateless exchange per HTTP request."""

    def __init__(
        self,
        clients: ClientFactory,
        namespace: str | None,
        security: TransportSecuritySettings | None = None,
    ) -> None:
        self._clients = clients
        self._namespace = namespace
        self._security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no websockets here; lifespan belongs to the outer app
            return
        caller = Caller.from_headers(Headers(scope=scope))
        async with self._clients(caller) as client:
            try:
                await client.whoami()
            except APIError as exc:
                await _refusal(exc)(scope, receive, send)
                return
            except CMLError as exc:
                logger.warning("MCP request refused: the memory service failed: %s", exc)
                body = {"error": {"code": "unavailable", "message": str(exc), "hint": None}}
                await JSONResponse(body, status_code=503)(scope, receive, send)
                return
            dispatcher = AsyncMemoryToolDispatcher(client, namespace=self._namespace)
            # Stateless: a fresh server and manager per request, so nothing outlives the caller's
            # authentication, and the app needs no lifespan of its own (it mounts anywhere).
            manager = StreamableHTTPSessionManager(
                build_server(dispatcher),
                stateless=True,
                json_response=True,
                security_settings=self._security,
            )
            async with manager.run():
                await manager.handle_request(scope, receive, send)


def loopback_only(port: int) -> TransportSecuritySettings:
    """Accept only requests addressed to this machine's loopback names on ``port``.

    For an endpoint without keys on the loopback interface: a web page the user visits could
    otherwise reach it by DNS rebinding (a hostname of the attacker's that resolves to
    127.0.0.1), so the ``Host`` and any ``Origin`` must name the loopback interface.
    """
    names = ("127.0.0.1", "localhost", "[::1]")
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:{port}" for name in names],
        allowed_origins=[f"http://{name}:{port}" for name in names],
    )


def mcp_http_app(
    clients: ClientFactory,
    *,
    namespace: str | None = None,
    security: TransportSecuritySettings | None = None,
) -> Starlette:
    """A Starlette app serving the memory tools at :data:`MCP_PATH` over streamable HTTP.

    Args:
        clients: Makes the client each request's tools use, from the request's :class:`Caller`.
            A client it refuses to authenticate (``whoami`` fails) answers the request 401/403.
        namespace: Namespace the tools read, write and forget in.
        security: ``Host``/``Origin`` checks of the MCP SDK (see :func:`loopback_only`).

    Returns:
        The ASGI app (run it with ``uvicorn``).
    """
    from starlette.applications import Starlette
    from starlette.routing import Route

    endpoint = _MCPEndpoint(clients, namespace, security)
    return Starlette(routes=[Route(MCP_PATH, endpoint, methods=["GET", "POST", "DELETE"])])


def mount_mcp(app: Starlette, *, namespace: str | None = None) -> None:
    """Serve the memory tools at :data:`MCP_PATH` of the py-cml server app ``app``.

    Each request's tools call ``app``'s own routes in-process, with the request's API key and
    tenant: the server's authentication, tenant isolation and rate limits apply as on the REST
    API.

    Args:
        app: The app of :func:`cml.server.app.create_app`.
        namespace: Namespace the tools read, write and forget in.
    """
    from starlette.routing import Route

    from cml._asgi import StreamingASGITransport
    from cml._async.client import AsyncCognitiveMemoryLayer
    from cml._embedded import EMBEDDED_URL

    @asynccontextmanager
    async def in_process(caller: Caller) -> AsyncIterator[AsyncCognitiveMemoryLayer]:
        # No retries: in-process there is no network to be flaky.
        config = CMLConfig(
            base_url=EMBEDDED_URL,
            api_key=caller.api_key,
            tenant_id=caller.tenant_id,
            max_retries=0,
        )
        transport = StreamingASGITransport(app)
        async with AsyncCognitiveMemoryLayer(config=config, transport=transport) as client:
            yield client

    endpoint = _MCPEndpoint(in_process, namespace)
    app.router.routes.append(Route(MCP_PATH, endpoint, methods=["GET", "POST", "DELETE"]))
