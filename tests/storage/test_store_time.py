"""Bi-temporal fields on every backend: stored and read back, and ``as_of`` in every search."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from cml.storage import MemoryFilter, MemoryStore

from .conftest import T0, insert, make_record, query_vector


def _found(store: MemoryStore, filt: MemoryFilter, text: str) -> dict[str, set[str]]:
    return {
        "vector": {i for i, _ in store.vector_search(filt, query_vector(text), 10)},
        "lexical": {i for i, _ in store.lexical_search(filt, text, 10)},
        "listing": {r.id for r in store.list_memories(filt)},
    }


def test_time_fields_round_trip(store: MemoryStore) -> None:
    (record,) = insert(
        store,
        make_record(
            "Ann lives in Lyon",
            valid_from=T0 - timedelta(days=30),
            type_given=False,
            stored_at=T0 + timedelta(minutes=1),
        ),
    )
    got = store.get("acme", record.id)
    assert got is not None
    assert got.valid_from == T0 - timedelta(days=30)
    assert got.recorded_at == T0 + timedelta(minutes=1)
    assert got.type_given is False

    retired = dataclasses.replace(
        got,
        status="superseded",
        valid_to=T0 + timedelta(days=2),
        superseded_at=T0 + timedelta(days=2),
        superseded_by="newer-id",
    )
    with store.transaction() as tx:
        tx.update(retired)
    again = store.get("acme", record.id)
    assert again is not None
    assert (again.status, again.superseded_by) == ("superseded", "newer-id")
    assert again.superseded_at == T0 + timedelta(days=2)
    assert again.valid_to == T0 + timedelta(days=2)
    assert again.recorded_at == T0 + timedelta(minutes=1)  # an update keeps when it was learned


def test_as_of_sees_the_store_as_it_stood(store: MemoryStore) -> None:
    day = timedelta(days=1)
    berlin = make_record("Ann lives in Berlin", stored_at=T0, valid_from=T0)
    munich = make_record("Ann lives in Munich", stored_at=T0 + 2 * day, valid_from=T0 + 2 * day)
    berlin.status, berlin.superseded_at, berlin.superseded_by = "superseded", T0 + 2 * day, "x"
    berlin.valid_to = T0 + 2 * day
    insert(store, berlin, munich)
    everything = ("active", "compressed", "superseded")

    before = MemoryFilter("acme", statuses=everything, as_of=T0 + day)
    assert _found(store, before, "Ann lives") == {
        "vector": {berlin.id},
        "lexical": {berlin.id},
        "listing": {berlin.id},
    }
    after = MemoryFilter("acme", statuses=everything, as_of=T0 + 3 * day)
    assert _found(store, after, "Ann lives")["vector"] == {munich.id}
    assert _found(store, after, "Ann lives")["lexical"] == {munich.id}
    earliest = MemoryFilter("acme", statuses=everything, as_of=T0 - day)
    assert _found(store, earliest, "Ann lives") == {
        "vector": set(),
        "lexical": set(),
        "listing": set(),
    }
    # Without as_of the statuses decide: the default leaves the retired memory out.
    assert {i for i, _ in store.vector_search(MemoryFilter("acme"), query_vector("Ann"), 10)} == {
        munich.id
    }
