"""all-MiniLM-L6-v2 on ONNX Runtime (slow: converts the packaged weights once, then runs them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cml.embeddings import LocalEmbedder, OnnxEmbedder
from cml.embeddings.onnx import default_cache_dir, writable_cache

TEXTS = [
    "The cat is sleeping on the sofa.",
    "A kitten naps on the couch.",
    "Interest rates rose by half a percent.",
    "Caroline: I went to a LGBTQ support group yesterday and it was so powerful.",
    "x",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    embedder = LocalEmbedder()
    try:
        return embedder.embed(TEXTS)
    finally:
        embedder.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("precision", "floor", "batch_floor"), [("fp32", 0.9999, 0.9999), ("int8", 0.98, 0.97)]
)
def test_onnx_vectors_match_the_torch_model(
    precision: str, floor: float, batch_floor: float, torch_vectors: np.ndarray
) -> None:
    embedder = OnnxEmbedder(precision=precision)  # type: ignore[arg-type]
    try:
        vectors = embedder.embed(TEXTS)
        # Batches are formed by length; each row must still belong to its own text.
        one_by_one = np.vstack([embedder.embed([text]) for text in TEXTS])
    finally:
        embedder.close()

    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    agreement = np.sum(vectors * torch_vectors, axis=1)
    assert agreement.min() >= floor, agreement
    # int8 activations are quantized per forward pass, so the company of a text in its batch
    # moves its vector slightly; fp32 is exact either way.
    assert np.sum(one_by_one * vectors, axis=1).min() >= batch_floor
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.3


@pytest.mark.slow
def test_the_converted_graph_is_cached_and_reused() -> None:
    embedder = OnnxEmbedder(precision="fp32")
    path = embedder.model_path()
    assert path.parent == default_cache_dir()
    assert path.exists()
    before = path.stat().st_mtime_ns
    assert OnnxEmbedder(precision="fp32").model_path() == path
    assert path.stat().st_mtime_ns == before
    assert not list(Path(path.parent).glob("*.partial"))


def test_empty_input_needs_no_model(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(cache_dir=tmp_path)
    assert embedder.embed([]).shape == (0, 384)
    assert not list(tmp_path.iterdir())


def test_an_unwritable_cache_falls_back_to_a_temporary_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")

    assert writable_cache(tmp_path / "cache") == tmp_path / "cache"
    fallback = writable_cache(blocker / "models")
    assert fallback != blocker / "models"
    assert fallback.is_dir()
