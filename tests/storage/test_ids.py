"""Time-ordered ids."""

from __future__ import annotations

import threading
import time
import uuid

from cml.storage import new_id


def test_ids_are_uuid7_strings() -> None:
    value = uuid.UUID(new_id())
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_ids_increase_within_a_burst() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_carry_the_creation_time() -> None:
    before = time.time_ns() // 1_000_000
    stamp = uuid.UUID(new_id()).int >> 80
    after = time.time_ns() // 1_000_000
    # A burst may run a few milliseconds ahead of the clock, never behind it.
    assert before <= stamp <= after + 50


def test_ids_from_many_threads_are_unique() -> None:
    results: list[list[str]] = [[] for _ in range(8)]

    def make(slot: list[str]) -> None:
        slot.extend(new_id() for _ in range(2000))

    threads = [threading.Thread(target=make, args=(slot,)) for slot in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [i for slot in results for i in slot]
    assert len(set(every)) == len(every)
    assert all(slot == sorted(slot) for slot in results)
