"""An in-process ``httpx`` transport for an ASGI app that streams response bodies.

``httpx.ASGITransport`` runs the app to completion before it returns the response, so an
endless body (the server-sent event stream) would never arrive. Here the app runs as a task
next to the caller: the response is returned as soon as the app starts it, and its body
chunks are handed over as the app sends them. Closing the response tells the app the client
has gone (``http.disconnect``) and cancels it.

Used by the embedded clients (asyncio event loops only, which is what they run on).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

__all__ = ["StreamingASGITransport"]

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]

_END = None


class _Body(httpx.AsyncByteStream):
    def __init__(
        self, chunks: asyncio.Queue[bytes | None], task: asyncio.Task[None], gone: asyncio.Event
    ) -> None:
        self._chunks = chunks
        self._task = task
        self._gone = gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self._chunks.get()) is not _END:
            yield chunk
        if self._task.done() and not self._task.cancelled():
            error = self._task.exception()
            if error is not None:
                raise error

    async def aclose(self) -> None:
        self._gone.set()
        if not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Send requests to an ASGI app in this process; bodies stream as the app sends them.

    Args:
        app: The ASGI application.
        client: The client address the app sees.
        extensions: ASGI extensions to put in each request's scope (what this caller offers
            the app beyond plain HTTP).
        streaming: Return once the app starts its response and stream the body; with
            ``False``, run the app to its end in the caller's own task and return the body
            whole (as ``httpx.ASGITransport`` does; never for an endless body).
    """

    def __init__(
        self,
        app: Any,
        client: tuple[str, int] = ("127.0.0.1", 123),
        *,
        extensions: dict[str, dict[str, Any]] | None = None,
        streaming: bool = True,
    ) -> None:
        self._app = app
        self._client = client
        self._extensions = extensions or {}
        self._streaming = streaming

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Start the app on ``request``; return once it has sent the response head."""
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for (k, v) in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self._client,
            "root_path": "",
            "extensions": {**self._extensions},
        }
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        started = asyncio.Event()
        gone = asyncio.Event()
        head: dict[str, Any] = {}
        body_sent = False

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                head["status"] = message["status"]
                head["headers"] = message.get("headers", [])
                started.set()
            elif message["type"] == "http.response.body":
                data = message.get("body", b"")
                if data and request.method != "HEAD":
                    chunks.put_nowait(bytes(data))
                if not message.get("more_body", False):
                    chunks.put_nowait(_END)

        async def run() -> None:
            try:
                await self._app(scope, receive, send)
            finally:
                started.set()
                chunks.put_nowait(_END)

        if not self._streaming:
            await run()
            if "status" not in head:
                raise RuntimeError("The in-process app ended without a response.")
            content = b"".join(iter(chunks.get_nowait, _END))
            return httpx.Response(head["status"], headers=head["headers"], content=content)
        task = asyncio.get_running_loop().create_task(run())
        await started.wait()
        if "status" not in head:
            # The app failed before answering: surface its error as the caller's.
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise RuntimeError("The in-process app ended without a response.")
        return httpx.Response(
            head["status"], headers=head["headers"], stream=_Body(chunks, task, gone)
        )
