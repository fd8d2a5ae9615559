"""A read from query to response, in one straight line.

Embed the query (once: every retrieval of the read shares the vector, a batch read embeds all its
queries in one call, and a query read recently comes from the engine's cache), retrieve and place
consolidated facts beside the ranked list (:mod:`.placement`), calibrate relevance and apply
``min_relevance`` (:mod:`.relevance`), count the access, and shape the response (:mod:`.shape`),
whose context block leaves out what is below the context floor.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from cml.engine.context import EngineContext
from cml.engine.deadline import Deadline
from cml.engine.pii import redact_fields
from cml.engine.read.placement import place_facts
from cml.engine.read.relevance import above, calibrate, calibration_for, context_floor
from cml.engine.read.retrieval import Search
from cml.engine.read.shape import shape_response
from cml.engine.read.timeline import as_seen
from cml.models import BatchReadRequest, BatchReadResponse, ReadRequest, ReadResponse
from cml.storage.base import Vector

__all__ = ["read", "read_batch"]


def read(
    ctx: EngineContext, tenant_id: str, request: ReadRequest, *, query_vector: Vector | None = None
) -> ReadResponse:
    """Recall the memories most relevant to a query, shaped as the request asks.

    Args:
        ctx: The engine.
        tenant_id: Whose memories to search.
        request: Query, filters, format and token budget.
        query_vector: The query's embedding when the caller already has it (a batch read);
            embedded here otherwise.

    Returns:
        The ranked memories with relevance in [0, 1] (plus buckets and/or a context block).
    """
    started = time.perf_counter()
    request = redact_fields(request, enabled=ctx.config.redact_pii)  # a session_id filter
    now = datetime.now(UTC)
    vector = query_vector if query_vector is not None else ctx.embed_queries([request.query])[0]
    # Recency is measured from the time the read looks at.
    at = request.as_of if request.as_of is not None else now
    scored, facts = place_facts(Search(ctx.store, tenant_id, request, vector, at, ctx.weights))
    scored, facts = as_seen(scored, request.as_of), as_seen(facts, request.as_of)
    calibration = calibration_for(ctx.config)
    scored = above(calibrate(scored, vector, calibration), request.min_relevance)
    facts = above(calibrate(facts, vector, calibration), request.min_relevance)
    if scored or facts:
        ctx.store.record_access(tenant_id, [s.record.id for s in [*scored, *facts]], now)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return shape_response(
        request.query,
        scored,
        request.format,
        request.max_tokens,
        elapsed_ms,
        companions=facts,
        context_floor=context_floor(ctx.config),
    )


def read_batch(
    ctx: EngineContext,
    tenant_id: str,
    request: BatchReadRequest,
    *,
    deadline: Deadline | None = None,
) -> BatchReadResponse:
    """Run several reads, embedding all their queries in one embedder call.

    Args:
        ctx: The engine.
        tenant_id: Whose memories to search.
        request: The reads.
        deadline: Checked before each query; ``None``: no deadline.

    Returns:
        One response per query, in query order.

    Raises:
        DeadlineExceededError: The deadline passed before every query was answered.
    """
    started = time.perf_counter()
    vectors = ctx.embed_queries([query.query for query in request.queries])
    results: list[ReadResponse] = []
    total = len(request.queries)
    for query, vector in zip(request.queries, vectors, strict=True):
        if deadline is not None:
            deadline.check(len(results), total, "queries", "none is answered")
        results.append(read(ctx, tenant_id, query, query_vector=vector))
    elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
    return BatchReadResponse(results=results, elapsed_ms=elapsed_ms)
