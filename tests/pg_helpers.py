"""A real PostgreSQL with pgvector for the test suite: one server per session, one database per
test.

The server is ``CML_TEST_DATABASE_URL`` when set (any PostgreSQL with pgvector the user may
create databases on), otherwise a throw-away ``pgserver`` instance (PostgreSQL 16 + pgvector from
a wheel) in a temporary directory. A migrated template database is built once; every test gets a
fresh copy (``CREATE DATABASE ... TEMPLATE``, a few tens of milliseconds). When no server can be
started the PostgreSQL tests skip with the reason, unless ``CML_REQUIRE_POSTGRES=1`` (CI), where
that is a failure.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

TEMPLATE = "cml_template"


@dataclass
class PostgresServer:
    """A PostgreSQL server the suite may create databases on."""

    admin_url: str
    """``postgresql://`` URL of a maintenance database (``postgres``) on the server."""
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _prefix: str = field(default_factory=lambda: f"cml_test_{uuid.uuid4().hex[:8]}")
    created: list[str] = field(default_factory=list)

    def url(self, dbname: str) -> str:
        """The URL of database ``dbname`` on this server."""
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{dbname}"))

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.admin_url, autocommit=True)

    def empty_database(self) -> str:
        """A new database without any schema; returns its URL."""
        name = f"{self._prefix}_{next(self._counter)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url(name)

    def new_database(self) -> str:
        """A new database at the current schema revision (a copy of the template)."""
        name = f"{self._prefix}_{next(self._counter)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}" STRATEGY FILE_COPY')
        self.created.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        """Drop every database this session created (on a server the suite does not own)."""
        with self._admin() as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def prepare_template(self) -> None:
        """Build the migrated template database once per session."""
        from cml.storage.postgres.migrate import upgrade

        self._template = f"{self._prefix}_{TEMPLATE}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self._template}"')
        self.created.append(self._template)
        upgrade(self.url(self._template))


def _start_pgserver(tmp: str) -> tuple[Any, str]:
    with warnings.catch_warnings():
        # platformdirs warns about a missing XDG_RUNTIME_DIR in containers; nothing to act on.
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(tmp, cleanup_mode="delete")
    # A throw-away server: durability buys nothing and costs seconds per test run.
    server.psql("ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off;")
    server.psql("SELECT pg_reload_conf();")
    return server, server.get_uri()


def start() -> Iterator[PostgresServer | str]:
    """Yield a :class:`PostgresServer`, or the reason there is none (a string)."""
    configured = os.environ.get("CML_TEST_DATABASE_URL")
    handle: Any = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    try:
        if configured:
            admin_url = configured
        else:
            # Short path: the server's Unix socket lives in this directory (108-byte limit).
            tmp = tempfile.TemporaryDirectory(prefix="cmlpg", dir="/tmp")
            handle, admin_url = _start_pgserver(tmp.name)
        server = PostgresServer(admin_url)
        server.prepare_template()
    except Exception as exc:
        if handle is not None:
            handle.cleanup()
        if tmp is not None:
            tmp.cleanup()
        reason = f"PostgreSQL is not available for tests: {type(exc).__name__}: {exc}"
        if os.environ.get("CML_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (CML_REQUIRE_POSTGRES=1)")
        yield reason
        return
    try:
        yield server
    finally:
        if handle is None:
            server.drop_all()
        else:
            handle.cleanup()
        if tmp is not None:
            tmp.cleanup()
