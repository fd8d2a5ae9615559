"""One module per schema revision, oldest first (``r0001_...``), and what they share."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["execute_all"]


def execute_all(statements: Iterable[str]) -> None:
    """Run SQL statements in order on the migration's connection (one transaction)."""
    from alembic import op

    for statement in statements:
        op.execute(statement)
