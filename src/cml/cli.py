"""The ``cml`` command: run the server and manage API keys.

::

    cml serve [--host H] [--port P] [--data-dir D]
    cml keys create --tenant T [--scopes read,write] [--name N] [--extra-tenant X] [--json]
    cml keys list [--tenant T] [--json]
    cml keys revoke KEY_ID
    cml version

Settings come from ``CML_*`` environment variables (see
:class:`cml.server.settings.ServerSettings`); command-line options override them. The ``keys``
commands work on the configured store directly, no running server needed. Expected failures
print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from cml._version import __version__
from cml.engine.keys import KeyManager
from cml.errors import EngineError
from cml.models import ApiKeyInfo, CreateKeyRequest, Scope
from cml.server.settings import ServerSettings

__all__ = ["app", "main"]

app = typer.Typer(
    name="cml",
    help="py-cml: long-term memory for LLM applications and agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
keys_app = typer.Typer(
    help="Create, list and revoke API keys in the configured store.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")

_err = Console(stderr=True, highlight=False)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (overrides CML_DATA_DIR).", show_default=False),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="Database URL (overrides CML_DATABASE_URL).", show_default=False
    ),
]


def _fail(message: str, code: int = 1) -> NoReturn:
    _err.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "value"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def _settings(**overrides: Any) -> ServerSettings:
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return ServerSettings(**given)
    except ValidationError as exc:
        _fail(f"invalid settings: {_validation_message(exc)}", code=2)


@contextmanager
def _cli_errors() -> Iterator[None]:
    try:
        yield
    except EngineError as exc:
        _fail(exc.message + (f" ({exc.hint})" if exc.hint else ""))
    except ValidationError as exc:
        _fail(_validation_message(exc), code=2)
    except OSError as exc:
        _fail(str(exc))


@contextmanager
def _key_manager(data_dir: Path | None, database_url: str | None) -> Iterator[KeyManager]:
    # Keys need only the store: opening it directly spares loading an embedding model.
    from cml.storage import open_store

    settings = _settings(data_dir=data_dir, database_url=database_url)
    with _cli_errors():
        settings.ensure_data_dir()
        store = open_store(settings.resolved_database_url)
        try:
            yield KeyManager(store)
        finally:
            store.close()


def _parse_scopes(value: str) -> list[Scope]:
    scopes = []
    for part in value.split(","):
        name = part.strip().lower()
        if not name:
            continue
        try:
            scopes.append(Scope(name))
        except ValueError:
            choices = ", ".join(s.value for s in Scope)
            raise typer.BadParameter(f"unknown scope {name!r}; choose from {choices}") from None
    if not scopes:
        raise typer.BadParameter("give at least one scope")
    return list(dict.fromkeys(scopes))


@app.command()
def version() -> None:
    """Print the py-cml version."""
    typer.echo(f"py-cml {__version__}")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (CML_HOST).", show_default=False)
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (CML_PORT).", show_default=False)
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    log_level: Annotated[
        str | None, typer.Option(help="Log level (CML_LOG_LEVEL).", show_default=False)
    ] = None,
) -> None:
    """Run the HTTP server."""
    import uvicorn

    from cml.engine import open_engine
    from cml.server.app import create_app

    settings = _settings(
        host=host, port=port, data_dir=data_dir, database_url=database_url, log_level=log_level
    )
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s: %(message)s")
    # The engine is opened here rather than in the app's lifespan so that a bad database URL or
    # a store built with another embedding model is one clear line, not a startup traceback.
    with _cli_errors():
        settings.ensure_data_dir()
        engine = open_engine(settings.to_engine_config())
    try:
        bootstrap = settings.api_key is not None or settings.admin_api_key is not None
        if settings.auth_enabled and not bootstrap and not engine.keys.list():
            _err.print(
                "Auth is on: requests need a key from `cml keys create --tenant <tenant>` "
                "(or set CML_API_KEY / CML_ADMIN_API_KEY for development)."
            )
        uvicorn.run(
            create_app(settings, engine=engine),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
    finally:
        engine.close()


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant the key belongs to.")],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated scopes: read, write, admin.")
    ] = "read,write",
    name: Annotated[
        str | None, typer.Option(help="A label to recognise the key by.", show_default=False)
    ] = None,
    extra_tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--extra-tenant",
            help="A further tenant the key may act on (repeatable).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key as JSON.")] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create an API key and print its secret (shown only this once)."""
    parsed_scopes = _parse_scopes(scopes)
    with _cli_errors():
        request = CreateKeyRequest(
            tenant_id=tenant, scopes=parsed_scopes, name=name, extra_tenants=extra_tenant or []
        )
    with _key_manager(data_dir, database_url) as keys:
        created = keys.create(request, actor="cli")
    if as_json:
        typer.echo(created.model_dump_json(indent=2))
        return
    # The secret alone goes to stdout so that `KEY=$(cml keys create ...)` captures just it.
    typer.echo(created.key)
    _err.print(
        f"Created key [bold]{created.id}[/] for tenant [bold]{created.tenant_id}[/] "
        f"(scopes: {', '.join(str(s) for s in created.scopes)}). "
        "Store the secret now: it cannot be shown again."
    )


@keys_app.command("list")
def keys_list(
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="Only keys of this tenant.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List API keys (never their secrets), revoked ones included."""
    with _key_manager(data_dir, database_url) as keys:
        listed: list[ApiKeyInfo] = keys.list(tenant)
    if as_json:
        typer.echo(json.dumps([key.model_dump(mode="json") for key in listed], indent=2))
        return
    if not listed:
        _err.print("No API keys." if tenant is None else f"No API keys for tenant {tenant!r}.")
        return
    table = Table()
    # Ids are copied into `cml keys revoke`: they must never wrap, whatever the width.
    table.add_column("id", no_wrap=True)
    table.add_column("tenant", no_wrap=True)
    for title in ("scopes", "name", "prefix", "extra tenants", "created", "revoked"):
        table.add_column(title)
    for key in listed:
        table.add_row(
            key.id,
            key.tenant_id,
            ",".join(str(s) for s in key.scopes),
            key.name or "",
            key.prefix,
            ",".join(key.extra_tenants),
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else "",
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Id of the key (from `cml keys list`).")],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Revoke an API key; it stops working at once."""
    with _key_manager(data_dir, database_url) as keys:
        revoked: ApiKeyInfo = keys.revoke(key_id, actor="cli")
    typer.echo(f"Revoked key {revoked.id} of tenant {revoked.tenant_id}.")


def main() -> None:
    """Entry point of the ``cml`` console script and of ``python -m cml``."""
    app()
