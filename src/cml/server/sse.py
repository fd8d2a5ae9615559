"""Following a tenant's event log as server-sent events.

Each event is sent as ``id: <event log id>``, ``event: <event type>`` and ``data: <JSON>``, so a
client that lost its connection reconnects with ``Last-Event-ID`` and misses nothing. Without
``Last-Event-ID`` the stream starts at the tenant's newest event (only new events are sent),
or, with ``since``, at the first event from that time on. A comment line is sent as a heartbeat
when nothing happened for a while (it keeps proxies from closing the connection), and the
server ends a stream that stayed idle for ``max_idle`` seconds; clients simply reconnect.

The log is polled (a cheap indexed query on ``id > cursor``): it works the same whichever
replica wrote the event and needs no notification channel in the database.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import anyio
from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from cml.engine import Engine
from cml.engine.admin import EventFilter
from cml.models import EventItem
from cml.server.errors import HTTPProblem

__all__ = [
    "LAST_EVENT_ID_PATTERN",
    "POLL_SECONDS",
    "REVALIDATE_SECONDS",
    "EventStream",
    "format_event",
]

POLL_SECONDS = 0.2
"""How often the log is polled while a stream is idle."""
REVALIDATE_SECONDS = 1.0
"""How often a stream checks that its key has not been revoked."""

_BATCH = 100
_MAX_EVENT_ID = 2**63 - 1
LAST_EVENT_ID_PATTERN = r"^[0-9]{1,18}$"
"""``Last-Event-ID`` as the route takes it: the id of an event, digits only (ids are 64-bit;
18 digits is more than any store reaches and stays clear of the 64-bit limit)."""


def format_event(event: EventItem) -> str:
    """One event as an SSE message."""
    return f"id: {event.id}\nevent: {event.event_type}\ndata: {event.model_dump_json()}\n\n"


class EventStream:
    """The SSE messages of one follower of a tenant's log.

    Args:
        engine: The engine whose log is followed.
        tenant_id: Whose events.
        event_type: Only events of this type.
        since: Start at the first event from this time on (ignored with ``last_event_id``).
        last_event_id: Resume after this event id (the ``Last-Event-ID`` header).
        heartbeat: Seconds of silence before a heartbeat comment.
        max_idle: Seconds without events after which the stream ends.
        authorized: Whether the caller's key still works; checked before any event is sent
            and every :data:`REVALIDATE_SECONDS` while idle; the stream ends once it fails (the
            key was revoked), so no event reaches a revoked key.

    Raises:
        HTTPProblem: ``last_event_id`` is not an event id (422).
    """

    def __init__(
        self,
        engine: Engine,
        tenant_id: str,
        *,
        event_type: str | None,
        since: datetime | None,
        last_event_id: str | None,
        heartbeat: float,
        max_idle: float,
        authorized: Callable[[], bool] = lambda: True,
    ) -> None:
        self._engine = engine
        self._authorized = authorized
        self._tenant = tenant_id
        self._which = EventFilter(event_type, since)
        self._heartbeat = heartbeat
        self._max_idle = max_idle
        self._cursor: int | None = None
        if last_event_id is not None and last_event_id.strip():
            try:
                cursor = int(last_event_id.strip())
                # Event ids are 64-bit in every store; a larger number is no id at all.
                if cursor > _MAX_EVENT_ID:
                    raise ValueError(last_event_id)
                self._cursor = max(0, cursor)
            except ValueError:
                raise HTTPProblem(
                    422,
                    "validation_error",
                    "Last-Event-ID must be the id of an event (an integer).",
                    field="Last-Event-ID",
                ) from None

    async def lines(self, request: Request) -> AsyncIterator[str]:
        """The stream's messages until the client leaves or the stream idles out."""
        admin = self._engine.admin
        if self._cursor is None:
            self._cursor = (
                0
                if self._which.since is not None
                else await run_in_threadpool(admin.latest_event_id, self._tenant)
            )
        # Tells EventSource clients how soon to reconnect after the stream ends.
        yield "retry: 1000\n\n"
        last_event = last_sent = checked = time.monotonic()
        while not await request.is_disconnected():
            events = await run_in_threadpool(
                admin.events_after,
                self._tenant,
                self._cursor,
                self._which,
                limit=_BATCH,
            )
            now = time.monotonic()
            # Before any event leaves, and now and then while idle: is the key still valid?
            if events or now - checked >= REVALIDATE_SECONDS:
                if not await run_in_threadpool(self._authorized):
                    return  # the key was revoked; reconnecting will get the 401
                checked = now
            if events:
                for event in events:
                    self._cursor = event.id
                    yield format_event(event)
                last_event = last_sent = now
                continue
            if now - last_event >= self._max_idle:
                return
            if now - last_sent >= self._heartbeat:
                yield ": heartbeat\n\n"
                last_sent = now
            await anyio.sleep(POLL_SECONDS)
