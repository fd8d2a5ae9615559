"""A deterministic embedder that needs no model: feature hashing of words and character trigrams.

Texts that share words get similar vectors, so deduplication and retrieval behave sensibly in
tests and demos, without downloads and identically on every machine. It does not understand
meaning: paraphrases with different words are not close. Use ``local`` or ``openai`` for real use.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"\w+", re.UNICODE)

# Whole words matter most; bigrams reward shared phrasing; trigrams give tolerance to inflection
# and typos ("coffee"/"coffees") without dominating.
_UNIGRAM_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.25


@lru_cache(maxsize=262_144)
def _slot(feature: str, dimensions: int) -> tuple[int, float]:
    """The bucket and sign of a feature (stable across processes, unlike ``hash()``)."""
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return digest % dimensions, 1.0 if (digest >> 63) & 1 else -1.0


class HashEmbedder:
    """Embeds text by hashing word unigrams, word bigrams and character trigrams.

    Args:
        dimensions: Vector size (default 384, the size of all-MiniLM-L6-v2).

    Example:
        >>> embedder = HashEmbedder()
        >>> vectors = embedder.embed(["I like green tea", "I like tea"])
        >>> vectors.shape
        (2, 384)
        >>> bool(vectors[0] @ vectors[1] > 0.5)
        True
    """

    def __init__(self, dimensions: int = 384) -> None:
        if dimensions < 8:
            raise ValueError("HashEmbedder needs at least 8 dimensions")
        self.dimensions = dimensions
        self.model_name = f"hash-{dimensions}"

    def _features(self, text: str) -> dict[str, float]:
        words = _WORD.findall(text.lower())
        if not words:
            # Keep every vector unit-length, even for text without words.
            return {"<empty>": 1.0}
        weights: dict[str, float] = {}
        for word in words:
            weights[f"w:{word}"] = weights.get(f"w:{word}", 0.0) + _UNIGRAM_WEIGHT
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                trigram = f"c:{padded[i : i + 3]}"
                weights[trigram] = weights.get(trigram, 0.0) + _TRIGRAM_WEIGHT
        for first, second in itertools.pairwise(words):
            bigram = f"b:{first} {second}"
            weights[bigram] = weights.get(bigram, 0.0) + _BIGRAM_WEIGHT
        return weights

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per text."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in self._features(text).items():
                column, sign = _slot(feature, self.dimensions)
                out[row, column] += sign * weight
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        # All features may cancel out in pathological cases; fall back to a fixed direction.
        out[norms[:, 0] == 0, 0] = 1.0
        norms[norms == 0] = 1.0
        out /= norms
        return out

    def close(self) -> None:
        """Nothing to release."""
