"""``cml mcp``: the memory tools over the Model Context Protocol (stdio, or HTTP with ``--http``).

Against a running server (``--url``, with ``--api-key`` or ``CML_API_KEY``) or, by default, an
embedded store: ``--db PATH``, else the configured database (``CML_DATABASE_URL``, or
``CML_DATA_DIR/cml.db``). Over stdio, stdout carries the protocol; logs and errors go to stderr.

With ``--http`` the tools are served over streamable HTTP at ``http://HOST:PORT/mcp``. Against
``--url``, a request's own key (``X-API-Key`` or ``Authorization: Bearer``) and ``X-Tenant-ID``
are passed on to the server, ``--api-key`` serving requests that bring none. An embedded store
has no keys: whoever reaches the port uses it, so the default host is the loopback interface.
(``cml serve`` also serves ``/mcp``, behind its own API keys.)
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import anyio
import typer

from cml.cli._client import ApiKeyOption, TenantOption
from cml.cli._common import fail, settings_from
from cml.exceptions import CMLError

if TYPE_CHECKING:
    from cml import AsyncCognitiveMemoryLayer
    from cml.integrations.mcp_http import Caller, ClientFactory

__all__ = ["mcp_command", "mount_mcp_when_installed"]

logger = logging.getLogger("cml.cli")

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def mount_mcp_when_installed(app: Any) -> bool:
    """Add ``/mcp`` to the server app when the ``mcp`` package is installed.

    Args:
        app: The app of :func:`cml.server.app.create_app`.

    Returns:
        Whether ``/mcp`` is served.
    """
    try:
        from cml.integrations.mcp_http import mount_mcp
    except ImportError:
        logger.info("MCP over HTTP is off: pip install 'py-cml[integrations]' to serve /mcp")
        return False
    mount_mcp(app)
    return True


def _client(
    url: str | None,
    api_key: str | None,
    tenant: str | None,
    db: Path | None,
    embedding_provider: str | None,
) -> AsyncCognitiveMemoryLayer:
    if url is not None:
        from cml import AsyncCognitiveMemoryLayer

        return AsyncCognitiveMemoryLayer(api_key=api_key, base_url=url, tenant_id=tenant)
    from cml import AsyncEmbeddedCognitiveMemoryLayer

    # Settings from CML_* first, so that without --db the store is the one `cml serve` uses.
    settings = settings_from(embedding_provider=embedding_provider)
    return AsyncEmbeddedCognitiveMemoryLayer(db, tenant_id=tenant, settings=settings)


async def _serve(client: AsyncCognitiveMemoryLayer, namespace: str | None) -> None:
    from cml.integrations.mcp_server import serve_stdio

    try:
        await serve_stdio(client, namespace=namespace)
    finally:
        await client.close()


def _http_clients(
    client: AsyncCognitiveMemoryLayer, url: str | None, api_key: str | None, tenant: str | None
) -> ClientFactory:
    """Per request: the embedded client itself, or a client for ``url`` with the caller's key."""

    @asynccontextmanager
    async def shared(caller: Caller) -> AsyncIterator[AsyncCognitiveMemoryLayer]:
        yield client

    @asynccontextmanager
    async def forwarding(caller: Caller) -> AsyncIterator[AsyncCognitiveMemoryLayer]:
        from cml import AsyncCognitiveMemoryLayer

        async with AsyncCognitiveMemoryLayer(
            api_key=caller.api_key or api_key,
            base_url=url,
            tenant_id=caller.tenant_id or tenant,
        ) as forwarded:
            yield forwarded

    return shared if url is None else forwarding


def _serve_http(
    client: AsyncCognitiveMemoryLayer,
    clients: ClientFactory,
    namespace: str | None,
    host: str,
    port: int,
    log_level: str,
) -> None:
    import uvicorn

    from cml.integrations.mcp_http import MCP_PATH, loopback_only, mcp_http_app

    typer.echo(f"MCP over streamable HTTP at http://{host}:{port}{MCP_PATH}", err=True)
    # On the loopback interface, only requests addressed to it: no DNS rebinding from a web page.
    security = loopback_only(port) if host in _LOOPBACK else None
    app = mcp_http_app(clients, namespace=namespace, security=security)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        anyio.run(client.close)


def mcp_command(
    url: Annotated[
        str | None,
        typer.Option("--url", help="py-cml server to use; an embedded store when omitted."),
    ] = None,
    api_key: ApiKeyOption = None,
    tenant: TenantOption = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Embedded SQLite file (default: CML_DATABASE_URL, else CML_DATA_DIR/cml.db).",
            show_default=False,
        ),
    ] = None,
    embedding_provider: Annotated[
        str | None,
        typer.Option(
            "--embedding-provider",
            help="Embedded store's embedder: local, hash or openai (CML_EMBEDDING_PROVIDER).",
            show_default=False,
        ),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", help="Namespace the tools work in.", show_default=False),
    ] = None,
    log_level: Annotated[str, typer.Option(help="Log level of the stderr log.")] = "warning",
    http: Annotated[
        bool, typer.Option("--http", help="Serve streamable HTTP at /mcp instead of stdio.")
    ] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on with --http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on with --http.")] = 8765,
) -> None:
    """Serve the memory tools to MCP clients over stdio, or over HTTP with --http."""
    if url is not None and (db is not None or embedding_provider is not None):
        fail("--db and --embedding-provider are for an embedded store; drop them or --url.", 2)
    if url is None and api_key is not None:
        fail("--api-key is for a server: give --url too.", 2)
    # Stdout is the protocol, so the log must never reach it.
    logging.basicConfig(
        stream=sys.stderr, level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        from cml.integrations import mcp_server  # noqa: F401  (fails early when mcp is missing)

        client = _client(url, api_key, tenant, db, embedding_provider)
    except (ImportError, CMLError, OSError) as exc:
        fail(str(exc))  # fail() escapes console markup such as "[integrations]"
    if http:
        clients = _http_clients(client, url, api_key, tenant)
        _serve_http(client, clients, namespace, host, port, log_level.lower())
        return
    anyio.run(_serve, client, namespace)
