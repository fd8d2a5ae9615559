"""Each admin operation through the real app, on every kind of client."""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

import cml

from .clients import KINDS, Client, make_client

HIKING = [
    "Alice: I love hiking in the mountains every weekend",
    "Alice: I love hiking in the mountains every weekend with my dog",
]


@pytest.fixture(params=KINDS)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    async with make_client(request.param, tmp_path) as made:
        yield made


async def test_consolidate_then_nothing_new(client: Client) -> None:
    for text in HIKING:
        await client.call("write", text, namespace="alice", memory_type="episodic_event")
    await client.call("write", "Bob: my cat is called Tom", namespace="alice")

    first = await client.call("consolidate")
    again = await client.call("consolidate", user_id="alice")

    assert isinstance(first, cml.ConsolidateResponse)
    assert first.facts_extracted == first["facts_extracted"]  # the documented dict-style use
    assert "facts_extracted" in first
    assert first.get("no_such_field", "missing") == "missing"
    assert first["tenant_id"] == "default"
    assert (first["clusters_formed"], first["facts_extracted"]) == (1, 1)
    assert first["migrations_completed"] == 2
    assert first["episodes_sampled"] == 3
    assert first["elapsed_ms"] >= 0
    assert again["facts_extracted"] == again["migrations_completed"] == 0
    result = await client.call("read", "hiking in the mountains", namespace="alice")
    assert [f.id for f in result.facts] == first["fact_ids"]
    assert first["fact_ids"][0] not in [m.id for m in result.memories]


async def test_forgetting_plans_by_default_and_applies_when_asked(client: Client) -> None:
    old = datetime.now(UTC) - timedelta(days=800)
    scratch = await client.call(
        "write",
        "scratch: maybe port 8081",
        memory_type="scratch",
        timestamp=old,
        importance=0.1,
        confidence=0.1,
    )
    await client.call("write", "Booked the dentist for Tuesday")

    plan = await client.call("run_forgetting")
    assert plan["dry_run"] is True
    assert plan["total_scored"] == 2
    assert plan["actions"]["DELETE"] == 1
    decisions = {m["memory_id"]: m for m in plan["memories"]}
    assert decisions[scratch.memory_id]["action"] == "DELETE"
    assert (await client.call("stats")).deleted_memories == 0

    applied = await client.call("run_forgetting", dry_run=False, max_memories=10)
    assert applied["applied"] == 1
    assert (await client.call("stats")).deleted_memories == 1

    restored = await client.call("restore", [scratch.memory_id])
    assert restored.memory_ids == [scratch.memory_id]
    assert (await client.call("stats")).deleted_memories == 0

    await client.call("forget", memory_ids=[scratch.memory_id])
    purged = await client.call("purge")
    assert purged["purged_count"] == 1
    assert (await client.call("restore", [scratch.memory_id])).affected_count == 0


async def test_tenants_events_and_components(client: Client) -> None:
    await client.call("write", "The user likes green tea")

    tenants = await client.call("list_tenants")
    (default,) = [t for t in tenants if t["tenant_id"] == "default"]
    assert default["memory_count"] == 1
    assert default["event_count"] >= 1
    assert default["last_activity"] is not None

    page = await client.call("get_events", limit=10, event_type="memory.write")
    assert page["total"] == 1
    assert page["total_pages"] == 1
    (event,) = page["items"]
    assert event["event_type"] == "memory.write"
    assert event["tenant_id"] == "default"
    assert len(event["memory_ids"]) == 1

    health = await client.call("component_health")
    assert health["status"] == "healthy"
    components = health["components"]
    assert set(components) == {"database", "vector_index", "embedder", "llm", "scheduler"}
    for name in ("database", "vector_index", "embedder"):
        assert components[name]["status"] == "healthy"
        assert components[name]["latency_ms"] >= 0
    assert components["database"]["details"]["backend"] == "sqlite"
    assert components["embedder"]["details"]["dimensions"] == 384
    assert components["llm"]["status"] == "disabled"


async def test_stream_events_replays_since_and_follows(client: Client) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    first = await client.call("write", "The user moved to Oslo")
    second = await client.call("write", "The user has a cat named Tom")

    events = await client.events(2, since=start)

    assert [e["memory_ids"] for e in events] == [[first.memory_id], [second.memory_id]]
    assert events[0]["id"] < events[1]["id"]
    assert all(e["event_type"] == "memory.write" for e in events)


async def test_stream_events_survives_the_server_ending_an_idle_stream(client: Client) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    first = await client.call("write", "The user moved to Oslo")
    stream = client.raw.stream_events(since=start)
    try:
        if client.kind.endswith("async"):
            assert (await stream.__anext__())["memory_ids"] == [first.memory_id]
            await anyio.sleep(1.5)  # past the server's idle window: it ends the stream
            second = await client.call("write", "The user has a cat named Tom")
            assert (await stream.__anext__())["memory_ids"] == [second.memory_id]
        else:
            assert next(stream)["memory_ids"] == [first.memory_id]
            await anyio.sleep(1.5)
            second = await client.call("write", "The user has a cat named Tom")
            assert next(stream)["memory_ids"] == [second.memory_id]
    finally:
        await stream.aclose() if client.kind.endswith("async") else stream.close()


async def test_stream_without_since_starts_at_new_events(client: Client) -> None:
    before = await client.call("write", "Written before anyone listened")
    stream = client.raw.stream_events(event_type="memory.write")
    received: list[dict[str, Any]] = []

    async def listen() -> None:
        if client.kind.endswith("async"):
            received.append(await stream.__anext__())
        else:
            received.append(await anyio.to_thread.run_sync(next, stream))

    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(listen)
            count = 0
            while not received:
                await client.call("write", f"Written while listening, number {count}")
                count += 1
                await anyio.sleep(0.1)
    finally:
        await stream.aclose() if client.kind.endswith("async") else stream.close()
    assert received[0]["memory_ids"] != [before.memory_id]


def test_embedded_sync_transport_streams_bodies(tmp_path: Path) -> None:
    # The sync embedded client used to buffer whole responses; an endless body must stream.
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "e.db", embedding_provider="hash") as m:
        stream = m.stream_events(since=datetime(2000, 1, 1, tzinfo=UTC))
        assert isinstance(stream, Generator)
        written = m.write("Streams work in sync embedded mode")
        assert next(stream)["memory_ids"] == [written.memory_id]
        stream.close()


async def test_verify_event_log_and_the_acting_key(client: Client) -> None:
    await client.call("write", "The user likes green tea")
    await client.call("create_api_key", "default")

    report = await client.call("verify_event_log")
    assert isinstance(report, cml.LogVerification)
    assert (report.tenant_id, report.ok, report.events, report.broken) == ("default", True, 2, None)
    page = await client.call("get_events", limit=10)
    newest = page.items[0]
    assert report.head_hash == newest.hash
    assert newest.prev_hash == page.items[1].hash
    # Each change names the key that made it (never its secret); in-process clients use none.
    actors = {e.event_type: e.actor for e in page.items}
    if client.kind.startswith("embedded"):
        assert actors == {"memory.write": None, "key.create": None}
    else:
        assert actors == {
            "memory.write": "key:bootstrap",
            "key.create": "key:bootstrap-admin",
        }

    empty = await client.call("verify_event_log", tenant_id="nobody")
    assert (empty.tenant_id, empty.ok, empty.events) == ("nobody", True, 0)
