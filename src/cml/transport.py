"""The two send loops: the only code that differs between the sync and the async client.

Each loop sends a prepared :class:`~cml._core.Call` and asks the core what to do with the
outcome: return the parsed result, wait and retry (the same headers, so the same
``Idempotency-Key``), or raise the mapped exception.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

import anyio
import httpx

from cml._core import Call, ClientCore
from cml._sse import SSEDecoder

__all__ = [
    "gather_async",
    "gather_sync",
    "send_async",
    "send_sync",
    "stream_async",
    "stream_sync",
]

T = TypeVar("T")


def send_sync(
    http: httpx.Client,
    core: ClientCore,
    call: Call[T],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Send ``call`` with ``http``, retrying as the core decides.

    Args:
        http: The HTTP client.
        core: Decides retries and maps answers.
        call: The prepared call.
        sleep: Waits between attempts (injectable so tests need not wait).

    Returns:
        The parsed result.

    Raises:
        APIError: The server answered with an error (after any retries).
        APIConnectionError: No answer (after any retries).
    """
    retries = 0
    while True:
        try:
            response = http.request(
                call.endpoint.method,
                call.url,
                params=call.params,
                headers=call.headers,
                content=call.content,
                timeout=core.config.timeout,
            )
        except httpx.TransportError as exc:
            delay = core.retry_delay(call, retries, exc=exc)
            if delay is None:
                raise core.connection_error(exc, retries=retries) from exc
        else:
            if response.is_success:
                return core.parse(call, response)
            delay = core.retry_delay(call, retries, response=response)
            if delay is None:
                raise core.error(call, response, retries=retries)
        sleep(delay)
        retries += 1


async def send_async(
    http: httpx.AsyncClient,
    core: ClientCore,
    call: Call[T],
    *,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> T:
    """Send ``call`` with ``http``, retrying as the core decides (async twin of :func:`send_sync`).

    Args:
        http: The HTTP client.
        core: Decides retries and maps answers.
        call: The prepared call.
        sleep: Waits between attempts (injectable so tests need not wait).

    Returns:
        The parsed result.

    Raises:
        APIError: The server answered with an error (after any retries).
        APIConnectionError: No answer (after any retries).
    """
    retries = 0
    while True:
        try:
            response = await http.request(
                call.endpoint.method,
                call.url,
                params=call.params,
                headers=call.headers,
                content=call.content,
                timeout=core.config.timeout,
            )
        except httpx.TransportError as exc:
            delay = core.retry_delay(call, retries, exc=exc)
            if delay is None:
                raise core.connection_error(exc, retries=retries) from exc
        else:
            if response.is_success:
                return core.parse(call, response)
            delay = core.retry_delay(call, retries, response=response)
            if delay is None:
                raise core.error(call, response, retries=retries)
        await sleep(delay)
        retries += 1


def gather_sync(send: Callable[[Call[T]], T], calls: Sequence[Call[T]], *, limit: int) -> list[T]:
    """Send ``calls`` one after another; results in call order (``limit`` is for the twin).

    Raises:
        APIError: The first call that fails (later calls are not sent).
    """
    return [send(call) for call in calls]


async def gather_async(
    send: Callable[[Call[T]], Awaitable[T]], calls: Sequence[Call[T]], *, limit: int
) -> list[T]:
    """Send ``calls`` concurrently, at most ``limit`` in flight; results in call order.

    Raises:
        APIError: The first call that fails (the others still in flight are cancelled).
    """
    if len(calls) <= 1:
        return [await send(call) for call in calls]
    results: dict[int, T] = {}
    limiter = anyio.CapacityLimiter(limit)

    async def run(index: int, call: Call[T]) -> None:
        async with limiter:
            results[index] = await send(call)

    try:
        async with anyio.create_task_group() as group:
            for index, call in enumerate(calls):
                group.start_soon(run, index, call)
    except BaseExceptionGroup as group_error:
        # Callers catch the SDK's own exceptions, not a group of them: raise the first.
        raise group_error.exceptions[0] from None
    return [results[index] for index in range(len(calls))]


def _stream_headers(call: Call[Any], last_id: str | None) -> dict[str, str]:
    headers = {**call.headers, "Accept": "text/event-stream"}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    return headers


def stream_sync(
    http: httpx.Client,
    core: ClientCore,
    call: Call[T],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[T]:
    """Follow a server-sent event stream, reconnecting and resuming after ``Last-Event-ID``.

    A stream the server ends (its idle window) is reopened at once; a broken connection is
    reopened as the core's retry policy allows. Either way the server is told the id of the
    last event received, so nothing is missed and nothing is repeated.

    Args:
        http: The HTTP client.
        core: Decides retries and maps answers.
        call: The prepared call of the stream route.
        sleep: Waits between attempts.

    Yields:
        Each event's data, parsed by the call's endpoint.

    Raises:
        APIError: The server refused the stream (after any retries).
        APIConnectionError: The connection failed more often than the retries allow.
    """
    last_id: str | None = None
    failures = 0
    while True:
        delay: float | None
        try:
            with http.stream(
                "GET",
                call.url,
                params=call.params,
                headers=_stream_headers(call, last_id),
                timeout=core.config.timeout,
            ) as response:
                if response.is_success:
                    failures = 0
                    decoder = SSEDecoder()
                    for line in response.iter_lines():
                        event = decoder.feed(line)
                        if event is not None:
                            last_id = event.id if event.id is not None else last_id
                            yield call.endpoint.parse(event.data)
                    continue  # the server ended the stream: reopen it where it stopped
                response.read()
                delay = core.retry_delay(call, failures, response=response)
                if delay is None:
                    raise core.error(call, response, retries=failures)
        except httpx.TransportError as exc:
            delay = core.retry_delay(call, failures, exc=exc)
            if delay is None:
                raise core.connection_error(exc, retries=failures) from exc
        sleep(delay)
        failures += 1


async def stream_async(
    http: httpx.AsyncClient,
    core: ClientCore,
    call: Call[T],
    *,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> AsyncIterator[T]:
    """Follow a server-sent event stream (async twin of :func:`stream_sync`).

    Args:
        http: The HTTP client.
        core: Decides retries and maps answers.
        call: The prepared call of the stream route.
        sleep: Waits between attempts.

    Yields:
        Each event's data, parsed by the call's endpoint.

    Raises:
        APIError: The server refused the stream (after any retries).
        APIConnectionError: The connection failed more often than the retries allow.
    """
    last_id: str | None = None
    failures = 0
    while True:
        delay: float | None
        try:
            async with http.stream(
                "GET",
                call.url,
                params=call.params,
                headers=_stream_headers(call, last_id),
                timeout=core.config.timeout,
            ) as response:
                if response.is_success:
                    failures = 0
                    decoder = SSEDecoder()
                    async for line in response.aiter_lines():
                        event = decoder.feed(line)
                        if event is not None:
                            last_id = event.id if event.id is not None else last_id
                            yield call.endpoint.parse(event.data)
                    continue
                await response.aread()
                delay = core.retry_delay(call, failures, response=response)
                if delay is None:
                    raise core.error(call, response, retries=failures)
        except httpx.TransportError as exc:
            delay = core.retry_delay(call, failures, exc=exc)
            if delay is None:
                raise core.connection_error(exc, retries=failures) from exc
        await sleep(delay)
        failures += 1
