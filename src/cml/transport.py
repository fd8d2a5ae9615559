"""The two send loops: the only code that differs between the sync and the async client.

Each loop sends a prepared :class:`~cml._core.Call` and asks the core what to do with the
outcome: return the parsed result, wait and retry (the same headers, so the same
``Idempotency-Key``), or raise the mapped exception.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import httpx

from cml._core import Call, ClientCore

__all__ = ["send_async", "send_sync"]

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
