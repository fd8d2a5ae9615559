"""Fit and check the calibration of ``relevance``, and measure the context floor's effect.

The ranker's final score orders a read's results well but means different things for different
queries: the best match of a question nothing answers scores about as high as a weak match of a
question the store can answer. The calibration (``cml.engine.read.relevance``) is a logistic
curve over that score and the result's cosine similarity to the query, fitted here on LoCoMo,
so that one threshold means the same for every query.

Protocol:

- LoCoMo conversations are written as in ``locomo_recall.py`` (one memory per dialog turn, one
  namespace per conversation, all in one store);
- *related* queries: every question of categories 1-4, read with ``max_results=10``; a result
  is evidence when its dialog id is among the question's evidence;
- *general* queries: the questions below (written for this benchmark; general knowledge and
  how-to, none about the conversations' people), read the same way in every conversation;
- *cross* queries: up to 60 questions of the other conversations that name one of their own
  speakers and none of this one's, read the same way (reported apart: they are about someone
  else, but often about the same kind of thing, so their results are not plainly unrelated);
- ``--fit`` fits ``relevance = 1 / (1 + exp(-(a * score + b * cosine + c)))`` by logistic
  regression: the evidence results against the general queries' results, each class weighing
  half;
- with the calibration in force (the engine's, or the one just fitted), per floor: the share of
  general and of cross queries whose context block would be empty (no result at or above the
  floor), the share of the related questions with evidence in their top 10 that keep at least
  one evidence result at or above the floor, and evidence recall@10 before and after the floor.
  Relevance is computed as a read computes it (the curve, then kept descending along the
  ranked list), so the ranked order, and recall@k, do not change.

Usage::

    python benchmarks/relevance_calibration.py --data ../shared/data/locomo-dev.json --fit
    python benchmarks/relevance_calibration.py --data PATH --store /tmp/cal.db   # write once
    python benchmarks/relevance_calibration.py --data PATH --embedder hash --conversations 1
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _embedding_cache import add_cache_argument, cache_dir, open_cached_engine
from _runtime import add_runtime_argument, apply_runtime
from locomo_recall import OVERALL, Conversation, load, namespace_of, reference_time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TENANT = "calibration"
RESULTS = 10
FLOORS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CROSS_PER_CONVERSATION = 60

GENERAL_QUESTIONS = [
    "What is the capital of Peru?",
    "How many moons does Jupiter have?",
    "Who wrote War and Peace?",
    "What is the boiling point of water at sea level in Fahrenheit?",
    "How do I reset my wifi router to factory settings?",
    "What is the exchange rate between the yen and the euro?",
    "When did the Berlin Wall fall?",
    "What is the speed of light in a vacuum?",
    "How many bones are in the adult human body?",
    "Which element has the chemical symbol Fe?",
    "What is the tallest mountain in Africa?",
    "Who painted the ceiling of the Sistine Chapel?",
    "How do you convert Celsius to Kelvin?",
    "What is the population of Canada?",
    "What is the square root of 144?",
    "Which planet is closest to the sun?",
    "What language is spoken in Brazil?",
    "How long is a marathon in kilometres?",
    "What does HTTP status code 404 mean?",
    "Who discovered penicillin?",
    "What is the largest ocean on Earth?",
    "How do I compile a C program with gcc?",
    "What is the currency of Switzerland?",
    "When was the first moon landing?",
    "What is photosynthesis?",
    "How many players are on a rugby union team?",
    "What is the GDP of Japan?",
    "Which river flows through Cairo?",
    "What is the time complexity of binary search?",
    "Who was the first emperor of Rome?",
    "What is the freezing point of mercury?",
    "How do I change a flat tyre on a bicycle?",
    "What is the main ingredient of hummus?",
    "Which country has the most time zones?",
    "What is the airspeed velocity of an unladen swallow?",
    "How many keys does a standard piano have?",
    "What is the difference between TCP and UDP?",
    "Who composed the Four Seasons?",
    "What is the half-life of carbon-14?",
    "What is the capital of Mongolia?",
    "How do vaccines train the immune system?",
    "What is the longest river in Europe?",
    "Which gas makes up most of Earth's atmosphere?",
    "What year did the Titanic sink?",
    "How do I file a tax return in Estonia?",
    "What is the atomic number of oxygen?",
    "Who invented the telephone?",
    "What is the deepest point in the ocean?",
    "How many sides does a dodecagon have?",
    "What is the official language of Ethiopia?",
    "What is a prime number?",
    "Which bird lays the largest eggs?",
    "What is the distance from the Earth to the Moon?",
    "How is steel made from iron ore?",
    "What is the national animal of Scotland?",
    "Who wrote the Pythagorean theorem proof first?",
    "What is the capital of Australia?",
    "How many litres are in a US gallon?",
    "What causes the northern lights?",
    "Which vitamin does sunlight help the body produce?",
]
"""Questions no LoCoMo conversation answers (general knowledge and how-to)."""


@dataclass
class Observation:
    """One result of one read: its raw score, its cosine similarity, whether it is evidence."""

    score: float
    cosine: float
    positive: bool


@dataclass
class Query:
    """One read: its kind (related, general, cross) and its results' observations, best first."""

    kind: str
    observations: list[Observation]
    evidence_count: int = 0

    @property
    def related(self) -> bool:
        """Whether the query is a question of this conversation."""
        return self.kind == "related"


