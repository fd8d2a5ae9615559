"""The in-process plumbing of the embedded clients: the engine, the app, and their transports.

The embedded clients (in :mod:`cml._async.client` and its generated twin) are the ordinary
clients talking to the same FastAPI app the server runs, through an in-process ``httpx``
transport instead of a socket. The async client uses an ASGI transport on its own event loop;
the sync client runs the app on an event loop in a helper thread (a portal) and streams each
response body from it. Both close the transport and the engine through :func:`release`, also
when a client is dropped without being closed.

The engine and the app are imported only when an embedded client is built, so ``import cml``
stays light.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pydantic
from anyio.from_thread import BlockingPortal

from cml._asgi import StreamingASGITransport
from cml.config import CMLConfig
from cml.exceptions import ConfigurationError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from cml.engine import Engine
    from cml.server.settings import ServerSettings

__all__ = [
    "EMBEDDED_URL",
    "database_url",
    "embedded_config",
    "in_process_transport_async",
    "in_process_transport_sync",
    "open_app",
    "release",
]

EMBEDDED_URL = "http://cml.embedded"
"""Base URL of the in-process app (never resolved: no socket is opened)."""

_EVENT_STREAM = "text/event-stream"
"""The media type whose bodies the sync transport streams (the others arrive whole)."""

_INSTALL_HINT = "Embedded mode needs the server extra: pip install 'py-cml[server]'"


def database_url(db_path: str | os.PathLike[str] | None) -> str:
    """The database URL for ``db_path``: a SQLite file, in memory when ``None``.

    Args:
        db_path: Path of the SQLite file (its directory is created), ``None`` or ``":memory:"``
            for a database that lives as long as the client, or a database URL, kept as is.

    Returns:
        A URL for :func:`cml.engine.open_engine`.
    """
    text = ":memory:" if db_path is None else os.fspath(db_path)
    if text == ":memory:":
        return "sqlite:///:memory:"
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.as_posix()}"


def open_app(
    db_path: str | os.PathLike[str] | None,
    embedding_provider: str | None,
    embedding_model: str | None,
    settings: ServerSettings | None,
) -> tuple[Engine, FastAPI]:
    """Open the engine and build the server's app around it, auth off.

    Raises:
        ImportError: The server extra is missing (the message names it).
        ConfigurationError: Invalid settings, or the engine cannot open the database.
    """
    try:
        from cml.engine import EngineError, open_engine
        from cml.server.app import create_app
        from cml.server.settings import ServerSettings
    except ImportError as exc:
        # Only a missing third-party package means a missing extra; our own bugs surface as is.
        if (exc.name or "").partition(".")[0] == "cml":
            raise
        raise ImportError(f"{_INSTALL_HINT} ({exc.name} is missing)", name=exc.name) from exc

    updates: dict[str, Any] = {"auth_enabled": False}
    if db_path is not None or settings is None:
        # model_copy does not validate: give the field its declared type.
        updates["database_url"] = pydantic.SecretStr(database_url(db_path))
    if embedding_provider is not None:
        updates["embedding_provider"] = embedding_provider
    if embedding_model is not None:
        updates["embedding_model"] = embedding_model
    # Fields not given here come from CML_* variables (e.g. CML_EMBEDDING_PROVIDER).
    try:
        resolved = (
            ServerSettings(**updates) if settings is None else settings.model_copy(update=updates)
        )
    except pydantic.ValidationError as exc:
        # Field and message only: an input value could be a secret (embedding_api_key).
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigurationError(f"Invalid embedded settings: {problems}") from None
    try:
        engine = open_engine(resolved.to_engine_config())
    except EngineError as exc:
        # No HTTP status here, but callers should still only need to catch the SDK's errors.
        raise ConfigurationError(
            f"Cannot open the embedded engine: {exc.message}", hint=exc.hint
        ) from exc
    try:
        app = create_app(resolved, engine=engine)
        app.state.readiness.load_now(engine)  # no lifespan runs in-process: load the model now
    except BaseException:
        engine.close()
        raise
    return engine, app


def embedded_config(tenant_id: str | None) -> CMLConfig:
    """The client settings of an embedded client: the in-process URL and the tenant."""
    # Only the tenant may come from the environment; keys, URL and timeouts mean nothing here.
    # No retries: in-process there is no network to be flaky, and errors are deterministic.
    environ = {"CML_TENANT_ID": os.environ.get("CML_TENANT_ID", "")}
    tenant = CMLConfig.from_env(tenant_id=tenant_id, environ=environ).tenant_id
    return CMLConfig(base_url=EMBEDDED_URL, tenant_id=tenant or "default", max_retries=0)


def _start_portal() -> tuple[BlockingPortal, threading.Thread]:
    """An event loop in a daemon thread, and the portal through which other threads use it.

    A daemon thread, not ``anyio.from_thread.start_blocking_portal``: that one's worker thread
    is joined at interpreter exit, so a client its user forgot to close would hang the process.
    """
    ready: queue.Queue[BlockingPortal | BaseException] = queue.Queue()

    async def serve() -> None:
        async with BlockingPortal() as portal:
            ready.put(portal)
            await portal.sleep_until_stopped()

    def run() -> None:
        try:
            anyio.run(serve)
        except BaseException as exc:  # reported to the thread that is waiting for the portal
            ready.put(exc)

    thread = threading.Thread(target=run, name="cml-embedded-loop", daemon=True)
    thread.start()
    started = ready.get()
    if isinstance(started, BaseException):
        raise started
    return started, thread


class _PortalStream(httpx.SyncByteStream):
    """A response body produced on the portal's event loop, pulled chunk by chunk."""

    def __init__(self, portal: BlockingPortal, stream: httpx.AsyncByteStream) -> None:
        self._portal = portal
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._stream.__aiter__()
        while (chunk := self._portal.call(_next_chunk, chunks)) is not None:
            yield chunk

    def close(self) -> None:
        self._portal.call(self._stream.aclose)


