"""``cml admin``: the operator's jobs on a tenant, through the SDK's admin methods.

::

    cml admin consolidate [--user U]                 # episodes -> semantic facts
    cml admin forget [--apply] [--max N] [--user U]  # a plan by default; --apply acts on it
    cml admin purge [--older-than DATE] --yes        # forgotten memories, for good
    cml admin tenants
    cml admin events [--type T] [--since DATE] [--limit N] [--follow]
    cml admin verify-log                             # the event log's hash chain, per tenant

Against a server they need an admin key (``--api-key`` or ``CML_ADMIN_API_KEY``); a local
store (``--db``) needs none. They act on ``--tenant``, else the key's own tenant.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from cml import CognitiveMemoryLayer
from cml.cli._client import connected
from cml.cli._common import err, fail
from cml.cli._output import print_json, print_table, short_time, table
from cml.cli._typer import CmlTyper
from cml.cli.memories import as_utc
from cml.models import EventItem, LogVerification

__all__ = ["admin_app"]

admin_app = CmlTyper(help="Consolidation, forgetting, purge, tenants and the event log (admin).")

UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Only this end user's memories (namespace).", show_default=False),
]
ACTIONS = ("KEEP", "DECAY", "SILENCE", "COMPRESS", "DELETE")


@admin_app.command("consolidate")
@connected
def consolidate_command(
    user: UserOption = None,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Consolidate recent episodes into semantic facts (the "sleep cycle"; safe to re-run)."""
    with err.status("Consolidating..."):
        report = client.consolidate(user_id=user)
    if as_json:
        print_json(report)
        return
    typer.echo(
        f"Tenant {report.tenant_id}: {report.episodes_sampled} episodes sampled, "
        f"{report.clusters_formed} clusters, {report.facts_extracted} new facts, "
        f"{report.facts_reinforced} reinforced ({report.elapsed_ms:.0f} ms)."
    )


@admin_app.command("forget")
@connected
def forget_command(
    apply: Annotated[
        bool, typer.Option("--apply", help="Act on the plan (default: only show it).")
    ] = False,
    max_memories: Annotated[
        int, typer.Option("--max", min=1, max=100_000, help="Most memories scored.")
    ] = 5000,
    show: Annotated[
        int, typer.Option("--show", min=0, help="Memories of the plan listed, lowest first.")
    ] = 10,
    user: UserOption = None,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Score every memory's relevance and plan KEEP/DECAY/SILENCE/COMPRESS/DELETE.

    A dry run unless --apply: nothing changes. Deleted memories stay restorable until purged.
    """
    with err.status("Scoring memories..."):
        plan = client.run_forgetting(user_id=user, dry_run=not apply, max_memories=max_memories)
    if as_json:
        print_json(plan)
        return
    verb = "applied" if not plan.dry_run else "planned (dry run; --apply to act)"
    typer.echo(f"Tenant {plan.tenant_id}: {plan.total_scored} memories scored, {verb}.")
    summary = table("action", "memories")
    for action in ACTIONS:
        summary.add_row(action, str(plan.actions.get(action, 0)))
    print_table(summary)
    lowest = sorted(plan.memories, key=lambda decision: decision.score)[:show]
    if lowest:
        details = table("memory", "score", "action", "reason", no_wrap=("memory",))
        for decision in lowest:
            details.add_row(
                decision.memory_id, f"{decision.score:.2f}", decision.action, decision.reason or ""
            )
        print_table(details)


@admin_app.command("purge")
@connected
def purge_command(
    older_than: Annotated[
        datetime | None,
        typer.Option(
            "--older-than", help="Only those forgotten before this (UTC).", show_default=False
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """Delete forgotten memories and their history for good (they cannot be restored after)."""
    if not yes and not typer.confirm("Purge forgotten memories for good?"):
        fail("Nothing was purged.", 1)
    result = client.purge(older_than=as_utc(older_than))
    if as_json:
        print_json(result)
        return
    typer.echo(f"Purged {result.purged_count} memories of tenant {result.tenant_id}.")


@admin_app.command("tenants")
@connected
def tenants_command(client: CognitiveMemoryLayer, as_json: bool) -> None:
    """Every tenant with its memory, fact and event counts (--tenant changes nothing here)."""
    tenants = client.list_tenants()
    if as_json:
        print_json(tenants)
        return
    if not tenants:
        err.print("No tenants yet.")
        return
    listing = table("tenant", "memories", "facts", "events", "last activity", no_wrap=("tenant",))
    for info in tenants:
        listing.add_row(
            info.tenant_id,
            str(info.memory_count),
            str(info.fact_count),
            str(info.event_count),
            short_time(info.last_activity),
        )
    print_table(listing)


def _print_event(event: EventItem) -> None:
    line = Text(f"{event.id:>6}  {short_time(event.created_at)}  ")
    line.append(event.event_type, style="bold")
    if event.memory_ids:
        shown = ", ".join(event.memory_ids[:3])
        more = len(event.memory_ids) - 3
        line.append(f"  {shown}" + (f" (+{more})" if more > 0 else ""))
    # Flushed per event: --follow is read as it happens, often through a pipe.
    Console(highlight=False).print(line, soft_wrap=True)
    sys.stdout.flush()


@admin_app.command("events")
@connected
def events_command(
    event_type: Annotated[
        str | None,
        typer.Option("--type", help="Only this event type, e.g. memory.write.", show_default=False),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", help="Only events from this time on (UTC).", show_default=False),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-l", min=1, max=500, help="Most recent events shown.")
    ] = 20,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new events until Ctrl-C.")
    ] = False,
    *,
    client: CognitiveMemoryLayer,
    as_json: bool,
) -> None:
    """The tenant's event log, newest first; --follow prints new events as they happen.

    With --follow, events are printed oldest first as they arrive (from --since when given),
    one per line; with --json, one JSON object per line.
    """
    if follow:
        try:
            for event in client.stream_events(event_type=event_type, since=as_utc(since)):
                if as_json:
                    print_json(event, lines=True)
                else:
                    _print_event(event)
        except KeyboardInterrupt:
            return
        return
    page = client.get_events(limit=limit, event_type=event_type, since=as_utc(since))
    if as_json:
        print_json(page.items)
        return
    if not page.items:
        err.print("No events.")
        return
    for event in page.items:
        _print_event(event)
    if page.next_cursor is not None:
        err.print(f"{page.total} events in all; --limit shows more.")


def _verification_line(report: LogVerification) -> str:
    if report.broken is None:
        return f"Tenant {report.tenant_id}: OK, {report.events} events verified."
    link = report.broken
    event = f"event {link.event_id}" if link.event_id is not None else "the end of the log"
    return f"Tenant {report.tenant_id}: BROKEN at {event}, position {link.position}: {link.reason}."


@admin_app.command("verify-log")
@connected
def verify_log_command(
    *, client: CognitiveMemoryLayer, as_json: bool, tenant: str | None = None
) -> None:
    """Check the event log's hash chain: OK with the count, or the first broken link.

    Checks --tenant when given, else every tenant the key administers. Exits 1 when a log
    does not verify.
    """
    if tenant is not None:
        reports = [client.verify_event_log(tenant_id=tenant)]
    else:
        with err.status("Verifying..."):
            tenants = [t.tenant_id for t in client.list_tenants()]
            reports = [client.verify_event_log(tenant_id=t) for t in tenants]
    if as_json:
        print_json(reports)
    else:
        for report in reports:
            typer.echo(_verification_line(report))
        if not reports:
            err.print("No tenants yet.")
    if any(not r.ok for r in reports):
        raise typer.Exit(1)
