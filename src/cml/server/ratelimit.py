"""Rate limiting per API key: one token bucket per key id, in the memory of this process.

A bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second; every
authenticated request takes one. A request that finds the bucket empty is refused with
``429 rate_limited`` and a ``Retry-After`` header: the whole seconds until a token is back
(at least 1, as HTTP counts it in whole seconds).

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

from cml.server.errors import HTTPProblem

__all__ = ["RateLimiter", "enforce", "retry_after_seconds"]

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

    def acquire(self, key: str) -> float | None:
        """Take one token from ``key``'s bucket.

        Args:
            key: The bucket's key (an API key id).

        Returns:
            ``None`` when the request may go ahead; otherwise the seconds until a token is
            available (nothing is taken then).
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
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate

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


def enforce(limiter: RateLimiter | None, key_id: str | None) -> None:
    """Count one request of ``key_id``; raise ``429 rate_limited`` when its bucket is empty.

    Args:
        limiter: The app's limiter; ``None`` when rate limiting is off.
        key_id: The authenticated key; ``None`` (auth off) is never limited.

    Raises:
        HTTPProblem: 429 with a ``Retry-After`` header.
    """
    if limiter is None or key_id is None:
        return
    wait = limiter.acquire(key_id)
    if wait is None:
        return
    seconds = retry_after_seconds(wait)
    raise HTTPProblem(
        429,
        "rate_limited",
        f"Too many requests for this API key: the limit is {limiter.rate:g} per second with "
        f"bursts of {limiter.burst}. Retry after {seconds} s.",
        hint=(
            "Wait for the Retry-After header's seconds before retrying (the py-cml SDK does so "
            "by itself), or ask the operator to raise CML_RATE_LIMIT_PER_SECOND and "
            "CML_RATE_LIMIT_BURST."
        ),
        headers={"Retry-After": str(seconds)},
    )
