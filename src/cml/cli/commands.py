"""The ``cml`` application: every command group, ``--version`` and shell completion."""

from __future__ import annotations

from typing import Annotated

import typer

from cml.cli._typer import CmlTyper
from cml.cli.admin import admin_app
from cml.cli.backup import backup_command, restore_command
from cml.cli.data import export_command, import_command
from cml.cli.db import db_app
from cml.cli.doctor import doctor_command
from cml.cli.keys import keys_app
from cml.cli.lookup import history_command, list_command, show_command
from cml.cli.mcp import mcp_command
from cml.cli.memories import memories_app, stats_command
from cml.cli.serve import serve, version
from cml.cli.ui import ui_command

__all__ = ["app"]

app = CmlTyper(
    name="cml",
    help="py-cml: long-term memory for LLM applications and agents.",
    # `cml --install-completion` / `--show-completion` for bash, zsh, fish and PowerShell.
    add_completion=True,
)


def _print_version(value: bool) -> None:
    if value:
        version()
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the py-cml version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """py-cml: long-term memory for LLM applications and agents.

    Memory and admin commands work against a server (--url, --api-key, or CML_BASE_URL and
    CML_API_KEY) or a local SQLite store in-process (--db PATH).
    """


app.command()(version)
app.command()(serve)
app.command(name="ui")(ui_command)
memories_app.command("list")(list_command)
memories_app.command("show")(show_command)
memories_app.command("history")(history_command)
app.add_typer(memories_app, name="memories")
app.command(name="stats")(stats_command)
app.add_typer(admin_app, name="admin")
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.command(name="export")(export_command)
app.command(name="import")(import_command)
app.command(name="backup")(backup_command)
app.command(name="restore")(restore_command)
app.command(name="doctor")(doctor_command)
app.command(name="mcp")(mcp_command)
