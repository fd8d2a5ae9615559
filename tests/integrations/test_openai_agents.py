"""The OpenAI Agents SDK adapter: a real ``Agent`` run by the real ``Runner``.

The model is the fake chat completions server; the memory is a real embedded py-cml.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest
from agents import (
    Agent,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    SQLiteSession,
    set_tracing_disabled,
)

import cml
from cml.integrations import MEMORY_TOOLS
from cml.integrations.openai_agents import CMLSession, memory_tools

from .fake_openai import FakeOpenAI, Reply, tool_call
from .test_examples import _env, _run

# Traces would be exported to OpenAI's servers: nothing leaves the machine in tests.
set_tracing_disabled(True)


@pytest.fixture
async def model(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAIChatCompletionsModel]:
    """The SDK's chat completions model, on the fake server."""
    async with openai.AsyncOpenAI(
        base_url=fake_openai.base_url, api_key="test", max_retries=0
    ) as client:
        yield OpenAIChatCompletionsModel(model="fake-model", openai_client=client)


def _messages(fake: FakeOpenAI, index: int) -> list[tuple[str, str]]:
    return [(m["role"], str(m.get("content"))) for m in fake.requests[index]["messages"]]


async def test_session_keeps_the_conversation_and_remembers_each_exchange(
    fake_openai: FakeOpenAI,
    model: OpenAIChatCompletionsModel,
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    agent = Agent(name="Assistant", instructions="Be brief.", model=model)
    session = CMLSession("trip", async_memory)

    first = await Runner.run(agent, "I am flying to Lisbon on Friday", session=session)
    second = await Runner.run(agent, "Which city did I mention?", session=session)

    assert first.final_output == "echo: I am flying to Lisbon on Friday"
    assert second.final_output == "echo: Which city did I mention?"
    # The second call carried the first exchange: the session is the conversation.
    assert _messages(fake_openai, 1) == [
        ("system", "Be brief."),
        ("user", "I am flying to Lisbon on Friday"),
        ("assistant", "echo: I am flying to Lisbon on Friday"),
        ("user", "Which city did I mention?"),
    ]
    items = await session.get_items()
    assert [item.get("role") for item in items] == ["user", "assistant", "user", "assistant"]
    assert len(await session.get_items(limit=1)) == 1

    # Each exchange is a py-cml memory of the session, recallable from anywhere.
    found = await async_memory.read("flying to Lisbon", max_results=5)
    [exchange] = [m for m in found.memories if "Lisbon" in m.text]
    assert exchange.text == (
        "User: I am flying to Lisbon on Friday\nAssistant: echo: I am flying to Lisbon on Friday"
    )
    assert exchange.session_id == "trip"

    popped = await session.pop_item()
    assert popped is not None
    assert popped.get("role") == "assistant"
    assert len(await session.get_items()) == 3

    await session.clear_session()
    assert await session.get_items() == []
    after = await async_memory.read("flying to Lisbon", max_results=5)
    assert not [m for m in after.memories if "Lisbon" in m.text]


async def test_agent_recalls_what_another_session_remembered(
    fake_openai: FakeOpenAI,
    model: OpenAIChatCompletionsModel,
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    agent = Agent(name="Assistant", model=model, tools=memory_tools(async_memory))
    fake_openai.reply(
        Reply(tool_calls=[tool_call("c1", "remember", {"content": "The user is vegetarian"})]),
        Reply(content="Noted."),
        Reply(tool_calls=[tool_call("c2", "recall", {"query": "diet", "max_results": 3})]),
        Reply(content="Something vegetarian."),
    )

    await Runner.run(agent, "Remember that I'm vegetarian", session=SQLiteSession("a"))
    result = await Runner.run(agent, "What should I cook?", session=SQLiteSession("b"))

    assert result.final_output == "Something vegetarian."
    tools = {t["function"]["name"] for t in fake_openai.requests[0]["tools"]}
    assert tools == {t["function"]["name"] for t in MEMORY_TOOLS}
    # The recall result the model read in session b holds the memory written in session a.
    tool_message = fake_openai.requests[3]["messages"][-1]
    assert tool_message["role"] == "tool"
    recalled = json.loads(tool_message["content"])
    assert [m["text"] for m in recalled["memories"]] == ["The user is vegetarian"]


async def test_with_the_responses_api_the_session_and_tools_work_alike(
    fake_openai: FakeOpenAI, async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer
) -> None:
    fake_openai.reply(
        Reply(tool_calls=[tool_call("c1", "remember", {"content": "The user is vegetarian"})]),
        Reply(content="Noted."),
        Reply(tool_calls=[tool_call("c2", "recall", {"query": "diet"})]),
        Reply(content="Something vegetarian."),
    )
    async with openai.AsyncOpenAI(
        base_url=fake_openai.base_url, api_key="test", max_retries=0
    ) as client:
        # The SDK's default model kind: items, not chat messages, go over the wire.
        model = OpenAIResponsesModel(model="fake-model", openai_client=client)
        agent = Agent(name="Assistant", model=model, tools=memory_tools(async_memory))
        first = CMLSession("monday", async_memory)
        await Runner.run(agent, "Remember that I'm vegetarian", session=first)
        result = await Runner.run(
            agent, "What should I cook?", session=CMLSession("tuesday", async_memory)
        )

    assert result.final_output == "Something vegetarian."
    output = next(
        i for i in fake_openai.requests[3]["input"] if i.get("type") == "function_call_output"
    )
    texts = {m["text"] for m in json.loads(output["output"])["memories"]}
    assert "The user is vegetarian" in texts
    # The first session kept its items (the tool call and its output too), in order, and
    # remembered its exchange.
    kinds = [item.get("type", "message") for item in await first.get_items()]
    assert kinds == ["message", "function_call", "function_call_output", "message"]
    assert "User: Remember that I'm vegetarian\nAssistant: Noted." in texts


async def test_tool_errors_reach_the_model_not_the_caller(
    fake_openai: FakeOpenAI,
    model: OpenAIChatCompletionsModel,
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    agent = Agent(name="Assistant", model=model, tools=memory_tools(async_memory))
    fake_openai.reply(
        Reply(tool_calls=[tool_call("c1", "recall", {"question": "diet"})]),
        Reply(content="Sorry."),
    )

    result = await Runner.run(agent, "What do I eat?")

    assert result.final_output == "Sorry."
    error = json.loads(fake_openai.requests[1]["messages"][-1]["content"])
    assert "query: Field required" in error["error"]


def test_the_example_recalls_across_conversations(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.reply(
        Reply(
            tool_calls=[tool_call("c1", "remember", {"content": "The user is allergic to peanuts"})]
        ),
        Reply(content="Noted."),
        Reply(tool_calls=[tool_call("c2", "recall", {"query": "allergies"})]),
        Reply(content="Anything without peanuts."),
    )
    db = tmp_path / "agents.db"
    env = _env(
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_MODEL="fake-model",
        OPENAI_AGENTS_DISABLE_TRACING="1",
        CML_EXAMPLE_DB=str(db),
    )

    output = _run(
        "openai_agents_memory.py",
        "I'm allergic to peanuts.",
        "What snack should I buy?",
        env=env,
        cwd=tmp_path,
    )

    assert output.splitlines()[-1] == "assistant> Anything without peanuts."
    recalled = json.loads(fake_openai.requests[3]["messages"][-1]["content"])
    # The fact the tool remembered, and the exchange the first session filed.
    assert {m["text"] for m in recalled["memories"]} == {
        "The user is allergic to peanuts",
        "User: I'm allergic to peanuts.\nAssistant: Noted.",
    }
    # The second conversation started empty: only the tool brought the allergy back.
    assert [m["role"] for m in fake_openai.requests[2]["messages"]] == ["system", "user"]
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        # The remembered fact and the two exchanges the sessions filed.
        assert memory.stats().total_memories == 3


async def test_a_transcript_in_a_file_outlives_the_session_object(
    model: OpenAIChatCompletionsModel,
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
    tmp_path: Path,
) -> None:
    agent = Agent(name="Assistant", model=model)
    history = tmp_path / "history.db"
    first = CMLSession("chat", async_memory, history=SQLiteSession("chat", history))
    await Runner.run(agent, "My locker code is on the fridge", session=first)

    again = CMLSession("chat", async_memory, history=SQLiteSession("chat", history))

    assert [item.get("role") for item in await again.get_items()] == ["user", "assistant"]


async def test_a_memory_service_that_is_down_does_not_stop_the_run(
    fake_openai: FakeOpenAI, model: OpenAIChatCompletionsModel, closed_port: int
) -> None:
    agent = Agent(name="Assistant", model=model)
    async with cml.AsyncCognitiveMemoryLayer(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0
    ) as unreachable:
        session = CMLSession("down", unreachable)
        result = await Runner.run(agent, "Hello", session=session)

        assert result.final_output == "echo: Hello"
        # The transcript is intact; only the long-term copy was skipped (and logged).
        assert len(await session.get_items()) == 2
