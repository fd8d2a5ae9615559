"""CMLMemoryBlock inside LlamaIndex's own Memory, with a sync and an async py-cml client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage
from llama_index.core.memory import Memory
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

import cml
from cml.integrations.llamaindex import CMLMemoryBlock


@pytest.fixture
def chat_store(tmp_path: Path) -> AsyncEngine:
    """LlamaIndex's short-term store in a file, one connection per use, so none is left open."""
    return create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}", poolclass=NullPool)


@pytest.fixture
def sync_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The loop LlamaIndex's sync methods run on (they create one and never close it)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


def _memory(
    chat_store: AsyncEngine, block: CMLMemoryBlock, session_id: str, token_limit: int = 3000
) -> Memory:
    return Memory.from_defaults(
        async_engine=chat_store,
        session_id=session_id,
        token_limit=token_limit,
        chat_history_token_ratio=0.5,
        token_flush_size=20,
        memory_blocks=[block],
    )


def _system(messages: list[ChatMessage]) -> str:
    assert messages[0].role == "system"
    return str(messages[0].content)


def test_the_memory_prompt_holds_what_another_session_stored(
    memory: cml.EmbeddedCognitiveMemoryLayer,
    chat_store: AsyncEngine,
    sync_loop: asyncio.AbstractEventLoop,
) -> None:
    memory.write("The user is allergic to peanuts", session_id="monday")
    chat = _memory(chat_store, CMLMemoryBlock(client=memory), "tuesday")

    chat.put(ChatMessage(role="user", content="Which snacks contain peanuts?"))
    messages = chat.get()

    system = _system(messages)
    assert "<py-cml>" in system
    assert "The user is allergic to peanuts" in system
    assert messages[-1].content == "Which snacks contain peanuts?"


def test_restrict_to_session_recalls_only_the_memorys_session(
    memory: cml.EmbeddedCognitiveMemoryLayer,
    chat_store: AsyncEngine,
    sync_loop: asyncio.AbstractEventLoop,
) -> None:
    memory.write("The user is allergic to peanuts", session_id="monday")
    memory.write("The user ordered peanuts today", session_id="tuesday")
    chat = _memory(chat_store, CMLMemoryBlock(client=memory, restrict_to_session=True), "tuesday")

    chat.put(ChatMessage(role="user", content="peanuts"))
    system = _system(chat.get())

    assert "ordered peanuts" in system
    assert "allergic" not in system


def test_nothing_to_recall_leaves_the_prompt_without_a_block(
    memory: cml.EmbeddedCognitiveMemoryLayer,
    chat_store: AsyncEngine,
    sync_loop: asyncio.AbstractEventLoop,
) -> None:
    chat = _memory(chat_store, CMLMemoryBlock(client=memory), "s1")

    chat.put(ChatMessage(role="user", content="hello"))
    messages = chat.get()

    assert [m.role for m in messages] == ["user"]


def test_messages_leaving_short_term_memory_are_kept_in_py_cml(
    memory: cml.EmbeddedCognitiveMemoryLayer,
    chat_store: AsyncEngine,
    sync_loop: asyncio.AbstractEventLoop,
) -> None:
    chat = _memory(chat_store, CMLMemoryBlock(client=memory), "monday", token_limit=80)

    chat.put(ChatMessage(role="system", content="You are helpful."))
    chat.put(ChatMessage(role="user", content="My sister Ana lives in Porto"))
    chat.put(ChatMessage(role="assistant", content="Porto is lovely."))
    for turn in range(8):
        chat.put(ChatMessage(role="user", content=f"Filler question number {turn} about nothing"))
        chat.put(ChatMessage(role="assistant", content=f"Filler answer number {turn}"))

    stored = memory.read("Where does Ana live?").memories
    assert stored[0].text == "User: My sister Ana lives in Porto"
    assert stored[0].session_id == "monday"
    assert all(not m.text.startswith("System") for m in stored)
    # A new conversation recalls it.
    later = _memory(chat_store, CMLMemoryBlock(client=memory), "tuesday")
    later.put(ChatMessage(role="user", content="Where does my sister Ana live?"))
    assert "My sister Ana lives in Porto" in _system(later.get())


async def test_the_block_with_an_async_client(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
    chat_store: AsyncEngine,
) -> None:
    await async_memory.write("The user is allergic to peanuts", session_id="monday")
    block = CMLMemoryBlock(client=async_memory, max_results=1)
    chat = _memory(chat_store, block, "tuesday")

    await chat.aput(ChatMessage(role="user", content="peanuts?"))
    system = _system(await chat.aget())
    await block.aput(
        [ChatMessage(role="user", content="I also avoid shellfish")], session_id="tuesday"
    )

    assert "allergic to peanuts" in system
    recalled = await async_memory.read("shellfish")
    assert recalled.memories[0].text == "User: I also avoid shellfish"
    assert recalled.memories[0].session_id == "tuesday"


def test_the_block_validates_its_options(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    with pytest.raises(ValueError, match="max_results"):
        CMLMemoryBlock(client=memory, max_results=0)
    with pytest.raises(ValueError, match="client"):
        CMLMemoryBlock(client="not a client")
