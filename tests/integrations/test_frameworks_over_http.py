"""The framework adapters over HTTP with a read+write key (no admin), on SQLite and PostgreSQL.

The adapters find their records with the read-key listing's exact metadata filter; these tests
run them against the real app through the SDK's HTTP clients, on both storage backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.store.base import BaseStore

import cml
from cml._embedded import in_process_transport_sync, release
from cml.engine import open_engine
from cml.integrations.langchain import (
    AsyncCMLChatMessageHistory,
    CMLChatMessageHistory,
    CMLRetriever,
)
from cml.integrations.langgraph import AsyncCMLStore, CMLStore
from cml.server.app import create_app
from cml.server.settings import ServerSettings

KEY = "frameworks-read-write-key"
URL = "http://cml.test"


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> ServerSettings:
    if request.param == "postgres":
        url = str(request.getfixturevalue("postgres_url"))
    else:
        url = f"sqlite:///{(tmp_path / 'cml.db').as_posix()}"
    return ServerSettings(database_url=url, embedding_provider="hash", api_key=KEY)


@pytest.fixture
def client(settings: ServerSettings) -> Iterator[cml.CognitiveMemoryLayer]:
    engine = open_engine(settings.to_engine_config())
    transport = in_process_transport_sync(create_app(settings, engine=engine))
    with cml.CognitiveMemoryLayer(KEY, base_url=URL, max_retries=0, transport=transport) as sdk:
        yield sdk
    release(transport, engine)


@pytest.fixture
async def async_client(settings: ServerSettings) -> AsyncIterator[cml.AsyncCognitiveMemoryLayer]:
    engine = open_engine(settings.to_engine_config())
    transport = httpx.ASGITransport(app=create_app(settings, engine=engine))
    async with cml.AsyncCognitiveMemoryLayer(
        KEY, base_url=URL, max_retries=0, transport=transport
    ) as sdk:
        yield sdk
    engine.close()


def _use_store(store: BaseStore) -> None:
    store.put(("users", "ana"), "diet", {"text": "Ana is vegetarian", "n": 1})
    store.put(("users", "bo"), "diet", {"text": "Bo eats fish", "n": 2})
    store.put(("users", "ana"), "diet", {"text": "Ana is vegan", "n": 3})

    item = store.get(("users", "ana"), "diet")
    assert item is not None
    assert item.value == {"text": "Ana is vegan", "n": 3}
    assert [i.key for i in store.search(("users",), filter={"n": {"$gte": 2}})] == [
        "diet",
        "diet",
    ]
    assert store.search(("users",), query="vegan")[0].value["text"] == "Ana is vegan"
    assert store.list_namespaces() == [("users", "ana"), ("users", "bo")]
    store.delete(("users", "bo"), "diet")
    assert store.get(("users", "bo"), "diet") is None


def test_the_store_and_history_with_a_sync_client(client: cml.CognitiveMemoryLayer) -> None:
    _use_store(CMLStore(client))
    # A session id that looks like personal data still finds its messages.
    history = CMLChatMessageHistory(client, "ana@example.com", namespace="chat")
    history.add_messages([HumanMessage("I'm vegetarian"), AIMessage("Noted.")])

    assert history.messages == [HumanMessage("I'm vegetarian"), AIMessage("Noted.")]
    docs = CMLRetriever(client=client, namespace="chat").invoke("vegetarian")
    assert docs[0].page_content == "User (message 1): I'm vegetarian"
    history.clear()
    assert history.messages == []


async def test_the_store_and_history_with_an_async_client(
    async_client: cml.AsyncCognitiveMemoryLayer,
) -> None:
    store = AsyncCMLStore(async_client)
    await store.aput(("a",), "k", {"v": 1})
    history = AsyncCMLChatMessageHistory(async_client, "s1")
    await history.aadd_messages([HumanMessage("hello")])

    item = await store.aget(("a",), "k")
    assert item is not None
    assert item.value == {"v": 1}
    assert await store.alist_namespaces() == [("a",)]
    assert await history.aget_messages() == [HumanMessage("hello")]
