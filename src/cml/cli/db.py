"""``cml db``: apply and inspect the PostgreSQL schema migrations (Alembic).

A server never migrates its database: it checks the revision at start and, on an older schema,
refuses to start and names ``cml db upgrade``. Run the upgrade once per deploy, from any machine
that reaches the database (concurrent upgrades are serialised by an advisory lock). SQLite
stores migrate themselves when opened, so these commands only concern PostgreSQL.
"""

from __future__ import annotations

import typer

from cml.cli._common import DatabaseUrlOption, cli_errors, err, fail, settings_from
from cml.cli._typer import CmlTyper

__all__ = ["db_app"]

db_app = CmlTyper(help="PostgreSQL schema migrations: `cml db upgrade`, `cml db current`.")


def _postgres_url(database_url: str | None) -> str:
    url = settings_from(database_url=database_url).resolved_database_url
    if not url.lower().startswith(("postgresql", "postgres")):
        fail(
            "`cml db` manages PostgreSQL schemas; the configured store is SQLite, which "
            "migrates itself when opened. Set CML_DATABASE_URL=postgresql://... or pass "
            "--database-url.",
            code=2,
        )
    return url


def _require_extra() -> None:
    try:
        import alembic  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        fail('PostgreSQL support needs the postgres extra: pip install "py-cml[postgres]"')


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrlOption = None) -> None:
    """Bring the PostgreSQL schema up to this py-cml's revision (safe to run again)."""
    url = _postgres_url(database_url)
    _require_extra()
    from cml.storage.postgres.migrate import upgrade

    with cli_errors():
        before, after = upgrade(url)
    if before == after:
        typer.echo(f"Schema already at revision {after}; nothing to do.")
    else:
        typer.echo(f"Upgraded schema from revision {before or '(none)'} to {after}.")


@db_app.command("current")
def db_current(database_url: DatabaseUrlOption = None) -> None:
    """Print the database's schema revision and whether it is up to date (exit 1 if not)."""
    url = _postgres_url(database_url)
    _require_extra()
    from cml.storage.postgres.migrate import current
    from cml.storage.postgres.schema import HEAD_REVISION

    with cli_errors():
        revision = current(url)
    typer.echo(f"current: {revision or '(no py-cml schema)'}")
    typer.echo(f"head:    {HEAD_REVISION}")
    if revision != HEAD_REVISION:
        err.print("The schema is not up to date: run `cml db upgrade`.")
        raise typer.Exit(1)
