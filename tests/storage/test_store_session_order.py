"""Contract: the memories that follow a memory in its session (every backend)."""

from __future__ import annotations

import random

from cml.storage import MemoryFilter, MemoryStore

from .conftest import insert, make_record


def test_session_successors_follow_session_order_within_the_filter(store: MemoryStore) -> None:
    s1 = insert(
        store,
        *(make_record(f"turn {i}", session_id="s1", namespace="chat", minutes=i) for i in range(5)),
    )
    other_session = make_record("elsewhere", session_id="s2", namespace="chat", minutes=1.5)
    other_namespace = make_record("other ns", session_id="s1", namespace="work", minutes=1.5)
    silent = make_record("hushed", session_id="s1", namespace="chat", minutes=2.5, status="silent")
    no_session = make_record("loose", namespace="chat", minutes=1)
    insert(store, other_session, other_namespace, silent, no_session)
    ids = [r.id for r in s1]

    following = store.session_successors(
        MemoryFilter("acme"), [ids[1], ids[4], no_session.id, "missing"], 2
    )

    assert following == {ids[1]: [ids[2], ids[3]]}
    everything = MemoryFilter("acme", statuses=None)
    assert store.session_successors(everything, [ids[2]], 5) == {
        ids[2]: [silent.id, ids[3], ids[4]]
    }
    assert store.session_successors(MemoryFilter("globex"), [ids[1]], 2) == {}
    assert store.session_successors(MemoryFilter("acme"), [ids[1]], 0) == {}


def test_session_successors_of_many_anchors_at_once_match_their_definition(
    store: MemoryStore,
) -> None:
    # One statement answers every anchor: checked against the definition (the next ``count``
    # memories of the anchor's session and namespace in (created_at, id) order that pass the
    # filter) over sessions with shared timestamps, mixed statuses and namespaces.
    rng = random.Random(7)
    records = [
        make_record(
            f"turn {i}",
            session_id=rng.choice(["s1", "s2", "s3", None]),
            namespace=rng.choice(["chat", "work", None]),
            minutes=rng.choice([0, 1, 2, 3]),
            status=rng.choice(["active", "active", "silent", "deleted"]),
        )
        for i in range(120)
    ]
    foreign = make_record("theirs", tenant_id="globex", session_id="s1", namespace="chat")
    insert(store, *records, foreign)
    ordered = sorted(records, key=lambda r: (r.created_at, r.id))
    anchors = [r.id for r in rng.sample(records, 60)] + [foreign.id, "missing"]

    for statuses, count in ((("active",), 2), (None, 3), (("active", "silent"), 40)):
        expected: dict[str, list[str]] = {}
        for anchor in (r for r in records if r.id in anchors and r.session_id is not None):
            after = [
                r.id
                for r in ordered
                if r.session_id == anchor.session_id
                and r.namespace == anchor.namespace
                and (r.created_at, r.id) > (anchor.created_at, anchor.id)
                and (statuses is None or r.status in statuses)
            ][:count]
            if after:
                expected[anchor.id] = after
        found = store.session_successors(MemoryFilter("acme", statuses=statuses), anchors, count)
        assert found == expected
