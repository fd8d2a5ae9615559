"""The ``cml`` command: run the server and manage API keys.

::

    cml serve [--host H] [--port P] [--data-dir D]
    cml keys create --tenant T [--scopes read,write] [--name N] [--extra-tenant X] [--json]
    cml keys list [--tenant T] [--json]
    cml keys revoke KEY_ID
    cml mcp [--url URL --api-key KEY | --db PATH] [--embedding-provider P] [--namespace N]
    cml db upgrade | current [--database-url URL]
    cml export [--output FILE|-] [--tenant T]
    cml import FILE [--batch-size N]
    cml backup --out FILE [--db PATH]
    cml restore FILE [--db PATH] [--force]
    cml doctor [--db PATH]
    cml version

Settings come from ``CML_*`` environment variables (see
:class:`cml.server.settings.ServerSettings`); command-line options override them. The ``keys``
commands work on the configured store directly, no running server needed. Expected failures
print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import typer

from cml.cli.backup import backup_command, restore_command
from cml.cli.data import export_command, import_command
from cml.cli.db import db_app
from cml.cli.doctor import doctor_command
from cml.cli.keys import keys_app
from cml.cli.mcp import mcp_command
from cml.cli.serve import serve, version

__all__ = ["app", "main"]

app = typer.Typer(
    name="cml",
    help="py-cml: long-term memory for LLM applications and agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(version)
app.command()(serve)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")
app.command(name="export")(export_command)
app.command(name="import")(import_command)
app.command(name="mcp")(mcp_command)
app.command(name="backup")(backup_command)
app.command(name="restore")(restore_command)
app.command(name="doctor")(doctor_command)


def main() -> None:
    """Entry point of the ``cml`` console script and of ``python -m cml``."""
    app()
