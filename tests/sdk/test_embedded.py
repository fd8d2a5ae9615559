"""The embedded clients: the whole API in-process, persistent on disk, identical to the server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import cml
from cml.server.settings import ServerSettings

FACTS = [
    ("User prefers window seats on long flights", "preference"),
    ("User is allergic to peanuts", "constraint"),
    ("Team standup is at 9:30 every weekday", "semantic_fact"),
    ("User visited Oslo in March for a conference", "episodic_event"),
    ("To deploy, run the release script then tag the commit", "procedure"),
]


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[cml.EmbeddedCognitiveMemoryLayer]:
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "memory.db", embedding_provider="hash") as m:
        yield m


@pytest.fixture
async def async_memory(tmp_path: Path) -> AsyncIterator[cml.AsyncEmbeddedCognitiveMemoryLayer]:
    client = cml.AsyncEmbeddedCognitiveMemoryLayer(tmp_path / "async.db", embedding_provider="hash")
    async with client as m:
        yield m


def test_sync_round_trip(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    assert memory.health().status == "ok"
    written = memory.write(
        "User prefers window seats on long flights", context_tags=["travel"], session_id="s1"
    )
    assert written.success
    assert written.memory_id

    found = memory.read("window seat preference")
    assert [m.id for m in found.memories] == [written.memory_id]
    assert found.memories[0].context_tags == ["travel"]

    turn = memory.turn("Which seat should I book?", session_id="s1")
    assert turn.memories_retrieved >= 1
    assert "window seats" in turn.memory_context

    updated = memory.update(written.memory_id, importance=0.9, metadata={"checked": True})
    assert updated.version == 2

    forgotten = memory.forget(memory_ids=[written.memory_id])
    assert forgotten.memory_ids == [written.memory_id]
    assert written.memory_id not in [m.id for m in memory.read("window seats").memories]

    stats = memory.stats()
    assert stats.deleted_memories == 1
    assert stats.tenant_id == "default"


async def test_async_round_trip(async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer) -> None:
    written = await async_memory.write("User is allergic to peanuts", memory_type="constraint")
    found = await async_memory.read("food allergies", format="llm_context")
    turn = await async_memory.turn("Suggest a snack", assistant_response="Try an apple.")
    updated = await async_memory.update(written.memory_id or "", feedback="correct")
    forgotten = await async_memory.forget(memory_ids=[written.memory_id or ""], hard=True)
    stats = await async_memory.stats()

    assert found.memories[0].id == written.memory_id
    assert "peanuts" in found.context
    assert turn.memories_stored >= 1
    assert updated.memory_id == written.memory_id
    assert forgotten.affected_count == 1
    assert forgotten.hard
    assert stats.by_type.get("constraint", 0) == 0


def test_memories_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "memory.db"
    with cml.EmbeddedCognitiveMemoryLayer(path, embedding_provider="hash") as first:
        memory_id = first.write("The office wifi password changes monthly").memory_id

    with cml.EmbeddedCognitiveMemoryLayer(str(path), embedding_provider="hash") as second:
        found = second.read("office wifi")
        assert [m.id for m in found.memories] == [memory_id]
        assert second.stats().total_memories == 1


def test_in_memory_database_starts_empty_each_time() -> None:
    with cml.EmbeddedCognitiveMemoryLayer(embedding_provider="hash") as first:
        first.write("Something to remember")
        assert first.stats().total_memories == 1

    with cml.EmbeddedCognitiveMemoryLayer(embedding_provider="hash") as second:
        assert second.stats().total_memories == 0


def test_tenants_are_isolated_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with cml.EmbeddedCognitiveMemoryLayer(path, tenant_id="acme", embedding_provider="hash") as a:
        a.write("Acme ships on Tuesdays")
    with cml.EmbeddedCognitiveMemoryLayer(path, tenant_id="globex", embedding_provider="hash") as b:
        assert b.tenant_id == "globex"
        assert b.read("shipping day").memories == []
        assert b.stats().total_memories == 0


def test_errors_are_the_same_as_over_http(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    with pytest.raises(cml.NotFoundError) as caught:
        memory.update("no-such-memory", text="new text")

    assert caught.value.status_code == 404
    assert caught.value.request_id


def test_idempotent_write_is_stored_once(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    first = memory.write("User likes jazz", idempotency_key="k-jazz")
    again = memory.write("User likes jazz", idempotency_key="k-jazz")

    assert again.memory_id == first.memory_id
    assert memory.stats().total_memories == 1
    with pytest.raises(cml.ConflictError):
        memory.write("User likes opera", idempotency_key="k-jazz")


def test_admin_calls_need_no_key(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    created = memory.create_api_key("acme", scopes=["read"], name="reader")
    listed = memory.list_api_keys(tenant_id="acme")
    revoked = memory.revoke_api_key(created.id)

    assert created.key
    assert [k.id for k in listed] == [created.id]
    assert revoked.revoked_at is not None


def test_the_embedding_provider_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store remembers its embedding model: reopening it with the hash provider only works if
    # the first open also used hash, which it could only learn from CML_EMBEDDING_PROVIDER.
    monkeypatch.setenv("CML_EMBEDDING_PROVIDER", "hash")
    path = tmp_path / "env.db"
    with cml.EmbeddedCognitiveMemoryLayer(path) as first:
        first.write("Configured by the environment")
    monkeypatch.delenv("CML_EMBEDDING_PROVIDER")

    with cml.EmbeddedCognitiveMemoryLayer(path, embedding_provider="hash") as second:
        assert second.stats().total_memories == 1


def test_a_store_of_another_embedding_model_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "model.db"
    with cml.EmbeddedCognitiveMemoryLayer(path, embedding_provider="hash") as first:
        first.write("Embedded with 384 dimensions")
    other = ServerSettings(embedding_provider="hash", embedding_dimensions=128)

    with pytest.raises(cml.ConfigurationError, match="Cannot open the embedded engine"):
        cml.EmbeddedCognitiveMemoryLayer(path, settings=other)


def test_an_unknown_embedding_provider_is_refused_clearly() -> None:
    with pytest.raises(cml.ConfigurationError, match="embedding_provider"):
        cml.EmbeddedCognitiveMemoryLayer(embedding_provider="telepathy")


def test_close_twice_is_harmless(tmp_path: Path) -> None:
    client = cml.EmbeddedCognitiveMemoryLayer(tmp_path / "x.db", embedding_provider="hash")
    client.close()
    client.close()


async def test_embedded_and_server_give_the_same_results(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
    server_client: cml.AsyncCognitiveMemoryLayer,
) -> None:
    when = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    for client in (async_memory, server_client):
        for text, kind in FACTS:
            await client.write(text, memory_type=kind, timestamp=when, importance=0.6)

    embedded = await async_memory.read("what should I know before booking travel", max_results=5)
    served = await server_client.read("what should I know before booking travel", max_results=5)

    assert [(m.text, m.type) for m in embedded.memories] == [
        (m.text, m.type) for m in served.memories
    ]
    assert [m.relevance for m in embedded.memories] == pytest.approx(
        [m.relevance for m in served.memories], abs=1e-3
    )
    embedded_stats = await async_memory.stats()
    served_stats = await server_client.stats()
    assert embedded_stats.by_type == served_stats.by_type
    assert embedded_stats.total_memories == served_stats.total_memories == len(FACTS)


@pytest.mark.slow
def test_default_local_model_recalls_by_meaning() -> None:
    with cml.EmbeddedCognitiveMemoryLayer() as memory:
        memory.write("User is allergic to peanuts")
        memory.write("The quarterly report is due on Friday")

        found = memory.read("food the user must avoid", max_results=1)

    assert found.memories[0].text == "User is allergic to peanuts"


def test_a_script_that_never_closes_the_client_still_exits(tmp_path: Path) -> None:
    path = tmp_path / "unclosed.db"
    script = (
        "import cml\n"
        f"memory = cml.EmbeddedCognitiveMemoryLayer({str(path)!r}, embedding_provider='hash')\n"
        "memory.write('Written by a script that forgot to close')\n"
    )

    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert finished.returncode == 0, finished.stderr
    with cml.EmbeddedCognitiveMemoryLayer(path, embedding_provider="hash") as memory:
        assert memory.stats().total_memories == 1
