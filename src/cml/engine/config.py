"""Settings of the engine, independent of how it is served."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EmbeddingProvider = Literal["local", "hash", "openai"]
EmbeddingRuntime = Literal["onnx-int8", "onnx", "torch"]


@dataclass(frozen=True)
class EngineConfig:
    """Everything :func:`cml.engine.open_engine` needs to build an engine.

    Args:
        database_url: ``sqlite:///path/to/cml.db`` (the embedded default) or ``sqlite:///:memory:``,
            or ``postgresql://user:password@host/dbname`` (schema applied by ``cml db upgrade``).
        embedding_provider: ``local`` (all-MiniLM-L6-v2 in-process), ``hash`` (deterministic,
            no model; for tests) or ``openai`` (any OpenAI-compatible embeddings endpoint).
        embedding_model: Model name for ``local``/``openai``.
        embedding_runtime: How ``local`` runs the packaged all-MiniLM-L6-v2: ``onnx-int8``
            (ONNX Runtime, int8 weights; the default), ``onnx`` (ONNX Runtime, fp32) or
            ``torch`` (sentence-transformers). Other local models always run on torch.
        embedding_dimensions: Vector size; required for ``openai``, default 384 for ``hash``.
        embedding_base_url: Base URL of the OpenAI-compatible endpoint.
        embedding_api_key: API key for that endpoint.
        dedup_threshold: Cosine similarity at or above which a new memory counts as a
            near-duplicate of an existing one and reinforces it instead of being stored.
        context_min_relevance: Least relevance of a memory put into a context block; ``None``
            for the embedding model's default (``cml.engine.read.relevance.context_floor``).
        redact_pii: Replace emails, phone numbers, card numbers and similar before storing.
        refuse_secrets: Refuse content that looks like a password, token or private key.
        llm_base_url: Base URL of an OpenAI-compatible chat endpoint; with ``llm_model`` it
            turns on LLM gists in consolidation and LLM summaries in forgetting.
        llm_api_key: API key of that endpoint.
        llm_model: Chat model name.
        db_pool_min: PostgreSQL: connections each engine keeps open (ignored by SQLite).
        db_pool_max: PostgreSQL: most connections each engine opens at once (ignored by SQLite).
    """

    # Secrets stay out of the repr (a PostgreSQL URL may carry a password).
    database_url: str = field(default="sqlite:///:memory:", repr=False)
    embedding_provider: EmbeddingProvider = "local"
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_runtime: EmbeddingRuntime = "onnx-int8"
    embedding_dimensions: int | None = None
    embedding_base_url: str | None = None
    embedding_api_key: str | None = field(default=None, repr=False)
    dedup_threshold: float = 0.95
    context_min_relevance: float | None = None
    redact_pii: bool = True
    refuse_secrets: bool = True
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_model: str | None = None
    db_pool_min: int = 1
    db_pool_max: int = 10
