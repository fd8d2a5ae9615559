"""The ``cml`` command: run the server, operate on memories, manage keys and stores.

::

    cml serve [--host H] [--port P] [--data-dir D]
    cml ui --db PATH [--port P] [--open]
    cml memories search|list|show|history|forget|restore ...  [--url URL --api-key KEY | --db PATH]
    cml stats [--namespace NS]              [--url URL --api-key KEY | --db PATH] [--json]
    cml admin consolidate|forget|purge|tenants|events [--follow] ...
    cml keys create --tenant T [--scopes read,write] [--name N] [--extra-tenant X] [--json]
    cml keys list [--tenant T] [--json]
    cml keys revoke KEY_ID
    cml mcp [--url URL --api-key KEY | --db PATH] [--embedding-provider P] [--namespace N]
    cml db upgrade | current [--database-url URL]
    cml export [--output FILE|-] [--tenant T]
    cml import FILE [--batch-size N]
    cml backup --out FILE [--db PATH]
    cml restore FILE [--db PATH] [--force]
    cml doctor [--db PATH] [--json]
    cml version | cml --version

Settings come from ``CML_*`` environment variables (see
:class:`cml.server.settings.ServerSettings`); command-line options override them. The ``keys``,
``db``, ``export``, ``import``, ``backup`` and ``restore`` commands work on the configured store
directly, no running server needed; ``memories``, ``stats`` and ``admin`` go through the SDK, to a
server or to a local store. Expected failures print one line on stderr and exit non-zero; a
missing extra is named with the command that installs it.

The command line needs the ``cli`` extra (typer and rich; the ``server`` extra includes it). This
module imports neither, so that their absence is one clear line rather than a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

from cml.cli._extras import install_hint

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``cml`` console script and of ``python -m cml``."""
    try:
        from cml.cli.commands import app as cml_app

        cml_app()
    except ImportError as exc:
        sys.stderr.write(f"Error: {install_hint(exc)}\n")
        raise SystemExit(1) from None


def __getattr__(name: str) -> Any:
    # ``from cml.cli import app`` keeps working without importing typer at ``import cml.cli``.
    if name == "app":
        from cml.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
