"""Whether a SQLite file is intact: ``PRAGMA quick_check`` at start, ``integrity_check`` on demand.

A damaged page that is not read at start would otherwise go unnoticed until a request touches
it. ``quick_check`` reads every page and checks its structure (it skips only the comparison of
indexes with their tables), so it finds overwritten or truncated pages in seconds even on a large
store; ``integrity_check`` also compares every index with its table, and the full check then asks
each full-text index to check itself (FTS5 ``integrity-check``).

What no check can see: SQLite keeps no checksum of the data in a page, so a flipped byte inside
a stored text, a metadata value or an embedding that leaves the page's structure valid reads back
as a different value (``docs/reliability.md`` counts how often that happens).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

from cml.storage.base import IntegrityFindings

__all__ = ["FULL_TEXT_TABLES", "MAX_PROBLEMS", "full_check", "problems"]

MAX_PROBLEMS = 20
"""How many problems a check reports at most (SQLite stops there too)."""

FULL_TEXT_TABLES = ("memories_fts", "derived_fts")
"""The FTS5 indexes the full check asks to check themselves."""


def problems(conn: sqlite3.Connection, *, full: bool = False) -> list[str]:
    """The problems SQLite finds in the database of ``conn``; ``[]`` when it is intact.

    Args:
        conn: A connection to the database (no transaction of its own open).
        full: Run ``integrity_check`` (indexes too) instead of ``quick_check``.

    Returns:
        SQLite's own descriptions of what is damaged, at most :data:`MAX_PROBLEMS`.

    Raises:
        sqlite3.Error: The check failed for another reason than damage (I/O, disk full, lock).
    """
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
    except sqlite3.DatabaseError as exc:
        # Damage in the schema pages stops the check itself; any other failure (I/O, full disk,
        # a lock) is not damage and is raised for the caller to report as what it is.
        if not _is_damage(exc):
            raise
        return [str(exc).strip() or type(exc).__name__]
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def full_check(location: str) -> IntegrityFindings:
    """``integrity_check`` and each full-text index's own check, on a connection of their own.

    The connection reads a snapshot of the file (write-ahead logging), so writes go on
    meanwhile; the check takes about a second per 100 MB.

    Args:
        location: The database file.

    Returns:
        What was checked and the problems found (empty when intact).

    Raises:
        sqlite3.Error: The check failed for another reason than damage (I/O, a lock).
    """
    checks = ["PRAGMA integrity_check (every page, every index against its table)"]
    with closing(sqlite3.connect(location, isolation_level=None)) as conn:
        found = problems(conn, full=True)
        for table in FULL_TEXT_TABLES:
            checks.append(f"FTS5 integrity-check of {table}")
            try:
                conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                if not _is_damage(exc):
                    raise
                found.append(f"{table}: {str(exc).strip()}")
    return IntegrityFindings(checks=tuple(checks), problems=tuple(found[:MAX_PROBLEMS]))


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
