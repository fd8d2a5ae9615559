"""Applying the Alembic migrations (``cml db upgrade``) and reading the current revision.

Alembic and SQLAlchemy are imported only here, by the ``cml db`` commands and tests; the server
checks the revision with :func:`cml.storage.postgres.schema.check_revision` instead.

Example:
    >>> upgrade("postgresql://cml@db.internal/cml")  # doctest: +SKIP
    ('0001', '0001')
"""

from __future__ import annotations

from typing import Any

import psycopg

from cml.storage.postgres.pool import cannot_connect
from cml.storage.postgres.schema import describe_location, read_revision, to_conninfo

__all__ = ["current", "head", "upgrade"]

_SCRIPTS = "cml.storage.postgres:migrations"


def _config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _SCRIPTS)
    return config


def head() -> str:
    """The newest revision among the shipped migration scripts."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None  # the package ships at least one migration
    return str(revision)


def _connect(conninfo: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as exc:
        hint = "Check CML_DATABASE_URL (or --database-url) and that the server is running."
        raise cannot_connect(describe_location(conninfo), exc, hint) from None


def current(database_url: str) -> str | None:
    """The revision the database is at, or ``None`` if it has no py-cml schema yet.

    Raises:
        UnavailableError: The database cannot be reached.
    """
    conninfo = to_conninfo(database_url)
    with _connect(conninfo) as conn:
        return read_revision(conn)


def upgrade(database_url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply the missing migrations up to ``revision``; return the revisions before and after.

    Safe to run from several machines at once: the migrations run in one transaction behind an
    advisory lock, so each is applied once.

    Raises:
        UnavailableError: The database cannot be reached.
    """
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    conninfo = to_conninfo(database_url)
    before = current(database_url)
    # SQLAlchemy gets connections from psycopg directly, so any libpq URL works unchanged.
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: _connect(conninfo), poolclass=NullPool
    )
    try:
        config = _config()
        # One transaction for the whole upgrade: committed when the block ends.
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    return before, current(database_url)
