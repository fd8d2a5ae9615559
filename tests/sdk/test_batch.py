"""batch_write and batch_read on every client, through the real app."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import cml
from cml.config import CMLConfig

from .scripted import API_KEY, BASE_URL, NO_WAIT
from .test_retry_end_to_end import LosesResponses


class CountsRequests(httpx.AsyncBaseTransport):
    """The real app over ASGI, counting the requests per path."""

    def __init__(self, app: FastAPI) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self._inner.handle_async_request(request)


def _client(transport: httpx.AsyncBaseTransport, retries: int = 0) -> cml.AsyncCognitiveMemoryLayer:
    config = CMLConfig(api_key=API_KEY, base_url=BASE_URL, max_retries=retries, **NO_WAIT)
    return cml.AsyncCognitiveMemoryLayer(config=config, transport=transport)


async def test_long_lists_are_split_and_results_keep_input_order(server_app: FastAPI) -> None:
    transport = CountsRequests(server_app)
    contents = [
        f"Log entry {i}: the sensor in room {i % 37} read {i * 3} units" for i in range(1203)
    ]
    async with _client(transport) as memory:
        results = await memory.batch_write([{"content": c} for c in contents], session_id="s1")
        stats = await memory.stats()
        found = await memory.read(contents[1100], max_results=1)
    assert transport.paths.count("/api/v1/memory/batch_write") == 3  # 500 + 500 + 203
    assert len(results) == 1203
    assert stats.total_memories == 1203
    assert found.memories[0].id == results[1100].memory_id
    assert found.memories[0].session_id == "s1"


async def test_an_invalid_item_is_named_by_its_index_in_the_whole_list(
    server_app: FastAPI,
) -> None:
    transport = CountsRequests(server_app)
    items: list[dict[str, object]] = [{"content": f"note {i}"} for i in range(800)]
    items[742] = {"content": "   "}
    items[5] = {"content": "ok", "colour": "blue"}
    async with _client(transport) as memory:
        with pytest.raises(cml.ValidationError) as caught:
            await memory.batch_write(items)
    assert caught.value.status_code is None  # refused before sending
    assert [d.field for d in caught.value.details] == ["items.5.colour", "items.742.content"]
    assert transport.paths == []


async def test_a_secret_in_a_later_request_is_reported_at_its_index(
    server_app: FastAPI,
) -> None:
    items = [{"content": f"Plant {i} needs water on day {i % 7}"} for i in range(600)]
    items[555] = {"content": "the root password is Tr0ub4dor&3-horse-staple"}
    async with _client(httpx.ASGITransport(app=server_app)) as memory:
        with pytest.raises(cml.ValidationError) as caught:
            await memory.batch_write(items)
        stats = await memory.stats()
    assert caught.value.code == "secret_detected"
    assert caught.value.details[0].field == "items.555.content"
    assert "items.555.content" in caught.value.message
    # Each request is atomic: the first 500 are stored, nothing of the refused one.
    assert stats.total_memories == 500


async def test_a_batch_whose_response_was_lost_is_stored_once(server_app: FastAPI) -> None:
    transport = LosesResponses(server_app, drops=2)
    items = [{"content": f"Recipe {i} needs {i} eggs"} for i in range(50)]
    async with _client(transport, retries=3) as memory:
        results = await memory.batch_write(items)
        stats = await memory.stats()
    assert transport.delivered == 4  # three attempts at the batch, then stats
    assert len(results) == 50
    assert stats.total_memories == 50


async def test_retrying_a_whole_call_with_its_key_stores_nothing_twice(
    server_app: FastAPI,
) -> None:
    items = [{"content": f"Book {i} is on shelf {i % 9}"} for i in range(700)]
    async with _client(httpx.ASGITransport(app=server_app)) as memory:
        first = await memory.batch_write(items, idempotency_key="import-2024-05")
        again = await memory.batch_write(items, idempotency_key="import-2024-05")
        stats = await memory.stats()
    assert [r.memory_id for r in again] == [r.memory_id for r in first]
    assert stats.total_memories == 700


async def test_batch_read_answers_every_query_in_order(server_app: FastAPI) -> None:
    transport = CountsRequests(server_app)
    animals = ["otter", "heron", "badger", "lynx", "marten", "ibex", "newt"]
    async with _client(transport) as memory:
        await memory.batch_write([{"content": f"Ana saw a {a} by the river"} for a in animals])
        queries = [f"Did Ana see a {animals[i % 7]}?" for i in range(230)]
        answers = await memory.batch_read(queries, max_results=1, format="list")
    assert transport.paths.count("/api/v1/memory/batch_read") == 3  # 100 + 100 + 30
    assert [a.query for a in answers] == queries
    for i, answer in enumerate(answers):
        assert animals[i % 7] in answer.memories[0].text


async def test_empty_lists_send_nothing(server_app: FastAPI) -> None:
    transport = CountsRequests(server_app)
    async with _client(transport) as memory:
        assert await memory.batch_write([]) == []
        assert await memory.batch_read([]) == []
    assert transport.paths == []


def test_the_sync_embedded_client_batches_too(tmp_path: Path) -> None:
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "m.db", embedding_provider="hash") as memory:
        results = memory.batch_write(
            [{"content": "Ana plays the cello"}, {"content": "Bo grows tomatoes"}],
            namespace="hobbies",
        )
        answers = memory.batch_read(["tomatoes", "cello"], namespace="hobbies")
        listed = list(memory.iter_memories(namespace="hobbies"))
    assert [a.memories[0].id for a in answers] == [results[1].memory_id, results[0].memory_id]
    assert [m.text for m in listed] == ["Ana plays the cello", "Bo grows tomatoes"]
