"""``cml serve`` and ``cml version``."""

from __future__ import annotations

import logging
import logging.config
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from cml._version import __version__
from cml.cli._common import DatabaseUrlOption, DataDirOption, cli_errors, settings_from

if TYPE_CHECKING:
    from cml.server.settings import ServerSettings

__all__ = ["run_server", "serve", "version"]


def version() -> None:
    """Print the py-cml version."""
    typer.echo(f"py-cml {__version__}")


@contextmanager
def _graceful_signals() -> Iterator[None]:
    """Let SIGTERM and SIGINT end ``cml serve`` with exit code 0 after a graceful shutdown.

    uvicorn handles both signals itself (stops accepting requests, finishes the ones in flight)
    and afterwards raises the signal again against the handler that was installed before it ran.
    With the default handler that would kill the process before the engine is closed and the
    write-ahead log merged; this handler lets ``cml serve`` close the store and return instead.
    """

    def _after_shutdown(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("cml.server").info("Stopped by signal %d; closing the store", signum)

    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, _after_shutdown) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    settings = settings_from(
        host=host, port=port, data_dir=data_dir, database_url=database_url, log_level=log_level
    )
    run_server(settings)


def run_server(
    settings: ServerSettings, sockets: list[socket.socket] | None = None, *, notice: str = ""
) -> None:
    """Open the store and serve the API (and the dashboard) until stopped by a signal.

    Args:
        settings: The server's settings.
        sockets: Already listening sockets to serve on instead of ``settings.host``/``port``.
        notice: Printed on stderr after the banner, once the store is open.
    """
    import uvicorn

    from cml.cli.banner import banner
    from cml.cli.mcp import mount_mcp_when_installed
    from cml.engine import open_engine
    from cml.server.app import create_app
    from cml.server.logging_json import json_log_config
    from cml.server.redaction import KeyRedactingFilter, bootstrap_secrets, uvicorn_log_config

    # Keys must never reach a log line, whoever logs it (uvicorn's access log quotes URLs).
    known = bootstrap_secrets(settings.api_key, settings.admin_api_key)
    json_logs = settings.log_format == "json"
    if json_logs:
        log_config = json_log_config(settings.log_level, known)
        logging.config.dictConfig(log_config)
    else:
        log_config = uvicorn_log_config(known)
        logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s: %(message)s")
        for handler in logging.getLogger().handlers:
            handler.addFilter(KeyRedactingFilter(known))
    # The engine is opened here rather than in the app's lifespan so that a bad database URL or
    # a store built with another embedding model is one clear line, not a startup traceback.
    with cli_errors():
        engine = open_engine(settings.to_engine_config())
    try:
        text = banner(settings, engine.store.backend, engine.keys.list())
        if notice:
            text = f"{text}\n{notice}"
        if json_logs:  # every line of stderr stays one JSON object
            logging.getLogger("cml.server").info(text)
        else:
            typer.echo(text, err=True)
        app = create_app(settings, engine=engine)
        mount_mcp_when_installed(app)  # /mcp, behind the same API keys
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            log_config=log_config,
        )
        server = uvicorn.Server(config)
        with _graceful_signals():
            server.run(sockets=sockets)
        if not server.started:  # e.g. the port is taken: uvicorn logged why
            raise typer.Exit(3)
    finally:
        engine.close()