def speakers(conversation: Conversation) -> set[str]:
    """The first names speaking in a conversation."""
    return {turn.content.split(":", 1)[0].strip() for turn in conversation.turns}


def cross_questions(target: Conversation, others: list[Conversation]) -> list[str]:
    """Questions of other conversations about their own people, none of ``target``'s."""
    own = speakers(target)
    picked: list[str] = []
    for other in others:
        names = speakers(other) - own
        for question in other.questions:
            words = set(re.findall(r"[A-Z][a-z]+", question.text))
            if words & names and not words & own:
                picked.append(question.text)
    step = max(1, len(picked) // CROSS_PER_CONVERSATION)
    return picked[::step][:CROSS_PER_CONVERSATION]


def _cosine(embedding: npt.NDArray[np.float32] | None, vector: npt.NDArray[np.float32]) -> float:
    """The cosine of a result's stored embedding with the query's (both unit length)."""
    if embedding is None:
        raise SystemExit("a result came back without its embedding: the store is incomplete")
    return float(np.dot(embedding, vector))


def raw_reads(
    engine: Any, namespace: str, texts: list[str], reference: datetime
) -> list[list[tuple[Any, ...]]]:
    """Each text's ranked results as ``(dialog id, raw final score, cosine)``, best first.

    The raw score is the ranker's, before calibration; the cosine is the result's similarity
    to the query. ``reference`` is each read's ``reference_time`` (as ``locomo_recall.py``).
    """
    from cml.engine.read.placement import place_facts
    from cml.engine.read.retrieval import Search
    from cml.models import ReadRequest

    ctx = engine.context
    vectors = ctx.embedder.embed(texts)
    now = datetime.now(UTC)
    ranked = []
    for text, vector in zip(texts, vectors, strict=True):
        request = ReadRequest(
            query=text, max_results=RESULTS, namespace=namespace, reference_time=reference
        )
        scored, _ = place_facts(Search(ctx.store, TENANT, request, vector, now, ctx.weights))
        ranked.append(
            [
                (
                    s.record.metadata.get("dia_id"),
                    s.relevance,
                    _cosine(s.record.embedding, vector),
                )
                for s in scored
            ]
        )
    return ranked


def ingest(engine: Any, conversation: Conversation) -> None:
    """Write a conversation's turns as ``locomo_recall.py`` does, in one namespace."""
    from cml.models import BatchWriteItem, BatchWriteRequest

    namespace = namespace_of(conversation.sample_id)
    items = [
        BatchWriteItem(
            content=turn.content,
            session_id=f"session-{turn.session}",
            timestamp=turn.timestamp,
            metadata={"dia_id": turn.dia_id},
        )
        for turn in conversation.turns
    ]
    for start in range(0, len(items), 200):
        request = BatchWriteRequest(items=items[start : start + 200], namespace=namespace)
        engine.memories.write_batch(TENANT, request)


def collect(engine: Any, conversations: list[Conversation], *, written: bool) -> list[Query]:
    """Write every conversation (unless ``written``), then read each one's queries."""
    if not written:
        for conversation in conversations:
            ingest(engine, conversation)
    queries: list[Query] = []
    for conversation in conversations:
        namespace = namespace_of(conversation.sample_id)
        reference = reference_time(conversation)
        asked = [q for q in conversation.questions if q.category in OVERALL]
        for question, results in zip(
            asked, raw_reads(engine, namespace, [q.text for q in asked], reference), strict=True
        ):
            wanted = set(question.evidence)
            observations = [Observation(s, c, dia in wanted) for dia, s, c in results]
            queries.append(Query("related", observations, len(wanted)))
        others = [c for c in conversations if c is not conversation]
        for kind, texts in (
            ("general", GENERAL_QUESTIONS),
            ("cross", cross_questions(conversation, others)),
        ):
            for results in raw_reads(engine, namespace, texts, reference):
                queries.append(Query(kind, [Observation(s, c, False) for _, s, c in results]))
        print(f"read {conversation.sample_id}", file=sys.stderr)
    return queries


def fit(queries: list[Query]) -> tuple[float, float, float]:
    """Logistic regression of relevance on (raw score, cosine): ``(score, similarity, intercept)``.

    Positives are the evidence results of the questions, negatives the results of the general
    questions; each class weighs half, so 0.5 is where a result is as likely one as the other.
    """
    rows = [
        (o.score, o.cosine, 1.0) for q in queries if q.related for o in q.observations if o.positive
    ]
    rows += [
        (o.score, o.cosine, 0.0) for q in queries if q.kind == "general" for o in q.observations
    ]
    data = np.array(rows, dtype=np.float64)
    y = data[:, 2]
    design = np.column_stack([data[:, 0], data[:, 1], np.ones(len(data))])
    positives = max(1.0, y.sum())
    balance = np.where(y == 1, 0.5 / positives, 0.5 / max(1.0, len(y) - positives)) * len(y)
    weights = np.zeros(3)
    for _ in range(200):  # Newton's method, with a tiny ridge for stability
        p = 1 / (1 + np.exp(-(design @ weights)))
        gradient = design.T @ (balance * (p - y)) + 1e-6 * weights
        hessian = (design * (balance * p * (1 - p))[:, None]).T @ design + 1e-6 * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-10:
            break
    return float(weights[0]), float(weights[1]), float(weights[2])


def relevances(query: Query, calibration: Any) -> list[float]:
    """The calibrated relevance of a query's results, as a read gives them."""
    from cml.engine.read.relevance import descending

    return descending([calibration.probability(o.score, o.cosine) for o in query.observations])


def effect(queries: list[Query], calibration: Any, floor: float) -> dict[str, float]:
    """What a context floor does to each kind of query."""
    figures: dict[str, float] = {}
    for kind in ("general", "cross"):
        asked = [q for q in queries if q.kind == kind]
        empty = sum(all(r < floor for r in relevances(q, calibration)) for q in asked)
        figures[f"{kind}_empty"] = empty / max(1, len(asked))
    related = [q for q in queries if q.related]
    found = [q for q in related if any(o.positive for o in q.observations)]
    kept = 0
    recall_all: list[float] = []
    recall_kept: list[float] = []
    for q in related:
        above = [
            o.positive and r >= floor
            for o, r in zip(q.observations, relevances(q, calibration), strict=True)
        ]
        kept += any(above)
        recall_all.append(sum(o.positive for o in q.observations) / q.evidence_count)
        recall_kept.append(sum(above) / q.evidence_count)
    figures["evidence_kept"] = kept / max(1, len(found))
    figures["recall10"] = float(np.mean(recall_all)) if related else 0.0
    figures["recall10_above_floor"] = float(np.mean(recall_kept)) if related else 0.0
    return figures


def reliability(queries: list[Query], calibration: Any) -> list[tuple[str, int, int, float]]:
    """Per relevance bin: evidence results, general questions' results, share of evidence."""
    rows = []
    pairs = [
        (r, o.positive)
        for q in queries
        if q.kind in ("related", "general")
        for o, r in zip(q.observations, relevances(q, calibration), strict=True)
        if o.positive or q.kind == "general"
    ]
    for b in range(10):
        low, high = b / 10, (b + 1) / 10
        inside = [pos for r, pos in pairs if low <= r < high or (b == 9 and r == 1.0)]
        if inside:
            rows.append((f"{low:.1f}-{high:.1f}", sum(inside), len(inside) - sum(inside), 0.0))
    return rows


def main() -> None:
    """Write, read, fit (optionally), report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="LoCoMo JSON file")
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    add_runtime_argument(parser)
    add_cache_argument(parser)
    parser.add_argument("--conversations", type=int, default=None, help="use only the first N")
    parser.add_argument("--fit", action="store_true", help="fit the calibration on this run")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="SQLite file to keep the written conversations in (reused, not rewritten, if it "
        "exists)",
    )
    parser.add_argument(
        "--observations", type=Path, default=None, help="write every query's results as JSON"
    )
    args = parser.parse_args()
    runtime = apply_runtime(args)

    from cml.engine import EngineConfig
    from cml.engine.read.relevance import DEFAULT_CALIBRATION, DEFAULT_CONTEXT_FLOOR, Calibration

    conversations = load(args.data)[: args.conversations]
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "calibration.db"
        written = path.exists()
        config = EngineConfig(database_url=f"sqlite:///{path}", embedding_provider=args.embedder)
        with open_cached_engine(config, cache_dir(args)) as engine:
            queries = collect(engine, conversations, written=written)
    if args.observations:
        dumped = [
            {
                "kind": q.kind,
                "evidence": q.evidence_count,
                "results": [[o.score, o.cosine, o.positive] for o in q.observations],
            }
            for q in queries
        ]
        args.observations.write_text(json.dumps(dumped), encoding="utf-8")
    calibration = DEFAULT_CALIBRATION
    if args.fit:
        score, similarity, intercept = fit(queries)
        calibration = Calibration(score=score, similarity=similarity, intercept=intercept)
        print(
            f"fitted: Calibration(score={score:.3f}, similarity={similarity:.3f}, "
            f"intercept={intercept:.3f})"
        )
    print(f"in force: {calibration}, embedder={args.embedder} ({runtime})")
    related = sum(q.related for q in queries)
    print(
        f"{len(conversations)} conversations, {related} related and "
        f"{len(queries) - related} general or cross queries, top {RESULTS} each"
    )
    print(f"\n{'relevance':<12}{'evidence':>9}{'general':>9}")
    for label, positives, negatives, _ in reliability(queries, calibration):
        print(f"{label:<12}{positives:>9}{negatives:>9}")
    print(
        f"\n{'floor':<8}{'general empty':>15}{'cross empty':>13}{'evidence kept':>15}"
        f"{'R@10':>8}{'R@10 kept':>11}"
    )
    results = {}
    for floor in sorted({*FLOORS, DEFAULT_CONTEXT_FLOOR}):
        figures = effect(queries, calibration, floor)
        results[str(floor)] = figures
        mark = "  <- default" if math.isclose(floor, DEFAULT_CONTEXT_FLOOR) else ""
        print(
            f"{floor:<8}{figures['general_empty']:>15.3f}{figures['cross_empty']:>13.3f}"
            f"{figures['evidence_kept']:>15.3f}{figures['recall10']:>8.3f}"
            f"{figures['recall10_above_floor']:>11.3f}{mark}"
        )
    if args.json:
        payload = {
            "calibration": {
                "score": calibration.score,
                "similarity": calibration.similarity,
                "intercept": calibration.intercept,
            },
            "floors": results,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
