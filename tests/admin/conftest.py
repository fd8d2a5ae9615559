"""Fixtures of the admin tests: scripted chat server, engines with and without an LLM."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cml.engine import Engine, EngineConfig, open_engine

from .live import ChatServer


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own CML_* variables must not change what the tests see.
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.close()


def engine_with_llm(tmp_path: Path, llm_url: str | None) -> Engine:
    """An engine on a temp file with the hash embedder and, if given, the LLM at ``llm_url``."""
    return open_engine(
        EngineConfig(
            database_url=f"sqlite:///{tmp_path}/cml.db",
            embedding_provider="hash",
            llm_base_url=llm_url,
            llm_model="test-model" if llm_url else None,
            llm_api_key="sk-llm-test" if llm_url else None,
        )
    )
