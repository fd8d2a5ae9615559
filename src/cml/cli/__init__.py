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

import typer

from cml.cli.keys import keys_app
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


def main() -> None:
    """Entry point of the ``cml`` console script and of ``python -m cml``."""
    app()
