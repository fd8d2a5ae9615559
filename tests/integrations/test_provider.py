"""MemoryProvider protocols and the py-cml implementations."""

from __future__ import annotations

import pytest

import cml
from cml.integrations import (
    AsyncCMLMemoryProvider,
    AsyncMemoryProvider,
    CMLMemoryProvider,
    MemoryProvider,
)


class _DictProvider:
    """A provider written by someone else, for another LLM stack."""

    def __init__(self) -> None:
        self.sessions: dict[str | None, list[str]] = {}

    def get_context(self, query: str) -> str:
        return "\n".join(text for texts in self.sessions.values() for text in texts)

    def store_exchange(
        self, user_message: str, assistant_response: str, session_id: str | None
    ) -> None:
        self.sessions.setdefault(session_id, []).append(f"{user_message} / {assistant_response}")

    def clear_session(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)


def test_implementations_satisfy_the_protocols(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    assert isinstance(CMLMemoryProvider(memory), MemoryProvider)
    assert isinstance(_DictProvider(), MemoryProvider)
    assert not isinstance(object(), MemoryProvider)


async def test_async_implementation_satisfies_the_async_protocol(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    assert isinstance(AsyncCMLMemoryProvider(async_memory), AsyncMemoryProvider)


def test_store_then_get_context(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    provider = CMLMemoryProvider(memory)
    assert provider.get_context("anything at all") == ""
    assert provider.get_context("   ") == ""

    provider.store_exchange("I am vegetarian", "Noted, no meat.", "s1")

    context = provider.get_context("What does a vegetarian eat?")
    assert context.startswith("## Relevant Memories")
    [stored] = memory.read("vegetarian").memories
    assert stored.text == "User: I am vegetarian\nAssistant: Noted, no meat."
    assert stored.session_id == "s1"
    assert "I am vegetarian" in context
    assert "I am vegetarian" in provider.get_context("vegetarian", session_id="s2")
    assert provider.get_context("vegetarian", session_id="s2", restrict_to_session=True) == ""


def test_clear_session_removes_that_session_and_nothing_else(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    provider = CMLMemoryProvider(memory)
    provider.store_exchange("Alpha plan for the garden", "Sounds good", "garden")
    provider.store_exchange("Alpha roses need water", "Daily in summer", "garden")
    provider.store_exchange("Alpha budget for the kitchen", "About 5k", "kitchen")
    memory.write("Alpha is the user's project code name")

    provider.clear_session("garden")

    assert memory.stats().total_memories == 2
    assert memory.read("Alpha garden roses", session_id="garden").memories == []
    left = {m.text for m in memory.read("Alpha", max_results=50).memories}
    assert left == {
        "User: Alpha budget for the kitchen\nAssistant: About 5k",
        "Alpha is the user's project code name",
    }


def test_soft_clear_keeps_the_memories_restorable(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    provider = CMLMemoryProvider(memory, hard_delete=False)
    provider.store_exchange("Beta test", "ok", "s1")

    provider.clear_session("s1")

    stats = memory.stats()
    assert stats.deleted_memories == 1
    assert memory.read("Beta test").memories == []


def test_namespace_keeps_providers_apart(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    bot_a = CMLMemoryProvider(memory, namespace="bot-a")
    bot_b = CMLMemoryProvider(memory, namespace="bot-b")
    bot_a.store_exchange("Gamma ray question", "Answer", "shared-session")
    bot_b.store_exchange("Gamma ray question too", "Answer", "shared-session")

    bot_a.clear_session("shared-session")

    assert bot_a.get_context("Gamma ray") == ""
    assert "Gamma ray question too" in bot_b.get_context("Gamma ray")


async def test_async_provider_round_trip(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    provider = AsyncCMLMemoryProvider(async_memory)
    await provider.store_exchange("Delta flight at noon", "Got it", "a")
    await provider.store_exchange("Delta hotel booked", "Great", "b")

    only_a = await provider.get_context("Delta", session_id="a", restrict_to_session=True)
    assert "Delta flight at noon" in only_a
    assert "Delta hotel booked" not in only_a
    await provider.clear_session("a")

    assert await provider.get_context("Delta", session_id="a", restrict_to_session=True) == ""
    assert "Delta hotel booked" in await provider.get_context("Delta hotel")
    assert (await async_memory.stats()).total_memories == 1


def test_a_memory_stored_outside_the_session_is_in_the_session_context(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    memory.write("The user is vegetarian", memory_type="preference")
    provider = CMLMemoryProvider(memory)
    provider.store_exchange("Book a table for Friday", "Booked", "s0")

    context = provider.get_context("What should a vegetarian eat tonight?", session_id="s1")

    assert "The user is vegetarian" in context
    restricted = provider.get_context(
        "What should a vegetarian eat tonight?", session_id="s1", restrict_to_session=True
    )
    assert restricted == ""


def test_restrict_to_session_needs_a_session(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    with pytest.raises(ValueError, match="session_id"):
        CMLMemoryProvider(memory).get_context("anything", restrict_to_session=True)


async def test_async_provider_recalls_across_sessions(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    await async_memory.write("The user is vegetarian", memory_type="preference")
    provider = AsyncCMLMemoryProvider(async_memory)

    context = await provider.get_context("What should a vegetarian eat tonight?", session_id="s1")

    assert "The user is vegetarian" in context
    assert await provider.get_context("vegetarian", session_id="s1", restrict_to_session=True) == ""
