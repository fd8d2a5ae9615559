"""``cml mcp``: the memory tools over the Model Context Protocol (stdio).

Against a running server (``--url``, with ``--api-key`` or ``CML_API_KEY``) or, by default, an
embedded store: ``--db PATH``, else the configured database (``CML_DATABASE_URL``, or
``CML_DATA_DIR/cml.db``). Stdout carries the protocol; logs and errors go to stderr.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import anyio
import typer

from cml.cli._common import fail, settings_from
from cml.exceptions import CMLError

if TYPE_CHECKING:
    from cml import AsyncCognitiveMemoryLayer

__all__ = ["mcp_command"]


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


def mcp_command(
    url: Annotated[
        str | None,
        typer.Option("--url", help="py-cml server to use; an embedded store when omitted."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="API key for --url (CML_API_KEY).", show_default=False),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="Tenant to act on (CML_TENANT_ID).", show_default=False),
    ] = None,
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
) -> None:
    """Serve remember / recall / forget to MCP clients over stdio."""
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
        fail(str(exc))
    anyio.run(_serve, client, namespace)
