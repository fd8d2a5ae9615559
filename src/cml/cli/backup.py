"""``cml backup`` and ``cml restore``: a complete copy of a SQLite store, and putting one back.

Both go through SQLite's online backup API, so ``cml backup`` is safe while ``cml serve`` runs.
A PostgreSQL store is backed up with PostgreSQL's own tools; these commands say which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn

from cml.cli._common import DataDirOption, cli_errors, err, fail, settings_from

__all__ = ["backup_command", "database_file", "restore_command"]

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The SQLite database file (default: cml.db in the data directory).",
        show_default=False,
    ),
]

_POSTGRES_GUIDANCE = (
    "The configured store is PostgreSQL: back it up with PostgreSQL's tools, e.g.\n"
    '  pg_dump --format=custom --file=cml.dump "$CML_DATABASE_URL"\n'
    "and restore into an empty database with\n"
    '  pg_restore --clean --if-exists --no-owner --dbname="$CML_DATABASE_URL" cml.dump\n'
    "then run `cml db current` to check the schema revision."
)


def database_file(db: Path | None, data_dir: Path | None) -> Path:
    """The SQLite file to work on: ``--db``, or the configured store (PostgreSQL: guidance)."""
    if db is not None:
        return db
    url = settings_from(data_dir=data_dir).resolved_database_url
    if url.lower().startswith(("postgresql", "postgres")):
        typer.echo(_POSTGRES_GUIDANCE)
        raise typer.Exit(2)
    path = url.removeprefix("sqlite:///")
    if path == ":memory:":
        fail("The configured store is in memory; there is nothing on disk to back up.", code=2)
    return Path(path)


def _copy(source: Path, target: Path) -> int:
    from cml.storage.sqlite.backup import copy_database

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} pages"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(f"Copying {source.name}", total=None)
        with cli_errors():
            return copy_database(
                source, target, lambda done, total: bar.update(task, completed=done, total=total)
            )


def backup_command(
    out: Annotated[Path, typer.Option("--out", help="The backup file to write.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Copy a SQLite store to one file, consistently, even while `cml serve` is running."""
    source = database_file(db, data_dir)
    if out.exists():
        fail(f"{out} already exists; choose a new backup file name.", code=2)
    pages = _copy(source, out)
    typer.echo(f"Backed up {source} to {out} ({pages} pages, {out.stat().st_size} bytes).")


def restore_command(
    backup: Annotated[Path, typer.Argument(help="A file written by `cml backup`.")],
    db: DbOption = None,
    data_dir: DataDirOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a target that already holds a store.")
    ] = False,
) -> None:
    """Put a backup back as the SQLite store (refuses to overwrite one without --force)."""
    from cml.storage.sqlite.backup import describe_target

    target = database_file(db, data_dir)
    problem = describe_target(target)
    if problem and not force:
        fail(
            f"{problem}. Stop every process using it, move it away (or back it up with "
            f"`cml backup`), or pass --force to overwrite it.",
            code=2,
        )
    pages = _copy(backup, target)
    typer.echo(f"Restored {backup} to {target} ({pages} pages).")
