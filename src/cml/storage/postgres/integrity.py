"""What a full integrity check of a PostgreSQL store can do, and does.

PostgreSQL checks its own pages when the cluster was created with data checksums
(``initdb --data-checksums``): a damaged page then fails the query that reads it with
``data_corrupted`` and is counted in ``pg_stat_database.checksum_failures``. The check reads that
count, and, when the ``amcheck`` extension is installed in the database, verifies every heap
(``verify_heapam``) and B-tree index (``bt_index_check`` with ``heapallindexed``) of py-cml's
tables. What cannot be checked here (checksums off, ``amcheck`` missing; the pgvector HNSW and
GIN indexes, which ``amcheck`` does not cover) is named in the findings rather than passed over.
"""

from __future__ import annotations

from typing import Any

import psycopg

from cml.storage.base import IntegrityFindings

__all__ = ["check"]

_MAX_PROBLEMS = 20

_RELATIONS = """
    SELECT c.oid, c.relname, c.relkind, COALESCE(am.amname, '')
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_am am ON am.oid = c.relam
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i') AND c.relpersistence = 'p'
    ORDER BY c.relname
"""

_HEAP_CHECK = "SELECT blkno, msg FROM verify_heapam(%s::oid::regclass) LIMIT 3"


def check(conn: psycopg.Connection[Any]) -> IntegrityFindings:
    """Checksum failures, and ``amcheck`` over py-cml's tables and B-tree indexes if installed.

    Args:
        conn: A connection to the store's database, outside a transaction of its own.

    Returns:
        What was checked, the problems found and what could not be checked.
    """
    checks: list[str] = []
    problems: list[str] = []
    missing: list[str] = []
    if _value(conn, "SHOW data_checksums") == "on":
        checks.append("pg_stat_database.checksum_failures (data checksums are on)")
        failures = _value(
            conn,
            "SELECT COALESCE(checksum_failures, 0) FROM pg_stat_database "
            "WHERE datname = current_database()",
        )
        if failures:
            problems.append(
                f"{failures} page read(s) failed their checksum since the statistics were reset"
            )
    else:
        missing.append(
            "page checksums: the cluster was created without data checksums (initdb "
            "--data-checksums, or pg_checksums --enable on a stopped cluster)"
        )
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'").fetchone() is None:
        missing.append(
            "tables and B-tree indexes: the amcheck extension is not installed in this database "
            "(CREATE EXTENSION amcheck, as a superuser)"
        )
        return IntegrityFindings(tuple(checks), tuple(problems), tuple(missing))
    skipped: list[str] = []
    for oid, name, kind, method in conn.execute(_RELATIONS).fetchall():
        if kind == "i" and method != "btree":
            skipped.append(f"{name} ({method})")
            continue
        what = f"table {name}" if kind == "r" else f"index {name}"
        try:
            with conn.transaction():  # a savepoint: one failed check must not end the others
                if kind == "r":
                    rows = conn.execute(_HEAP_CHECK, (oid,)).fetchall()
                    problems.extend(f"{what}, block {block}: {msg}" for block, msg in rows)
                else:
                    conn.execute("SELECT bt_index_check(%s::oid::regclass, true)", (oid,))
        except (psycopg.errors.IndexCorrupted, psycopg.errors.DataCorrupted) as exc:
            problems.append(f"{what}: {str(exc).strip().splitlines()[0]}")
    checks.append("amcheck: verify_heapam on every table, bt_index_check on every B-tree index")
    if skipped:
        missing.append("indexes amcheck cannot verify: " + ", ".join(skipped))
    return IntegrityFindings(tuple(checks), tuple(problems[:_MAX_PROBLEMS]), tuple(missing))


def _value(conn: psycopg.Connection[Any], sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return None if row is None else row[0]
