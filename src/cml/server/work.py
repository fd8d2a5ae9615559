"""What a request costs, how many heavy ones a key may run at once, and their deadline.

Three guards keep one API key from pinning the server with a few large requests:

- **Work-based charging.** A memory route charges the rate limit by the text it must process: 1
  unit per full ``CML_RATE_LIMIT_UNIT_CHARS`` characters of its queries or contents, on top of
  the unit the authentication took for the request itself. A ``batch_read`` of 100 queries of
  4,000 characters costs 401 units, a ``batch_write`` of 500 notes of 200 characters 101, and
  a request with less than 1,000 characters of text 1, as before.
- **Concurrency cap.** A key may have at most ``CML_MAX_CONCURRENT_BATCHES_PER_KEY`` batch
  requests running at once; one more is refused at once with ``429 too_many_concurrent`` and
  ``Retry-After: 1`` (the SDK waits and retries).
- **Deadline.** A batch request gets ``CML_REQUEST_DEADLINE_SECONDS``; the engine checks it
  between items and refuses a batch that runs past it with ``413 deadline_exceeded``, nothing
  answered or stored, and a hint naming a batch size that fits.

Embedded clients (no API key) are neither charged nor capped, as they are not rate limited.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from fastapi import Request

from cml.engine.deadline import Deadline
from cml.server.errors import HTTPProblem
from cml.server.ratelimit import RateLimiter, enforce
from cml.server.settings import ServerSettings

__all__ = ["BatchSlots", "batch_slot", "charge", "deadline", "units"]


def units(texts: Iterable[str], unit_chars: int) -> int:
    """The work of a request processing ``texts``: 1, plus 1 per full ``unit_chars`` characters.

    Whole units: a request with less text than ``unit_chars`` costs 1, as any other request.
    """
    return 1 + sum(len(text) for text in texts) // unit_chars


def charge(request: Request, key_id: str | None, texts: Iterable[str]) -> None:
    """Charge the rate limit for ``texts`` beyond the unit taken when the request arrived.

    Args:
        request: The request (its app holds the limiter and the settings).
        key_id: The caller's key; ``None`` (no auth) is never charged.
        texts: The queries or contents the request asks the server to process.

    Raises:
        HTTPProblem: 429 ``rate_limited`` when the key's bucket cannot pay.
    """
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None or key_id is None:
        return
    settings: ServerSettings = request.app.state.settings
    enforce(limiter, key_id, units(texts, settings.rate_limit_unit_chars) - 1, paid=1.0)


class BatchSlots:
    """How many batch requests each key runs right now, capped at ``limit``.

    Args:
        limit: Most batch requests one key may run at once (>= 1).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str) -> bool:
        """Take a slot for ``key_id``; ``False`` (nothing taken) when it has none left."""
        with self._lock:
            running = self._running.get(key_id, 0)
            if running >= self.limit:
                return False
            self._running[key_id] = running + 1
            return True

    def give_back(self, key_id: str) -> None:
        """Return a slot taken by :meth:`take`."""
        with self._lock:
            left = self._running.pop(key_id) - 1
            if left:
                self._running[key_id] = left


@contextmanager
def batch_slot(request: Request, key_id: str | None) -> Iterator[None]:
    """Hold one of ``key_id``'s batch slots for the block; 429 when it has none free.

    Raises:
        HTTPProblem: 429 ``too_many_concurrent`` with ``Retry-After: 1``.
    """
    slots: BatchSlots | None = getattr(request.app.state, "batch_slots", None)
    if slots is None or key_id is None:
        yield
        return
    if not slots.take(key_id):
        raise HTTPProblem(
            429,
            "too_many_concurrent",
            f"This API key already has {slots.limit} batch requests running, the most it may "
            "run at once; nothing was done for this one.",
            hint="Send the next batch when one finishes (the py-cml SDK waits and retries by "
            "itself), or ask the operator to raise CML_MAX_CONCURRENT_BATCHES_PER_KEY.",
            headers={"Retry-After": "1"},
        )
    try:
        yield
    finally:
        slots.give_back(key_id)


def deadline(request: Request) -> Deadline | None:
    """The deadline of a batch request that starts now (``None`` when turned off)."""
    settings: ServerSettings = request.app.state.settings
    return Deadline.after(settings.request_deadline_seconds)
