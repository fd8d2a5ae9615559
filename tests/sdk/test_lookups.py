"""get, history, list_memories and filtered reads on all four clients, on both backends.

The HTTP clients use a read+write key (no admin key) against the real app; the embedded ones
run the same app in-process. Every case runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import cml
from cml._embedded import in_process_transport_sync, release
from cml.engine import open_engine
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .scripted import API_KEY, BASE_URL

KINDS = ["async-http", "sync-http", "async-embedded", "sync-embedded"]


async def run(client: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``client.name`` whatever the client's kind."""
    result = getattr(client, name)(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"


@pytest.fixture(params=KINDS)
async def client(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Any]:
    settings = ServerSettings(database_url=database_url, embedding_provider="hash", api_key=API_KEY)
    kind = str(request.param)
    if kind.endswith("embedded"):
        cls: Any = (
            cml.AsyncEmbeddedCognitiveMemoryLayer
            if kind.startswith("async")
            else cml.EmbeddedCognitiveMemoryLayer
        )
        embedded = cls(settings=settings)
        yield embedded
        await run(embedded, "close")
        return
    engine = open_engine(settings.to_engine_config())
    app = create_app(settings, engine=engine)
    if kind.startswith("async"):
        transport = httpx.ASGITransport(app=app)
        async_client = cml.AsyncCognitiveMemoryLayer(
            API_KEY, base_url=BASE_URL, max_retries=0, transport=transport
        )
        yield async_client
        await async_client.close()
        engine.close()
        return
    sync_transport = in_process_transport_sync(app)
    sync_client = cml.CognitiveMemoryLayer(
        API_KEY, base_url=BASE_URL, max_retries=0, transport=sync_transport
    )
    yield sync_client
    sync_client.close()
    release(sync_transport, engine)


async def test_get_returns_one_memory_in_full(client: Any) -> None:
    written = await run(
        client,
        "write",
        "The user prefers aisle seats",
        namespace="travel",
        metadata={"source": "chat"},
        context_tags=["flights"],
        agent_id="planner",
    )
    got = await run(client, "get", written.memory_id)
    assert (got.id, got.text, got.namespace) == (
        written.memory_id,
        "The user prefers aisle seats",
        "travel",
    )
    assert (got.metadata, got.context_tags, got.agent_id) == (
        {"source": "chat"},
        ["flights"],
        "planner",
    )
    assert (await run(client.with_namespace("travel"), "get", written.memory_id)).id == got.id
    with pytest.raises(cml.NotFoundError) as missing:
        await run(client.with_namespace("work"), "get", written.memory_id)
    assert missing.value.status_code == 404
    with pytest.raises(cml.NotFoundError):
        await run(client, "get", "0190f0f0-0000-7000-8000-000000000000")


async def test_history_lists_every_state_newest_first(client: Any) -> None:
    written = await run(client, "write", "The office is on floor 3")
    await run(client, "update", written.memory_id, text="The office is on floor 4")
    await run(client, "update", written.memory_id, importance=0.9)
    states = await run(client, "history", written.memory_id)
    assert [s.version for s in states] == [3, 2, 1]
    assert [s.current for s in states] == [True, False, False]
    assert [s.text for s in states] == [
        "The office is on floor 4",
        "The office is on floor 4",
        "The office is on floor 3",
    ]
    assert states[2].reason == "update: text"
    assert states[2].replaced_at == states[1].recorded_at
    with pytest.raises(cml.NotFoundError):
        await run(client.with_namespace("elsewhere"), "history", written.memory_id)


async def test_list_memories_filters_and_pages(client: Any) -> None:
    items = [
        {"content": "Apollo kickoff is on Monday", "metadata": {"project": "apollo", "n": 1}},
        {"content": "Apollo budget is ten thousand", "metadata": {"project": "apollo", "n": 2}},
        {"content": "Gemini launch slipped a week", "metadata": {"project": "gemini"}},
        {"content": "Buy oat milk", "context_tags": ["groceries"], "agent_id": "shopper"},
        {"content": "Water the ferns", "context_tags": ["home", "plants"]},
    ]
    ids = [r.memory_id for r in await run(client, "batch_write", items)]
    apollo = await run(client, "list_memories", metadata={"project": "apollo"})
    assert [m.id for m in apollo.items] == ids[:2]
    exact = await run(client, "list_memories", metadata={"project": "apollo", "n": 2})
    assert [m.id for m in exact.items] == [ids[1]]
    tagged = await run(client, "list_memories", context_tags=["plants", "groceries"])
    assert [m.id for m in tagged.items] == ids[3:]
    by_agent = await run(client, "list_memories", agent_id="shopper")
    assert [m.id for m in by_agent.items] == [ids[3]]
    seen: list[str] = []
    page = await run(client, "list_memories", per_page=2)
    while True:
        seen += [m.id for m in page.items]
        if page.next_cursor is None:
            break
        page = await run(client, "list_memories", per_page=2, cursor=page.next_cursor)
    assert seen == ids
    with pytest.raises(cml.ValidationError):
        await run(client, "list_memories", metadata={'bad"key': 1})


async def test_filtered_reads_find_the_best_matches_that_pass(client: Any) -> None:
    items: list[dict[str, Any]] = [
        {"content": f"Tea note {i}: green tea with lemon and honey"} for i in range(30)
    ]
    items += [
        {"content": "Tea note: black tea", "metadata": {"project": "apollo"}},
        {"content": "Tea note: oolong tea", "context_tags": ["kitchen"]},
        {"content": "Tea note: white tea", "agent_id": "barista"},
    ]
    ids = [r.memory_id for r in await run(client, "batch_write", items)]
    question = "green tea with lemon and honey"
    unfiltered = await run(client, "read", question, max_results=5, format="list")
    assert not {m.id for m in unfiltered.memories} & set(ids[30:])
    for filters, expected in (
        ({"metadata": {"project": "apollo"}}, ids[30]),
        ({"context_tags": ["kitchen", "garden"]}, ids[31]),
        ({"agent_id": "barista"}, ids[32]),
    ):
        found = await run(client, "read", question, max_results=5, format="list", **filters)
        assert [m.id for m in found.memories] == [expected]
        (batch,) = await run(client, "batch_read", [question], max_results=5, **filters)
        assert [m.id for m in batch.memories] == [expected]
    gone = await run(client, "forget", metadata={"project": "apollo"})
    assert gone.memory_ids == [ids[30]]
    gone = await run(client, "forget", query="white tea", threshold=0.0, agent_id="barista")
    assert gone.memory_ids == [ids[32]]


async def test_min_relevance_keeps_only_results_at_or_above_it(client: Any) -> None:
    texts = ["The user drinks green tea", "Green tea is grown in Japan", "The bus leaves at nine"]
    await run(client, "batch_write", [{"content": text} for text in texts])
    everything = await run(client, "read", "green tea", format="list")
    assert len(everything.memories) == 3  # without min_relevance: the top k as ranked
    cut = everything.memories[1].relevance
    kept = await run(client, "read", "green tea", format="list", min_relevance=cut)
    assert [m.id for m in kept.memories] == [
        m.id for m in everything.memories if m.relevance >= cut
    ]
    (batch,) = await run(client, "batch_read", ["green tea"], min_relevance=cut)
    assert [m.id for m in batch.memories] == [m.id for m in kept.memories]
    with pytest.raises(cml.ValidationError):
        await run(client, "read", "green tea", min_relevance=1.5)
