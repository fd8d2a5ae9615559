"""Memory tools for function calling: schemas, the dispatcher, and a loop with the real client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import openai
import pytest
from openai.types.chat import ChatCompletionToolParam
from pydantic import BaseModel

import cml
from cml.integrations import MEMORY_TOOLS, AsyncMemoryToolDispatcher, MemoryToolDispatcher
from cml.integrations.tools import (
    NOTHING_RELEVANT,
    ForgetArguments,
    GetArguments,
    HistoryArguments,
    ListArguments,
    RecallArguments,
    RememberArguments,
)
from cml.server.settings import ServerSettings

from .fake_openai import FakeOpenAI, Reply, tool_call


def _call(name: str, arguments: Any, call_id: str = "call_1") -> dict[str, Any]:
    return tool_call(call_id, name, arguments)


def _content(message: dict[str, Any]) -> dict[str, Any]:
    assert message["role"] == "tool"
    payload: dict[str, Any] = json.loads(message["content"])
    return payload


def test_schemas_are_openai_tools_matching_the_argument_models() -> None:
    models: dict[str, type[BaseModel]] = {
        "remember": RememberArguments,
        "recall": RecallArguments,
        "forget": ForgetArguments,
        "get": GetArguments,
        "history": HistoryArguments,
        "list_memories": ListArguments,
    }
    assert [t["function"]["name"] for t in MEMORY_TOOLS] == list(models)
    for tool in MEMORY_TOOLS:
        assert tool["type"] == "function"
        function = tool["function"]
        assert function["description"]
        schema = function["parameters"]
        assert schema["type"] == "object"
        assert set(schema["properties"]) == set(models[function["name"]].model_fields)
        for name in schema.get("required", []):
            assert models[function["name"]].model_fields[name].is_required()
    json.dumps(MEMORY_TOOLS)  # sent as JSON with every request


def test_remember_recall_forget(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    dispatcher = MemoryToolDispatcher(memory, session_id="chat-7")

    stored = _content(
        dispatcher.handle(
            _call("remember", {"content": "The user's dog is named Pixel", "tags": ["pets"]})
        )
    )
    assert stored["stored"] is True
    [record] = memory.read("dog named Pixel").memories
    assert record.id == stored["memory_id"]
    assert record.session_id == "chat-7"
    assert record.context_tags == ["pets"]

    reply = dispatcher.handle(_call("recall", {"query": "What is the dog called?"}, "call_2"))
    assert reply["tool_call_id"] == "call_2"
    found = _content(reply)["memories"]
    assert [m["text"] for m in found] == ["The user's dog is named Pixel"]
    assert found[0]["id"] == stored["memory_id"]

    forgotten = _content(dispatcher.handle(_call("forget", {"memory_ids": [stored["memory_id"]]})))
    assert forgotten == {"forgotten": 1, "memory_ids": [stored["memory_id"]]}
    assert _content(dispatcher.handle(_call("recall", {"query": "dog Pixel"})))["memories"] == []
    # The model can only soft-delete: the memory is still there, marked deleted.
    assert memory.stats().deleted_memories == 1


def test_forget_by_query(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    memory.write("The user lives in Lisbon")
    memory.write("The user plays the cello")
    dispatcher = MemoryToolDispatcher(memory)

    result = _content(dispatcher.handle(_call("forget", {"query": "The user lives in Lisbon"})))

    assert result["forgotten"] == 1
    assert [m.text for m in memory.read("user", max_results=10).memories] == [
        "The user plays the cello"
    ]


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("remember", "{not json", "not valid JSON"),
        ("remember", "[1, 2]", "must be a JSON object"),
        ("remember", {}, "content: Field required"),
        ("remember", {"content": ""}, "content: String should have at least 1 character"),
        ("remember", {"content": "x", "memory_type": "gossip"}, "memory_type: Input should be"),
        ("remember", {"content": "x", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ("recall", {"query": "x", "max_results": "many"}, "max_results: Input should be"),
        ("recall", {"query": "x", "max_results": 500}, "max_results: Input should be less"),
        ("forget", {}, "give memory_ids or query"),
        ("recall", {"query": "x", "memory_types": ["gossip"]}, "memory_types.0: Input should"),
        ("recall", {"query": "x", "since": "last week"}, "since: Input should be a valid"),
        ("get", {}, "memory_id: Field required"),
        ("get", {"memory_id": "no-such-memory"}, "No memory with id 'no-such-memory'"),
        ("history", {"memory_id": "no-such-memory"}, "No memory with id"),
        ("list_memories", {"metadata": {}}, "metadata"),
        ("list_memories", {"max_results": 51}, "max_results: Input should be less"),
        ("delete_everything", {}, "Unknown tool 'delete_everything'"),
    ],
)
def test_bad_arguments_come_back_as_a_tool_error(
    memory: cml.EmbeddedCognitiveMemoryLayer, name: str, arguments: Any, expected: str
) -> None:
    message = MemoryToolDispatcher(memory).handle(_call(name, arguments, "call_bad"))

    assert message["tool_call_id"] == "call_bad"
    assert expected in _content(message)["error"]
    assert memory.stats().total_memories == 0


def test_get_history_and_filters(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    dispatcher = MemoryToolDispatcher(memory)
    flight = memory.write(
        "The flight to Oslo leaves at 9:00",
        context_tags=["travel"],
        metadata={"trip": "oslo"},
        memory_type="episodic_event",
    )
    memory.write(
        "The hotel in Oslo is the Grand", context_tags=["travel"], memory_type="semantic_fact"
    )
    memory.write("The user prefers tea to coffee", memory_type="preference")
    assert flight.memory_id is not None
    memory.update(flight.memory_id, text="The flight to Oslo leaves at 11:00")

    got = _content(dispatcher.handle(_call("get", {"memory_id": flight.memory_id})))["memory"]
    assert (got["text"], got["tags"], got["metadata"]) == (
        "The flight to Oslo leaves at 11:00",
        ["travel"],
        {"trip": "oslo"},
    )

    history = _content(dispatcher.handle(_call("history", {"memory_id": flight.memory_id})))
    assert [v["text"] for v in history["versions"]] == [
        "The flight to Oslo leaves at 11:00",
        "The flight to Oslo leaves at 9:00",
    ]
    assert history["versions"][0]["current"] is True
    assert history["total"] == 2
    newest = _content(
        dispatcher.handle(_call("history", {"memory_id": flight.memory_id, "max_results": 1}))
    )
    assert (len(newest["versions"]), newest["total"]) == (1, 2)

    def listed(**arguments: Any) -> list[str]:
        return [
            m["text"]
            for m in _content(dispatcher.handle(_call("list_memories", arguments)))["memories"]
        ]

    assert listed(tags=["travel"]) == [
        "The flight to Oslo leaves at 11:00",
        "The hotel in Oslo is the Grand",
    ]
    assert listed(metadata={"trip": "oslo"}) == ["The flight to Oslo leaves at 11:00"]
    assert listed(memory_types=["preference"]) == ["The user prefers tea to coffee"]
    first = _content(dispatcher.handle(_call("list_memories", {"max_results": 2})))
    rest = _content(dispatcher.handle(_call("list_memories", {"cursor": first["next_cursor"]})))
    assert len(first["memories"]) + len(rest["memories"]) == 3
    assert rest["next_cursor"] is None

    recall = _content(
        dispatcher.handle(_call("recall", {"query": "Oslo", "memory_types": ["semantic_fact"]}))
    )
    assert [m["text"] for m in recall["memories"]] == ["The hotel in Oslo is the Grand"]
    later = _content(
        dispatcher.handle(_call("recall", {"query": "Oslo", "since": "2999-01-01T00:00:00Z"}))
    )
    assert later["memories"] == []


def test_content_the_service_refuses_is_a_tool_error(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    secret = "my password is hunter2-Sup3rSecret!"

    result = _content(MemoryToolDispatcher(memory).handle(_call("remember", {"content": secret})))

    assert "secret" in result["error"].lower()
    assert memory.stats().total_memories == 0


def test_something_that_is_not_a_tool_call_is_a_type_error(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    with pytest.raises(TypeError, match="tool call"):
        MemoryToolDispatcher(memory).handle({"name": "recall"})


def test_an_unreachable_memory_service_raises(closed_port: int) -> None:
    with (
        cml.CognitiveMemoryLayer(
            api_key="k", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0
        ) as unreachable,
        pytest.raises(cml.APIConnectionError),
    ):
        MemoryToolDispatcher(unreachable).handle(_call("recall", {"query": "x"}))


def test_a_full_loop_with_the_openai_client(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(
        Reply(tool_calls=[tool_call("c1", "remember", {"content": "The user is left-handed"})]),
        Reply(content="I'll remember that."),
    )
    dispatcher = MemoryToolDispatcher(memory)
    messages: list[Any] = [{"role": "user", "content": "Remember that I am left-handed."}]

    while True:
        response = openai_client.chat.completions.create(
            # MEMORY_TOOLS is built as OpenAI tool definitions; the SDK's type names that shape.
            model="m",
            messages=messages,
            tools=cast(list[ChatCompletionToolParam], MEMORY_TOOLS),
        )
        message = response.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        messages.extend(dispatcher.handle(call) for call in message.tool_calls)

    assert message.content == "I'll remember that."
    assert fake_openai.requests[0]["tools"] == MEMORY_TOOLS
    tool_message = fake_openai.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool"
    assert tool_message["tool_call_id"] == "c1"
    assert json.loads(tool_message["content"])["stored"] is True
    assert [m.text for m in memory.read("left-handed").memories] == ["The user is left-handed"]


async def test_async_dispatcher(async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer) -> None:
    dispatcher = AsyncMemoryToolDispatcher(async_memory, namespace="agent")

    stored = _content(await dispatcher.handle(_call("remember", {"content": "Tea at five"})))
    found = _content(await dispatcher.handle(_call("recall", {"query": "tea time"})))
    bad = _content(await dispatcher.handle(_call("recall", "{")))

    assert [m["id"] for m in found["memories"]] == [stored["memory_id"]]
    assert "not valid JSON" in bad["error"]
    assert (await async_memory.read("tea", namespace="agent")).memories[0].text == "Tea at five"


def test_recall_leaves_out_what_is_below_the_context_floor(tmp_path: Path) -> None:
    settings = ServerSettings(embedding_provider="hash", context_min_relevance=1.0)
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "floor.db", settings=settings) as memory:
        memory.write("The user's dog is named Pixel")
        assert memory.read("dog Pixel").memories  # the ranked list keeps its top k
        reply = _content(MemoryToolDispatcher(memory).handle(_call("recall", {"query": "dog"})))
        assert reply == {"memories": [], "note": NOTHING_RELEVANT}
