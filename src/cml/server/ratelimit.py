"""Rate limiting per API key: one token bucket per key id, in the memory of this process.

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second. Requests are
charged by the work they ask for (see :mod:`cml.server.work`): every authenticated request takes
one token when it arrives, and the memory routes then take what their text adds (a 4,000-character
query, or a batch of 100 of them, costs far more than a short one). A request is let through when
the bucket holds its cost (or is full, for a request costing more than ``burst``); the bucket may
then go below zero, and the key waits until the debt is repaid. A request that cannot go ahead is
refused with ``429 rate_limited`` and a ``Retry-After`` header: the whole seconds until its cost
is back (at least 1, as HTTP counts it in whole seconds). ``GET /whoami`` costs nothing: it does
no more than the authentication every request (even one with a wrong key) goes through, and the
MCP endpoint calls it before each request's tool call, which alone is charged.

The buckets live in one server process. With N replicas behind a load balancer each replica
enforces its own buckets, so a key may get up to N times the configured rate in total; set the
per-process figure accordingly (or enforce a global limit at the load balancer).

Example:
    ``limiter = RateLimiter(rate=50, burst=100); wait = limiter.acquire("key-id")``
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cml.models.routes import API_PREFIX, WHOAMI
from cml.server.errors import HTTPProblem

__all__ = ["RateLimiter", "arrival_cost", "enforce", "retry_after_seconds"]

_FREE_PATHS = frozenset({API_PREFIX + WHOAMI.path})

# Buckets that have refilled completely carry no information (a new bucket starts full), so
# they are dropped now and then; this keeps memory proportional to the keys active lately.
_PRUNE_EVERY = 1024


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by API key id.

    Args:
        rate: Tokens added per second (the sustained requests per second allowed); > 0.
        burst: Most tokens a bucket holds (the requests allowed at once after a pause); >= 1.
        clock: Monotonic seconds; ``time.monotonic`` unless a test supplies its own.

    Raises:
        ValueError: ``rate`` is not positive or ``burst`` is below 1.
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def acquire(self, key: str, cost: float = 1.0, *, paid: float = 0.0) -> float | None:
        """Take ``cost`` tokens from ``key``'s bucket.

        Args:
            key: The bucket's key (an API key id).
            cost: The request's work in tokens (> 0); a request whose whole cost is above
                ``burst`` needs a full bucket and leaves it in debt.
            paid: Tokens the same request took already (its arrival unit), counted towards
                the full bucket it needs.

        Returns:
            ``None`` when the request may go ahead; otherwise the seconds until it could (nothing
            is taken then).
        """
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
                bucket.updated = now
            self._calls += 1
            if self._calls % _PRUNE_EVERY == 0:
                self._prune(now)
            needed = max(0.0, min(cost, float(self.burst) - paid))
            if bucket.tokens >= needed:
                bucket.tokens -= cost
                return None
            return (needed - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate
        stale = [k for k, b in self._buckets.items() if now - b.updated >= full_after]
        for key in stale:
            del self._buckets[key]

    def __len__(self) -> int:
        """How many buckets are held (keys seen lately)."""
        return len(self._buckets)


def retry_after_seconds(wait: float) -> int:
    """A wait in seconds as a ``Retry-After`` value: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait))


def arrival_cost(path: str) -> float:
    """What a request to ``path`` costs when it arrives: 1, and nothing for ``GET /whoami``."""
    return 0.0 if path in _FREE_PATHS else 1.0


def enforce(
    limiter: RateLimiter | None, key_id: str | None, cost: float = 1.0, *, paid: float = 0.0
) -> None:
    """Charge ``cost`` tokens to ``key_id``; raise ``429 rate_limited`` when it cannot pay.

    Args:
        limiter: The app's limiter; ``None`` when rate limiting is off.
        key_id: The authenticated key; ``None`` (auth off) is never limited.
        cost: The request's work in tokens; 0 charges nothing.
        paid: Tokens the request took already (see :meth:`RateLimiter.acquire`).

    Raises:
        HTTPProblem: 429 with a ``Retry-After`` header.
    """
    if limiter is None or key_id is None or cost <= 0:
        return
    wait = limiter.acquire(key_id, cost, paid=paid)
    if wait is None:
        return
    seconds = retry_after_seconds(wait)
    total = cost + paid
    costly = f" This request costs {total:.0f} units of work." if total > limiter.burst / 10 else ""
    raise HTTPProblem(
        429,
        "rate_limited",
        f"Too many requests for this API key: the limit is {limiter.rate:g} units of work per "
        f"second with bursts of {limiter.burst} (a request costs 1, plus 1 per "
        f"CML_RATE_LIMIT_UNIT_CHARS characters of its queries or contents).{costly} Retry after "
        f"{seconds} s.",
        hint=(
            "Wait for the Retry-After header's seconds before retrying (the py-cml SDK does so "
            "by itself), send less text per second, or ask the operator to raise "
            "CML_RATE_LIMIT_PER_SECOND and CML_RATE_LIMIT_BURST."
        ),
        headers={"Retry-After": str(seconds)},
    )
