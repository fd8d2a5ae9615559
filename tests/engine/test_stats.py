"""Counts by type and status."""

from __future__ import annotations

from cml.engine import Engine
from cml.models import Feedback, ForgetRequest, MemoryType, UpdateRequest, WriteRequest


def test_counts_by_type_status_and_namespace(engine: Engine) -> None:
    ids = []
    for content, memory_type, namespace in [
        ("I prefer tea", MemoryType.PREFERENCE, None),
        ("I prefer jazz", MemoryType.PREFERENCE, "music"),
        ("Went to the market", MemoryType.EPISODIC_EVENT, None),
        ("Never call after 9pm", MemoryType.CONSTRAINT, None),
    ]:
        response = engine.memories.write(
            "acme", WriteRequest(content=content, memory_type=memory_type, namespace=namespace)
        )
        assert response.memory_id is not None
        ids.append(response.memory_id)
    engine.memories.update("acme", UpdateRequest(memory_id=ids[2], feedback=Feedback.INCORRECT))
    engine.memories.forget("acme", ForgetRequest(memory_ids=[ids[3]]))

    stats = engine.memories.stats("acme")
    assert stats.tenant_id == "acme"
    assert stats.total_memories == 3  # the deleted one is in the bin, not in the total
    assert (stats.active_memories, stats.silent_memories, stats.deleted_memories) == (2, 1, 1)
    assert stats.by_type == {"episodic_event": 1, "preference": 2}
    assert stats.by_status == {"active": 2, "deleted": 1, "silent": 1}
    assert stats.storage_bytes is not None
    assert stats.storage_bytes > 0

    music = engine.memories.stats("acme", namespace="music")
    assert (music.namespace, music.total_memories, music.by_type) == ("music", 1, {"preference": 1})
