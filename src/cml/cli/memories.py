"""``cml memories`` and ``cml stats``: search, inspect, forget and restore memories.

::

    cml memories search "where does the user live" [--limit N] [--type T] [--namespace NS]
    cml memories forget [ID ...] [--query Q] [--before DATE] [--session S] [--hard --yes]
    cml memories restore ID [ID ...]
    cml stats [--namespace NS]

(``list``, ``show`` and ``history`` are in :mod:`cml.cli.lookup`.)

Each works against a server (``--url``, ``--api-key``) or a local store (``--db PATH``) and
prints a table, or JSON with ``--json``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from cml import CognitiveMemoryLayer
from cml.cli._client import connected
from cml.cli._common import err, fail
from cml.cli._output import memory_table, print_json, print_table, table
from cml.cli._typer import CmlTyper

__all__ = ["NamespaceOption", "as_utc", "memories_app", "stats_command"]

memories_app = CmlTyper(help="Search, list, show, forget and restore memories.")

NamespaceOption = Annotated[
    str | None,
    typer.Option("--namespace", "-n", help="Only this namespace.", show_default=False),
]


def as_utc(value: datetime | None) -> datetime | None:
    """A date from the command line, read as UTC when it names no zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@memories_app.command("search")
@connected
def search_command(
    query: Annotated[str, typer.Argument(help="What to recall, in natural language.")],
    limit: Annotated[
        int, typer.Option("--limit", "-l", min=1, max=100, help="Most memories to show.")
    ] = 10,
    types: Annotated[
        list[str] | None,
        typer.Option("--type", help="Only this memory type (repeatable).", show_default=False),
    ] = None,
    namespace: NamespaceOption = None,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Recall the memories most relevant to QUERY, best first, with their relevance."""
    result = client.read(
        query, max_results=limit, memory_types=types, namespace=namespace, format="list"
    )
    if as_json:
        print_json(result.memories)
    elif result.memories:
        print_table(memory_table(result.memories, scores=True))
    else:
        err.print("No memory matches.")


@memories_app.command("forget")
@connected
def forget_command(
    memory_ids: Annotated[
        list[str] | None,
        typer.Argument(help="Ids of the memories to forget.", metavar="ID", show_default=False),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option("--query", "-q", help="Memories similar to this text.", show_default=False),
    ] = None,
    before: Annotated[
        datetime | None,
        typer.Option("--before", help="Memories older than this (UTC).", show_default=False),
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="Memories of this session.", show_default=False)
    ] = None,
    namespace: NamespaceOption = None,
    hard: Annotated[
        bool, typer.Option("--hard", help="Delete for good (not restorable); asks first.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before --hard.")] = False,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Forget memories by id, similarity to --query, age (--before) or --session.

    Selectors combine with AND. Forgotten memories stay restorable (`cml memories restore`)
    until purged, unless --hard.
    """
    if not (memory_ids or query or before or session):
        fail("Say what to forget: memory ids, --query, --before or --session.", 2)
    if hard and not yes and not typer.confirm("Delete the matching memories for good?"):
        fail("Nothing was forgotten.", 1)
    result = client.forget(
        memory_ids=memory_ids or None,
        query=query,
        before=as_utc(before),
        session_id=session,
        namespace=namespace,
        hard=hard,
    )
    if as_json:
        print_json(result)
        return
    how = "Deleted for good" if result.hard else "Forgot"
    typer.echo(f"{how} {result.affected_count} memories.")
    for memory_id in result.memory_ids:
        typer.echo(f"  {memory_id}")


@memories_app.command("restore")
@connected
def restore_command(
    memory_ids: Annotated[
        list[str], typer.Argument(help="Ids of the memories to restore.", metavar="ID")
    ],
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Make forgotten (not yet purged) or silenced memories active again."""
    result = client.restore(memory_ids)
    if as_json:
        print_json(result)
        return
    typer.echo(f"Restored {result.affected_count} of {len(memory_ids)} memories.")
    for memory_id in result.memory_ids:
        typer.echo(f"  {memory_id}")


@connected
def stats_command(
    namespace: NamespaceOption = None,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Count the tenant's memories by type and by status."""
    stats = client.stats(namespace=namespace)
    if as_json:
        print_json(stats)
        return
    where = f"tenant {stats.tenant_id}" + (f", namespace {stats.namespace}" if namespace else "")
    typer.echo(f"{stats.total_memories} memories ({stats.active_memories} active) in {where}")
    if stats.storage_bytes is not None:
        typer.echo(f"store size on disk: {stats.storage_bytes:,} bytes")
    counts = table("by type", "count", "by status", "count")
    types = sorted(stats.by_type.items())
    statuses = sorted(stats.by_status.items())
    for row in range(max(len(types), len(statuses))):
        kind = types[row] if row < len(types) else ("", "")
        status = statuses[row] if row < len(statuses) else ("", "")
        counts.add_row(kind[0], str(kind[1]), status[0], str(status[1]))
    if types or statuses:
        print_table(counts)
