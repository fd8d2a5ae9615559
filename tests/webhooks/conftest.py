"""Webhook fixtures: an engine on SQLite or PostgreSQL, and a real receiver on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cml.engine import Engine, open_engine
from cml.engine.config import EngineConfig

from .receiver import Receiver


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own CML_* variables must not change what the tests see.
    for name in list(os.environ):
        if name.startswith("CML_"):
            monkeypatch.delenv(name)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path}/cml.db"
    opened = open_engine(EngineConfig(database_url=url, embedding_provider="hash"))
    yield opened
    opened.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()
