"""Timed spans of the engine's costly steps, for whoever watches (metrics, traces).

The engine marks the steps an operator wants to see (an embedding call, each candidate search,
the fusion of their rankings, a store transaction, a background job) with :func:`span`. Nothing
is recorded until a :class:`Probe` is attached with :func:`attach`: the server attaches its
Prometheus metrics and, when configured, its OpenTelemetry tracer. Probes are held weakly, so a
probe that is no longer referenced (an app that is gone) stops receiving spans by itself.

Span attributes are names only (a tenant id, a route, a job name): never memory content, a
query or a key.

:func:`probed` wraps a store and an embedder so that their searches, transactions and
embedding calls are spans without a line in the stages that call them.

Example:
    ```python
    with span("vector_search", tenant="acme"):
        hits = store.vector_search(filt, vector, 50)
    ```
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any, Protocol, cast

from cml.embeddings.base import Embedder
from cml.storage.base import MemoryFilter, MemoryStore, StoreTransaction, Vector

__all__ = ["Probe", "attach", "detach", "probed", "span"]

SPANS = (
    "auth",
    "embedding",
    "lexical_search",
    "vector_search",
    "fusion",
    "transaction",
    "job",
    "webhook_delivery",
)
"""The names :func:`span` is called with."""


class Probe(Protocol):
    """Something that watches spans: metrics, a tracer."""

    def span(
        self, name: str, attributes: Mapping[str, str]
    ) -> AbstractContextManager[dict[str, Any]]:
        """A context around one step; the yielded dict receives the outcome when it ends.

        The outcome holds ``seconds`` (the duration), ``error`` (the exception's type name)
        when the step raised, and whatever the step noted (``outcome``).
        """


_probes: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()


def attach(probe: Probe) -> None:
    """Start sending spans to ``probe`` (held weakly: keep a reference while it watches)."""
    with _lock:
        _probes.add(probe)


def detach(probe: Probe) -> None:
    """Stop sending spans to ``probe``."""
    with _lock:
        _probes.discard(probe)


@contextmanager
def span(name: str, **attributes: str) -> Iterator[dict[str, Any]]:
    """Time the block as the step ``name`` for every attached probe (nothing when none is).

    Args:
        name: One of :data:`SPANS`.
        **attributes: Names that describe the step (tenant, job); never content or keys.

    Yields:
        A dict the block may fill with its outcome (e.g. ``{"outcome": "delivered"}``); the
        probes receive it when the block ends.
    """
    with _lock:
        watching: Sequence[Probe] = list(_probes)
    noted: dict[str, Any] = {}
    if not watching:
        yield noted
        return
    with ExitStack() as stack:
        outcomes = [stack.enter_context(probe.span(name, attributes)) for probe in watching]
        started = time.perf_counter()
        try:
            yield noted
        except BaseException as exc:
            noted["error"] = type(exc).__name__
            raise
        finally:
            noted["seconds"] = time.perf_counter() - started
            for outcome in outcomes:
                outcome.update(noted)


class _ProbedStore:
    """A store whose candidate searches and transactions are spans; the rest passes through."""

    def __init__(self, store: MemoryStore) -> None:
        self._inner = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def lexical_search(self, filt: MemoryFilter, query: str, limit: int) -> list[tuple[str, float]]:
        with span("lexical_search", tenant=filt.tenant_id):
            return self._inner.lexical_search(filt, query, limit)

    def vector_search(
        self,
        filt: MemoryFilter,
        vector: Vector,
        limit: int,
        *,
        near: bool = False,
        write: bool = False,
    ) -> list[tuple[str, float]]:
        with span("vector_search", tenant=filt.tenant_id):
            return self._inner.vector_search(filt, vector, limit, near=near, write=write)

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        with span("transaction"), self._inner.transaction() as tx:
            yield tx


class _ProbedEmbedder:
    """An embedder whose calls are spans; the rest passes through."""

    def __init__(self, embedder: Embedder) -> None:
        self._inner = embedder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def embed(self, texts: Sequence[str]) -> Any:
        with span("embedding"):
            return self._inner.embed(texts)


def probed(store: MemoryStore, embedder: Embedder) -> tuple[MemoryStore, Embedder]:
    """``store`` and ``embedder`` with their costly calls reported as spans.

    Args:
        store: The engine's store.
        embedder: The engine's embedder.

    Returns:
        Wrappers that behave as the originals in every other respect.
    """
    return cast(MemoryStore, _ProbedStore(store)), cast(Embedder, _ProbedEmbedder(embedder))
