"""Choosing an embedder from the engine configuration."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cml.embeddings import HashEmbedder, LocalEmbedder, OnnxEmbedder, OpenAIEmbedder
from cml.engine.config import EngineConfig
from cml.engine.embedder import make_embedder
from cml.errors import InvalidInputError


def test_hash_provider() -> None:
    embedder = make_embedder(EngineConfig(embedding_provider="hash", embedding_dimensions=64))
    assert isinstance(embedder, HashEmbedder)
    assert embedder.dimensions == 64
    assert make_embedder(EngineConfig(embedding_provider="hash")).dimensions == 384


def test_local_provider_is_described_without_loading_the_model() -> None:
    embedder = make_embedder(EngineConfig(embedding_provider="local"))
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.precision == "int8"
    assert (embedder.model_name, embedder.dimensions) == ("all-MiniLM-L6-v2", 384)


@pytest.mark.parametrize(
    ("runtime", "kind", "precision"),
    [
        ("onnx", OnnxEmbedder, "fp32"),
        ("onnx-int8", OnnxEmbedder, "int8"),
        ("torch", LocalEmbedder, None),
    ],
)
def test_local_runtime_is_chosen_by_configuration(
    runtime: str, kind: type, precision: str | None
) -> None:
    config = EngineConfig(embedding_provider="local", embedding_runtime=runtime)  # type: ignore[arg-type]
    embedder = make_embedder(config)
    assert isinstance(embedder, kind)
    assert getattr(embedder, "precision", None) == precision
    # Every runtime is the same model: a store written by one opens with the others.
    assert (embedder.model_name, embedder.dimensions) == ("all-MiniLM-L6-v2", 384)


def test_local_provider_refuses_another_size() -> None:
    with pytest.raises(InvalidInputError) as caught:
        make_embedder(EngineConfig(embedding_provider="local", embedding_dimensions=768))
    assert caught.value.field == "embedding_dimensions"


def test_openai_provider() -> None:
    config = EngineConfig(
        embedding_provider="openai",
        embedding_model="text-embedding-3-small",
        embedding_dimensions=1536,
        embedding_base_url="http://127.0.0.1:9/v1",
        embedding_api_key="sk-x",
    )
    embedder = make_embedder(config)
    try:
        assert isinstance(embedder, OpenAIEmbedder)
        assert (embedder.model_name, embedder.dimensions) == ("text-embedding-3-small", 1536)
    finally:
        embedder.close()


@pytest.mark.parametrize(
    ("missing", "config"),
    [
        ("embedding_base_url", EngineConfig(embedding_provider="openai", embedding_dimensions=8)),
        (
            "embedding_dimensions",
            EngineConfig(embedding_provider="openai", embedding_base_url="http://x/v1"),
        ),
    ],
)
def test_openai_provider_needs_url_and_size(missing: str, config: EngineConfig) -> None:
    with pytest.raises(InvalidInputError) as caught:
        make_embedder(config)
    assert caught.value.field == missing


def test_importing_embeddings_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from cml.engine.embedder import make_embedder\n"
        "from cml.engine.config import EngineConfig\n"
        "make_embedder(EngineConfig(embedding_provider='local'))\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
