"""The unit of work of every mutation: plan under a lock, then commit once, idempotently.

An operation is split in two. *Planning* reads the store and decides (is this a duplicate? which
memories does this forget select?) and builds the response. *Applying* performs the writes inside
one store transaction, together with the idempotency record when the caller sent a key. Planning
happens before the transaction opens, so a backend never serves reads from inside its own unit of
work; the lock keeps the plan valid until the commit::

    with UnitOfWork(ctx.store, ctx.lock, call) as unit:
        plan = plan_memory(..., now=unit.now)
        return unit.commit(response, plan.apply)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Generic, TypeVar

from pydantic import BaseModel

from cml.engine.write.idempotency import IdempotentCall, LostRace
from cml.errors import UnavailableError
from cml.storage.base import IdempotencyRecord, MemoryStore, StoreTransaction

__all__ = ["Apply", "UnitOfWork", "nothing"]

ResponseT = TypeVar("ResponseT", bound=BaseModel)

Apply = Callable[[StoreTransaction], None]
"""The writes planned by an operation, applied inside its transaction."""


def nothing(tx: StoreTransaction) -> None:
    """The writes of an operation that stores nothing (its idempotency record aside)."""


class UnitOfWork(Generic[ResponseT]):
    """One mutation: the lock held while it plans, then one transaction for its writes.

    Entering takes the engine's lock and fixes :attr:`now`, the operation's time; leaving
    releases the lock. Plan inside the block, then :meth:`commit`.

    Args:
        store: The store to write to.
        lock: Serialises the mutations of one engine.
        call: The operation's idempotency key and fingerprint.

    Attributes:
        now: The operation's time, fixed when the lock is taken.
    """

    now: datetime

    def __init__(
        self, store: MemoryStore, lock: threading.RLock, call: IdempotentCall[ResponseT]
    ) -> None:
        self._store = store
        self._lock = lock
        self._call = call

    def __enter__(self) -> UnitOfWork[ResponseT]:
        self._lock.acquire()
        self.now = datetime.now(UTC)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()

    def commit(self, response: ResponseT, apply: Apply) -> ResponseT:
        """Apply the writes and the idempotency record in one transaction.

        Args:
            response: What the operation answers.
            apply: Its writes.

        Returns:
            ``response``, or the response of the request that took the key first.

        Raises:
            UnavailableError: The key was taken meanwhile and its response cannot be read back.
        """
        call = self._call
        try:
            with self._store.transaction() as tx:
                apply(tx)
                if call.key is not None and call.fingerprint is not None:
                    record = IdempotencyRecord(
                        tenant_id=call.tenant_id,
                        key=call.key,
                        request_hash=call.fingerprint,
                        response=response.model_dump(mode="json"),
                        created_at=self.now,
                    )
                    if not tx.put_idempotency(record):
                        raise LostRace
        except LostRace:
            replayed = call.replay(self._store)
            if replayed is None:
                raise UnavailableError(
                    "The idempotency record could not be stored or read back; retry the request."
                ) from None
            return replayed
        return response
