"""Component health: a real probe per component, timed, never raising.

Each probe does the smallest real piece of work of its component — a query on the database, a
search of the vector index, the embedding of one word, a request to the LLM — so "healthy"
means "just worked", not "is configured". A failing probe reports ``unhealthy`` with the error
(class and message, no stack trace) and the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from cml.embeddings.base import Embedder
from cml.llm import ChatLLM
from cml.storage.base import MemoryFilter, MemoryStore

__all__ = ["HEALTH_TENANT", "engine_components", "probe"]

HEALTH_TENANT = "__health__"
"""A tenant id no request can name (ids start with a letter or digit): the index probe's."""

_MAX_ERROR = 500


def probe(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one probe and time it.

    Returns:
        ``{"status": "healthy" | "unhealthy", "latency_ms": ..., "details": ..., "error": ...}``.
    """
    started = time.perf_counter()
    try:
        details = check()
    except Exception as exc:  # health reports failures, it never raises them
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        error = f"{type(exc).__name__}: {message}"
        cause = exc.__cause__
        if cause is not None and str(cause).strip():
            # Admins only see this: the driver's own words (host, socket, file) help them act.
            error += f" Cause: {type(cause).__name__}: {str(cause).strip().splitlines()[0]}"
        return {
            "status": "unhealthy",
            "latency_ms": _ms(started),
            "details": {},
            "error": error[:_MAX_ERROR],
        }
    return {"status": "healthy", "latency_ms": _ms(started), "details": details, "error": None}


def disabled(reason: str) -> dict[str, Any]:
    """The entry of a component that is not configured."""
    return {"status": "disabled", "latency_ms": None, "details": {"reason": reason}, "error": None}


def engine_components(
    store: MemoryStore, embedder: Embedder, llm: ChatLLM | None
) -> dict[str, dict[str, Any]]:
    """Probe the database, the vector index, the embedder and (when configured) the LLM."""

    def database() -> dict[str, Any]:
        store.ping()
        return store.describe()

    def vector_index() -> dict[str, Any]:
        query = np.zeros(embedder.dimensions, dtype=np.float32)
        query[0] = 1.0
        store.vector_search(MemoryFilter(tenant_id=HEALTH_TENANT), query, 1)
        kind = "in-memory, HNSW above 20k" if store.backend == "sqlite" else store.backend
        return {"backend": store.backend, "kind": kind, "dimensions": embedder.dimensions}

    def embedding() -> dict[str, Any]:
        vector = embedder.embed(["health"])
        return {
            "model": embedder.model_name,
            "dimensions": embedder.dimensions,
            "returned_dimensions": int(vector.shape[1]),
        }

    components = {
        "database": probe(database),
        "vector_index": probe(vector_index),
        "embedder": probe(embedding),
    }
    if llm is None:
        components["llm"] = disabled("no LLM configured (CML_LLM_BASE_URL, CML_LLM_MODEL)")
    else:
        components["llm"] = probe(llm.probe)
    return components


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
