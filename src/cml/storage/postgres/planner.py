"""What PostgreSQL's planner needs to plan a read well: fresh table statistics, custom plans.

A read's statements are chosen by the planner from the column statistics of ``memories``: how
many memories a tenant has, how many are facts, how selective a filter is. Two states made it
choose full scans where an index answers in a millisecond (decision 92):

* **No statistics yet.** Rows loaded faster than autovacuum looks (a restore, an import, the
  first minutes of a new store; autovacuum also waits while an HNSW index is built) leave the
  table unanalysed, and the planner guesses: at 100,000 memories it walked the whole tenant
  for the vector search and the full-text window, 300 to 800 ms a read, and the vector search
  then ranked exactly instead of through the HNSW index. :func:`refresh_if_stale` runs
  ``ANALYZE`` when a store opens and finds most of the table changed since the last analysis
  (a sample of 30,000 rows: about a second, whatever the size).
* **Generic plans.** psycopg prepares a statement after its fifth run on a connection, and
  PostgreSQL may then switch to one plan for any value, costed without the values: the facts
  check (``EXISTS`` over a tenant's facts) became a full scan of the tenant, 120 to 200 ms, on
  every read. :data:`CUSTOM_PLANS` keeps every statement planned for its values, as an
  unprepared one is: the same plan (and so the same vector candidates) on every connection,
  however often it ran.

A table just loaded also reads slowly until its first ``VACUUM``: no page is marked all-visible
(so the index-only walk of the full-text window reads every row it passes in the heap) and the
full-text index's pending list holds the new rows' words unsorted (every search reads it
through: 10 ms a search at 100,000 memories). Autovacuum does that work minutes later, and not
while an HNSW index is being built. :func:`settle` does it at once after the store builds its
HNSW index at open: a few seconds at 100,000 memories, a small part of the build.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg import errors as pg_errors

__all__ = ["ANALYZED_TABLES", "CUSTOM_PLANS", "STALE_SHARE", "refresh_if_stale", "settle"]

logger = logging.getLogger(__name__)

CUSTOM_PLANS = "SET plan_cache_mode = force_custom_plan"
"""Run on each pooled connection: prepared statements are planned for their values each time."""

ANALYZED_TABLES = ("memories", "term_stats")
"""The tables a read's plans depend on."""

STALE_SHARE = 0.5
"""Share of ``memories`` changed since its last analysis above which opening analyses it
(autovacuum's own threshold is 10 %: this only catches a table it has not reached yet)."""

MIN_CHANGES = 1_000
"""Fewest changed (or, for :func:`settle`, live) rows worth the work: a small table is read
fast anyway."""

LOCK_WAIT = "2s"
"""How long ``ANALYZE`` waits for its lock (an index build holds it for minutes): then skipped."""


def refresh_if_stale(conn: psycopg.Connection[Any]) -> bool:
    """``ANALYZE`` the read's tables when most of ``memories`` changed since the last analysis.

    Args:
        conn: An autocommit connection to the store's database.

    Returns:
        Whether the tables were analysed. Not when they are fresh enough, when the lock is
        busy (another process analysing or building an index) or when the role may not
        analyse them (PostgreSQL then skips them with a warning, and autovacuum still will).
    """
    row = conn.execute(
        "SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables"
        " WHERE relid = 'memories'::regclass"
    ).fetchone()
    if row is None:
        return False
    live, changed = int(row[0]), int(row[1])
    if changed < max(MIN_CHANGES, STALE_SHARE * live):
        return False
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
            conn.execute(f"ANALYZE {', '.join(ANALYZED_TABLES)}")
    except pg_errors.LockNotAvailable:
        logger.info("memories not analysed at open: another process holds its lock")
        return False
    return True


def settle(conn: psycopg.Connection[Any]) -> bool:
    """``VACUUM (ANALYZE)`` the read's tables unless ``memories`` is small.

    Args:
        conn: An autocommit connection (``VACUUM`` cannot run inside a transaction).

    Returns:
        Whether they were vacuumed (a table another process holds is skipped).
    """
    # The count an index build records (the statistics views may lag a few seconds behind).
    row = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'memories'::regclass").fetchone()
    if row is None or float(row[0]) < MIN_CHANGES:
        return False
    conn.execute(f"VACUUM (ANALYZE, SKIP_LOCKED) {', '.join(ANALYZED_TABLES)}")
    return True
