"""Consolidation: episodes become facts with provenance, once, per namespace; reads keep them
beside the ranked list."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import pytest

from cml.engine import Engine
from cml.engine.consolidation.cluster import cluster_episodes
from cml.engine.consolidation.summarize import clean_statement, extractive_gist
from cml.engine.jobs import JobRunningError, job_lease
from cml.models import MemoryType, ReadRequest, WriteRequest
from cml.storage.base import EventRecord

HIKING = [
    "Alice: I love hiking in the mountains every weekend",
    "Alice: hiking in the mountains every weekend keeps me sane",
    "Alice: I love hiking in the mountains every weekend with my dog",
]
OTHER = ["Bob: my cat is called Tom", "Carol: the quarterly report is due on Friday"]

EventLog = Callable[..., list[EventRecord]]


@pytest.fixture(autouse=True)
def _hash_friendly(engine: Engine) -> None:
    # The hash embedder compares words, not meaning: looser thresholds than MiniLM's defaults.
    engine.admin.consolidation_settings = dataclasses.replace(
        engine.admin.consolidation_settings, cluster_threshold=0.6, align_threshold=0.7
    )


def _write(engine: Engine, texts: list[str], namespace: str | None = "alice") -> list[str]:
    ids = []
    for text in texts:
        response = engine.memories.write(
            "acme",
            WriteRequest(content=text, namespace=namespace, memory_type=MemoryType.EPISODIC_EVENT),
        )
        assert response.memory_id is not None
        ids.append(response.memory_id)
    return ids


def test_a_cluster_of_episodes_becomes_one_fact_with_provenance(
    engine: Engine, events: EventLog
) -> None:
    hiking = _write(engine, HIKING)
    _write(engine, OTHER)

    report = engine.admin.consolidate("acme")

    assert report["episodes_sampled"] == 5
    assert report["clusters_formed"] == 1
    assert report["facts_extracted"] == 1
    assert report["migrations_completed"] == 3
    fact = engine.store.get("acme", report["fact_ids"][0])
    assert fact is not None
    assert fact.memory_type == "semantic_fact"
    assert fact.namespace == "alice"
    assert sorted(fact.provenance) == sorted(hiking)
    assert fact.metadata["source"] == "consolidation"
    assert fact.metadata["method"] == "extractive"
    assert "hiking" in fact.content
    for episode in engine.store.get_many("acme", hiking):
        assert episode.status == "active"  # still there and recalled
        assert episode.consolidated_at is not None
    (event,) = events("acme", "consolidation.run")
    assert event.memory_ids == report["fact_ids"]
    assert event.payload["facts_extracted"] == 1


def test_running_twice_creates_nothing_new(engine: Engine) -> None:
    _write(engine, HIKING + OTHER)
    engine.admin.consolidate("acme")
    before = engine.memories.stats("acme")

    again = engine.admin.consolidate("acme")

    assert again["facts_extracted"] == again["facts_reinforced"] == 0
    assert again["migrations_completed"] == 0
    assert engine.memories.stats("acme") == before.model_copy(
        update={"storage_bytes": engine.memories.stats("acme").storage_bytes}
    )


def test_a_gist_close_to_an_existing_fact_reinforces_it_instead_of_duplicating(
    engine: Engine,
) -> None:
    _write(engine, HIKING[:2])
    first = engine.admin.consolidate("acme")
    (fact_id,) = first["fact_ids"]
    more = _write(
        engine, [HIKING[2], "Alice: I love hiking in the mountains every weekend with my sister"]
    )

    second = engine.admin.consolidate("acme")

    assert second["facts_extracted"] == 0
    assert second["facts_reinforced"] == 1
    assert second["fact_ids"] == [fact_id]
    fact = engine.store.get("acme", fact_id)
    assert fact is not None
    assert set(more) <= set(fact.provenance)
    assert fact.confidence > 0.7
    assert fact.version == 2
    assert [v.reason for v in engine.store.versions("acme", fact_id)] == [
        "consolidation: reinforced by episodes"
    ]
    stats = engine.memories.stats("acme")
    assert stats.by_type["semantic_fact"] == 1


def test_clusters_never_cross_namespaces_and_user_id_selects_one(engine: Engine) -> None:
    _write(engine, HIKING[:2], namespace="alice")
    _write(engine, HIKING[1:], namespace="bob")

    only_bob = engine.admin.consolidate("acme", namespace="bob")
    assert only_bob["episodes_sampled"] == 2
    everyone = engine.admin.consolidate("acme")

    facts = [engine.store.get("acme", i) for i in only_bob["fact_ids"] + everyone["fact_ids"]]
    assert {f.namespace for f in facts if f} == {"alice", "bob"}
    for fact in facts:
        assert fact is not None
        sources = engine.store.get_many("acme", fact.provenance)
        assert {s.namespace for s in sources} == {fact.namespace}


def test_other_tenants_are_untouched(engine: Engine) -> None:
    _write(engine, HIKING)
    report = engine.admin.consolidate("globex")
    assert report["episodes_sampled"] == report["facts_extracted"] == 0


def test_reads_keep_consolidated_facts_beside_the_ranked_list(engine: Engine) -> None:
    hiking = _write(engine, HIKING)
    _write(engine, OTHER)
    (fact_id,) = engine.admin.consolidate("acme")["fact_ids"]
    query = "hiking in the mountains"

    packet = engine.memories.read("acme", ReadRequest(query=query, namespace="alice"))
    ranked = [m.id for m in packet.memories]
    assert fact_id not in ranked
    assert set(hiking) <= set(ranked)
    assert [f.id for f in packet.facts] == [fact_id]
    assert packet.llm_context is not None
    assert "### Facts" in packet.llm_context

    narrow = engine.memories.read(
        "acme", ReadRequest(query=query, namespace="alice", max_results=2, format="list")
    )
    assert len(narrow.memories) == 2
    assert fact_id not in [m.id for m in narrow.memories]

    asked = engine.memories.read(
        "acme",
        ReadRequest(query=query, namespace="alice", memory_types=[MemoryType.SEMANTIC_FACT]),
    )
    assert [m.id for m in asked.memories] == [fact_id]


def test_a_run_holding_the_lease_makes_a_second_one_fail(engine: Engine) -> None:
    with job_lease(engine.store, "consolidate", "acme"):
        with pytest.raises(JobRunningError) as caught:
            engine.admin.consolidate("acme")
        assert "already in progress" in caught.value.message
        # Another tenant, or another job, is not blocked.
        engine.admin.consolidate("globex")
        engine.admin.run_forgetting("acme")
    engine.admin.consolidate("acme")


def test_concurrent_triggers_run_one_at_a_time(engine: Engine) -> None:
    _write(engine, HIKING)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def trigger() -> None:
        barrier.wait()
        try:
            engine.admin.consolidate("acme")
            outcomes.append("ran")
        except JobRunningError:
            outcomes.append("busy")

    threads = [threading.Thread(target=trigger) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "ran" in outcomes
    assert engine.memories.stats("acme").by_type.get("semantic_fact") == 1


def test_extractive_gist_reads_as_a_fact() -> None:
    assert clean_statement("User: I moved to Oslo\nAssistant: Nice!") == (
        'The user said "I moved to Oslo"'
    )
    assert clean_statement("no speaker here") == "no speaker here"


def test_singletons_are_left_alone(engine: Engine) -> None:
    ids = _write(engine, OTHER)
    records = engine.store.get_many("acme", ids)
    assert cluster_episodes(records, threshold=0.6, max_size=8) == []
    assert engine.admin.consolidate("acme")["facts_extracted"] == 0


def test_extractive_gist_keeps_the_most_central_statements_once(engine: Engine) -> None:
    records = engine.store.get_many("acme", _write(engine, [*HIKING, HIKING[0] + " indeed"]))
    gist = extractive_gist(records, 2)
    assert gist.startswith("Alice said")
    assert gist.count("Alice said") == 2
    assert len(gist) <= 400


def test_facts_written_by_the_caller_still_rank_in_the_list(engine: Engine) -> None:
    _write(engine, HIKING)
    own = engine.memories.write(
        "acme",
        WriteRequest(
            content="Alice hikes in the mountains",
            namespace="alice",
            memory_type=MemoryType.SEMANTIC_FACT,
        ),
    )
    (fact_id,) = engine.admin.consolidate("acme")["fact_ids"]

    result = engine.memories.read(
        "acme", ReadRequest(query="hiking in the mountains", namespace="alice")
    )

    ranked = [m.id for m in result.memories]
    assert own.memory_id in ranked
    assert fact_id not in ranked
    assert fact_id in [f.id for f in result.facts]
