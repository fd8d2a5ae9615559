"""The in-process plumbing of the embedded clients: the engine, the app, and their transports.

The embedded clients (in :mod:`cml._async.client` and its generated twin) are the ordinary
clients talking to the same FastAPI app the server runs, through an in-process ``httpx``
transport instead of a socket. The async client uses an ASGI transport on its own event loop.
The sync client runs its reads on the calling thread (on an event loop of its own), and the
rest on an event loop in a helper thread (a portal): plain ``def`` routes, event streams,
calls from a thread that runs an event loop already, and calls while another thread uses the
first loop. Both close the transport and the engine through :func:`release`, also when a
client is dropped without being closed.

The engine and the app are imported only when an embedded client is built, so ``import cml``
stays light.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
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

_CLOSE_WAIT_SECONDS = 5.0
"""How long closing waits for a request another thread is still running on the caller's loop."""

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


class _InProcessTransport(httpx.BaseTransport):
    """A sync transport serving requests with an ASGI app in this process.

    A request to one of the app's coroutine routes runs on the calling thread, on an event loop
    this transport keeps for it (one thread at a time uses it), with the scope extension that
    lets the read and change routes run the engine right there: no thread hand-off at all
    (decisions 87 and 93). A Ctrl-C meanwhile is raised once the request has ended.
    The others go to an event loop in a helper thread (a portal, started when first needed), in
    one trip there and back:

    - a plain ``def`` route: it runs in a worker thread, and the worker pool of a loop that
      lives in a daemon thread neither starts a thread per request nor holds up the
      interpreter's exit;
    - an event stream (a route whose answer streams): the response is returned when the app
      starts it, and each chunk is fetched from that loop when the caller reads it;
    - a call from a thread that already runs an event loop (a notebook, sync code called from
      async code), which cannot run a second one;
    - a call made while another thread's request is using the caller's loop.

    Args:
        app: The ASGI app.
        caller_thread: The scope extension telling the app that its thread is the caller's.
        routes_here: The method and path of the requests to run on the calling thread.
    """

    def __init__(
        self, app: FastAPI, caller_thread: str, routes_here: frozenset[tuple[str, str]]
    ) -> None:
        self._routes_here = routes_here
        self._here = StreamingASGITransport(app, extensions={caller_thread: {}}, streaming=False)
        self._there = StreamingASGITransport(app)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_free = threading.Lock()
        self._portal: tuple[BlockingPortal, threading.Thread] | None = None
        self._portal_lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if (
            (request.method, request.url.path) in self._routes_here
            and not _in_event_loop()
            and self._loop_free.acquire(blocking=False)
        ):
            try:
                with _interrupt_after():
                    return self._caller_loop().run_until_complete(
                        self._here.handle_async_request(request)
                    )
            finally:
                self._loop_free.release()
        portal = self._started_portal()
        status, headers, body = portal.call(_answer, self._there, request)
        if isinstance(body, bytes):
            return httpx.Response(status, headers=headers, content=body)
        return httpx.Response(status, headers=headers, stream=_PortalStream(portal, body))

    def _caller_loop(self) -> asyncio.AbstractEventLoop:
        if self._closed:
            raise RuntimeError("The embedded client is closed.")
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def _started_portal(self) -> BlockingPortal:
        with self._portal_lock:
            if self._closed:
                raise RuntimeError("The embedded client is closed.")
            if self._portal is None:
                self._portal = _start_portal()
            return self._portal[0]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            # A request still running on another thread keeps the loop until it answers.
            if self._loop_free.acquire(timeout=_CLOSE_WAIT_SECONDS):
                try:
                    if self._loop is not None:
                        _close_loop(self._loop)
                finally:
                    self._loop_free.release()
        finally:
            with self._portal_lock:
                started = self._portal
            if started is not None:
                portal, thread = started
                try:
                    portal.call(self._there.aclose)
                finally:
                    portal.call(portal.stop)
                    thread.join()


async def _answer(
    asgi: StreamingASGITransport, request: httpx.Request
) -> tuple[int, httpx.Headers, bytes | httpx.AsyncByteStream]:
    """The app's answer to ``request``: its body whole, or streaming for an event stream."""
    response = await asgi.handle_async_request(request)
    body = response.stream
    assert isinstance(body, httpx.AsyncByteStream)
    if response.headers.get("content-type", "").startswith(_EVENT_STREAM):
        return response.status_code, response.headers, body
    try:
        content = b"".join([chunk async for chunk in body])
    finally:
        await body.aclose()
    return response.status_code, response.headers, content


@contextmanager
def _interrupt_after() -> Iterator[None]:
    """Hold a Ctrl-C that arrives in the block back until the block has ended, then raise it.

    A change run on the caller's thread must not stop between its commit and the update of
    the in-memory vector index that follows (a request in the portal's worker pool cannot be
    interrupted at all). Only on the main thread, which is where Python delivers SIGINT, and
    only while the handler is Python's own: a handler the program installed is left alone.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    held: list[tuple[int, FrameType | None]] = []
    signal.signal(signal.SIGINT, lambda number, frame: held.append((number, frame)))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if held:
            signal.default_int_handler(*held[0])  # raises KeyboardInterrupt


def _in_event_loop() -> bool:
    """Whether this thread is running an event loop (then it cannot run another)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close the caller's loop; tasks an interrupted call left behind are cancelled first."""
    try:
        if not _in_event_loop():  # else this thread cannot run the loop: just close it
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def in_process_transport_async(app: FastAPI) -> httpx.AsyncBaseTransport:
    """The transport of an async embedded client: the app on the caller's event loop."""
    return StreamingASGITransport(app)


def in_process_transport_sync(app: FastAPI) -> httpx.BaseTransport:
    """The transport of a sync embedded client: reads on the caller's thread, the rest on a portal.

    See :class:`_InProcessTransport`.
    """
    from cml.server.blocking import CALLER_THREAD

    return _InProcessTransport(app, CALLER_THREAD, app.state.caller_thread_routes)


def release(transport: httpx.BaseTransport | httpx.AsyncBaseTransport, engine: Engine) -> None:
    """Stop a sync client's helper thread (if any), then close the engine and its database."""
    try:
        if isinstance(transport, httpx.BaseTransport):
            transport.close()
    finally:
        engine.close()
