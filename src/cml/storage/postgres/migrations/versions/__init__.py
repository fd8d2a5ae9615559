"""One module per schema revision, oldest first (``r0001_...``), and what they share.

A revision module names itself (``revision``, ``down_revision``), lists its SQL statements in
``_UPGRADE`` and ``_DOWNGRADE``, and takes Alembic's ``upgrade``/``downgrade`` from
:func:`statement_steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

__all__ = ["execute_all", "statement_steps"]


def statement_steps(
    upgrade: Sequence[str], downgrade: Sequence[str]
) -> tuple[Callable[[], None], Callable[[], None]]:
    """Build a revision's ``upgrade`` and ``downgrade`` from the statements each runs.

    Args:
        upgrade: The SQL statements that apply the revision, in order.
        downgrade: The SQL statements that undo it, in order.

    Returns:
        The two functions Alembic calls; each runs its statements in order on the migration's
        connection, inside the upgrade's single transaction.
    """

    def run_upgrade() -> None:
        execute_all(upgrade)

    def run_downgrade() -> None:
        execute_all(downgrade)

    return run_upgrade, run_downgrade


def execute_all(statements: Iterable[str]) -> None:
    """Run SQL statements in order on the migration's connection (one transaction).

    For a revision that does more than run statements; the others use :func:`statement_steps`.
    """
    from alembic import op

    for statement in statements:
        op.execute(statement)
