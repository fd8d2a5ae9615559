"""Every kind of client (async and sync over a real server, embedded sync and async) behind one
async-callable face, so that a test runs unchanged on each."""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread

import cml
from cml.config import CMLConfig
from cml.engine import open_engine
from cml.server.app import create_app
from cml.server.settings import ServerSettings

from .live import serve_app

USER_KEY = "sk-admin-tests-user-0123456789"
ADMIN_KEY = "sk-admin-tests-admin-9876543210"
KINDS = ["async", "sync", "embedded-async", "embedded-sync"]
FAST_STREAMS: dict[str, Any] = {"events_heartbeat_seconds": 0.2, "events_stream_idle_seconds": 1.0}
NO_WAIT: dict[str, Any] = {"backoff_initial": 0.0, "backoff_max": 0.0, "retry_after_max": 0.0}


def server_settings(tmp_path: Path, **overrides: Any) -> ServerSettings:
    """Settings of a test server: hash embeddings, bootstrap keys, fast event streams."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{(tmp_path / 'server.db').as_posix()}",
        "embedding_provider": "hash",
        "api_key": USER_KEY,
        "admin_api_key": ADMIN_KEY,
        **FAST_STREAMS,
        **overrides,
    }
    return ServerSettings(**values)


class Client:
    """One client of any kind; :meth:`call` awaits async methods and calls sync ones.

    A sync method is called from a worker thread, as an application calls it (a thread that
    runs no event loop: the embedded sync client then runs its reads on that thread).
    """

    def __init__(self, kind: str, client: Any) -> None:
        self.kind = kind
        self.raw = client

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self.raw, name)
        if inspect.iscoroutinefunction(method):
            return await method(*args, **kwargs)
        return await anyio.to_thread.run_sync(functools.partial(method, *args, **kwargs))

    async def events(self, count: int, **kwargs: Any) -> list[dict[str, Any]]:
        """The first ``count`` events of ``stream_events(**kwargs)``; the stream is then closed."""
        stream = self.raw.stream_events(**kwargs)
        if inspect.isasyncgen(stream):
            try:
                return [event async for event in _take(stream, count)]
            finally:
                await stream.aclose()
        try:
            return list(itertools.islice(stream, count))
        finally:
            stream.close()


async def _take(stream: AsyncIterator[Any], count: int) -> AsyncIterator[Any]:
    if count <= 0:
        return
    async for event in stream:
        yield event
        count -= 1
        if count == 0:
            return


@contextmanager
def http_server(tmp_path: Path, **overrides: Any) -> Iterator[str]:
    """A real server (uvicorn on loopback) with its own engine; yields its URL."""
    settings = server_settings(tmp_path, **overrides)
    engine = open_engine(settings.to_engine_config())
    try:
        with serve_app(create_app(settings, engine=engine)) as url:
            yield url
    finally:
        engine.close()


@asynccontextmanager
async def make_client(kind: str, tmp_path: Path, **settings: Any) -> AsyncIterator[Client]:
    """A client of ``kind`` over a fresh store (the admin key is set on the HTTP ones)."""
    if kind.startswith("embedded"):
        resolved = ServerSettings(embedding_provider="hash", **FAST_STREAMS, **settings)
        db = tmp_path / "embedded.db"
        if kind == "embedded-async":
            client: Any = cml.AsyncEmbeddedCognitiveMemoryLayer(db, settings=resolved)
            try:
                yield Client(kind, client)
            finally:
                await client.close()
        else:
            client = cml.EmbeddedCognitiveMemoryLayer(db, settings=resolved)
            try:
                yield Client(kind, client)
            finally:
                client.close()
        return
    with http_server(tmp_path, **settings) as url:
        config = CMLConfig(
            api_key=USER_KEY, admin_api_key=ADMIN_KEY, base_url=url, max_retries=3, **NO_WAIT
        )
        if kind == "async":
            client = cml.AsyncCognitiveMemoryLayer(config=config)
            try:
                yield Client(kind, client)
            finally:
                await client.close()
        else:
            client = cml.CognitiveMemoryLayer(config=config)
            try:
                yield Client(kind, client)
            finally:
                client.close()
