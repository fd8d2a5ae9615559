"""Where a route runs a blocking engine call: the worker pool, or the thread that is waiting.

Over a socket, a blocking call must leave the event loop free for the other connections, so it
runs in the worker pool. The embedded sync client runs the app on its caller's own thread,
which is blocked until the answer anyway; there a hand-off to the pool and back only costs two
thread wake-ups and a second trip for the response's validation (decision 87). Its transport
says so with the ASGI scope extension :data:`CALLER_THREAD`, which only the code that builds
the scope can set (no header can), and routes that call the engine through :func:`run_engine`
then call it right there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute

__all__ = ["CALLER_THREAD", "caller_thread_routes", "run_engine"]

CALLER_THREAD = "cml.caller_thread"
"""ASGI scope extension: the app runs on the thread of a caller that waits for the answer."""

P = ParamSpec("P")
T = TypeVar("T")


async def run_engine(
    request: Request, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """``function(*args, **kwargs)``, on this thread when the caller waits on it, else in the pool.

    Args:
        request: The request being served (its scope says which thread runs it).
        function: The blocking call (an engine operation).
        *args: Its positional arguments.
        **kwargs: Its keyword arguments.

    Returns:
        What ``function`` returns; what it raises propagates as it is.
    """
    if CALLER_THREAD in (request.scope.get("extensions") or {}):
        return function(*args, **kwargs)
    return await run_in_threadpool(function, *args, **kwargs)


def caller_thread_routes(prefix: str, routers: Iterable[APIRouter]) -> frozenset[tuple[str, str]]:
    """The method and path of each route an in-process caller may run on its own thread.

    Those of coroutine handlers with a fixed path whose answer is not a stream: they never wait
    on the worker pool (or only through :func:`run_engine`). A plain ``def`` handler runs in the
    pool, whose threads are better kept by a long-lived event loop; a streamed answer (the event
    stream) goes on after its head and polls the pool; a path with parameters is left out for
    simplicity.

    Args:
        prefix: The prefix the routers are mounted under.
        routers: The routers of the app.
    """
    return frozenset(
        (method, prefix + route.path)
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
        and inspect.iscoroutinefunction(route.endpoint)
        and not _streams(route)
        and "{" not in route.path
        for method in route.methods or ()
    )


def _streams(route: APIRoute) -> bool:
    """Whether the route answers with a stream (a route left at the default answers JSON)."""
    answer = route.response_class
    return isinstance(answer, type) and issubclass(answer, StreamingResponse)
