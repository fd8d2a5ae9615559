"""Contract: storing memories and reading them back (every backend)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from cml.storage import MemoryFilter, MemoryStore
from cml.storage.sql.columns import CANDIDATE_COLUMNS

from .conftest import T0, insert, make_record, query_vector


def test_inserted_memory_reads_back_with_every_field(store: MemoryStore) -> None:
    record = make_record(
        "Alice prefers green tea in the morning ☕",
        memory_type="preference",
        namespace="kitchen",
        session_id="s-1",
        agent_id="agent-7",
        context_tags=["drinks", "morning"],
        metadata={"source": "chat", "nested": {"n": 1}},
        importance=0.9,
        confidence=0.7,
        provenance=["m-a", "m-b"],
    )
    insert(store, record)

    got = store.get("acme", record.id)

    assert got is not None
    assert got.content == record.content
    assert (got.memory_type, got.namespace, got.session_id, got.agent_id) == (
        "preference",
        "kitchen",
        "s-1",
        "agent-7",
    )
    assert got.context_tags == ["drinks", "morning"]
    assert got.metadata == {"source": "chat", "nested": {"n": 1}}
    assert (got.importance, got.confidence, got.version, got.status) == (0.9, 0.7, 1, "active")
    assert got.provenance == ["m-a", "m-b"]
    assert got.created_at == record.created_at
    assert got.created_at.tzinfo is not None
    assert got.stored_at is not None
    assert got.embedding is not None
    assert got.embedding.dtype == np.float32
    np.testing.assert_array_equal(got.embedding, record.embedding)


def test_memory_without_embedding_is_stored(store: MemoryStore) -> None:
    (record,) = insert(store, make_record("no vector here", embed=False))
    got = store.get("acme", record.id)
    assert got is not None
    assert got.embedding is None


def test_get_many_follows_the_order_of_the_ids(store: MemoryStore) -> None:
    a, b, c = insert(store, make_record("a"), make_record("b"), make_record("c"))

    got = store.get_many("acme", [c.id, "missing", a.id, b.id, c.id])

    assert [r.id for r in got] == [c.id, a.id, b.id]


def test_get_many_with_many_ids(store: MemoryStore) -> None:
    records = insert(store, *(make_record(f"memory {i}", embed=False) for i in range(1200)))
    wanted = [r.id for r in reversed(records)]
    assert [r.id for r in store.get_many("acme", wanted)] == wanted


def test_get_candidates_reads_the_ranked_fields_in_the_order_of_the_ids(
    store: MemoryStore,
) -> None:
    a, b = insert(
        store,
        make_record(
            "Alice prefers green tea",
            memory_type="preference",
            namespace="kitchen",
            session_id="s-1",
            agent_id="agent-7",
            metadata={"source": "chat"},
            importance=0.9,
            confidence=0.7,
        ),
        make_record("Bob drinks coffee", minutes=5),
    )
    (theirs,) = insert(store, make_record("Bob drinks coffee", tenant_id="globex"))

    got = store.get_candidates("acme", [b.id, "missing", theirs.id, a.id, b.id])

    assert [r.id for r in got] == [b.id, a.id]
    whole = store.get("acme", a.id)
    assert whole is not None
    ranked = got[1]
    for name in CANDIDATE_COLUMNS:
        if name != "embedding":
            assert getattr(ranked, name) == getattr(whole, name), name
    assert ranked.embedding is not None
    assert whole.embedding is not None
    np.testing.assert_array_equal(ranked.embedding, whole.embedding)
    # The fields no ranking stage reads are left at their defaults, not read.
    assert (ranked.agent_id, ranked.metadata) == (None, {})


def test_find_by_hash_respects_the_filter(store: MemoryStore) -> None:
    (record,) = insert(store, make_record("the sky is blue", namespace="n1"))

    assert store.find_by_hash(MemoryFilter("acme"), "hash:the sky is blue") is not None
    assert store.find_by_hash(MemoryFilter("acme", namespace="n2"), "hash:the sky is blue") is None
    assert store.find_by_hash(MemoryFilter("acme"), "hash:other") is None
    found = store.find_by_hash(MemoryFilter("acme", namespace="n1"), "hash:the sky is blue")
    assert found is not None
    assert found.id == record.id


def test_list_memories_pages_by_id(store: MemoryStore) -> None:
    records = insert(store, *(make_record(f"memory {i}", minutes=i) for i in range(7)))
    filt = MemoryFilter("acme")

    first = store.list_memories(filt, limit=3)
    second = store.list_memories(filt, after_id=first[-1].id, limit=3)
    third = store.list_memories(filt, after_id=second[-1].id, limit=3)

    assert [r.id for r in first + second + third] == [r.id for r in records]
    assert len(third) == 1


def test_any_memory_answers_for_the_filter_only(store: MemoryStore) -> None:
    insert(
        store,
        make_record("an episode", namespace="work"),
        make_record("a fact", memory_type="semantic_fact", namespace="home"),
        make_record("another tenant's fact", memory_type="semantic_fact", tenant_id="other"),
    )
    facts = ["semantic_fact"]

    assert store.any_memory(MemoryFilter("acme", memory_types=facts))
    assert store.any_memory(MemoryFilter("acme", memory_types=facts, namespace="home"))
    assert not store.any_memory(MemoryFilter("acme", memory_types=facts, namespace="work"))
    assert not store.any_memory(MemoryFilter("nobody"))
    assert not store.any_memory(MemoryFilter("acme", statuses=["deleted"]))


def test_iter_memories_yields_everything_in_id_order(store: MemoryStore) -> None:
    records = insert(store, *(make_record(f"memory {i}", embed=False) for i in range(11)))
    got = list(store.iter_memories(MemoryFilter("acme"), batch_size=4))
    assert [r.id for r in got] == sorted(r.id for r in records)


def test_list_filters(store: MemoryStore) -> None:
    old = make_record("old fact", memory_type="semantic_fact", minutes=0)
    mid = make_record("mid event", namespace="work", session_id="s1", minutes=60)
    new = make_record("new event", namespace="work", minutes=120, status="silent")
    insert(store, old, mid, new)

    def ids(**kwargs: object) -> set[str]:
        return {r.id for r in store.list_memories(MemoryFilter("acme", **kwargs))}  # type: ignore[arg-type]

    assert ids() == {old.id, mid.id}  # silent is not a default status
    assert ids(statuses=None) == {old.id, mid.id, new.id}
    assert ids(statuses=["silent"]) == {new.id}
    assert ids(memory_types=["semantic_fact"]) == {old.id}
    assert ids(memory_types=[]) == set()
    assert ids(namespace="work", statuses=None) == {mid.id, new.id}
    assert ids(session_id="s1") == {mid.id}
    assert ids(since=T0 + timedelta(minutes=30), statuses=None) == {mid.id, new.id}
    assert ids(until=T0 + timedelta(minutes=60)) == {old.id, mid.id}
    assert ids(since=T0 + timedelta(minutes=30), until=T0 + timedelta(minutes=90)) == {mid.id}


def test_count_by_type_and_status(store: MemoryStore) -> None:
    insert(
        store,
        make_record("a", namespace="x"),
        make_record("b", namespace="x", status="silent"),
        make_record("c", memory_type="preference"),
        make_record("d", tenant_id="other"),
    )

    assert store.count_by_type_and_status("acme") == {
        ("episodic_event", "active"): 1,
        ("episodic_event", "silent"): 1,
        ("preference", "active"): 1,
    }
    assert store.count_by_type_and_status("acme", namespace="x") == {
        ("episodic_event", "active"): 1,
        ("episodic_event", "silent"): 1,
    }
    assert store.count_by_type_and_status("nobody") == {}


def test_record_access_counts_reads(store: MemoryStore) -> None:
    a, b = insert(store, make_record("a"), make_record("b"))
    at = T0 + timedelta(days=1)

    store.record_access("acme", [a.id, a.id], at)
    store.record_access("acme", [a.id], at)
    store.record_access("other", [b.id], at)

    got_a, got_b = store.get_many("acme", [a.id, b.id])
    assert got_a.access_count == 2
    assert got_a.last_accessed_at == at
    assert got_b.access_count == 0
    assert got_b.last_accessed_at is None


def test_record_access_inside_a_unit_of_work_commits_and_rolls_back_with_it(
    store: MemoryStore,
) -> None:
    (record,) = insert(store, make_record("counted"))
    at = T0 + timedelta(days=1)

    def count_then_fail() -> None:
        with store.transaction():
            store.record_access("acme", [record.id], at)
            raise LookupError("abandon the unit of work")

    with pytest.raises(LookupError):
        count_then_fail()
    got = store.get("acme", record.id)
    assert got is not None
    assert (got.access_count, got.last_accessed_at) == (0, None)

    with store.transaction():
        store.record_access("acme", [record.id], at)
    got = store.get("acme", record.id)
    assert got is not None
    assert (got.access_count, got.last_accessed_at) == (1, at)


def test_record_access_counts_more_ids_than_one_statement_binds(store: MemoryStore) -> None:
    records = insert(store, *(make_record(f"memory {i}", embed=False) for i in range(1200)))

    store.record_access("acme", [r.id for r in records], T0)

    counts = {r.access_count for r in store.iter_memories(MemoryFilter("acme"))}
    assert counts == {1}


def test_every_read_is_confined_to_its_tenant(store: MemoryStore) -> None:
    (mine,) = insert(store, make_record("shared words about coffee beans", tenant_id="acme"))
    (theirs,) = insert(store, make_record("shared words about coffee beans", tenant_id="globex"))
    acme = MemoryFilter("acme")

    assert store.get("globex", mine.id) is None
    assert store.get_many("globex", [mine.id]) == []
    assert [r.id for r in store.list_memories(acme)] == [mine.id]
    assert [r.id for r in store.iter_memories(acme)] == [mine.id]
    found = store.find_by_hash(acme, mine.content_hash)
    assert found is not None
    assert found.id == mine.id
    assert [i for i, _ in store.lexical_search(acme, "coffee beans", 10)] == [mine.id]
    assert [i for i, _ in store.vector_search(acme, query_vector("coffee beans"), 10)] == [mine.id]
    assert store.count_by_type_and_status("acme") == {("episodic_event", "active"): 1}
    with store.transaction() as tx:
        assert tx.set_status("acme", [theirs.id], "deleted", T0) == 0
        assert tx.hard_delete("acme", [theirs.id]) == 0
    assert store.get("globex", theirs.id) is not None


def test_ping_answers(store: MemoryStore) -> None:
    store.ping()
    assert store.storage_bytes() > 0
    # A small store was checked before it opened (a PostgreSQL one needs no check): no wait.
    assert store.wait_for_start_check(0)


@pytest.mark.parametrize("dims", [384, 16])
def test_embedding_model_is_recorded_and_a_different_one_refused(
    store: MemoryStore, dims: int
) -> None:
    from cml.errors import StoreMismatchError

    store.check_embedding_model("model-a", dims)
    store.check_embedding_model("model-a", dims)  # same model: fine

    with pytest.raises(StoreMismatchError, match="model-a") as caught:
        store.check_embedding_model("model-b", dims)
    assert str(dims) in caught.value.message
    assert caught.value.hint
    with pytest.raises(StoreMismatchError):
        store.check_embedding_model("model-a", dims + 1)
