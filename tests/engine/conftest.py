"""Engine fixtures: a real store and the deterministic hash embedder.

The store is a SQLite file; the modules in ``BOTH_BACKENDS`` run every test a second time on a
fresh PostgreSQL database (skipped when no PostgreSQL can be started), to show that each feature
behaves the same on both backends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from cml.embeddings.base import Embedder
from cml.engine import Engine, EngineConfig, EngineContext, MemoryService, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest
from cml.storage.base import EventFilter, EventRecord

BOTH_BACKENDS = {
    "test_write",
    "test_batch_write",
    "test_read",
    "test_turn",
    "test_update",
    "test_forget",
    "test_idempotency",
    "test_tenancy",
    "test_concurrency",
    "test_dedup_details",
    "test_partition_terms",
    "test_lookup",
    "test_timeframe",
    "test_event_chain",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        backends = ["sqlite", "postgres"] if module in BOTH_BACKENDS else ["sqlite"]
        metafunc.parametrize("backend", backends)


@pytest.fixture
def config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> EngineConfig:
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path}/cml.db"
    return EngineConfig(database_url=url, embedding_provider="hash")


@pytest.fixture
def engine(config: EngineConfig) -> Iterator[Engine]:
    engine = open_engine(config)
    yield engine
    engine.close()


EventLog = Callable[..., list[EventRecord]]


@pytest.fixture
def events(engine: Engine) -> EventLog:
    """``events(tenant_id, event_type=None)``: the tenant's events, oldest first."""

    def read(tenant_id: str, event_type: str | None = None) -> list[EventRecord]:
        found, _ = engine.store.list_events(
            tenant_id, EventFilter(event_type=event_type), limit=1000
        )
        return list(reversed(found))

    return read


class CountingEmbedder:
    """A real embedder that also counts how often it is called and with how many texts."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimensions = inner.dimensions
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls.append(len(texts))
        return self.inner.embed(texts)

    def close(self) -> None:
        """Nothing to release: the engine owns the inner embedder."""


@pytest.fixture
def counted(engine: Engine) -> tuple[MemoryService, list[int]]:
    """A memory service over the engine's store, and the batch size of each embedder call."""
    counting = CountingEmbedder(engine.embedder)
    return MemoryService(EngineContext(engine.store, counting, engine.config)), counting.calls


ChatRead = Callable[[str, RankingWeights, dict[str, list[str]], str, int], list[str]]
"""``(store name, weights, lines by session, query, results) -> texts ranked``."""


@pytest.fixture
def chat_read(tmp_path: Path) -> ChatRead:
    """Write a chat history into a fresh store and read it: the texts of the results, in order.

    Each session's lines are written in order under that ``session_id``, then 30 unrelated
    notes in six sessions of their own; an empty string stands for a note in the results.
    """

    def read(
        name: str, weights: RankingWeights, sessions: dict[str, list[str]], query: str, results: int
    ) -> list[str]:
        url = f"sqlite:///{tmp_path}/{name}.db"
        with open_engine(
            EngineConfig(database_url=url, embedding_provider="hash"), weights=weights
        ) as engine:
            texts = {}
            for session, lines in sessions.items():
                for line in lines:
                    write = WriteRequest(content=line, session_id=session, namespace="chat")
                    memory_id = engine.memories.write("acme", write).memory_id
                    assert memory_id is not None
                    texts[memory_id] = line
            for i in range(30):
                note = WriteRequest(
                    content=f"user: note {i} about the garden and the weather",
                    session_id=f"notes-{i // 5}",
                    namespace="chat",
                )
                engine.memories.write("acme", note)
            ask = ReadRequest(query=query, max_results=results, namespace="chat")
            return [texts.get(m.id, "") for m in engine.memories.read("acme", ask).memories]

    return read
