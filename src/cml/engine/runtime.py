"""The engine as one object: a store, an embedder and the services built on them."""

from __future__ import annotations

from typing import Any

from cml.embeddings.base import Embedder
from cml.engine.admin import AdminService
from cml.engine.config import EngineConfig
from cml.engine.context import EngineContext
from cml.engine.embedder import make_embedder
from cml.engine.integrity import IntegrityMonitor
from cml.engine.keys import KeyManager
from cml.engine.probes import probed
from cml.engine.read.retrieval import RankingWeights
from cml.engine.service import MemoryService
from cml.engine.threads import limit_blas_threads
from cml.errors import DatabaseDamagedError, DatabaseUnavailableError
from cml.llm import ChatLLM
from cml.storage import open_store
from cml.storage.base import MemoryStore

__all__ = ["Engine", "make_llm", "open_engine"]


class Engine:
    """A running engine: memory operations, API keys and the resources behind them.

    Build one with :func:`open_engine`; close it with :meth:`close` (or use it as a context
    manager). All methods are synchronous and safe to call from several threads.

    Attributes:
        context: The store, embedder, settings, ranking weights and write lock that every
            operation runs with.
        memories: Write, read, turn, update, forget and stats.
        admin: Consolidation, forgetting, restore/purge, tenants, events, component health.
        keys: API key management.
        store: The storage backend.
        embedder: The embedding model.
        config: The configuration the engine was opened with.
        llm: The optional chat model (``None`` unless ``llm_base_url`` and ``llm_model`` are set).
    """

    def __init__(
        self,
        store: MemoryStore,
        embedder: Embedder,
        config: EngineConfig,
        *,
        weights: RankingWeights | None = None,
    ) -> None:
        # Searches, transactions and embedding calls are timed for metrics and traces.
        store, embedder = probed(store, embedder)
        self.store = store
        self.embedder = embedder
        self.config = config
        self.llm = make_llm(config)
        self.context = EngineContext(
            store, embedder, config, weights or RankingWeights(), llm=self.llm
        )
        self.memories = MemoryService(self.context)
        self.admin = AdminService(store, embedder, self.llm, self.context.lock)
        self.keys = KeyManager(store)
        self.integrity = IntegrityMonitor(store)

    def health(self) -> dict[str, Any]:
        """Whether the database answers, with the backend and embedding model in use.

        Returns:
            ``{"status": "ok" | "degraded", "backend": ..., "database": ..., "embedding_model":
            ..., "embedding_dimensions": ..., "integrity_check": ...}``; the database entry is
            ``ok`` or ``unavailable:`` and the error's message (written for API callers: no
            paths, hosts or stack trace); ``integrity_check`` is ``running`` while the check
            that follows the open of a large SQLite file reads it, else ``None``.
        """
        database = "ok"
        try:
            self.store.ping()
        except Exception as exc:  # health must report, never raise
            # Only these messages are written for API callers (no path or host); /health is public.
            message = (
                exc.message if isinstance(exc, DatabaseUnavailableError) else type(exc).__name__
            )
            database = f"unavailable: {message}"
            if isinstance(exc, DatabaseDamagedError):
                database = f"damaged: restore a backup or recover the file. {exc.hint}"
        return {
            "status": "ok" if database == "ok" else "degraded",
            "backend": self.store.backend,
            "database": database,
            "embedding_model": self.embedder.model_name,
            "embedding_dimensions": self.embedder.dimensions,
            "integrity_check": None if self.store.wait_for_start_check(0) else "running",
        }

    def close(self) -> None:
        """Release the LLM client, the embedder and the store (safe to call twice)."""
        try:
            if self.llm is not None:
                self.llm.close()
            self.embedder.close()
        finally:
            self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def make_llm(config: EngineConfig) -> ChatLLM | None:
    """The chat model a configuration names, or ``None`` when it names none.

    Both ``llm_base_url`` and ``llm_model`` are needed; no request is made here.
    """
    if not config.llm_base_url or not config.llm_model:
        return None
    return ChatLLM(config.llm_base_url, config.llm_api_key, config.llm_model)


def open_engine(config: EngineConfig, *, weights: RankingWeights | None = None) -> Engine:
    """Open the store and the embedder a configuration names, and check they belong together.

    Args:
        config: Database URL, embedding provider and gate settings.
        weights: Retrieval ranking knobs (defaults suit most uses).

    Returns:
        A ready engine.

    Raises:
        StoreMismatchError: The store was created with another embedding model or dimension.
        UnavailableError: The database or the embedding model cannot be opened.

    Example:
        >>> engine = open_engine(EngineConfig(embedding_provider="hash"))  # doctest: +SKIP
        >>> engine.health()["status"]  # doctest: +SKIP
        'ok'
    """
    limit_blas_threads()
    store = open_store(
        config.database_url, pool_min=config.db_pool_min, pool_max=config.db_pool_max
    )
    try:
        embedder = make_embedder(config)
    except BaseException:
        store.close()
        raise
    try:
        store.check_embedding_model(embedder.model_name, embedder.dimensions)
    except BaseException:
        embedder.close()
        store.close()
        raise
    return Engine(store, embedder, config, weights=weights)
