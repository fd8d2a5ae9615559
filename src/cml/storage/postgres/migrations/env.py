"""Alembic environment of the PostgreSQL schema.

Run through :func:`cml.storage.postgres.migrate.upgrade` (``cml db upgrade``), which hands over an
open SQLAlchemy connection in ``config.attributes["connection"]``; there is no ``alembic.ini``.
The whole upgrade runs in one transaction behind an advisory lock, so two replicas upgrading at
the same moment apply each migration once.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

# Any fixed number works; it only has to be the same for every py-cml process.
_MIGRATION_LOCK = 0x636D6C00  # "cml\0"

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    context.run_migrations()
