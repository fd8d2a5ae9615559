"""Calibrated relevance: what the ranker found, scored so that one threshold means the same.

The ranker (:mod:`.retrieval`) orders a read's results well, but its final score is relative: a
question nothing answers still gets a best match, scored about as high as a weak match of a
question the store can answer. This stage, the last of a read, gives each result a relevance
that reads the same for every query: a logistic curve over the ranker's final score and the
result's cosine similarity to the query (the one signal whose scale does not depend on the other
candidates), fitted on LoCoMo dev with ``benchmarks/relevance_calibration.py --fit``: the
evidence of the questions against the results of questions nothing stored answers, weighted
equally. A relevance of 0.5 is where a result is as likely to be one as the other.

The ranked order is kept: where the curve would put a result above one the ranker placed
higher, the two share their mean (a decreasing isotonic fit along the ranked list), so the
relevances of a list always descend, and the top k never changes.

The ranker's weights, the embedding model and this fit go together: after a change to the
ranking, run the benchmark with ``--fit`` and put the printed values in
:data:`DEFAULT_CALIBRATION`. Another embedding model has cosines on another scale; without a
fit of its own (:data:`CALIBRATED_MODELS`) relevance stays the ranker's score and the context
floor is 0 unless configured.

Two thresholds read it: ``min_relevance`` of a read drops results below it, and the context
floor (``CML_CONTEXT_MIN_RELEVANCE``, :data:`DEFAULT_CONTEXT_FLOOR`) keeps weaker memories out
of every context block put into a prompt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from cml.engine.config import EngineConfig
from cml.engine.read.retrieval import Scored
from cml.storage.base import Vector

__all__ = [
    "CALIBRATED_MODELS",
    "DEFAULT_CALIBRATION",
    "DEFAULT_CONTEXT_FLOOR",
    "Calibration",
    "above",
    "calibrate",
    "calibration_for",
    "context_floor",
    "descending",
]


@dataclass(frozen=True)
class Calibration:
    """A logistic curve over a result's ranker score and its cosine similarity to the query.

    Attributes:
        score: Weight of the ranker's final score (in [0, 1]).
        similarity: Weight of the cosine similarity of the result to the query.
        intercept: The log-odds of relevance when both are 0.

    Example:
        >>> Calibration(score=4.0, similarity=30.0, intercept=-8.0).probability(0.5, 0.2)
        0.5
    """

    score: float
    similarity: float
    intercept: float

    def probability(self, score: float, similarity: float) -> float:
        """The calibrated relevance of one result, before the ranked order is imposed."""
        z = self.score * score + self.similarity * similarity + self.intercept
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


DEFAULT_CALIBRATION = Calibration(score=4.205, similarity=34.154, intercept=-11.78)
"""Fitted on LoCoMo dev with the default embedder and ranking weights (docs/benchmarks.md)."""

CALIBRATED_MODELS = {("local", "all-MiniLM-L6-v2"): DEFAULT_CALIBRATION}
"""The embedding models a calibration was fitted for: cosine scales differ between models."""

DEFAULT_CONTEXT_FLOOR = 0.5
"""Least relevance of a memory put into a context block (``CML_CONTEXT_MIN_RELEVANCE``), for a
calibrated model: where a result is as likely evidence as a match to an unrelated question."""


def calibration_for(config: EngineConfig) -> Calibration | None:
    """The calibration of the engine's embedding model (``None``: none was fitted for it)."""
    return CALIBRATED_MODELS.get((config.embedding_provider, config.embedding_model))


def context_floor(config: EngineConfig) -> float:
    """The least relevance of a memory in a context block.

    ``context_min_relevance`` when configured; otherwise :data:`DEFAULT_CONTEXT_FLOOR` for a
    calibrated model and 0 for another (its relevance is the ranker's score, which no single
    threshold reads the same for every query).
    """
    if config.context_min_relevance is not None:
        return config.context_min_relevance
    return DEFAULT_CONTEXT_FLOOR if calibration_for(config) is not None else 0.0


def descending(values: Sequence[float]) -> list[float]:
    """The closest non-increasing sequence to ``values`` (pool adjacent violators).

    Example:
        >>> descending([0.9, 0.2, 0.6, 0.1])
        [0.9, 0.4, 0.4, 0.1]
    """
    blocks: list[list[float]] = []  # [mean, count]
    for value in values:
        blocks.append([value, 1.0])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            mean2, n2 = blocks.pop()
            mean1, n1 = blocks.pop()
            blocks.append([(mean1 * n1 + mean2 * n2) / (n1 + n2), n1 + n2])
    return [mean for mean, count in blocks for _ in range(int(count))]


def _similarity(scored: Scored, query: Vector) -> float:
    embedding = scored.record.embedding
    if embedding is None or embedding.shape != query.shape:
        return 0.0
    return float(np.dot(embedding, query))


def calibrate(
    scored: Sequence[Scored],
    query_vector: Vector,
    calibration: Calibration | None = DEFAULT_CALIBRATION,
) -> list[Scored]:
    """The same results, in the same order, with calibrated, descending relevance.

    Args:
        scored: Results best first, with the ranker's final score as ``relevance``.
        query_vector: The query's embedding.
        calibration: The curve; ``None`` keeps the ranker's scores.

    Returns:
        The results with relevance in [0, 1], rounded to 4 places.
    """
    if calibration is None:
        return list(scored)
    raw = [calibration.probability(s.relevance, _similarity(s, query_vector)) for s in scored]
    return [
        replace(s, relevance=round(value, 4))
        for s, value in zip(scored, descending(raw), strict=True)
    ]


def above(scored: Sequence[Scored], floor: float | None) -> list[Scored]:
    """The results whose relevance is at least ``floor`` (all of them for ``None``)."""
    if floor is None:
        return list(scored)
    return [s for s in scored if s.relevance >= floor]
