"""The packaged all-MiniLM-L6-v2 model (slow: loads torch and the real model)."""

from __future__ import annotations

import numpy as np
import pytest

from cml.embeddings import LocalEmbedder


@pytest.mark.slow
def test_real_model_embeds_meaningfully() -> None:
    embedder = LocalEmbedder()
    try:
        vectors = embedder.embed(
            [
                "The cat is sleeping on the sofa.",
                "A kitten naps on the couch.",
                "Interest rates rose by half a percent.",
            ]
        )
    finally:
        embedder.close()

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    paraphrase = float(vectors[0] @ vectors[1])
    unrelated = float(vectors[0] @ vectors[2])
    assert paraphrase > unrelated + 0.3
