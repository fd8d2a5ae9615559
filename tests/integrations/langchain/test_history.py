"""CMLChatMessageHistory and its async twin, with LangChain's own message classes and runnables."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_openai import ChatOpenAI

import cml
from cml.integrations.langchain import AsyncCMLChatMessageHistory, CMLChatMessageHistory

from ..fake_openai import FakeOpenAI, Reply

CONVERSATION = [
    SystemMessage("You are terse."),
    HumanMessage("ok", id="m1"),
    AIMessage("ok"),
    HumanMessage("ok"),  # the same text again is another message, not a duplicate
    AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": "Porto"}, "id": "call-1"}]),
    ToolMessage("18°C and sunny", tool_call_id="call-1", name="lookup"),
    AIMessage("It is 18°C in Porto.", response_metadata={"model_name": "m"}),
    HumanMessage([{"type": "text", "text": "and tomorrow?"}]),
]


def test_messages_come_back_whole_and_in_order(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    history = CMLChatMessageHistory(memory, "s1")

    history.add_messages(CONVERSATION[:4])
    history.add_messages(CONVERSATION[4:])
    history.add_user_message("thanks")

    assert history.messages == [*CONVERSATION, HumanMessage("thanks")]
    assert isinstance(history, BaseChatMessageHistory)


def test_conversations_and_namespaces_are_kept_apart(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    CMLChatMessageHistory(memory, "s1").add_user_message("first conversation")
    CMLChatMessageHistory(memory, "s2").add_user_message("second conversation")
    CMLChatMessageHistory(memory, "s1", namespace="other").add_user_message("elsewhere")

    assert CMLChatMessageHistory(memory, "s1").messages == [HumanMessage("first conversation")]
    assert CMLChatMessageHistory(memory, "s1", namespace="other").messages == [
        HumanMessage("elsewhere")
    ]
    assert CMLChatMessageHistory(memory, "new").messages == []


def test_clear_removes_the_conversation_and_nothing_else(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    history = CMLChatMessageHistory(memory, "s1")
    history.add_messages([HumanMessage("I'm vegetarian"), AIMessage("Noted.")])
    CMLChatMessageHistory(memory, "s2").add_user_message("other conversation")
    memory.write("The user lives in Porto", session_id="s1")

    history.clear()

    assert history.messages == []
    assert CMLChatMessageHistory(memory, "s2").messages == [HumanMessage("other conversation")]
    assert "Porto" in memory.read("Where does the user live?").memories[0].text
    history.add_user_message("after clearing")
    assert history.messages == [HumanMessage("after clearing")]


def test_messages_are_memories_that_recall_finds_across_sessions(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    CMLChatMessageHistory(memory, "monday").add_user_message("My sister Ana lives in Porto")

    recalled = memory.read("Where does Ana live?")

    assert recalled.memories[0].text == "User (message 1): My sister Ana lives in Porto"
    assert recalled.memories[0].session_id == "monday"


def test_the_history_persists_in_the_memory_file(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        CMLChatMessageHistory(memory, "s1").add_messages(CONVERSATION)

    with cml.EmbeddedCognitiveMemoryLayer(db, embedding_provider="hash") as memory:
        assert CMLChatMessageHistory(memory, "s1").messages == CONVERSATION


def test_bad_messages_store_nothing(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    history = CMLChatMessageHistory(memory, "s1")

    with pytest.raises(ValueError, match="too long"):
        history.add_messages([HumanMessage("fine"), HumanMessage("x" * 40_000)])
    with pytest.raises(cml.ValidationError):
        history.add_messages([HumanMessage("fine"), HumanMessage("key AKIAIOSFODNN7EXAMPLE")])

    assert history.messages == []


async def test_the_async_history_does_the_same_with_an_async_client(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    history = AsyncCMLChatMessageHistory(async_memory, "s1")

    await history.aadd_messages(CONVERSATION)
    assert await history.aget_messages() == CONVERSATION
    await history.aclear()
    assert await history.aget_messages() == []
    with pytest.raises(NotImplementedError, match="aget_messages"):
        _ = history.messages
    with pytest.raises(NotImplementedError, match="aadd_messages"):
        history.add_user_message("hi")


def _model(fake_openai: FakeOpenAI) -> ChatOpenAI:
    return ChatOpenAI(
        model="fake-model", base_url=fake_openai.base_url, api_key="test", max_retries=0
    )


def _turn(model: ChatOpenAI, history: CMLChatMessageHistory, text: str) -> AIMessage:
    question = HumanMessage(text)
    reply = model.invoke([SystemMessage("You are helpful."), *history.messages, question])
    history.add_messages([question, reply])
    return reply


def test_a_chat_model_sees_the_conversation_so_far(
    memory: cml.EmbeddedCognitiveMemoryLayer, fake_openai: FakeOpenAI
) -> None:
    model = _model(fake_openai)
    fake_openai.reply(Reply(content="Hi Ana!"), Reply(content="You are Ana."))

    _turn(model, CMLChatMessageHistory(memory, "s1"), "I'm Ana")
    reply = _turn(model, CMLChatMessageHistory(memory, "s1"), "Who am I?")

    assert reply.content == "You are Ana."
    sent = fake_openai.requests[1]["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [
        ("system", "You are helpful."),
        ("user", "I'm Ana"),
        ("assistant", "Hi Ana!"),
        ("user", "Who am I?"),
    ]
    # The model's reply is kept whole: id, response metadata and token usage.
    assert CMLChatMessageHistory(memory, "s1").messages[-1] == reply


async def test_an_async_chat_model_with_the_async_history(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer, fake_openai: FakeOpenAI
) -> None:
    model = _model(fake_openai)
    history = AsyncCMLChatMessageHistory(async_memory, "s1")

    for text in ("I'm Bo", "Who am I?"):
        question = HumanMessage(text)
        reply = await model.ainvoke([*await history.aget_messages(), question])
        await history.aadd_messages([question, reply])

    assert [m["content"] for m in fake_openai.requests[1]["messages"]] == [
        "I'm Bo",
        "echo: I'm Bo",
        "Who am I?",
    ]
    assert len(await history.aget_messages()) == 4
