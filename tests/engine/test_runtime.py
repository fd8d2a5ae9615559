"""Opening, checking and closing the engine."""

from __future__ import annotations

import dataclasses

import pytest

from cml.engine import EngineConfig, StoreMismatchError, open_engine
from cml.models import ReadRequest, WriteRequest


def test_open_write_close_reopen(config: EngineConfig) -> None:
    with open_engine(config) as engine:
        engine.memories.write("acme", WriteRequest(content="Persisted across restarts"))
    with open_engine(config) as engine:
        hits = engine.memories.read("acme", ReadRequest(query="persisted restarts"))
        assert [m.text for m in hits.memories] == ["Persisted across restarts"]


def test_health_reports_backend_and_model(config: EngineConfig) -> None:
    with open_engine(config) as engine:
        health = engine.health()
        assert health["status"] == "ok"
        assert health["backend"] == "sqlite"
        assert health["embedding_model"] == engine.embedder.model_name
        assert health["embedding_dimensions"] == 384


def test_store_refuses_another_embedding_model(config: EngineConfig) -> None:
    with open_engine(config):
        pass
    other = dataclasses.replace(config, embedding_dimensions=128)
    with pytest.raises(StoreMismatchError):
        open_engine(other)


def test_health_is_degraded_after_close(config: EngineConfig) -> None:
    engine = open_engine(config)
    engine.close()
    assert engine.health()["status"] == "degraded"
    engine.close()  # closing twice is harmless
