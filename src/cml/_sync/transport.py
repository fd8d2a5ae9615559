# Generated from src/cml/_async/transport.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""The send loop and the event-stream loop of the clients: the only code that does I/O.

Each loop sends a prepared :class:`~cml._core.Call` and asks the core what to do with the
outcome: return the parsed result, wait and retry (the same headers, so the same
``Idempotency-Key``), or raise the mapped exception. Every answer also tells the core which
tenant the server acted on.
"""

from __future__ import annotations

from collections.abc import Iterator, Callable
from typing import Any, TypeVar

import httpx

from cml._concurrency import sleep_sync
from cml._core import Call, ClientCore
from cml._sse import SSEDecoder

__all__ = ["send", "stream"]

T = TypeVar("T")


def send(
    http: httpx.Client,
    core: ClientCore,
    call: Call[T],
    *,
    sleep: Callable[[float], None] = sleep_sync,
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
                call.route.method,
                call.url,
                params=call.params or None,  # an empty mapping would parse the URL again
                headers=call.headers,
                content=call.content,
                timeout=core.config.timeout,
            )
        except httpx.TransportError as exc:
            delay = core.retry_delay(call, retries, exc=exc)
            if delay is None:
                raise core.connection_error(exc, retries=retries) from exc
        else:
            core.observe(call, response)
            if response.is_success:
                return core.parse(call, response)
            delay = core.retry_delay(call, retries, response=response)
            if delay is None:
                raise core.error(call, response, retries=retries)
        sleep(delay)
        retries += 1


def _stream_headers(call: Call[Any], last_id: str | None) -> dict[str, str]:
    headers = {**call.headers, "Accept": "text/event-stream"}
    if last_id is not None:
        headers["Last-Event-ID"] = last_id
    return headers


def stream(
    http: httpx.Client,
    core: ClientCore,
    call: Call[T],
    *,
    sleep: Callable[[float], None] = sleep_sync,
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
        Each event's data, parsed as the route's response type.

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
                params=call.params or None,  # an empty mapping would parse the URL again
                headers=_stream_headers(call, last_id),
                timeout=core.config.timeout,
            ) as response:
                core.observe(call, response)
                if response.is_success:
                    failures = 0
                    decoder = SSEDecoder()
                    for line in response.iter_lines():
                        event = decoder.feed(line)
                        if event is not None:
                            last_id = event.id if event.id is not None else last_id
                            yield core.parse_event(call, event.data)
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
