"""Fixtures: the fake OpenAI server with real ``openai`` clients, and embedded memory clients."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import openai
import pytest

import cml

from .fake_openai import FakeOpenAI, running_fake_openai


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake chat completions server."""
    with running_fake_openai() as fake:
        yield fake


@pytest.fixture
def openai_client(fake_openai: FakeOpenAI) -> Iterator[openai.OpenAI]:
    """The real ``openai.OpenAI`` client, pointed at the fake, without retries."""
    with openai.OpenAI(base_url=fake_openai.base_url, api_key="test", max_retries=0) as client:
        yield client


@pytest.fixture
async def async_openai_client(fake_openai: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    """The real ``openai.AsyncOpenAI`` client, pointed at the fake, without retries."""
    async with openai.AsyncOpenAI(
        base_url=fake_openai.base_url, api_key="test", max_retries=0
    ) as client:
        yield client


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[cml.EmbeddedCognitiveMemoryLayer]:
    """An embedded memory on a temporary SQLite file with the hash embedder."""
    with cml.EmbeddedCognitiveMemoryLayer(tmp_path / "mem.db", embedding_provider="hash") as client:
        yield client


@pytest.fixture
async def async_memory(tmp_path: Path) -> AsyncIterator[cml.AsyncEmbeddedCognitiveMemoryLayer]:
    """An async embedded memory on a temporary SQLite file with the hash embedder."""
    async with cml.AsyncEmbeddedCognitiveMemoryLayer(
        tmp_path / "mem.db", embedding_provider="hash"
    ) as client:
        yield client


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
