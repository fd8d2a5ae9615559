"""Whether a SQLite file is intact: ``PRAGMA quick_check`` at start, ``integrity_check`` on demand.

A damaged page that is not read at start would otherwise go unnoticed until a request touches
it. ``quick_check`` reads every page and checks its structure (it skips only the comparison of
indexes with their tables), so it finds overwritten or truncated pages in seconds even on a large
store; ``integrity_check`` also compares every index with its table.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MAX_PROBLEMS", "problems"]

MAX_PROBLEMS = 20
"""How many problems a check reports at most (SQLite stops there too)."""


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
        name = getattr(exc, "sqlite_errorname", "") or ""
        if not name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            raise
        return [str(exc).strip() or type(exc).__name__]
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found