async def _next_chunk(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None


class _PortalTransport(httpx.BaseTransport):
    """A sync transport serving requests with an ASGI app on an event loop in a helper thread.

    An ordinary response comes back whole in one trip to the loop (each trip wakes two threads:
    one per response instead of four). An event stream streams: the response is returned when
    the app starts it, and each chunk is fetched from the loop when the caller reads it (so the
    event stream works in sync mode).
    """

    def __init__(self, app: FastAPI) -> None:
        self._asgi = StreamingASGITransport(app)
        self._closed = False
        self._portal, self._thread = _start_portal()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        status, headers, body = self._portal.call(self._start, request)
        if isinstance(body, bytes):
            return httpx.Response(status, headers=headers, content=body)
        return httpx.Response(status, headers=headers, stream=_PortalStream(self._portal, body))

    async def _start(
        self, request: httpx.Request
    ) -> tuple[int, httpx.Headers, bytes | httpx.AsyncByteStream]:
        # A fresh request with an async body stream, as an async transport requires.
        forwarded = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.content,
            extensions=request.extensions,
        )
        response = await self._asgi.handle_async_request(forwarded)
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        if response.headers.get("content-type", "").startswith(_EVENT_STREAM):
            return response.status_code, response.headers, stream
        try:
            body = b"".join([chunk async for chunk in stream])
        finally:
            await stream.aclose()
        return response.status_code, response.headers, body

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._portal.call(self._asgi.aclose)
        finally:
            self._portal.call(self._portal.stop)
            self._thread.join()


def in_process_transport_async(app: FastAPI) -> httpx.AsyncBaseTransport:
    """The transport of an async embedded client: the app on the caller's event loop."""
    return StreamingASGITransport(app)


def in_process_transport_sync(app: FastAPI) -> httpx.BaseTransport:
    """The transport of a sync embedded client: the app on an event loop in a helper thread."""
    return _PortalTransport(app)


def release(transport: httpx.BaseTransport | httpx.AsyncBaseTransport, engine: Engine) -> None:
    """Stop a sync client's helper thread (if any), then close the engine and its database."""
    try:
        if isinstance(transport, httpx.BaseTransport):
            transport.close()
    finally:
        engine.close()
