"""Fixtures for the storage contract suite.

Every test that takes ``store`` runs once per backend in ``BACKENDS``: the SQLite file, SQLite in
memory, and PostgreSQL (a fresh database on the session's server, see ``tests/pg_helpers.py``;
skipped with the reason when no PostgreSQL can be started).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cml.embeddings import HashEmbedder
from cml.storage import MemoryRecord, MemoryStore, new_id, open_store

StoreFactory = Callable[[Path], MemoryStore]

BACKENDS: dict[str, StoreFactory] = {
    "sqlite-file": lambda tmp: open_store(f"sqlite:///{tmp / 'data' / 'cml.db'}"),
    "sqlite-memory": lambda tmp: open_store("sqlite:///:memory:"),
}
POSTGRES = "postgres"

EMBEDDER = HashEmbedder()
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=[*sorted(BACKENDS), POSTGRES])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryStore]:
    """A fresh, empty store of each backend."""
    if request.param == POSTGRES:
        opened = open_store(request.getfixturevalue("postgres_url"), pool_max=4)
    else:
        opened = BACKENDS[request.param](tmp_path)
    yield opened
    opened.close()


def make_record(
    content: str,
    *,
    tenant_id: str = "acme",
    minutes: float = 0,
    embed: bool = True,
    **fields: Any,
) -> MemoryRecord:
    """A memory with a hash embedding of its content, created ``minutes`` after ``T0``."""
    at = T0 + timedelta(minutes=minutes)
    fields.setdefault("memory_type", "episodic_event")
    return MemoryRecord(
        id=new_id(),
        tenant_id=tenant_id,
        content=content,
        created_at=at,
        updated_at=at,
        content_hash=f"hash:{content}",
        embedding=EMBEDDER.embed([content])[0] if embed else None,
        **fields,
    )


def insert(store: MemoryStore, *records: MemoryRecord) -> list[MemoryRecord]:
    """Insert records in one transaction and return them."""
    with store.transaction() as tx:
        tx.insert(records)
    return list(records)


def query_vector(text: str) -> Any:
    """The hash embedding of a query text."""
    return EMBEDDER.embed([text])[0]


TEXTS = [
    "Alice drinks black coffee every morning",
    "Bob prefers green tea with honey",
    "The coffee machine is broken, again!",
    "Coffee with honey, coffee with milk",
    "Café au lait à Paris: drinking café crème",
    "snake_case and CamelCase words 42 times",
    "...",
    "Zebras graze; a zebra runs",
]


def varied_records(count: int, *, start: int = 0) -> list[MemoryRecord]:
    """Memories in every situation the statistics distinguish."""
    records = []
    for n in range(start, start + count):
        fields: dict[str, Any] = {}
        if n % 7 == 3:
            fields["status"] = "archived"  # not searchable by default: not counted
        elif n % 7 == 5:
            fields["status"] = "compressed"  # counted
        elif n % 11 == 4:
            fields["status"] = "deleted"
        if n % 5 == 1:
            fields["namespace"] = "bob"
        if n % 9 == 2:
            # A fact written by consolidation has an index of its own: not counted.
            fields["memory_type"] = "semantic_fact"
            fields["metadata"] = {"source": "consolidation"}
        elif n % 9 == 6:
            fields["memory_type"] = "semantic_fact"  # a stated fact: counted
        text = f"{TEXTS[n % len(TEXTS)]} number{n % 13}"
        tenant = "acme" if n % 4 else "globex"
        records.append(make_record(text, tenant_id=tenant, minutes=n, **fields))
    return records


def insert_batches(store: MemoryStore, batches: list[list[MemoryRecord]]) -> None:
    """Insert each batch in a transaction of its own, then close the store."""
    try:
        for batch in batches:
            with store.transaction() as tx:
                tx.insert(batch)
    finally:
        store.close()
