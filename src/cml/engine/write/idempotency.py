"""Idempotency keys: a retried request gets the first response and changes nothing.

A key is bound to a fingerprint of the request (operation + canonical JSON of the body). Reusing a
key with the same request replays the stored response; reusing it with another request is a
conflict, because silently answering a different question would hide a client bug.

Two identical requests racing with one key both pass the first lookup; the store's
``put_idempotency`` is the arbiter: the loser rolls back its transaction (:class:`LostRace`) and
replays the winner's response.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from cml.errors import IdempotencyConflictError
from cml.storage.base import MemoryStore

__all__ = ["IdempotentCall", "LostRace", "replay", "request_fingerprint"]

ResponseT = TypeVar("ResponseT", bound=BaseModel)


class LostRace(Exception):  # noqa: N818 - a control-flow signal, not an error for users
    """Raised inside a transaction to roll it back when another request took the key first."""


@dataclass(frozen=True)
class IdempotentCall(Generic[ResponseT]):
    """One mutation as its idempotency key sees it.

    Attributes:
        tenant_id: Owner of the key.
        key: The caller's idempotency key (``None``: the call is not keyed).
        fingerprint: The request's :func:`request_fingerprint` (``None`` without a key).
        response_type: To rebuild a stored response.
    """

    tenant_id: str
    key: str | None
    fingerprint: str | None
    response_type: type[ResponseT]

    @classmethod
    def of(
        cls,
        tenant_id: str,
        key: str | None,
        operation: str,
        request: BaseModel,
        response_type: type[ResponseT],
    ) -> IdempotentCall[ResponseT]:
        """The call of ``operation`` with ``request`` under ``key`` (fingerprinted when keyed)."""
        fingerprint = request_fingerprint(operation, request) if key is not None else None
        return cls(tenant_id, key, fingerprint, response_type)

    def replay(self, store: MemoryStore) -> ResponseT | None:
        """The response stored for this key, or ``None`` when the key is new (or absent).

        Raises:
            IdempotencyConflictError: The key was used before with a different request.
        """
        if self.key is None or self.fingerprint is None:
            return None
        return replay(store, self.tenant_id, self.key, self.fingerprint, self.response_type)


def request_fingerprint(operation: str, request: BaseModel) -> str:
    """SHA-256 of the canonical JSON of ``(operation, request)``.

    Canonical means sorted keys and no whitespace, so that field order in the client's JSON does
    not matter, while any change of value does.
    """
    body = {"operation": operation, "request": request.model_dump(mode="json")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def replay(
    store: MemoryStore,
    tenant_id: str,
    key: str,
    fingerprint: str,
    response_type: type[ResponseT],
) -> ResponseT | None:
    """The stored response for ``key``, or ``None`` if the key is new.

    Raises:
        IdempotencyConflictError: If the key was used before with a different request.
    """
    record = store.get_idempotency(tenant_id, key)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyConflictError(
            "This Idempotency-Key was already used for a different request.",
            field="Idempotency-Key",
            hint="Use a new key for each distinct request; reuse a key only to retry the same one.",
        )
    return response_type.model_validate(record.response)
