"""``cml ui --db PATH``: the dashboard on a local SQLite store, for this machine only.

It serves the API and the dashboard on 127.0.0.1 (a free port unless ``--port``) with an admin
key made for this run: printed once, valid while the command runs, never stored.
"""

from __future__ import annotations

import secrets
import socket
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from cml.cli._common import cli_errors, settings_from
from cml.cli.serve import run_server

__all__ = ["ui_command"]

_HOST = "127.0.0.1"


def _listen(port: int) -> socket.socket:
    """A socket listening on the loopback interface (``port`` 0: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((_HOST, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def ui_command(
    db: Annotated[
        Path,
        typer.Option("--db", help="The SQLite store to open (created when missing)."),
    ],
    port: Annotated[
        int | None,
        typer.Option(help="Port on 127.0.0.1 (default: a free one).", show_default=False),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in the default web browser.")
    ] = False,
) -> None:
    """Open the dashboard on a local SQLite store (127.0.0.1, an admin key for this run).

    Prints the dashboard's address and an admin key to sign in with; the key works only while
    this command runs. Stop with Ctrl-C.
    """
    from cml._embedded import database_url

    secret = secrets.token_urlsafe(24)
    with cli_errors():
        sock = _listen(port or 0)
    bound = int(sock.getsockname()[1])
    settings = settings_from(
        host=_HOST, port=bound, database_url=database_url(db), admin_api_key=secret
    )
    url = f"http://{_HOST}:{bound}/ui/"
    typer.echo(
        f"Dashboard: {url}\n"
        f"Admin key (sign in with it; it works only while this command runs): {secret}",
    )
    if open_browser:
        webbrowser.open(url)
    try:
        run_server(settings, [sock])
    finally:
        sock.close()
