"""Engine fixtures: a real SQLite file and the deterministic hash embedder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cml.engine import Engine, EngineConfig, open_engine
from cml.storage.base import EventRecord
from cml.storage.sqlite import SQLiteStore


@pytest.fixture
def config(tmp_path: Path) -> EngineConfig:
    return EngineConfig(database_url=f"sqlite:///{tmp_path}/cml.db", embedding_provider="hash")


@pytest.fixture
def engine(config: EngineConfig) -> Iterator[Engine]:
    engine = open_engine(config)
    yield engine
    engine.close()


EventLog = Callable[..., list[EventRecord]]


@pytest.fixture
def events(engine: Engine) -> EventLog:
    """``events(tenant_id, event_type=None)``: the tenant's events, oldest first."""

    def read(tenant_id: str, event_type: str | None = None) -> list[EventRecord]:
        store = engine.store
        assert isinstance(store, SQLiteStore)
        found, _ = store.list_events(tenant_id, event_type=event_type, limit=1000)
        return list(reversed(found))

    return read
