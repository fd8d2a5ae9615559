"""The unit of work of every mutation: plan under a lock, then commit once, idempotently.

An operation is split in two. *Planning* reads the store and decides (is this a duplicate? which
memories does this forget select?) and builds the response. *Applying* performs the writes inside
one store transaction, together with the idempotency record when the caller sent a key. Planning
happens before the transaction opens, so a backend never serves reads from inside its own unit of
work; the lock keeps the plan valid until the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel

from cml.engine.write.idempotency import LostRace, replay
from cml.errors import UnavailableError
from cml.storage.base import IdempotencyRecord, MemoryStore, StoreTransaction

__all__ = ["Apply", "Plan", "commit", "nothing"]

ResponseT = TypeVar("ResponseT", bound=BaseModel)

Apply = Callable[[StoreTransaction], None]
"""The writes planned by an operation, applied inside its transaction."""

Plan = Callable[[datetime], tuple[ResponseT, Apply]]
"""Given the time of the operation: its response and the writes that make it true."""


def nothing(tx: StoreTransaction) -> None:
    """The writes of an operation that stores nothing (its idempotency record aside)."""


def commit(
    store: MemoryStore,
    lock: threading.RLock,
    plan: Plan[ResponseT],
    *,
    tenant_id: str,
    key: str | None,
    fingerprint: str | None,
    response_type: type[ResponseT],
) -> ResponseT:
    """Plan under ``lock``, then apply the plan and the idempotency record in one transaction.

    Args:
        store: The store to write to.
        lock: Serialises the mutations of one engine.
        plan: Builds the response and the writes.
        tenant_id: Owner of the idempotency key.
        key: The caller's idempotency key, if any.
        fingerprint: The request's fingerprint (required with ``key``).
        response_type: To rebuild a stored response when another request won the key.

    Returns:
        This request's response, or the response of the request that took the key first.
    """
    with lock:
        now = datetime.now(UTC)
        response, apply = plan(now)
        try:
            with store.transaction() as tx:
                apply(tx)
                if key is not None and fingerprint is not None:
                    record = IdempotencyRecord(
                        tenant_id=tenant_id,
                        key=key,
                        request_hash=fingerprint,
                        response=response.model_dump(mode="json"),
                        created_at=now,
                    )
                    if not tx.put_idempotency(record):
                        raise LostRace
        except LostRace:
            replayed = None
            if key is not None and fingerprint is not None:
                replayed = replay(store, tenant_id, key, fingerprint, response_type)
            if replayed is None:
                raise UnavailableError(
                    "The idempotency record could not be stored or read back; retry the request."
                ) from None
            return replayed
    return response
