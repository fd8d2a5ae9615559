"""Fixtures for the storage contract suite.

Every test that takes ``store`` runs once per backend in ``BACKENDS``. A new backend (PostgreSQL)
joins the suite by adding a factory there.
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

EMBEDDER = HashEmbedder()
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryStore]:
    """A fresh, empty store of each backend."""
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
