"""Shared pieces of the ``cml`` commands: settings, options and one way to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from cml.errors import EngineError
from cml.server.settings import ServerSettings

__all__ = [
    "DataDirOption",
    "DatabaseUrlOption",
    "cli_errors",
    "err",
    "fail",
    "settings_from",
]

err = Console(stderr=True, highlight=False)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (overrides CML_DATA_DIR).", show_default=False),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="Database URL (overrides CML_DATABASE_URL).", show_default=False
    ),
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    err.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "value"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def settings_from(**overrides: Any) -> ServerSettings:
    """Server settings from the environment, with the options that were given on top."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return ServerSettings(**given)
    except ValidationError as exc:
        fail(f"invalid settings: {_validation_message(exc)}", code=2)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn expected failures into one ``Error:`` line and a non-zero exit."""
    try:
        yield
    except EngineError as exc:
        fail(exc.message + (f" ({exc.hint})" if exc.hint else ""))
    except ValidationError as exc:
        fail(_validation_message(exc), code=2)
    except OSError as exc:
        fail(str(exc))
