"""The few primitives that really differ between the async and the sync clients.

Everything else of a client is written once, async, in :mod:`cml._async` (and
:mod:`cml.integrations._async`); ``scripts/unasync.py`` generates the sync twin, in which each
``*_async`` name used here becomes its ``*_sync`` partner:

==========================  ==========================================================
async                       sync
==========================  ==========================================================
:func:`sleep_async`         :func:`sleep_sync` (``time.sleep``)
:func:`gather_async`        :func:`gather_sync`: one call after another
:func:`run_blocking_async`  :func:`run_blocking_sync`: a plain call
==========================  ==========================================================
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import anyio
import anyio.to_thread

__all__ = [
    "gather_async",
    "gather_sync",
    "run_blocking_async",
    "run_blocking_sync",
    "sleep_async",
    "sleep_sync",
]

T = TypeVar("T")
A = TypeVar("A")


async def sleep_async(seconds: float) -> None:
    """Wait ``seconds`` without blocking the event loop."""
    await anyio.sleep(seconds)


def sleep_sync(seconds: float) -> None:
    """Wait ``seconds``."""
    time.sleep(seconds)


async def run_blocking_async(function: Callable[[], T]) -> T:
    """Run a blocking ``function`` in a worker thread, keeping the event loop free."""
    return await anyio.to_thread.run_sync(function)


def run_blocking_sync(function: Callable[[], T]) -> T:
    """Run ``function``."""
    return function()


async def gather_async(
    send: Callable[[A], Awaitable[T]], calls: Sequence[A], *, limit: int
) -> list[T]:
    """Run ``send`` on every call concurrently, at most ``limit`` at once; results in order.

    Raises:
        Exception: The first failure (the calls still in flight are cancelled).
    """
    if len(calls) <= 1:
        return [await send(call) for call in calls]
    results: dict[int, T] = {}
    limiter = anyio.CapacityLimiter(limit)

    async def run(index: int, call: A) -> None:
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


def gather_sync(send: Callable[[A], T], calls: Sequence[A], *, limit: int) -> list[T]:
    """Run ``send`` on every call, one after another; results in order (``limit`` is unused).

    Raises:
        Exception: The first failure (later calls are not sent).
    """
    return [send(call) for call in calls]
