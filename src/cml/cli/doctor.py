"""``cml doctor``: a full integrity check of a SQLite store, and what to do when it fails."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import typer

from cml.cli._common import DataDirOption, fail
from cml.cli.backup import DbOption, database_file

__all__ = ["doctor_command"]


def doctor_command(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Check every page and index of a SQLite store (PRAGMA integrity_check); exit 1 if damaged.

    Safe while `cml serve` runs: the check only reads.
    """
    from cml.storage.sqlite.errors import RECOVERY_HINT
    from cml.storage.sqlite.integrity import problems

    path = database_file(db, data_dir)
    if not path.is_file():
        fail(f"{path} does not exist; pass --db or --data-dir.", code=2)
    with closing(sqlite3.connect(path)) as conn:
        found = problems(conn, full=True)
    if found:
        listing = "\n".join(f"  {problem}" for problem in found)
        fail(f"{path} is damaged:\n{listing}\n{RECOVERY_HINT}")
    typer.echo(f"{path}: ok (integrity_check found no problem).")
