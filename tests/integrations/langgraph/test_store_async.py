"""AsyncCMLStore, CMLStore's async methods, and both as a LangGraph graph's store."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore, GetOp, Item, PutOp

import cml
from cml.integrations.langgraph import AsyncCMLStore, CMLStore


async def test_the_async_store_does_what_the_sync_one_does(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    store = AsyncCMLStore(async_memory)
    await store.aput(("users", "ana"), "diet", {"text": "Ana is vegetarian"})
    await store.aput(("users", "bo"), "diet", {"text": "Bo eats fish"})
    await store.aput(("users", "ana"), "diet", {"text": "Ana is vegan"})

    item = await store.aget(("users", "ana"), "diet")
    hits = await store.asearch(("users",), query="vegan")
    spaces = await store.alist_namespaces(prefix=("users",))
    await store.adelete(("users", "bo"), "diet")

    assert item is not None
    assert item.value == {"text": "Ana is vegan"}
    assert hits[0].key == "diet"
    assert hits[0].namespace == ("users", "ana")
    assert spaces == [("users", "ana"), ("users", "bo")]
    assert await store.aget(("users", "bo"), "diet") is None
    results = await store.abatch([PutOp(("x",), "k", {"v": 1}), GetOp(("x",), "k")])
    assert isinstance(results[1], Item)
    assert results[1].value == {"v": 1}


async def test_the_async_stores_sync_methods_work_from_another_thread(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    store = AsyncCMLStore(async_memory)

    def in_a_worker() -> object:
        store.put(("a",), "k", {"v": 1})
        return store.get(("a",), "k")

    item = await asyncio.to_thread(in_a_worker)

    assert item is not None
    assert (await store.aget(("a",), "k")) == item


async def test_the_async_stores_sync_methods_refuse_to_block_their_own_loop(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    store = AsyncCMLStore(async_memory)

    with pytest.raises(RuntimeError, match="aget, aput"):
        store.get(("a",), "k")


def test_the_async_store_needs_a_running_loop(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    with pytest.raises(RuntimeError):
        AsyncCMLStore(memory)  # type: ignore[arg-type]


async def test_the_sync_stores_async_methods_run_in_a_thread(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    store = CMLStore(memory)

    await store.aput(("a",), "k", {"v": 1})

    assert store.get(("a",), "k") is not None
    assert [i.key for i in await store.asearch(("a",))] == ["k"]


class _State(TypedDict):
    user: str
    message: str
    recalled: Annotated[list[str], operator.add]


def _remember(state: _State, *, store: BaseStore) -> dict[str, list[str]]:
    if state["message"].startswith("remember:"):
        text = state["message"].removeprefix("remember:").strip()
        key = str(len(store.search(("memories",))))
        store.put(("memories", state["user"]), key, {"text": text})
    return {"recalled": []}


def _recall(state: _State, *, store: BaseStore) -> dict[str, list[str]]:
    hits = store.search(("memories", state["user"]), query=state["message"], limit=3)
    return {"recalled": [hit.value["text"] for hit in hits]}


def _graph() -> StateGraph[_State]:
    builder = StateGraph(_State)
    builder.add_node("remember", _remember)
    builder.add_node("recall", _recall)
    builder.add_edge(START, "remember")
    builder.add_edge("remember", "recall")
    builder.add_edge("recall", END)
    return builder


def test_a_graph_keeps_long_term_memory_across_threads_and_runs(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    graph = _graph().compile(store=CMLStore(memory))

    graph.invoke({"user": "ana", "message": "remember: Ana is allergic to peanuts", "recalled": []})
    graph.invoke({"user": "bo", "message": "remember: Bo is allergic to cats", "recalled": []})
    later = graph.invoke({"user": "ana", "message": "Any allergies?", "recalled": []})

    assert later["recalled"] == ["Ana is allergic to peanuts"]


async def test_an_async_graph_run_uses_the_async_store(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    graph = _graph().compile(store=AsyncCMLStore(async_memory))

    await graph.ainvoke({"user": "ana", "message": "remember: Ana likes jazz", "recalled": []})
    later = await graph.ainvoke({"user": "ana", "message": "music she likes", "recalled": []})

    assert later["recalled"] == ["Ana likes jazz"]
