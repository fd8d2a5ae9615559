"""The AutoGen memory: the real ``AssistantAgent`` with the real OpenAI model client.

The model is the fake chat completions server; the memory is a real embedded py-cml.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import MemoryQueryEvent, TextMessage
from autogen_core.memory import MemoryContent, MemoryMimeType
from autogen_core.model_context import UnboundedChatCompletionContext
from autogen_core.models import ModelInfo, UserMessage
from autogen_ext.models.openai import OpenAIChatCompletionClient

import cml
from cml.integrations.autogen import CMLAutoGenMemory

from .fake_openai import FakeOpenAI
from .test_examples import _env, _run

MODEL_INFO = ModelInfo(
    vision=False,
    function_calling=True,
    json_output=False,
    family="unknown",
    structured_output=False,
    # As OpenAI's models: the memory's block is a second system message, after the task.
    multiple_system_messages=True,
)


@pytest.fixture
async def model_client(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAIChatCompletionClient]:
    """AutoGen's OpenAI client, on the fake server."""
    client = OpenAIChatCompletionClient(
        model="fake-model",
        base_url=fake_openai.base_url,
        api_key="test",
        model_info=MODEL_INFO,
        max_retries=0,
    )
    yield client
    await client.close()


def _text(content: str) -> MemoryContent:
    return MemoryContent(content=content, mime_type=MemoryMimeType.TEXT)


async def test_an_agent_answers_with_what_the_memory_recalls(
    fake_openai: FakeOpenAI,
    model_client: OpenAIChatCompletionClient,
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    memory = CMLAutoGenMemory(async_memory, session_id="onboarding")
    await memory.add(_text("The user is vegetarian"))
    await memory.add(_text("The user's laptop is a ThinkPad X1"))
    agent = AssistantAgent("assistant", model_client=model_client, memory=[memory])

    result = await agent.run(task="What should I cook for dinner as a vegetarian?")

    answer = result.messages[-1]
    assert isinstance(answer, TextMessage)
    assert answer.content == "echo: What should I cook for dinner as a vegetarian?"
    [request] = fake_openai.requests
    systems = [m["content"] for m in request["messages"] if m["role"] == "system"]
    recalled = systems[-1]
    assert recalled.startswith("## Relevant Memories")
    assert "The user is vegetarian" in recalled
    # AutoGen reports what memory contributed, as a MemoryQueryEvent.
    [event] = [m for m in result.messages if isinstance(m, MemoryQueryEvent)]
    assert "The user is vegetarian" in [c.content for c in event.content]


async def test_query_add_and_clear(async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer) -> None:
    memory = CMLAutoGenMemory(async_memory, namespace="team-a")
    other = CMLAutoGenMemory(async_memory, namespace="team-b")
    await memory.add(
        MemoryContent(
            content="Deploys happen on Tuesdays",
            mime_type=MemoryMimeType.TEXT,
            metadata={"source": "wiki", "memory_type": "constraint"},
        )
    )
    await memory.add(MemoryContent(content={"oncall": "Ana"}, mime_type=MemoryMimeType.JSON))
    await other.add(_text("Deploys happen on Fridays"))

    found = await memory.query("When do deploys happen?", max_results=1)

    [top] = found.results
    assert top.content == "Deploys happen on Tuesdays"
    assert top.metadata is not None
    assert (top.metadata["source"], top.metadata["memory_type"]) == ("wiki", "constraint")
    oncall = await memory.query(MemoryContent(content="oncall", mime_type="text/plain"))
    assert '{"oncall":"Ana"}' in [r.content for r in oncall.results]

    with pytest.raises(ValueError, match="stores text"):
        await memory.add(MemoryContent(content=b"\x00", mime_type=MemoryMimeType.BINARY))

    await memory.clear()
    assert (await memory.query("deploys")).results == []
    # The other namespace is untouched.
    assert [r.content for r in (await other.query("deploys")).results] == [
        "Deploys happen on Fridays"
    ]
    with pytest.raises(ValueError, match="session_id or a namespace"):
        await CMLAutoGenMemory(async_memory).clear()


async def test_update_context_adds_nothing_when_nothing_is_relevant(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    memory = CMLAutoGenMemory(async_memory)
    context = UnboundedChatCompletionContext()
    await context.add_message(UserMessage(content="Hello there", source="user"))

    result = await memory.update_context(context)

    assert result.memories.results == []
    assert len(await context.get_messages()) == 1


def test_the_example_brings_the_memory_to_the_model(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    env = _env(
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_MODEL="fake-model",
        CML_EXAMPLE_DB=str(tmp_path / "autogen.db"),
    )

    output = _run(
        "autogen_memory.py",
        "The user is vegetarian.",
        "What should I cook tonight?",
        env=env,
        cwd=tmp_path,
    )

    assert output.splitlines() == ["echo: What should I cook tonight?"]
    [request] = fake_openai.requests
    assert "The user is vegetarian." in request["messages"][-1]["content"]
