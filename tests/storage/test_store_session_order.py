"""Contract: the memories that follow a memory in its session (every backend)."""

from __future__ import annotations

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
