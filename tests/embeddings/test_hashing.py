"""The deterministic hash embedder."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from cml.embeddings import Embedder, HashEmbedder


def test_shape_dtype_and_unit_length() -> None:
    texts = ["hello world", "", "🙂", "a much longer sentence about many different things"]
    vectors = HashEmbedder().embed(texts)
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_it_is_an_embedder_named_after_its_size() -> None:
    embedder = HashEmbedder(64)
    assert isinstance(embedder, Embedder)
    assert (embedder.model_name, embedder.dimensions) == ("hash-64", 64)
    assert embedder.embed(["x"]).shape == (1, 64)
    assert embedder.embed([]).shape == (0, 64)


def test_same_text_same_vector_in_another_process() -> None:
    text = "Alice prefers green tea"
    here = HashEmbedder().embed([text])[0]
    code = (
        "from cml.embeddings import HashEmbedder;"
        f"print(','.join(repr(float(x)) for x in HashEmbedder().embed([{text!r}])[0]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    there = np.array([float(x) for x in out.strip().split(",")], dtype=np.float32)
    np.testing.assert_array_equal(here, there)


def test_case_and_punctuation_do_not_matter() -> None:
    a, b = HashEmbedder().embed(["Alice likes TEA.", "alice likes tea"])
    assert float(a @ b) == pytest.approx(1.0, abs=1e-6)


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    base, near, inflected, far = HashEmbedder().embed(
        [
            "Alice prefers green tea in the morning",
            "In the morning Alice prefers green tea",
            "Alice preferred greener teas",
            "Quarterly revenue grew by ten percent",
        ]
    )
    assert float(base @ near) > 0.8
    assert float(base @ inflected) > float(base @ far) + 0.1
    assert float(base @ far) < 0.3


def test_too_few_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        HashEmbedder(2)
