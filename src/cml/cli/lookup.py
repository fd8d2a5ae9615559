"""``cml memories list|show|history``: look up a tenant's memories (a read key is enough).

::

    cml memories list [--type T] [--status S] [--namespace NS] [--tag T] [--agent A]
                      [--metadata KEY=VALUE] [--limit N]
    cml memories show ID
    cml memories history ID

Registered on ``cml memories`` by :mod:`cml.cli.commands`; like the other memory commands they
reach a server or a local store (``--db``) and print a table, or JSON with ``--json``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.text import Text

from cml import CognitiveMemoryLayer, MemoryRecordOut
from cml.cli._client import connected
from cml.cli._common import err
from cml.cli._output import memory_table, print_json, print_table, printed, short_time, table
from cml.cli.memories import NamespaceOption
from cml.models import MemoryVersion

__all__ = ["history_command", "list_command", "show_command"]

MemoryIdArgument = Annotated[str, typer.Argument(help="The memory's id.", metavar="ID")]


def _metadata(pairs: list[str] | None) -> dict[str, Any] | None:
    """``KEY=VALUE`` pairs as a metadata filter; a VALUE that is JSON (1, true) keeps its type."""
    if not pairs:
        return None
    found: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--metadata")
        try:
            found[key] = json.loads(value)
        except ValueError:
            found[key] = value
    return found


@connected
def list_command(
    types: Annotated[
        list[str] | None,
        typer.Option("--type", help="Only this memory type (repeatable).", show_default=False),
    ] = None,
    status: Annotated[str, typer.Option("--status", help="Only this status, or `all`.")] = "active",
    namespace: NamespaceOption = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Holding this tag (repeatable: any).", show_default=False),
    ] = None,
    agent: Annotated[
        str | None, typer.Option("--agent", help="Written by this agent.", show_default=False)
    ] = None,
    metadata: Annotated[
        list[str] | None,
        typer.Option(
            "--metadata", help="KEY=VALUE the metadata must hold (repeatable).", show_default=False
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-l", min=1, max=100_000, help="Most memories listed.")
    ] = 20,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """List the tenant's memories, oldest first, with filters."""
    wanted = _metadata(metadata)
    items: list[MemoryRecordOut] = []
    cursor: str | None = None
    while len(items) < limit:
        page = client.list_memories(
            cursor=cursor,
            per_page=min(500, limit - len(items)),
            memory_types=types,
            status=status,
            namespace=namespace,
            metadata=wanted,
            context_tags=tags,
            agent_id=agent,
        )
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    if as_json:
        print_json(items)
        return
    if not items:
        err.print("No memories.")
        return
    print_table(memory_table(items))
    if cursor is not None:
        err.print(f"First {len(items)} shown; --limit lists more.")


def _print_details(record: MemoryRecordOut) -> None:
    details = table("field", "value", no_wrap=("field",))
    for name, value in record.model_dump(mode="json", exclude_none=True).items():
        if value in ({}, []):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        details.add_row(name, Text(shown))
    print_table(details)


@connected
@printed(_print_details)
def show_command(
    memory_id: MemoryIdArgument, namespace: NamespaceOption = None, *, client: CognitiveMemoryLayer
) -> MemoryRecordOut:
    """One memory in full, whatever its status."""
    return client.get(memory_id, namespace=namespace)


def _print_states(states: list[MemoryVersion]) -> None:
    listing = table("version", "recorded", "status", "text")
    for state in states:
        mark = " (current)" if state.current else ""
        reason = f"\n{state.reason}" if state.reason else ""
        listing.add_row(
            f"{state.version}{mark}",
            short_time(state.recorded_at),
            str(state.status),
            Text(state.text + reason),
        )
    print_table(listing)


@connected
@printed(_print_states)
def history_command(
    memory_id: MemoryIdArgument, namespace: NamespaceOption = None, *, client: CognitiveMemoryLayer
) -> list[MemoryVersion]:
    """Every state of one memory, newest (the current one) first."""
    return client.history(memory_id, namespace=namespace)
