"""Retries against the real app: a write whose response was lost is stored exactly once."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

import cml
from cml.config import CMLConfig

from .scripted import API_KEY, BASE_URL, NO_WAIT


class LosesResponses(httpx.AsyncBaseTransport):
    """Delivers every request to the real app, but drops the first ``drops`` responses.

    This is the failure retries exist for: the server did the work, the client never heard.
    """

    def __init__(self, app: FastAPI, drops: int) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.drops = drops
        self.delivered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        await response.aread()
        self.delivered += 1
        if self.drops > 0:
            self.drops -= 1
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response


def _client(transport: httpx.AsyncBaseTransport) -> cml.AsyncCognitiveMemoryLayer:
    config = CMLConfig(api_key=API_KEY, base_url=BASE_URL, max_retries=3, **NO_WAIT)
    return cml.AsyncCognitiveMemoryLayer(config=config, transport=transport)


async def test_a_write_whose_response_was_lost_is_stored_once(server_app: FastAPI) -> None:
    transport = LosesResponses(server_app, drops=2)
    async with _client(transport) as memory:
        written = await memory.write("The user's sister lives in Porto")
        stats = await memory.stats()
        found = await memory.read("Where does the sister live?")
    assert transport.delivered == 5  # three attempts at the write, then stats and read
    assert stats.total_memories == 1
    assert [m.id for m in found.memories] == [written.memory_id]


async def test_a_turn_whose_response_was_lost_stores_the_exchange_once(
    server_app: FastAPI,
) -> None:
    transport = LosesResponses(server_app, drops=1)
    async with _client(transport) as memory:
        turn = await memory.turn("I just adopted a cat named Miso", assistant_response="Lovely!")
        stats = await memory.stats()
    assert turn.memories_stored == 1
    assert stats.total_memories == 1
