"""The call every memory change is made through: ``(ctx, tenant_id, request, *, key, actor)``.

``write``, ``turn``, ``update`` and ``forget`` share one signature and one first step: a
request retried under a known idempotency key gets its first response back and changes
nothing. A :class:`MutationStage` holds both; the stage behind it receives a
:class:`Mutation` (whose request, by whom, under which key) and does the work::

    def _forget(ctx: EngineContext, mutation: Mutation[ForgetRequest, ForgetResponse]) -> ...:
        with mutation.unit_of_work(ctx) as unit:
            ...
            return unit.commit(response, plan.apply)

    forget = MutationStage("forget", ForgetResponse, _forget)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from cml.engine.context import EngineContext
from cml.engine.unit import UnitOfWork
from cml.engine.write.idempotency import IdempotentCall

__all__ = ["Mutation", "MutationStage"]

RequestT = TypeVar("RequestT", bound=BaseModel)
ResponseT = TypeVar("ResponseT", bound=BaseModel)


@dataclass(frozen=True)
class Mutation(Generic[RequestT, ResponseT]):
    """One memory change as its stage receives it (a retry of a known key never gets here).

    Attributes:
        tenant_id: Owner of the memories changed.
        request: What to change.
        actor: Id of the API key making the request, for the event log (``None``: not known).
        call: The request's idempotency key and fingerprint.
    """

    tenant_id: str
    request: RequestT
    actor: str | None
    call: IdempotentCall[ResponseT]

    def unit_of_work(self, ctx: EngineContext) -> UnitOfWork[ResponseT]:
        """The change's unit of work on the engine's store, under its write lock."""
        return UnitOfWork(ctx.store, ctx.lock, self.call)


class MutationStage(Generic[RequestT, ResponseT]):
    """A memory change offered as a function: replay a known key, else run the stage.

    Args:
        operation: The operation's name in request fingerprints (a key reused for another
            operation is a conflict).
        response_type: What the stage answers (a replayed response is rebuilt as one).
        stage: Does the change; its docstring documents the operation.
    """

    def __init__(
        self,
        operation: str,
        response_type: type[ResponseT],
        stage: Callable[[EngineContext, Mutation[RequestT, ResponseT]], ResponseT],
    ) -> None:
        self._operation = operation
        self._response_type = response_type
        self._stage = stage
        self.__doc__ = stage.__doc__

    def __call__(
        self,
        ctx: EngineContext,
        tenant_id: str,
        request: RequestT,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
    ) -> ResponseT:
        """Run the change once per idempotency key.

        Args:
            ctx: The engine.
            tenant_id: Owner of the memories changed.
            request: What to change.
            idempotency_key: Makes a retry return the first response without changing again.
            actor: Id of the API key making the request, for the event log.

        Returns:
            The stage's response, or the first response given under ``idempotency_key``.

        Raises:
            IdempotencyConflictError: The idempotency key was used for a different request.
        """
        call = IdempotentCall.of(
            tenant_id, idempotency_key, self._operation, request, self._response_type
        )
        replayed = call.replay(ctx.store)
        if replayed is not None:
            return replayed
        return self._stage(ctx, Mutation(tenant_id, request, actor, call))
