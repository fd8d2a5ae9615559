"""Tenants never see or touch each other's memories."""

from __future__ import annotations

import pytest

from cml.engine import Engine, RecordNotFoundError
from cml.models import ForgetRequest, ReadRequest, TurnRequest, UpdateRequest, WriteRequest


@pytest.fixture
def acme_id(engine: Engine) -> str:
    response = engine.memories.write(
        "acme", WriteRequest(content="Acme launch code name is Falcon")
    )
    assert response.memory_id is not None
    return response.memory_id


def test_read_is_scoped_to_the_tenant(engine: Engine, acme_id: str) -> None:
    assert (
        engine.memories.read("globex", ReadRequest(query="launch code name Falcon")).memories == []
    )
    turn = engine.memories.turn("globex", TurnRequest(user_message="launch code name Falcon?"))
    assert turn.memories_retrieved == 0
    assert "Falcon" not in turn.memory_context.replace("launch code name Falcon?", "")


def test_update_by_foreign_id_is_not_found(engine: Engine, acme_id: str) -> None:
    with pytest.raises(RecordNotFoundError):
        engine.memories.update("globex", UpdateRequest(memory_id=acme_id, text="hijacked"))
    record = engine.store.get("acme", acme_id)
    assert record is not None
    assert record.content == "Acme launch code name is Falcon"


def test_forget_by_foreign_id_affects_nothing(engine: Engine, acme_id: str) -> None:
    for hard in (False, True):
        response = engine.memories.forget("globex", ForgetRequest(memory_ids=[acme_id], hard=hard))
        assert response.affected_count == 0
    forget_all = engine.memories.forget("globex", ForgetRequest(query="launch code", threshold=0.0))
    assert forget_all.affected_count == 0
    record = engine.store.get("acme", acme_id)
    assert record is not None
    assert record.status == "active"


def test_stats_are_per_tenant(engine: Engine, acme_id: str) -> None:
    assert engine.memories.stats("globex").total_memories == 0
    assert engine.memories.stats("acme").total_memories == 1
