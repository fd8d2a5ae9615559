"""A time by which a long request must be done, checked between the items of a batch.

The server gives every batch request one (``CML_REQUEST_DEADLINE_SECONDS``); the batch loops
check it between items, so no request holds a worker (or the write lock) for much longer than
the deadline. A batch that runs past it is refused whole: a batch read answers every query or
none, and a batch write stores every item or none (docs/decisions.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cml.errors import DeadlineExceededError

__all__ = ["Deadline"]


@dataclass(frozen=True)
class Deadline:
    """A monotonic time limit of ``seconds`` from when it was made.

    Attributes:
        seconds: The length of the deadline (for messages).
        at: ``time.monotonic()`` value at which it passes.
    """

    seconds: float
    at: float

    @classmethod
    def after(cls, seconds: float | None) -> Deadline | None:
        """A deadline ``seconds`` from now; ``None`` (no deadline) for ``None`` or 0."""
        if not seconds:
            return None
        return cls(seconds=seconds, at=time.monotonic() + seconds)

    def check(self, done: int, total: int, what: str, undone: str) -> None:
        """Raise if the deadline has passed, saying how far the batch got.

        Args:
            done: Items finished so far.
            total: Items in the batch.
            what: The items' name (``queries``, ``items``).
            undone: What happens to the finished part (``none is answered``, ...).

        Raises:
            DeadlineExceededError: Naming the deadline, the progress and a batch size that fits.
        """
        if time.monotonic() < self.at:
            return
        fits = max(1, (done or total) // 2)
        raise DeadlineExceededError(
            f"This batch needed more than the server's {self.seconds:g} s deadline for one "
            f"request: {done} of {total} {what} were done when it passed, and {undone}.",
            hint=f"Split it into smaller batches (about {fits} {what} each fit now), or ask the "
            "operator to raise CML_REQUEST_DEADLINE_SECONDS.",
        )
