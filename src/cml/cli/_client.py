"""How a ``cml`` memory or admin command reaches py-cml: a server, or a local store in-process.

Every such command takes the same options: ``--url`` and ``--api-key`` for a server (defaults:
``CML_BASE_URL`` and ``CML_API_KEY``; admin commands also use ``CML_ADMIN_API_KEY``), or
``--db PATH`` to open a SQLite store in this process (no server, no key; the server extra). Both
go through the SDK, so a command behaves the same either way.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cml.cli._common import cli_errors, fail, settings_from

if TYPE_CHECKING:
    from cml import CognitiveMemoryLayer

__all__ = ["ApiKeyOption", "JsonOption", "TenantOption", "connect", "connected"]

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="Server to use (CML_BASE_URL).", show_default=False),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", help="API key for --url (CML_API_KEY).", show_default=False),
]
TenantOption = Annotated[
    str | None,
    typer.Option("--tenant", "-t", help="Tenant to act on (CML_TENANT_ID).", show_default=False),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Open this SQLite store in-process instead of a server.", show_default=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@contextmanager
def connect(
    url: str | None, api_key: str | None, tenant: str | None, db: Path | None
) -> Iterator[CognitiveMemoryLayer]:
    """A client for the command, closed afterwards; SDK errors become one ``Error:`` line.

    Args:
        url: Base URL of a server (else ``CML_BASE_URL``, else the SDK's default).
        api_key: API key for the server (else ``CML_API_KEY``).
        tenant: Tenant to act on (else ``CML_TENANT_ID``, else the key's own).
        db: A SQLite file to open in-process instead of a server.

    Yields:
        The client (an embedded one with ``db``).
    """
    if db is not None and (url is not None or api_key is not None):
        fail(
            "--db opens a local store; --url and --api-key are for a server: give one of them.",
            2,
        )
    with cli_errors():
        if db is None:
            from cml import CognitiveMemoryLayer

            client = CognitiveMemoryLayer(api_key=api_key, base_url=url, tenant_id=tenant)
        else:
            from cml import EmbeddedCognitiveMemoryLayer

            # CML_* settings first (embedder, limits), so the store opens as `cml serve` opens it.
            client = EmbeddedCognitiveMemoryLayer(db, tenant_id=tenant, settings=settings_from())
        with client:
            yield client


_CONNECTION = (
    ("url", UrlOption, None),
    ("api_key", ApiKeyOption, None),
    ("tenant", TenantOption, None),
    ("db", DbOption, None),
)


def connected(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the connection options and ``--json``, and run it with an open client.

    The command takes ``client`` (the open client) and ``as_json`` (whether ``--json`` was
    given) besides its own options, and ``tenant`` (the ``--tenant`` given, or ``None``) if it
    declares it; the returned function's signature, which Typer reads, has its own options
    followed by ``--url``, ``--api-key``, ``--tenant``, ``--db`` and ``--json``.

    Args:
        command: The command's function.

    Returns:
        The function to register with Typer.
    """
    signature = inspect.signature(command, eval_str=True)
    passed = ("client", "as_json", "tenant")
    own = [p for p in signature.parameters.values() if p.name not in passed]
    wants_tenant = "tenant" in signature.parameters
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default)
        for name, kind, default in (*_CONNECTION, ("as_json", JsonOption, False))
    ]

    @functools.wraps(command)
    def run(**options: Any) -> None:
        target = [options.pop(name) for name, _, _ in _CONNECTION]
        if wants_tenant:
            options["tenant"] = target[2]
        with connect(*target) as client:
            command(client=client, **options)

    parameters = [*own, *added]
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run
