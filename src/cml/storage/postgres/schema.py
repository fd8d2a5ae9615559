"""Schema revisions, the start-up check, and the database URL of the PostgreSQL backend.

Migrations are Alembic scripts (``migrations/versions``) applied by ``cml db upgrade``; a server
never migrates on its own. At start :func:`check_revision` compares the database's revision with
:data:`HEAD_REVISION` and refuses an older or unknown one with the command to run. This module
needs neither Alembic nor SQLAlchemy, so the server does not import them.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from cml.errors import InvalidInputError, StoreMismatchError

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008")
"""Every Alembic revision, oldest first. Append a new one with each migration."""

HEAD_REVISION = REVISIONS[-1]
"""The revision this py-cml reads and writes (a test checks it is Alembic's head)."""

UPGRADE_COMMAND = "cml db upgrade"

HNSW_INDEX = "ix_memories_embedding_hnsw"
"""Name of the HNSW expression index created once the embedding dimension is known."""

_DRIVER = re.compile(r"^(postgres(?:ql)?)\+\w+://", re.IGNORECASE)


def to_conninfo(database_url: str) -> str:
    """The libpq connection string for a ``postgresql://`` / ``postgres://`` URL.

    A SQLAlchemy-style driver suffix (``postgresql+psycopg://``) is dropped, so the same URL
    works for py-cml and for tools that expect one.

    Raises:
        InvalidInputError: libpq cannot parse the URL.
    """
    url = _DRIVER.sub(lambda m: f"{m.group(1)}://", database_url.strip())
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise InvalidInputError(
            f"Cannot read the PostgreSQL URL: {exc}",
            field="database_url",
            hint="Use postgresql://user:password@host:5432/dbname",
        ) from None
    return url


def describe_location(conninfo: str) -> str:
    """``user@host:port/dbname`` for messages and health reports: never the password."""
    parts: dict[str, Any] = conninfo_to_dict(conninfo)
    host = str(parts.get("host") or "localhost")
    port = parts.get("port")
    user = parts.get("user")
    where = f"{host}:{port}" if port else host
    return f"{user + '@' if user else ''}{where}/{parts.get('dbname') or user or ''}"


def read_revision(conn: psycopg.Connection[Any]) -> str | None:
    """The Alembic revision of the database, or ``None`` if it has no py-cml schema."""
    try:
        with conn.transaction():
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except pg_errors.UndefinedTable:
        return None
    return None if row is None else str(row[0])


def check_revision(conn: psycopg.Connection[Any], location: str) -> str:
    """Return the database's revision if it is :data:`HEAD_REVISION`; refuse anything else.

    Raises:
        StoreMismatchError: The schema is missing or older (run ``cml db upgrade``), or newer
            than this py-cml.
    """
    revision = read_revision(conn)
    if revision == HEAD_REVISION:
        return revision
    if revision is not None and revision not in REVISIONS:
        raise StoreMismatchError(
            f"The PostgreSQL database {location} has schema revision {revision}, which this "
            f"py-cml does not know (it knows up to {HEAD_REVISION}): a newer py-cml wrote it.",
            hint="Upgrade py-cml to use this database.",
        )
    # No schema yet, or an older one: the same command brings it to this py-cml's revision.
    found = (
        "no py-cml schema"
        if revision is None
        else f"schema revision {revision}, but this py-cml needs revision {HEAD_REVISION}"
    )
    raise StoreMismatchError(
        f"The PostgreSQL database {location} has {found}.",
        hint=f"Run `{UPGRADE_COMMAND}` with the same CML_DATABASE_URL, then start again.",
    )
