"""``cml keys``: create, list and revoke API keys in the configured store (no server needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from cml.cli._common import DatabaseUrlOption, DataDirOption, cli_errors, err, settings_from
from cml.cli._output import print_table, short_time, table
from cml.cli._typer import CmlTyper
from cml.models import ApiKeyInfo, CreateKeyRequest, Scope

if TYPE_CHECKING:
    from cml.engine.keys import KeyManager

__all__ = ["key_kind", "keys_app"]

keys_app = CmlTyper(help="Create, list and revoke API keys in the configured store.")


@contextmanager
def _key_manager(data_dir: Path | None, database_url: str | None) -> Iterator[KeyManager]:
    # Keys need only the store: opening it directly spares loading an embedding model.
    from cml.engine.keys import KeyManager
    from cml.storage import open_store

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    with cli_errors():
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


def key_kind(key: ApiKeyInfo) -> str:
    """Which kind of key ``key`` is, in words: global operator, tenant admin, or tenant key.

    Example:
        ``key_kind(created)`` -> ``"a tenant admin key bound to 'acme'"``
    """
    tenants = " + ".join(repr(t) for t in [key.tenant_id, *key.extra_tenants])
    if key.all_tenants:
        return f"a global operator key (administers every tenant; home tenant {key.tenant_id!r})"
    if Scope.ADMIN in key.scopes:
        return f"a tenant admin key bound to {tenants}"
    return f"a key for tenant {tenants}"


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant the key belongs to.")],
    scopes: Annotated[
        str,
        typer.Option(
            help="Comma-separated scopes: read, write, admin (of the key's tenants), operator."
        ),
    ] = "read,write",
    global_key: Annotated[
        bool,
        typer.Option(
            "--global",
            help="A global operator key: administers every tenant (adds the operator scope).",
        ),
    ] = False,
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
    """Create an API key and print its secret (shown only this once).

    ``--scopes admin`` makes an admin key bound to ``--tenant`` (and ``--extra-tenant``);
    ``--global`` makes a global operator key, which administers every tenant.
    """
    parsed_scopes = _parse_scopes(scopes)
    if global_key and Scope.OPERATOR not in parsed_scopes:
        parsed_scopes.append(Scope.OPERATOR)
    with cli_errors():
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
    err.print(
        f"Created {key_kind(created)} [bold]{created.id}[/] "
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
        err.print("No API keys." if tenant is None else f"No API keys for tenant {tenant!r}.")
        return
    # Ids are copied into `cml keys revoke`: they never wrap; the rest stacks beneath them so
    # that the table fits 80 columns.
    listing = table(
        "key / prefix, name", "tenant / scopes", "created / revoked", no_wrap=["key / prefix, name"]
    )
    for key in listed:
        first = Text(key.id)
        first.append(f"\n{key.prefix}  {key.name or ''}".rstrip(), style="dim")
        tenants = " ".join([key.tenant_id, *(f"+{extra}" for extra in key.extra_tenants)])
        second = Text(tenants)
        second.append("\n" + ",".join(str(s) for s in key.scopes), style="dim")
        third = Text(short_time(key.created_at))
        if key.revoked_at is not None:
            third.append(f"\nrevoked {short_time(key.revoked_at)}", style="red")
        listing.add_row(first, second, third)
    print_table(listing)


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
