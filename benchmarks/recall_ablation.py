"""Leave-one-out of the ranking stages on both recall benchmarks, from stores ingested once.

Ingests the LoCoMo conversations and (a proportional subset of) the LongMemEval questions
exactly as ``locomo_recall.py`` and ``longmemeval_recall.py`` do (one store per benchmark, one
namespace per conversation / question), keeps both stores in ``--store-dir`` (reused when
present, so a second run only reads; ``longmemeval.db`` there is the same kind of store as
``longmemeval_recall.py --store`` writes, and only the questions it lacks are written), then
asks every question once per ranking variant through the engine's read (``place_facts``: the
retrieval the read route runs, without the HTTP hop) and prints LoCoMo recall@1/5/10 and MRR
(categories 1-4) with recall@10 per conversation and per category, then the adversarial
category's (5, outside the overall) recall@1 and recall@10, and LongMemEval session
recall_all@10, turn recall@5/10 and turn MRR with turn recall@10 per question type (LoCoMo
alone without ``--longmemeval``). A variant is ``NAME`` or ``NAME:knob=value,knob=value`` over
:class:`cml.engine.read.retrieval.RankingWeights`. ``CPU ms/read`` is the process CPU time of
the reads (query embedding excluded: every query is embedded once and reused).

Usage::

    python benchmarks/recall_ablation.py --locomo ../shared/data/locomo-dev.json \\
        --longmemeval ../shared/data/longmemeval-s-dev.json --limit 30 --store-dir /tmp/ablation
    python benchmarks/recall_ablation.py ... --variant default "wider:candidate_floor=100"
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import locomo_recall as locomo
import longmemeval_recall as lme
from _embedding_cache import add_cache_argument, cache_dir, open_cached_engine, open_memory
from _runtime import add_runtime_argument, apply_runtime

from cml.engine import Engine, EngineConfig
from cml.engine.read.placement import place_facts
from cml.engine.read.retrieval import RankingWeights, Search
from cml.models import ReadRequest

LEAVE_ONE_OUT = [
    "default",
    "no-partition-words:common_share=0",
    "no-session-context:context=0",
    "no-context-ceiling:context_ceiling=inf",
    "no-vector-list:vector=0",
    "no-cosine-term:similarity=0",
    "no-memory-signals:recency=0,importance=0,confidence=0",
    "no-lexical-list:lexical=0",
    "no-dates:dates=0",
    "no-speaker:speaker=0",
    "no-when:when=0",
    "no-replies:replied=0",
    "no-asking:asking=0",
    "no-role:role=0",
    "no-event-spread:event_spread=0",
    "no-occasion-spread:occasion_spread=0",
    "with-feedback:feedback_lexical=0.25,feedback_hits=1",
]
"""Each ranking component of the default removed in turn (and the one measured opt-in added)."""


def parse_variant(text: str) -> tuple[str, RankingWeights]:
    """``"name:knob=value,..."`` -> the name and the default weights with those knobs."""
    name, _, knobs = text.partition(":")
    base = RankingWeights()
    changes: dict[str, Any] = {}
    for knob in filter(None, knobs.split(",")):
        key, _, value = knob.partition("=")
        changes[key] = type(getattr(base, key))(float(value))
    return name, dataclasses.replace(base, **changes)


class Reader:
    """Reads one store with a set of weights; queries are embedded once per run."""

    def __init__(self, engine: Engine, vectors: dict[str, Any]) -> None:
        self.engine = engine
        self.vectors = vectors
        self.cpu = 0.0
        self.reads = 0

    def ranked(
        self,
        weights: RankingWeights,
        query: str,
        namespace: str,
        k: int,
        reference: datetime | None,
        clock: str,
    ) -> list[Any]:
        """The records of the top ``k`` memories for ``query`` in ``namespace``.

        ``reference`` is the read's ``reference_time``; ``clock`` says what recency is measured
        from: ``wall`` (the time of the read) or ``reference`` (the reference time).
        """
        if query not in self.vectors:
            self.vectors[query] = self.engine.embedder.embed([query])[0]
        request = ReadRequest(
            query=query, max_results=k, namespace=namespace, format="list", reference_time=reference
        )
        now = reference if clock == "reference" and reference is not None else datetime.now(UTC)
        started = time.process_time()
        search = Search(self.engine.store, "default", request, self.vectors[query], now, weights)
        scored, _ = place_facts(search)
        self.cpu += time.process_time() - started
        self.reads += 1
        return [s.record for s in scored]


def ingest_locomo(path: Path, db: Path, cache: Path | None) -> None:
    """Write every conversation into ``db`` (nothing when it exists)."""
    if db.exists():
        return
    with open_memory(db, "local", cache) as memory:
        for conversation in locomo.load(path):
            locomo.ingest(memory, conversation)


def ingest_longmemeval(questions: list[lme.Question], db: Path, cache: Path | None) -> lme.Holders:
    """Write the histories missing from ``db``; return which messages each memory holds."""
    holders = lme.load_holders(db)
    if any(q.question_id not in holders for q in questions):
        counts: dict[str, int] = defaultdict(int)
        with open_memory(db, "local", cache) as memory:
            lme.ingest_all(memory, questions, holders, counts)
        lme.save_holders(db, holders)
        print(f"longmemeval ingest: {dict(counts)}", file=sys.stderr)
    return holders


def score_locomo(
    reader: Reader, weights: RankingWeights, path: Path, args: argparse.Namespace
) -> str:
    """One variant's LoCoMo figures as a table row."""
    conversations = locomo.load(path)
    ranked: dict[str, list[str | None]] = {}
    for conversation in conversations:
        namespace = locomo.namespace_of(conversation.sample_id)
        reference = locomo.reference_time(conversation) if args.reference else None
        for index, question in enumerate(conversation.questions):
            records = reader.ranked(weights, question.text, namespace, 10, reference, args.clock)
            dialog = [r.metadata.get("dia_id") for r in records]
            ranked[f"{conversation.sample_id}/{index}"] = dialog
    scored = list(locomo.question_records(conversations, ranked, [1, 5, 10]).values())
    overall = [r["scores"] for r in scored if r["overall"]]
    cells = [statistics.fmean(s[m] for s in overall) for m in ("R@1", "R@5", "R@10", "MRR")]
    groups = [("conversation", c.sample_id) for c in conversations]
    groups += [("category", f"{c} {locomo.CATEGORY_NAMES[c]}") for c in locomo.OVERALL]
    for group, value in groups:
        cells.append(
            statistics.fmean(
                r["scores"]["R@10"] for r in scored if r["overall"] and r["groups"][group] == value
            )
        )
    adversarial = [r["scores"] for r in scored if r["groups"]["category"].startswith("5 ")]
    cells += [statistics.fmean(s[m] for s in adversarial) for m in ("R@1", "R@10")]
    return "".join(f"{value:8.3f}" for value in cells)


