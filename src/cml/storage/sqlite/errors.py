"""What a failing SQLite database means to the engine, at start and while serving.

SQLite reports environment faults (a lock held too long, a full disk, a read-only or damaged
file) through the same exception classes as programming errors, so the decision is made on the
result code. Environment faults become :class:`~cml.errors.DatabaseUnavailableError` (or
:class:`~cml.errors.StorageFullError`); anything else (a constraint, a bad statement) is a bug
and is left to surface as one.

At start the message names the file and what to change; while serving it names no path (API
callers do not need the server's file layout) and the details go to the server log instead.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from cml.errors import DatabaseDamagedError, DatabaseUnavailableError, StorageFullError

__all__ = [
    "RECOVERY_HINT",
    "damaged_error",
    "damaged_serving_error",
    "opening_error",
    "serving_error",
]

logger = logging.getLogger("cml.storage.sqlite")

_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_FULL = {"SQLITE_FULL"}
_READ_ONLY = {"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH"}
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_IO = {"SQLITE_IOERR", "SQLITE_PROTOCOL", "SQLITE_NOMEM", "SQLITE_NOLFS"}
_ENVIRONMENT = _BUSY | _FULL | _READ_ONLY | _DAMAGED | _IO

_RETRY = "Nothing was stored by this request; retry shortly."

RECOVERY_HINT = (
    "Stop the server and restore the last backup (`cml restore FILE --force`), or salvage what "
    "is readable with `sqlite3 cml.db .recover | sqlite3 recovered.db` and start on the "
    "recovered file; `cml doctor` runs a full integrity check."
)
"""What to do about a damaged SQLite file (the same words at start, while serving, in health)."""


def damaged_error(location: str, problem: str) -> DatabaseDamagedError:
    """The error of a damaged database file: not retryable, naming how to recover.

    Args:
        location: The database file.
        problem: What SQLite reported (the first lines of an integrity check, or the error).
    """
    return DatabaseDamagedError(
        f"The database file {location} is damaged ({problem}).", hint=RECOVERY_HINT
    )


def damaged_serving_error() -> DatabaseDamagedError:
    """The error a request gets from a damaged file: not retryable, naming no path."""
    return DatabaseDamagedError(
        "The database file is damaged; retrying will not help. Nothing was stored by this request.",
        hint="Operators: restore the last backup (`cml restore`) or recover the file (`sqlite3 "
        "cml.db .recover`); see the server log and GET /api/v1/admin/components.",
    )


def _primary(exc: sqlite3.Error) -> str:
    # Extended names (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) share their primary's prefix.
    name = getattr(exc, "sqlite_errorname", None) or ""
    for primary in sorted(_ENVIRONMENT, key=len, reverse=True):
        if name == primary or name.startswith(primary + "_"):
            return primary
    return name


def _reason(exc: sqlite3.Error) -> str:
    return str(exc).strip() or type(exc).__name__


def opening_error(
    exc: sqlite3.Error, location: str, busy_timeout_s: float
) -> DatabaseUnavailableError | DatabaseDamagedError:
    """The error of a database that cannot be opened or migrated at start.

    Args:
        exc: What SQLite raised.
        location: The database file (or ``:memory:``).
        busy_timeout_s: How long SQLite waited for a lock.

    Returns:
        One error whose message names the file and whose hint says what to change.
    """
    code = _primary(exc)
    reason = _reason(exc)
    where = "the data directory (CML_DATA_DIR, --data-dir) or CML_DATABASE_URL"
    if code == "SQLITE_NOTADB":
        return DatabaseUnavailableError(
            f"The database file {location} is not a SQLite database ({reason}).",
            hint=f"Restore it from a backup, move it away to start an empty store, or point "
            f"{where} at another file.",
        )
    if code in _DAMAGED:
        return damaged_error(location, reason)
    if code in _FULL or code in _IO:
        error = StorageFullError if code in _FULL else DatabaseUnavailableError
        return error(
            f"Cannot write the database file {location}: {reason}.",
            hint=f"Free disk space on the disk holding {Path(location).parent} (or check that "
            f"the disk is healthy), or point {where} at another disk.",
        )
    if code in _READ_ONLY:
        return DatabaseUnavailableError(
            f"Cannot open the database file {location} for writing: {reason}.",
            hint=f"Make the file and its directory writable, or point {where} elsewhere.",
        )
    if code in _BUSY:
        return DatabaseUnavailableError(
            f"The database file {location} stayed locked by another process for more than "
            f"{busy_timeout_s:g} s.",
            hint="Stop the other process writing to it (one `cml serve` per SQLite file; use "
            "PostgreSQL to run several servers).",
        )
    return DatabaseUnavailableError(
        f"Cannot open the database file {location}: {reason}.",
        hint=f"Check that it is a py-cml database, or point {where} at another file.",
    )


def serving_error(
    exc: sqlite3.Error, location: str, busy_timeout_s: float
) -> DatabaseUnavailableError | DatabaseDamagedError | None:
    """The error of a database that fails while serving, or ``None`` for a programming error.

    A damaged file (``SQLITE_CORRUPT``, ``SQLITE_NOTADB``) is a
    :class:`~cml.errors.DatabaseDamagedError`: retrying cannot help, so it must not look like
    the transient ``503`` of a lock or an I/O hiccup. The caller re-raises the original exception
    when this returns ``None``.
    """
    code = _primary(exc)
    if code not in _ENVIRONMENT:
        return None
    logger.warning("SQLite database %s failed: %s (%s)", location, _reason(exc), code)
    if code in _DAMAGED:
        logger.error("SQLite database %s is damaged. %s", location, RECOVERY_HINT)
        return damaged_serving_error()
    if code in _BUSY:
        return DatabaseUnavailableError(
            f"The database is busy: another process has held its write lock for more than "
            f"{busy_timeout_s:g} s. {_RETRY}",
            hint="Retry with backoff (the SDK does). Operators: only one process should write to "
            "a SQLite database; use PostgreSQL to run several servers.",
        )
    if code in _FULL:
        return StorageFullError(
            "The disk holding the database is full: nothing was stored by this request, and "
            "nothing stored before is lost.",
            hint="Operators: free disk space in the data directory; writes succeed again at once, "
            "without a restart.",
        )
    if code in _READ_ONLY:
        problem = "its file or directory is no longer writable"
    else:
        problem = "the disk holding it reports an I/O error"
    return DatabaseUnavailableError(
        f"The database is unavailable: {problem}. {_RETRY}",
        hint="Operators: see the server log and GET /api/v1/admin/components for the details.",
    )
