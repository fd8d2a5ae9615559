"""The read routes on every kind of client: the same answers and the same errors.

The embedded sync client runs a read on its caller's thread when it can, and on a helper
thread's event loop when it cannot (a caller inside an event loop, another thread's read under
way); each path must answer exactly as the server does over HTTP.
"""

from __future__ import annotations

import _thread
import threading
from pathlib import Path
from typing import Any

import pytest

import cml

from .clients import KINDS, Client, make_client

NOTES = [
    "Alice: I went hiking near the lake last weekend",
    "Alice: my grandmother lives in Lisbon",
    "Bob: I baked sourdough bread for the neighbours",
    "Bob: we booked a trip to Kyoto for the spring",
]
QUESTIONS = ["Where does Alice's grandmother live?", "What did Bob bake?", "hiking"]


def _answer(result: cml.ReadResponse) -> list[tuple[str, float]]:
    return [(memory.text, round(memory.relevance, 6)) for memory in result.memories]


async def _filled(client: Client) -> None:
    for note in NOTES:
        await client.call("write", note, session_id="s1", importance=0.6)


async def _answers(client: Client) -> list[list[tuple[str, float]]]:
    return [_answer(await client.call("read", question, max_results=3)) for question in QUESTIONS]


async def test_every_client_reads_the_same(tmp_path: Path) -> None:
    answers: dict[str, Any] = {}
    for kind in KINDS:
        async with make_client(kind, tmp_path / kind) as client:
            await _filled(client)
            answers[kind] = await _answers(client)
            batch = await client.call("batch_read", QUESTIONS, max_results=3)
            answers[kind + " batch"] = [_answer(result) for result in batch]

    expected = answers["async"]
    assert expected[0][0][0] == NOTES[1]
    for name, found in answers.items():
        assert found == expected, name


async def test_the_sync_embedded_client_reads_alike_from_any_thread(tmp_path: Path) -> None:
    async with make_client("embedded-sync", tmp_path) as client:
        await _filled(client)
        memory: cml.EmbeddedCognitiveMemoryLayer = client.raw
        on_its_thread = await _answers(client)
        # Called right here, inside this test's event loop: the helper loop answers.
        in_a_loop = [_answer(memory.read(q, max_results=3)) for q in QUESTIONS]
        # Several threads at once: one on the caller's loop, the others on the helper loop.
        found: list[list[list[tuple[str, float]]]] = []

        def read_all() -> None:
            found.append([_answer(memory.read(q, max_results=3)) for q in QUESTIONS * 5])

        threads = [threading.Thread(target=read_all) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert on_its_thread[0]
    assert in_a_loop == on_its_thread
    assert found == [on_its_thread * 5] * 4


@pytest.mark.parametrize("kind", KINDS)
async def test_a_read_past_the_deadline_fails_alike(kind: str, tmp_path: Path) -> None:
    # The engine raises inside the read (between a batch's queries): on the caller's thread
    # in the embedded sync client, in the worker pool elsewhere.
    async with make_client(kind, tmp_path, request_deadline_seconds=1e-9) as client:
        await _filled(client)
        with pytest.raises(cml.ValidationError) as caught:
            await client.call("batch_read", QUESTIONS * 10, max_results=3)
        assert (await client.call("read", "hiking", max_results=1)).memories

    assert caught.value.status_code == 413
    assert caught.value.code == "deadline_exceeded"
    assert "deadline" in caught.value.message
    assert caught.value.request_id


@pytest.mark.parametrize("kind", KINDS)
async def test_a_read_too_large_fails_alike(kind: str, tmp_path: Path) -> None:
    async with make_client(kind, tmp_path, max_request_bytes=2_000) as client:
        with pytest.raises(cml.ValidationError) as caught:
            await client.call("read", "hiking " * 400)

    assert caught.value.status_code == 413
    assert caught.value.code == "payload_too_large"
    assert "2000 bytes" in caught.value.message


async def test_a_sync_read_inside_an_event_loop_fails_alike(tmp_path: Path) -> None:
    async with make_client("embedded-sync", tmp_path, max_request_bytes=2_000) as client:
        with pytest.raises(cml.ValidationError) as caught:
            client.raw.read("hiking " * 400)  # this thread runs a loop: the helper loop answers

    assert (caught.value.status_code, caught.value.code) == (413, "payload_too_large")


def test_an_interrupted_read_leaves_the_client_working(tmp_path: Path) -> None:
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "m.db", embedding_provider="hash") as memory:
        for note in NOTES:
            memory.write(note)
        expected = _answer(memory.read("hiking", max_results=2))

        def read_until_interrupted() -> None:
            while True:
                memory.read("hiking", max_results=2)

        # Ctrl-C lands somewhere in a read running on this thread (client, app or engine).
        threading.Timer(0.2, _thread.interrupt_main).start()
        with pytest.raises(KeyboardInterrupt):
            read_until_interrupted()

        assert _answer(memory.read("hiking", max_results=2)) == expected
        assert memory.stats().total_memories == len(NOTES)


def test_an_interrupted_write_ends_whole_or_not_at_all(tmp_path: Path) -> None:
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "m.db", embedding_provider="hash") as memory:
        written: list[str] = []

        def write_until_interrupted() -> None:
            while True:
                text = f"{NOTES[len(written) % len(NOTES)]} (entry {len(written)})"
                memory.write(text, memory_type="episodic_event")
                written.append(text)

        # Ctrl-C lands somewhere in a write running on this thread; one under way in the
        # engine ends first (its commit and the index update after it are never split).
        threading.Timer(0.3, _thread.interrupt_main).start()
        with pytest.raises(KeyboardInterrupt):
            write_until_interrupted()

        stored = memory.stats().total_memories
        assert stored in (len(written), len(written) + 1)
        memory.write("Carol: I adopted a cat named Miso")
        assert memory.stats().total_memories == stored + 1
        found = memory.read("Carol adopted a cat named Miso", max_results=1)
        assert [m.text for m in found.memories] == ["Carol: I adopted a cat named Miso"]
