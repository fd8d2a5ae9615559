"""The operations that store new memories: ``write``, ``turn`` and ``batch_write``.

Each runs the same line: replay a known idempotency key (for ``write`` and ``turn``, their
:class:`~cml.engine.mutation.MutationStage`), pass the gate (:mod:`.gate`), embed outside the
lock, then plan (:mod:`.plan`, :mod:`.batch`) and commit in one unit of work
(:class:`~cml.engine.unit.UnitOfWork`).
"""

from __future__ import annotations

import time

from cml.engine.context import EngineContext
from cml.engine.deadline import Deadline
from cml.engine.mutation import Mutation, MutationStage
from cml.engine.pii import redact_fields
from cml.engine.read.pipeline import read
from cml.engine.read.relevance import context_floor
from cml.engine.unit import Apply, UnitOfWork, nothing
from cml.engine.write.batch import gate_batch, plan_batch
from cml.engine.write.gate import Draft, admit
from cml.engine.write.idempotency import IdempotentCall
from cml.engine.write.plan import plan_memory, write_response
from cml.models import (
    MAX_QUERY_CHARS,
    BatchWriteRequest,
    BatchWriteResponse,
    MemoryType,
    ReadFormat,
    ReadRequest,
    TurnRequest,
    TurnResponse,
    WriteRequest,
    WriteResponse,
)

__all__ = ["turn", "write", "write_batch"]

_TURN_CONTEXT_RESULTS = 10


def _write(ctx: EngineContext, mutation: Mutation[WriteRequest, WriteResponse]) -> WriteResponse:
    """Store one memory, or reinforce the near-duplicate it repeats.

    The request holds the content and attributes of the memory; see
    :class:`~cml.engine.mutation.MutationStage` for the arguments.

    Returns:
        The new (or reinforced) memory's id and what the write gate did.

    Raises:
        SecretRefusedError: The content, metadata or a label looks like a credential.
        IdempotencyConflictError: The idempotency key was used for a different request.
    """
    draft = Draft.of(mutation.tenant_id, mutation.request)
    gate = admit(draft, ctx.config)
    draft = redact_fields(draft, enabled=ctx.config.redact_pii)
    vector = ctx.embed(gate.content)
    with mutation.unit_of_work(ctx) as unit:
        plan = plan_memory(
            ctx, draft, gate, vector, now=unit.now, actor=mutation.actor, operation="write"
        )
        response = write_response(
            plan.record, deduplicated=plan.deduplicated, gate=gate, superseded=plan.superseded
        )
        return unit.commit(response, plan.apply)


write = MutationStage("write", WriteResponse, _write)


def _turn(ctx: EngineContext, mutation: Mutation[TurnRequest, TurnResponse]) -> TurnResponse:
    """Give the context for a user message, then remember the exchange.

    The context is retrieved before the exchange is stored, so a message is never its own
    context. The exchange is stored once, as one ``conversation`` memory; if it holds a
    secret, the context is still returned but nothing is stored. The request holds the user
    message, the optional assistant response, the session and the context's token budget; see
    :class:`~cml.engine.mutation.MutationStage` for the arguments.

    Returns:
        The context block and what was retrieved and stored.

    Raises:
        SecretRefusedError: The namespace, session or agent id looks like a credential.
        IdempotencyConflictError: The idempotency key was used for a different request.
    """
    tenant_id, request = mutation.tenant_id, mutation.request
    context = read(
        ctx,
        tenant_id,
        ReadRequest(
            query=request.user_message[:MAX_QUERY_CHARS],
            max_results=_TURN_CONTEXT_RESULTS,
            namespace=request.namespace,
            format=ReadFormat.LLM_CONTEXT,
            max_tokens=request.max_context_tokens,
            min_relevance=context_floor(ctx.config),
        ),
    )
    exchange = f"User: {request.user_message}"
    if request.assistant_response:
        exchange += f"\nAssistant: {request.assistant_response}"
    draft = Draft(
        tenant_id=tenant_id,
        content=exchange,
        memory_type=MemoryType.CONVERSATION,
        namespace=request.namespace,
        session_id=request.session_id,
        agent_id=request.agent_id,
        timestamp=request.timestamp,
    )
    # A secret in a label refuses the turn; one in the exchange only keeps it out of memory.
    gate = admit(draft, ctx.config, skip_secret_content=True)
    draft = redact_fields(draft, enabled=ctx.config.redact_pii)
    vector = ctx.embed(gate.content) if gate is not None else None
    with mutation.unit_of_work(ctx) as unit:
        stored: list[str] = []
        apply: Apply = nothing
        if gate is not None and vector is not None:
            plan = plan_memory(
                ctx, draft, gate, vector, now=unit.now, actor=mutation.actor, operation="turn"
            )
            apply = plan.apply
            if not plan.deduplicated:
                stored.append(plan.record.id)
        response = TurnResponse(
            memory_context=context.context,
            memories_retrieved=len(context.memories),
            memories_stored=len(stored),
            stored_ids=stored,
        )
        return unit.commit(response, apply)


turn = MutationStage("turn", TurnResponse, _turn)


def write_batch(
    ctx: EngineContext,
    tenant_id: str,
    request: BatchWriteRequest,
    *,
    idempotency_key: str | None = None,
    actor: str | None = None,
    deadline: Deadline | None = None,
) -> BatchWriteResponse:
    """Store many memories at once: all of them or, if any item is refused, none.

    Every item is gated first, then all contents are embedded in one embedder call, then
    each is placed (new, or reinforcing a stored or earlier-in-batch near-duplicate) and
    everything commits in one transaction with one ``memory.batch_write`` event.

    Args:
        ctx: The engine.
        tenant_id: Owner of the memories.
        request: The items and their shared session and namespace.
        idempotency_key: Makes a retry return the first response without storing again.
        actor: Id of the API key making the request, for the event log.
        deadline: Checked once the items are gated and once they are embedded, before the
            write lock is taken; ``None``: no deadline.

    Returns:
        One result per item, in input order.

    Raises:
        SecretRefusedError: An item holds a secret (``field`` ``items.<index>.content``);
            nothing is stored.
        IdempotencyConflictError: The idempotency key was used for a different request.
        DeadlineExceededError: The deadline passed before the batch could be stored; nothing
            is stored.
    """
    started = time.perf_counter()
    call = IdempotentCall.of(tenant_id, idempotency_key, "batch_write", request, BatchWriteResponse)
    replayed = call.replay(ctx.store)
    if replayed is not None:
        return replayed
    items = gate_batch(tenant_id, request, ctx.config)
    total = len(items)
    if deadline is not None:
        deadline.check(0, total, "items", "nothing was stored")
    vectors = ctx.embedder.embed([item.gate.content for item in items])
    if deadline is not None:
        deadline.check(0, total, "items", "nothing was stored")
    with UnitOfWork(ctx.store, ctx.lock, call) as unit:
        plan = plan_batch(ctx, items, vectors, tenant_id=tenant_id, now=unit.now, actor=actor)
        response = unit.commit(BatchWriteResponse(results=plan.results), plan.apply)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    return response.model_copy(update={"elapsed_ms": elapsed_ms})
