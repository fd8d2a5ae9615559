"""Corrections supersede, and reads see time: issue 15's examples on every client and backend.

Each test runs on the four clients (async and sync over a real ``cml serve``-style server, and
the embedded async and sync clients) and on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

import cml
from cml.server.settings import ServerSettings

from .clients import FAST_STREAMS, KINDS, Client, make_client

BACKENDS = ["sqlite", "postgres"]


@asynccontextmanager
async def _client(kind: str, backend: str, request: pytest.FixtureRequest, tmp: Path) -> Any:
    if backend == "sqlite":
        async with make_client(kind, tmp) as made:
            yield made
        return
    url = request.getfixturevalue("postgres_url")
    if not kind.startswith("embedded"):
        async with make_client(kind, tmp, database_url=url) as made:
            yield made
        return
    settings = ServerSettings(database_url=url, embedding_provider="hash", **FAST_STREAMS)
    if kind == "embedded-async":
        client: Any = cml.AsyncEmbeddedCognitiveMemoryLayer(settings=settings)
        try:
            yield Client(kind, client)
        finally:
            await client.close()
    else:
        client = cml.EmbeddedCognitiveMemoryLayer(settings=settings)
        try:
            yield Client(kind, client)
        finally:
            client.close()


@pytest.fixture(params=[(k, b) for b in BACKENDS for k in KINDS], ids="-".join)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Client]:
    kind, backend = request.param
    async with _client(kind, backend, request, tmp_path) as made:
        yield made


async def _moment() -> datetime:
    """A time strictly between what was written before and what is written after."""
    await anyio.sleep(0.02)
    at = datetime.now(UTC)
    await anyio.sleep(0.02)
    return at


async def test_a_move_supersedes_and_as_of_reads_the_past(client: Client) -> None:
    berlin = await client.call("write", "The user lives in Berlin")
    between = await _moment()
    munich = await client.call("write", "The user moved to Munich last month")
    assert munich.superseded == [berlin.memory_id]

    now = await client.call("read", "Where does the user live?")
    assert now.memories[0].text == "The user moved to Munich last month"
    assert berlin.memory_id not in [m.id for m in now.memories]
    assert "Berlin" not in now.context

    everything = await client.call("read", "Where does the user live?", include_superseded=True)
    texts = [m.text for m in everything.memories]
    assert texts.index("The user moved to Munich last month") < texts.index(
        "The user lives in Berlin"
    )
    retired = next(m for m in everything.memories if m.id == berlin.memory_id)
    assert (retired.status, retired.superseded_by) == ("superseded", munich.memory_id)
    assert retired.superseded_at is not None
    assert retired.valid_to is not None
    current = next(m for m in everything.memories if m.id == munich.memory_id)
    assert current.valid_from is not None
    assert current.recorded_at is not None
    assert current.valid_from < current.recorded_at  # "last month"

    then = await client.call("read", "Where does the user live?", as_of=between)
    assert [m.id for m in then.memories] == [berlin.memory_id]
    assert then.memories[0].status == "active"  # as the store stood then

    events = await client.call("get_events", event_type="memory.supersede")
    assert [e.memory_ids for e in events.items] == [[berlin.memory_id, munich.memory_id]]

    # The full record names its successor too (what the dashboard's memory page links to).
    record = await client.call("get", berlin.memory_id)
    assert (record.status, record.superseded_by) == ("superseded", munich.memory_id)
    assert record.superseded_at is not None
    assert record.valid_to is not None

    restored = await client.call("restore", [berlin.memory_id])
    assert restored.memory_ids == [berlin.memory_id]
    back = await client.call("read", "Where does the user live?")
    assert berlin.memory_id in [m.id for m in back.memories]
    assert (await client.call("get", berlin.memory_id)).superseded_by is None


async def test_a_corrected_name_ranks_first_and_the_old_one_is_retired(client: Client) -> None:
    sam = await client.call("write", "My name is Sam")
    alex = await client.call("write", "Actually my name is Alex, not Sam")
    assert alex.superseded == [sam.memory_id]
    result = await client.call("read", "What is my name?")
    assert result.memories[0].id == alex.memory_id
    assert sam.memory_id not in [m.id for m in result.memories]


async def test_an_episode_never_retires_another(client: Client) -> None:
    park = await client.call("write", "I went to the park on Sunday")
    gym = await client.call("write", "I went to the gym on Monday")
    assert gym.superseded == []
    typed = await client.call("write", "I live in Lisbon", memory_type="episodic_event")
    moved = await client.call("write", "I moved to Porto", memory_type="episodic_event")
    assert moved.superseded == []
    turn = await client.call("turn", "Actually I moved to Faro, not Porto")
    assert turn.memories_stored == 1
    result = await client.call("read", "Where did I go and where do I live?", max_results=10)
    ids = {m.id for m in result.memories}
    assert {park.memory_id, gym.memory_id, typed.memory_id, moved.memory_id} <= ids


async def test_batch_and_outdated_feedback_retire_without_deleting(client: Client) -> None:
    results = await client.call(
        "batch_write",
        [
            {"content": "The user works at Acme"},
            {"content": "The user now works at Globex"},
            {"content": "The user has a dog named Rex"},
        ],
    )
    acme, globex, dog = results
    assert globex.superseded == [acme.memory_id]
    assert dog.superseded == []

    await client.call("update", dog.memory_id, feedback="outdated")
    stats = await client.call("stats")
    assert stats.superseded_memories == 2
    assert stats.total_memories == 3  # retired, never deleted
    result = await client.call("read", "the user's dog and job")
    assert [m.id for m in result.memories] == [globex.memory_id]


async def test_reference_time_reads_the_query_s_dates_from_that_day(client: Client) -> None:
    visits = {}
    for name, content, when in [
        ("march", "went to the museum with my sister Ana", datetime(2023, 3, 4, 18, tzinfo=UTC)),
        ("february", "went to the museum with Tom", datetime(2023, 2, 11, 18, tzinfo=UTC)),
    ]:
        visits[name] = (await client.call("write", content, timestamp=when)).memory_id
    await client.call(
        "batch_write",
        [
            {"content": f"note {day} about groceries", "timestamp": datetime(2023, 2, 10 + day)}
            for day in range(15)
        ],
    )
    question = "Who did I go to the museum with last Saturday?"
    thursday, a_month_before = datetime(2023, 3, 9, tzinfo=UTC), datetime(2023, 2, 16, tzinfo=UTC)

    seen_in_march = await client.call("read", question, reference_time=thursday)
    seen_in_february = await client.call("read", question, reference_time=a_month_before)
    assert seen_in_march.memories[0].id == visits["march"]
    assert seen_in_february.memories[0].id == visits["february"]

    both = await client.call("batch_read", [question, "museum"], reference_time=thursday)
    assert both[0].memories[0].id == visits["march"]
