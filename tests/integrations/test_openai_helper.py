"""CMLOpenAIHelper and its async twin: the real ``openai`` client over HTTP to a fake server."""

from __future__ import annotations

import logging

import openai
import pytest

import cml
from cml.integrations import AsyncCMLOpenAIHelper, CMLOpenAIHelper

from .fake_openai import FakeOpenAI, Reply


def _texts(memory: cml.EmbeddedCognitiveMemoryLayer, query: str) -> list[str]:
    return [m.text for m in memory.read(query, max_results=100, format="list").memories]


def test_memories_reach_the_system_prompt_under_relevant_memories(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    memory.write("The user is allergic to peanuts", memory_type="constraint")
    helper = CMLOpenAIHelper(memory, openai_client, model="test-model")

    answer = helper.chat("Which snack with peanuts should I buy?", system_prompt="Be brief.")

    assert answer == "echo: Which snack with peanuts should I buy?"
    request = fake_openai.requests[-1]
    assert request["model"] == "test-model"
    system = fake_openai.system_prompt()
    assert system.startswith("Be brief.\n\n## Relevant Memories")
    assert "The user is allergic to peanuts" in system
    assert request["messages"][-1] == {
        "role": "user",
        "content": "Which snack with peanuts should I buy?",
    }


def test_without_memories_the_system_prompt_is_left_alone(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    CMLOpenAIHelper(memory, openai_client).chat("Hello there")

    assert fake_openai.system_prompt() == "You are a helpful assistant."


def test_the_exchange_is_stored_once_and_recalled_next_time(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    helper = CMLOpenAIHelper(memory, openai_client)
    fake_openai.reply(Reply(content="Noted, Oslo on Friday."))

    helper.chat("I am flying to Oslo on Friday", session_id="trip")

    stats = memory.stats()
    assert stats.total_memories == 1
    assert stats.by_type == {"conversation": 1}
    stored = memory.read("flying to Oslo", session_id="trip", format="list").memories
    assert [m.text for m in stored] == [
        "User: I am flying to Oslo on Friday\nAssistant: Noted, Oslo on Friday."
    ]

    helper.chat("Which city am I flying to, Oslo?", session_id="trip")

    assert memory.stats().total_memories == 2
    # The first exchange is the context of the second; a message is never its own context.
    system = fake_openai.system_prompt()
    assert "I am flying to Oslo on Friday" in system
    assert "Which city am I flying to" not in system
    every_text = "\n".join(_texts(memory, "Oslo flying city Friday"))
    assert every_text.count("User: I am flying to Oslo on Friday") == 1
    assert every_text.count("User: Which city am I flying to, Oslo?") == 1


def test_history_goes_between_the_system_prompt_and_the_message_and_is_not_stored(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    history = [
        {"role": "user", "content": "Earlier question"},
        {"role": "assistant", "content": "Earlier answer"},
    ]

    CMLOpenAIHelper(memory, openai_client).chat("Next question", extra_messages=history)

    roles = [m["role"] for m in fake_openai.requests[-1]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert memory.stats().total_memories == 1
    assert "Earlier" not in " ".join(_texts(memory, "Earlier question answer"))


def test_a_memory_stored_outside_the_session_reaches_a_session_chat(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    memory.write("The user is vegetarian", memory_type="preference")
    helper = CMLOpenAIHelper(memory, openai_client)
    helper.chat("I am planning dinner for the weekend, vegetarian ideas?", session_id="s0")

    helper.chat("What vegetarian dish should I eat tonight?", session_id="s1")

    system = fake_openai.system_prompt()
    assert "The user is vegetarian" in system
    assert "User: I am planning dinner for the weekend" in system
    # The exchange itself is stored in the chat's session.
    [stored] = memory.read("eat tonight", session_id="s1", format="list").memories
    assert stored.text.startswith("User: What vegetarian dish should I eat tonight?")


def test_restrict_to_session_recalls_only_that_session(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    memory.write("The blue door locker belongs to the office")
    helper = CMLOpenAIHelper(memory, openai_client)
    helper.chat("My locker code hint is the blue door", session_id="alice")

    helper.chat("Where is the blue door locker?", session_id="bob", restrict_to_session=True)
    assert "Relevant Memories" not in fake_openai.system_prompt()

    helper.chat("Where is the blue door locker?", session_id="alice", restrict_to_session=True)
    system = fake_openai.system_prompt()
    assert "My locker code hint is the blue door" in system
    assert "belongs to the office" not in system

    # Without the option every session is recalled, whatever the session.
    helper.chat("blue door locker", session_id="bob")
    system = fake_openai.system_prompt()
    assert "My locker code hint is the blue door" in system
    assert "belongs to the office" in system


def test_restrict_to_session_without_a_session_is_refused(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    helper = CMLOpenAIHelper(memory, openai_client, degrade_on_memory_error=True)

    with pytest.raises(ValueError, match="session_id"):
        helper.chat("Hello", restrict_to_session=True)

    assert fake_openai.requests == []
    assert memory.stats().total_memories == 0


@pytest.mark.parametrize(
    ("status", "error"), [(500, openai.InternalServerError), (429, openai.RateLimitError)]
)
def test_an_openai_error_propagates_and_nothing_is_stored(
    memory: cml.EmbeddedCognitiveMemoryLayer,
    openai_client: openai.OpenAI,
    fake_openai: FakeOpenAI,
    status: int,
    error: type[openai.APIStatusError],
) -> None:
    memory.write("The user likes green tea")
    fake_openai.reply(Reply(status=status))

    with pytest.raises(error) as caught:
        CMLOpenAIHelper(memory, openai_client).chat("green tea please", session_id="s1")

    assert caught.value.status_code == status
    assert memory.stats().total_memories == 1
    assert memory.read("green tea please", session_id="s1").memories == []


def test_a_blank_message_is_refused_before_anything_happens(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    with pytest.raises(ValueError, match="user_message"):
        CMLOpenAIHelper(memory, openai_client).chat("   ")

    assert fake_openai.requests == []
    assert memory.stats().total_memories == 0


def test_a_memory_failure_propagates_by_default(
    closed_port: int, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    with cml.CognitiveMemoryLayer(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0
    ) as unreachable:
        helper = CMLOpenAIHelper(unreachable, openai_client)
        with pytest.raises(cml.APIConnectionError):
            helper.chat("Hello")

    # Recall failed before the model was called: no tokens spent on an answer that would be lost.
    assert fake_openai.requests == []


def test_degrade_mode_answers_without_memory_and_warns(
    closed_port: int,
    openai_client: openai.OpenAI,
    fake_openai: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with cml.CognitiveMemoryLayer(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0
    ) as unreachable:
        helper = CMLOpenAIHelper(unreachable, openai_client, degrade_on_memory_error=True)
        with caplog.at_level(logging.WARNING, logger="cml.integrations"):
            answer = helper.chat("Hello", session_id="s1")

    assert answer == "echo: Hello"
    assert fake_openai.system_prompt() == "You are a helpful assistant."
    steps = [r.getMessage() for r in caplog.records if r.name == "cml.integrations"]
    assert len(steps) == 2
    assert steps[0].startswith("Memory recall failed")
    assert steps[1].startswith("Memory store failed")


def test_degrade_mode_still_propagates_openai_errors(
    memory: cml.EmbeddedCognitiveMemoryLayer, openai_client: openai.OpenAI, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(Reply(status=500))
    helper = CMLOpenAIHelper(memory, openai_client, degrade_on_memory_error=True)

    with pytest.raises(openai.InternalServerError):
        helper.chat("Hello")

    assert memory.stats().total_memories == 0


# -- async twin ------------------------------------------------------------------------------------


async def test_async_helper_recalls_then_stores_once(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
    async_openai_client: openai.AsyncOpenAI,
    fake_openai: FakeOpenAI,
) -> None:
    await async_memory.write("The user prefers window seats", memory_type="preference")
    helper = AsyncCMLOpenAIHelper(async_memory, async_openai_client, model="m")

    answer = await helper.chat("Book me window seats to Rome", session_id="trip")

    assert answer == "echo: Book me window seats to Rome"
    # The preference was written without a session; a session's chat recalls it all the same.
    assert "The user prefers window seats" in fake_openai.system_prompt()
    await helper.chat("window seats Rome")
    system = fake_openai.system_prompt()
    assert "The user prefers window seats" in system
    assert "User: Book me window seats to Rome" in system
    stats = await async_memory.stats()
    assert stats.by_type == {"preference": 1, "conversation": 2}


async def test_async_helper_openai_error_stores_nothing(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
    async_openai_client: openai.AsyncOpenAI,
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.reply(Reply(status=500))

    with pytest.raises(openai.InternalServerError):
        await AsyncCMLOpenAIHelper(async_memory, async_openai_client).chat("Hi", session_id="s")

    assert (await async_memory.stats()).total_memories == 0


async def test_async_helper_degrades_or_propagates_memory_failures(
    closed_port: int, async_openai_client: openai.AsyncOpenAI, fake_openai: FakeOpenAI
) -> None:
    async with cml.AsyncCognitiveMemoryLayer(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0
    ) as unreachable:
        with pytest.raises(cml.APIConnectionError):
            await AsyncCMLOpenAIHelper(unreachable, async_openai_client).chat("Hello")
        assert fake_openai.requests == []

        helper = AsyncCMLOpenAIHelper(
            unreachable, async_openai_client, degrade_on_memory_error=True
        )
        assert await helper.chat("Hello") == "echo: Hello"


async def test_async_helper_restricts_recall_only_when_asked(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
    async_openai_client: openai.AsyncOpenAI,
    fake_openai: FakeOpenAI,
) -> None:
    await async_memory.write("The user is vegetarian", memory_type="preference")
    helper = AsyncCMLOpenAIHelper(async_memory, async_openai_client)

    await helper.chat("What vegetarian food should I eat tonight?", session_id="s1")
    assert "The user is vegetarian" in fake_openai.system_prompt()

    await helper.chat("Vegetarian food tonight again?", session_id="s1", restrict_to_session=True)
    system = fake_openai.system_prompt()
    assert "User: What vegetarian food should I eat tonight?" in system
    assert "The user is vegetarian" not in system
