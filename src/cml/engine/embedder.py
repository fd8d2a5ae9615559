"""Choosing the embedder an engine configuration names (a plain ``if`` on the provider)."""

from __future__ import annotations

from cml.embeddings import Embedder, HashEmbedder, LocalEmbedder, OnnxEmbedder, OpenAIEmbedder
from cml.embeddings.local import DEFAULT_MODEL
from cml.engine.config import EngineConfig
from cml.errors import InvalidInputError

__all__ = ["make_embedder"]


def make_embedder(config: EngineConfig) -> Embedder:
    """Build the embedder a configuration names.

    Raises:
        InvalidInputError: ``openai`` without ``embedding_base_url`` or ``embedding_dimensions``,
            or an unknown provider.
        ImportError: ``local`` without the ``server`` extra (or ``torch`` for that runtime).

    Example:
        >>> make_embedder(EngineConfig(embedding_provider="hash")).model_name
        'hash-384'
    """
    provider = config.embedding_provider
    if provider == "hash":
        return HashEmbedder(config.embedding_dimensions or 384)
    if provider == "local":
        embedder: Embedder
        model = config.embedding_model.removeprefix("sentence-transformers/")
        if model == DEFAULT_MODEL and config.embedding_runtime != "torch":
            embedder = OnnxEmbedder(
                precision="int8" if config.embedding_runtime == "onnx-int8" else "fp32"
            )
        else:
            embedder = LocalEmbedder(config.embedding_model)
        if config.embedding_dimensions not in (None, embedder.dimensions):
            raise InvalidInputError(
                f"{embedder.model_name} produces {embedder.dimensions}-dimensional vectors, "
                f"not {config.embedding_dimensions}.",
                field="embedding_dimensions",
                hint="Leave embedding_dimensions unset for the local model.",
            )
        return embedder
    if provider == "openai":
        if not config.embedding_base_url:
            raise InvalidInputError(
                "The openai embedding provider needs a base URL.",
                field="embedding_base_url",
                hint="Set embedding_base_url, e.g. https://api.openai.com/v1.",
            )
        if not config.embedding_dimensions:
            raise InvalidInputError(
                "The openai embedding provider needs the vector size.",
                field="embedding_dimensions",
                hint="Set embedding_dimensions to the size the model returns (e.g. 1536).",
            )
        return OpenAIEmbedder(
            config.embedding_base_url,
            config.embedding_api_key,
            config.embedding_model,
            config.embedding_dimensions,
        )
    raise InvalidInputError(
        f"Unknown embedding provider {provider!r}.",
        field="embedding_provider",
        hint="Use 'local', 'openai' or 'hash'.",
    )
