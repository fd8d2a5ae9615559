"""Copies of a SQLite store taken and put back through SQLite's online backup API.

The backup API copies pages under SQLite's own locks, so a backup taken while ``cml serve`` is
writing is a consistent snapshot (a plain file copy of ``cml.db`` is not, while a write-ahead log
is pending). The copy is checkpointed so that the one output file holds everything.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from cml.errors import DatabaseUnavailableError

__all__ = ["Progress", "copy_database", "describe_target"]

Progress = Callable[[int, int], None]
"""Called as pages are copied, with ``(pages copied, total pages)``."""

_PAGES_PER_STEP = 256


def _open(path: Path, *, create: bool) -> sqlite3.Connection:
    if not create and not path.is_file():
        raise DatabaseUnavailableError(
            f"{path} does not exist.", hint="Give the path of a py-cml SQLite database."
        )
    return sqlite3.connect(path, isolation_level=None)


def _check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        raise DatabaseUnavailableError(
            f"{path} is not an intact SQLite database ({verdict}).",
            hint="Use another backup, or salvage what is readable with `sqlite3 FILE .recover`.",
        )


def copy_database(source: Path, target: Path, progress: Progress | None = None) -> int:
    """Copy the SQLite database ``source`` onto ``target`` page by page; return the page count.

    ``source`` is checked with ``PRAGMA quick_check`` first, so a damaged file is never copied
    over a good one. ``target`` is written through SQLite's locks (safe against a process that
    has it open), then its write-ahead log is merged so the file alone is complete.

    Raises:
        DatabaseUnavailableError: ``source`` is missing, not a database or damaged, or
            ``target`` cannot be written.
    """
    try:
        with closing(_open(source, create=False)) as src:
            _check(src, source)
            target.parent.mkdir(parents=True, exist_ok=True)
            with closing(_open(target, create=True)) as dst:
                src.backup(
                    dst,
                    pages=_PAGES_PER_STEP,
                    progress=(lambda _s, left, total: progress(total - left, total))
                    if progress
                    else None,
                )
                if dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                pages: int = dst.execute("PRAGMA page_count").fetchone()[0]
                return pages
    except sqlite3.Error as exc:
        raise DatabaseUnavailableError(
            f"Cannot copy {source} to {target}: {exc}.",
            hint="Check that both paths are SQLite files on a writable, healthy disk.",
        ) from exc


def describe_target(target: Path) -> str | None:
    """Why restoring onto ``target`` would destroy something, or ``None`` when it would not.

    A target is in use when its write-ahead log or shared-memory file exists (a process has it
    open), and holds data when it has any table.
    """
    for suffix in ("-wal", "-shm"):
        if Path(f"{target}{suffix}").exists():
            return (
                f"{target} looks in use ({target.name}{suffix} exists): stop the `cml serve` "
                f"or application using it first"
            )
    if not target.exists() or target.stat().st_size == 0:
        return None
    try:
        with closing(sqlite3.connect(target)) as conn:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error:
        return f"{target} exists and is not a readable SQLite database"
    return f"{target} already holds a store ({tables} schema objects)" if tables else None
