"""PostgreSQL's windowed full-text probe: looking among the newest memories changes nothing.

A common word's window (its newest matches) may be looked for among the tenant's newest
memories only (``skip``); the statement reports how many matches the window held, and a full
window is the same window as the whole scan's.
"""

from __future__ import annotations

import random

import psycopg

from cml.storage import MemoryFilter, open_store
from cml.storage.postgres.search import partition_lexical_sql

from ..conftest import insert, make_record


def test_a_full_window_among_the_newest_memories_is_the_whole_window(postgres_url: str) -> None:
    rng = random.Random(3)
    store = open_store(postgres_url, pool_max=2)
    try:
        insert(
            store,
            *(
                make_record(
                    rng.choice(["a walk by the river", "a long walk home", "soup for lunch"]),
                    minutes=rng.choice(range(40)),  # shared timestamps: the id decides
                    status=rng.choice(["active", "active", "active", "deleted"]),
                )
                for _ in range(120)
            ),
            make_record("a walk elsewhere", tenant_id="globex", minutes=99),
        )
    finally:
        store.close()
    filt = MemoryFilter("acme")

    def probe(skip: int | None) -> list[tuple[object, ...]]:
        sql, params = partition_lexical_sql(filt, ["walk"], "walk", 10, 5, skip=skip)
        with psycopg.connect(postgres_url) as conn:
            return sorted(conn.execute(sql, params).fetchall(), key=repr)

    whole = probe(None)
    assert whole
    assert all(row[4] == 10 for row in whole)
    outcomes = set()
    for skip in range(0, 130, 3):
        rows = probe(skip)
        full = bool(rows) and rows[0][4] == 10
        outcomes.add(full)
        if full:
            assert rows == whole
    assert outcomes == {True, False}  # both a full window and one the store must redo
