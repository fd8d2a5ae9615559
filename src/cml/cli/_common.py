"""Shared pieces of the ``cml`` commands: settings, options and one way to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from cml.cli._extras import install_hint
from cml.errors import EngineError
from cml.exceptions import CMLError
from cml.exceptions import ValidationError as RefusedInput

if TYPE_CHECKING:
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
    err.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _validation_message(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "value"
        problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def settings_from(**overrides: Any) -> ServerSettings:
    """Server settings from the environment, with the options that were given on top."""
    from cml.server.settings import ServerSettings

    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return ServerSettings(**given)
    except ValidationError as exc:
        fail(f"invalid settings: {_validation_message(exc)}", code=2)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn expected failures into one ``Error:`` line and a non-zero exit.

    Covers the engine's errors, the SDK's (with their hint; refused input exits 2, like invalid
    options), invalid input, the system's
    (files, sockets) and a missing extra (named with the command that installs it).
    """
    try:
        yield
    except RefusedInput as exc:
        fail(str(exc), code=2)
    except CMLError as exc:
        fail(str(exc))
    except ImportError as exc:
        fail(install_hint(exc))
    except EngineError as exc:
        fail(exc.message + (f" ({exc.hint})" if exc.hint else ""))
    except ValidationError as exc:
        fail(_validation_message(exc), code=2)
    except OSError as exc:
        fail(str(exc))
