"""Several threads on one engine, as the server's threadpool does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from cml.engine import Engine
from cml.models import ReadRequest, WriteRequest


def test_racing_retries_with_one_key_store_once(engine: Engine) -> None:
    request = WriteRequest(content="The quarterly review is on the 14th")

    def send(_: int) -> str | None:
        return engine.memories.write("acme", request, idempotency_key="race").memory_id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(send, range(24)))
    assert len(ids) == 1
    assert engine.memories.stats("acme").total_memories == 1
    record = engine.store.get("acme", ids.pop() or "")
    assert record is not None
    assert record.confidence == 0.8  # no retry reinforced it


def test_concurrent_distinct_writes_and_reads(engine: Engine) -> None:
    def work(i: int) -> None:
        words = " ".join(f"item{i}part{j}" for j in range(8))
        engine.memories.write("acme", WriteRequest(content=f"Inventory record {words}"))
        engine.memories.read("acme", ReadRequest(query=f"item{i}part0"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(40)))
    assert engine.memories.stats("acme").total_memories == 40
    hits = engine.memories.read("acme", ReadRequest(query="item7part3 item7part5"))
    assert "item7part0" in hits.memories[0].text
