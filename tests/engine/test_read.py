"""Hybrid recall: ranking, filters, statuses, formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cml.engine import Engine, MemoryService
from cml.models import (
    BatchReadRequest,
    Feedback,
    ForgetRequest,
    MemoryType,
    ReadFormat,
    ReadRequest,
    UpdateRequest,
    WriteRequest,
)


def _write(engine: Engine, content: str, tenant: str = "acme", **fields: object) -> str:
    response = engine.memories.write(tenant, WriteRequest(content=content, **fields))
    assert response.memory_id is not None
    return response.memory_id


@pytest.fixture
def seeded(engine: Engine) -> dict[str, str]:
    return {
        "tea": _write(engine, "I prefer green tea over coffee"),
        "nuts": _write(engine, "I am allergic to peanuts and tree nuts"),
        "rome": _write(engine, "Visited the Colosseum in Rome with my sister"),
        "deploy": _write(engine, "How to deploy: step 1 build the image, step 2 push it"),
        "name": _write(engine, "My name is Ann Lee"),
    }


def test_relevant_memory_ranks_first(engine: Engine, seeded: dict[str, str]) -> None:
    for query, key in [
        ("what tea do I prefer", "tea"),
        ("peanuts allergy", "nuts"),
        ("trip to Rome", "rome"),
        ("how do I deploy the image", "deploy"),
        ("what is my name", "name"),
    ]:
        response = engine.memories.read("acme", ReadRequest(query=query))
        assert response.memories[0].id == seeded[key], query


def test_read_returns_whole_memories_though_it_ranks_partial_ones(engine: Engine) -> None:
    written = _write(
        engine,
        "I prefer green tea over coffee",
        metadata={"source": "chat", "n": 2},
        context_tags=["drinks"],
        agent_id="agent-7",
    )
    _write(engine, "Coffee in the morning, tea at night")

    response = engine.memories.read("acme", ReadRequest(query="green tea", format=ReadFormat.LIST))

    found = next(m for m in response.memories if m.id == written)
    assert found.metadata == {"source": "chat", "n": 2}
    assert (found.context_tags, found.agent_id) == (["drinks"], "agent-7")
    assert found.recorded_at is not None


def test_relevance_is_in_unit_interval_and_descending(
    engine: Engine, seeded: dict[str, str]
) -> None:
    response = engine.memories.read("acme", ReadRequest(query="green tea", format=ReadFormat.LIST))
    scores = [m.relevance for m in response.memories]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert response.total_count == len(response.memories)
    assert response.elapsed_ms >= 0.0


def test_max_results_caps_the_list(engine: Engine, seeded: dict[str, str]) -> None:
    response = engine.memories.read("acme", ReadRequest(query="I my the", max_results=2))
    assert len(response.memories) <= 2


def test_packet_buckets_by_kind(engine: Engine, seeded: dict[str, str]) -> None:
    response = engine.memories.read(
        "acme", ReadRequest(query="tea peanuts Rome deploy name", max_results=10)
    )
    assert [m.id for m in response.preferences] == [seeded["tea"]]
    assert [m.id for m in response.constraints] == [seeded["nuts"]]
    assert [m.id for m in response.episodes] == [seeded["rome"]]
    assert [m.id for m in response.procedures] == [seeded["deploy"]]
    assert [m.id for m in response.facts] == [seeded["name"]]
    assert response.llm_context is not None
    assert response.llm_context.startswith("## Relevant Memories")


def test_list_format_has_only_memories(engine: Engine, seeded: dict[str, str]) -> None:
    response = engine.memories.read("acme", ReadRequest(query="green tea", format=ReadFormat.LIST))
    assert response.memories
    assert response.llm_context is None
    assert response.preferences == []


def test_llm_context_respects_the_token_budget(engine: Engine) -> None:
    for i in range(40):
        filler = " ".join(f"plant{i}x{j}" for j in range(25))
        _write(engine, f"Garden roses note {i}: {filler}")
    response = engine.memories.read(
        "acme",
        ReadRequest(
            query="garden roses", max_results=40, format=ReadFormat.LLM_CONTEXT, max_tokens=120
        ),
    )
    assert len(response.memories) == 40
    assert 0 < len(response.context) <= 120 * 4
    assert "Garden roses note" in response.context


def test_filters_by_type_namespace_session_and_time(engine: Engine) -> None:
    old = datetime(2020, 1, 1, tzinfo=UTC)
    new = datetime(2024, 6, 1, tzinfo=UTC)
    ids = {
        "pref": _write(engine, "I prefer hiking trails", memory_type=MemoryType.PREFERENCE),
        "ns": _write(engine, "hiking trails in the Alps", namespace="travel"),
        "s1": _write(engine, "hiking trails talk in session", session_id="s1"),
        "old": _write(engine, "hiking trails long ago", timestamp=old),
        "new": _write(engine, "hiking trails last summer", timestamp=new),
    }

    def found(**fields: object) -> set[str]:
        request = ReadRequest(query="hiking trails", max_results=20, **fields)
        return {m.id for m in engine.memories.read("acme", request).memories}

    assert found(memory_types=[MemoryType.PREFERENCE]) == {ids["pref"]}
    assert found(namespace="travel") == {ids["ns"]}
    assert found(session_id="s1") == {ids["s1"]}
    assert found(until=old + timedelta(days=1)) == {ids["old"]}
    assert found(since=new - timedelta(days=1), until=new + timedelta(days=1)) == {ids["new"]}
    assert found() == set(ids.values())


def test_silent_archived_and_deleted_are_excluded(engine: Engine) -> None:
    silent = _write(engine, "blue bicycle in the garage")
    archived = _write(engine, "blue bicycle was sold")
    deleted = _write(engine, "blue bicycle has a flat tyre")
    visible = _write(engine, "blue bicycle bell is loud")
    engine.memories.update("acme", UpdateRequest(memory_id=silent, feedback=Feedback.INCORRECT))
    engine.memories.update("acme", UpdateRequest(memory_id=archived, feedback=Feedback.OUTDATED))
    engine.memories.forget("acme", ForgetRequest(memory_ids=[deleted]))

    default = engine.memories.read("acme", ReadRequest(query="blue bicycle"))
    assert {m.id for m in default.memories} == {visible}
    with_silent = engine.memories.read(
        "acme", ReadRequest(query="blue bicycle", include_silent=True)
    )
    assert {m.id for m in with_silent.memories} == {visible, silent}


def test_read_counts_an_access(engine: Engine) -> None:
    memory_id = _write(engine, "The spare key is under the blue pot")
    engine.memories.read("acme", ReadRequest(query="spare key"))
    record = engine.store.get("acme", memory_id)
    assert record is not None
    assert record.access_count == 1
    assert record.last_accessed_at is not None


def test_importance_breaks_near_ties(engine: Engine) -> None:
    low = _write(engine, "parking at level 3", importance=0.0)
    high = _write(engine, "parking at level 4", importance=1.0)
    response = engine.memories.read("acme", ReadRequest(query="parking level"))
    order = [m.id for m in response.memories]
    assert order.index(high) < order.index(low)


def test_empty_store_reads_empty(engine: Engine) -> None:
    response = engine.memories.read("acme", ReadRequest(query="anything"))
    assert response.memories == []
    assert response.context == ""


def test_a_read_embeds_its_query_once_even_beside_semantic_facts(
    engine: Engine, counted: tuple[MemoryService, list[int]]
) -> None:
    # A semantic fact in the namespace makes the read retrieve twice (see read/placement.py).
    fact = _write(engine, "Ana lives in Oslo", memory_type=MemoryType.SEMANTIC_FACT)
    episode = _write(engine, "Ana moved to Oslo last spring")
    service, calls = counted
    response = service.read("acme", ReadRequest(query="Where does Ana live?"))
    assert calls == [1]
    assert {m.id for m in response.memories} == {fact, episode}


def test_a_batch_read_embeds_every_query_in_one_call_and_answers_like_single_reads(
    engine: Engine, counted: tuple[MemoryService, list[int]]
) -> None:
    _write(engine, "Ana lives in Oslo", memory_type=MemoryType.SEMANTIC_FACT)
    _write(engine, "Bo plays chess on Sundays")
    _write(engine, "The spare key is under the blue pot")
    queries = [ReadRequest(query=q) for q in ("Where does Ana live?", "chess", "spare key")]
    service, calls = counted
    batch = service.read_batch("acme", BatchReadRequest(queries=queries))
    assert calls == [3]
    for query, result in zip(queries, batch.results, strict=True):
        single = engine.memories.read("acme", query)
        assert [m.id for m in result.memories] == [m.id for m in single.memories]
