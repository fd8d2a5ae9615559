"""Contract: session order (``session_successors``) and full-text search on very common words."""

from __future__ import annotations

from cml.storage import MemoryFilter, MemoryStore

from .conftest import insert, make_record


def test_successors_follow_session_order_within_namespace(store: MemoryStore) -> None:
    # Same timestamp for a whole session: write order (the id) decides.
    turns = insert(
        store,
        *[make_record(f"turn {i}", session_id="s1", namespace="n") for i in range(4)],
        make_record("other session", session_id="s2", namespace="n"),
        make_record("other namespace", session_id="s1", namespace="m"),
        make_record("no session", namespace="n"),
    )
    ids = [r.id for r in turns]
    found = store.session_successors(MemoryFilter("acme"), [ids[0], ids[2], ids[6]], 2)
    assert found == {ids[0]: [ids[1], ids[2]], ids[2]: [ids[3]]}


def test_successors_order_by_time_then_respect_the_filter(store: MemoryStore) -> None:
    late, early, middle = insert(
        store,
        make_record("late", session_id="s", minutes=30),
        make_record("early", session_id="s", minutes=0),
        make_record("middle", session_id="s", minutes=10, status="deleted"),
    )
    assert store.session_successors(MemoryFilter("acme"), [early.id], 5) == {early.id: [late.id]}
    everything = MemoryFilter("acme", statuses=None)
    assert store.session_successors(everything, [early.id], 5) == {early.id: [middle.id, late.id]}


def test_successors_never_cross_tenants(store: MemoryStore) -> None:
    mine, theirs = insert(
        store,
        make_record("mine", session_id="s"),
        make_record("theirs", session_id="s", tenant_id="other", minutes=5),
    )
    assert store.session_successors(MemoryFilter("acme"), [mine.id], 3) == {}
    assert store.session_successors(MemoryFilter("acme"), [theirs.id], 3) == {}


def test_a_word_in_every_memory_does_not_drown_the_informative_one(store: MemoryStore) -> None:
    records = insert(
        store,
        *[make_record(f"note {i} about the weekly report") for i in range(30)],
        make_record("note about the lighthouse trip"),
    )
    results = store.lexical_search(MemoryFilter("acme"), "note lighthouse", 5)
    assert results[0][0] == records[-1].id