def score_longmemeval(
    reader: Reader,
    weights: RankingWeights,
    questions: list[lme.Question],
    holders: lme.Holders,
    args: argparse.Namespace,
) -> str:
    """One variant's LongMemEval figures as a table row."""
    per_question = []
    for question in questions:
        held = holders[question.question_id]
        reference = question.date if args.reference else None
        records = reader.ranked(
            weights,
            question.text,
            lme.namespace_of(question),
            lme.READ_RESULTS,
            reference,
            args.clock,
        )
        ranked = [[(s, m) for s, m in held.get(r.id, [])] for r in records]
        per_question.append((question.question_type, lme.score(ranked, question)))
    table = lme.aggregate(per_question)
    cells = [table[lme.OVERALL][c] for c in ("all@10", "turn@5", "turn@10", "turn MRR")]
    cells += [table[name]["turn@10"] for name in lme.group_order(table)[:-1]]
    return "".join(f"{value:8.3f}" for value in cells)


def main() -> None:
    """Parse arguments, ingest what is missing, score every variant on both sets."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--locomo", type=Path, required=True, help="LoCoMo JSON file")
    parser.add_argument(
        "--longmemeval", type=Path, help="LongMemEval JSON file (omit: LoCoMo only)"
    )
    parser.add_argument("--limit", type=int, default=30, help="LongMemEval questions (subset)")
    parser.add_argument("--store-dir", type=Path, required=True, help="stores kept here")
    parser.add_argument("--variant", nargs="+", default=LEAVE_ONE_OUT, help="name:knob=v,...")
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pass reference_time: the LongMemEval question's date, the LoCoMo conversation's "
        "last session date (default: on)",
    )
    parser.add_argument(
        "--clock",
        choices=["wall", "reference"],
        default="wall",
        help="what recency is measured from: the time of the read (wall) or the reference time",
    )
    add_runtime_argument(parser)
    add_cache_argument(parser)
    args = parser.parse_args()
    apply_runtime(args)
    cache = cache_dir(args)
    args.store_dir.mkdir(parents=True, exist_ok=True)
    locomo_db = args.store_dir / "locomo.db"
    ingest_locomo(args.locomo, locomo_db, cache)

    names = [c.sample_id for c in locomo.load(args.locomo)]
    print(
        "LoCoMo (categories 1-4); R@10 per conversation, then per category; "
        "adversarial (5) R@1 and R@10"
    )
    categories = [locomo.CATEGORY_NAMES[c][:7] for c in locomo.OVERALL]
    head = ["R@1", "R@5", "R@10", "MRR", *names, *categories, "adv@1", "adv@10"]
    print(f"{'variant':<28}" + "".join(f"{c:>8}" for c in head))
    vectors: dict[str, Any] = {}
    rows: list[tuple[str, str]] = []
    config = EngineConfig(database_url=f"sqlite:///{locomo_db}")
    with open_cached_engine(config, cache) as engine:
        reader = Reader(engine, vectors)
        for text in args.variant:
            name, weights = parse_variant(text)
            reader.cpu, reader.reads = 0.0, 0
            print(f"{name:<28}{score_locomo(reader, weights, args.locomo, args)}", flush=True)
            rows.append((name, f"{1000 * reader.cpu / max(reader.reads, 1):8.1f}"))
    if args.longmemeval is not None:
        score_longmemeval_variants(args, vectors, cache)
    print("\nCPU ms/read on LoCoMo (query embedding excluded)")
    for name, cpu in rows:
        print(f"{name:<28}{cpu}")


def score_longmemeval_variants(
    args: argparse.Namespace, vectors: dict[str, Any], cache: Path | None
) -> None:
    """Write the LongMemEval histories ``--store-dir`` lacks, then print one row per variant."""
    questions = lme.subset(lme.load(args.longmemeval), args.limit)
    holders = ingest_longmemeval(questions, args.store_dir / "longmemeval.db", cache)
    lme_db = args.store_dir / "longmemeval.db"
    types = sorted({q.question_type for q in questions})
    print(f"\nLongMemEval ({len(questions)} questions); turn@10 per type: {', '.join(types)}")
    head = ["all@10", "turn@5", "turn@10", "turnMRR", *(f"t{i + 1}" for i in range(len(types)))]
    print(f"{'variant':<28}" + "".join(f"{c:>8}" for c in head))
    with open_cached_engine(EngineConfig(database_url=f"sqlite:///{lme_db}"), cache) as engine:
        reader = Reader(engine, vectors)
        for text in args.variant:
            name, weights = parse_variant(text)
            print(
                f"{name:<28}{score_longmemeval(reader, weights, questions, holders, args)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
