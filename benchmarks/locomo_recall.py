"""Evidence recall of py-cml reads on LoCoMo conversations.

Protocol (keep it exactly, so that figures stay comparable between runs and with other systems):

- one partition per conversation (a namespace named after the conversation's ``sample_id``);
- every dialog turn is written as ONE memory: ``"<speaker>: <text>"``, plus
  ``" [image: <caption>]"`` when the turn shares an image; the session date is its timestamp, the
  session number its ``session_id``, and the dialog id (``"D3:7"``) is in its metadata;
- every question with evidence is asked with ``read(question, max_results=k)``; recall@k is the
  share of the question's evidence ids among the dialog ids of the top k memories (a memory without
  a dialog id, such as a consolidated fact, counts as a miss); hit@k is whether any evidence id is
  there; MRR uses the rank of the first evidence hit within the top k;
- evidence strings holding several ids are split, ids absent from the conversation dropped;
- categories 1-4 make "overall"; category 5 (adversarial) is reported apart;
- no LLM, and nothing of the answers or evidence is used at write or read time.

Usage::

    python benchmarks/locomo_recall.py --data ../shared/data/locomo-dev.json
    python benchmarks/locomo_recall.py --data PATH --embedder hash --conversations 1   # quick
    python benchmarks/locomo_recall.py --data PATH --consolidate    # after the sleep cycle
    python benchmarks/locomo_recall.py --data PATH --json after.json
    python benchmarks/compare_recall.py before.json after.json      # paired, per conversation
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _bm25 import BM25
from _embedding_cache import add_cache_argument, cache_dir, open_memory
from _runtime import add_runtime_argument, apply_runtime

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CATEGORY_NAMES = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}
OVERALL = (1, 2, 3, 4)


@dataclass
class Turn:
    """One dialog turn as it is written to memory."""

    dia_id: str
    session: int
    content: str
    timestamp: datetime


@dataclass
class Question:
    """One question with its cleaned evidence ids."""

    text: str
    category: int
    evidence: list[str]


@dataclass
class Conversation:
    """A LoCoMo conversation: its turns and its answerable questions."""

    sample_id: str
    turns: list[Turn]
    questions: list[Question]


@dataclass
class Scores:
    """Per-question measures, accumulated per category."""

    recall: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    hit: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    mrr: list[float] = field(default_factory=list)

    def add(self, ranked_ids: list[str | None], evidence: list[str], ks: list[int]) -> None:
        """Score one question from the dialog ids of its ranked results."""
        wanted = set(evidence)
        for k in ks:
            top = {dia for dia in ranked_ids[:k] if dia is not None}
            found = len(wanted & top)
            self.recall[k].append(found / len(wanted))
            self.hit[k].append(1.0 if found else 0.0)
        first = next((i for i, dia in enumerate(ranked_ids) if dia in wanted), None)
        self.mrr.append(0.0 if first is None else 1.0 / (first + 1))

    def merge(self, other: Scores) -> None:
        """Add another category's questions to this one."""
        for k, values in other.recall.items():
            self.recall[k].extend(values)
        for k, values in other.hit.items():
            self.hit[k].extend(values)
        self.mrr.extend(other.mrr)

    @property
    def count(self) -> int:
        """Questions scored."""
        return len(self.mrr)


def parse_session_date(text: str) -> datetime:
    """``"1:56 pm on 8 May, 2023"`` -> an aware UTC datetime."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def split_evidence(entries: list[str], known: set[str]) -> list[str]:
    """Evidence ids of a question: split joined entries, drop ids absent from the conversation."""
    ids: list[str] = []
    for entry in entries:
        for part in re.split(r"[;,\s]+", entry):
            if part in known and part not in ids:
                ids.append(part)
    return ids


def load(path: Path) -> list[Conversation]:
    """Read a LoCoMo JSON file into conversations."""
    conversations = []
    for sample in json.loads(path.read_text(encoding="utf-8")):
        raw = sample["conversation"]
        turns: list[Turn] = []
        for key, value in raw.items():
            match = re.fullmatch(r"session_(\d+)", key)
            if not match or not isinstance(value, list):
                continue
            number = int(match.group(1))
            when = parse_session_date(raw[f"session_{number}_date_time"])
            for turn in value:
                content = f"{turn['speaker']}: {turn['text']}"
                if turn.get("blip_caption"):
                    content += f" [image: {turn['blip_caption']}]"
                turns.append(Turn(turn["dia_id"], number, content, when))
        known = {t.dia_id for t in turns}
        questions = []
        for qa in sample["qa"]:
            evidence = split_evidence(qa.get("evidence") or [], known)
            if evidence:
                questions.append(Question(qa["question"], int(qa["category"]), evidence))
        conversations.append(Conversation(sample["sample_id"], turns, questions))
    return conversations


def namespace_of(sample_id: str) -> str:
    """A valid namespace name for a conversation."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", sample_id)


INGEST_BATCH = 200


def ingest(memory: Any, conversation: Conversation, batch: int = INGEST_BATCH) -> None:
    """Write every turn of a conversation as one memory, in dialog order, with ``batch_write``.

    A batch stores its items in input order (ids are time-ordered), so the session order that
    neighbouring-turn context relies on is the same as with one ``write`` per turn.
    """
    namespace = namespace_of(conversation.sample_id)
    items = [
        {
            "content": turn.content,
            "session_id": f"session-{turn.session}",
            "timestamp": turn.timestamp,
            "metadata": {"dia_id": turn.dia_id},
        }
        for turn in conversation.turns
    ]
    for start in range(0, len(items), batch):
        memory.batch_write(items[start : start + batch], namespace=namespace)


def evaluate(
    memory: Any,
    conversation: Conversation,
    ks: list[int],
    scores: dict[int, Scores],
    ranked_by_question: dict[str, list[str | None]] | None = None,
) -> list[float]:
    """Ask every question; add its scores to its category; return the read latencies (s).

    ``ranked_by_question`` (optional) receives each question's ranked dialog ids, keyed by
    ``"<sample_id>/<question index>"``, to compare two runs question by question.
    """
    namespace = namespace_of(conversation.sample_id)
    latencies = []
    for index, question in enumerate(conversation.questions):
        started = time.perf_counter()
        result = memory.read(question.text, max_results=max(ks), namespace=namespace, format="list")
        latencies.append(time.perf_counter() - started)
        ranked = [item.metadata.get("dia_id") for item in result.memories]
        scores.setdefault(question.category, Scores()).add(ranked, question.evidence, ks)
        if ranked_by_question is not None:
            ranked_by_question[f"{conversation.sample_id}/{index}"] = ranked
    return latencies


def overall_recall(scores: dict[int, Scores], k: int) -> float:
    """Mean recall@k over the questions of categories 1-4."""
    values = [v for c, s in scores.items() if c in OVERALL for v in s.recall[k]]
    return statistics.fmean(values) if values else 0.0


def report_changes(
    conversations: list[Conversation],
    before: dict[str, list[str | None]],
    after: dict[str, list[str | None]],
    k: int,
) -> None:
    """Print (to stderr) the questions whose recall@k changed between two runs."""
    for conversation in conversations:
        for index, question in enumerate(conversation.questions):
            if question.category not in OVERALL:
                continue
            key = f"{conversation.sample_id}/{index}"
            wanted = set(question.evidence)
            old = len(wanted & set(before[key][:k])) / len(wanted)
            new = len(wanted & set(after[key][:k])) / len(wanted)
            if old != new:
                print(
                    f"{'LOST' if new < old else 'GAIN'} {key} {old:.2f}->{new:.2f} "
                    f"{question.text!r} evidence={question.evidence} "
                    f"before={before[key][:k]} after={after[key][:k]}",
                    file=sys.stderr,
                )


def bm25_ranked(conversations: list[Conversation], k: int) -> dict[str, list[str | None]]:
    """The plain BM25 baseline: each question's top ``k`` dialog ids within its conversation."""
    ranked: dict[str, list[str | None]] = {}
    for conversation in conversations:
        index = BM25([turn.content for turn in conversation.turns])
        for number, question in enumerate(conversation.questions):
            hits = index.rank(question.text, k)
            ranked[f"{conversation.sample_id}/{number}"] = [
                conversation.turns[i].dia_id for i in hits
            ]
    return ranked


def category_scores(
    conversations: list[Conversation], ranked: dict[str, list[str | None]], ks: list[int]
) -> dict[int, Scores]:
    """Scores per category of a ranking given question by question."""
    scores: dict[int, Scores] = {}
    for conversation in conversations:
        for index, question in enumerate(conversation.questions):
            key = f"{conversation.sample_id}/{index}"
            scores.setdefault(question.category, Scores()).add(ranked[key], question.evidence, ks)
    return scores


def single_scores(ranked: list[str | None], evidence: list[str], ks: list[int]) -> dict[str, float]:
    """One question's recall@k, hit@max(k) and reciprocal rank."""
    single = Scores()
    single.add(ranked, evidence, ks)
    scores = {f"R@{k}": single.recall[k][0] for k in ks}
    scores[f"hit@{max(ks)}"] = single.hit[max(ks)][0]
    scores["MRR"] = single.mrr[0]
    return scores


def question_records(
    conversations: list[Conversation],
    ranked: dict[str, list[str | None]],
    ks: list[int],
    baseline: dict[str, list[str | None]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each question's own scores and groups, keyed like ``ranked`` (for paired comparisons)."""
    records: dict[str, dict[str, Any]] = {}
    for conversation in conversations:
        for index, question in enumerate(conversation.questions):
            key = f"{conversation.sample_id}/{index}"
            records[key] = {
                "groups": {
                    "conversation": conversation.sample_id,
                    "category": f"{question.category} {CATEGORY_NAMES[question.category]}",
                },
                "overall": question.category in OVERALL,
                "scores": single_scores(ranked[key], question.evidence, ks),
            }
            if baseline is not None:
                records[key]["bm25"] = single_scores(baseline[key], question.evidence, ks)
    return records


def conversation_table(
    conversations: list[Conversation], ranked: dict[str, list[str | None]], ks: list[int]
) -> tuple[str, dict[str, Any]]:
    """Recall@k and MRR per conversation (categories 1-4): the table and its figures."""
    head = f"{'conversation':<18}{'n':>5}" + "".join(f"{'R@' + str(k):>8}" for k in ks)
    head += f"{'MRR':>8}"
    lines = [head, "-" * len(head)]
    figures: dict[str, Any] = {}
    for conversation in conversations:
        scores = Scores()
        for index, question in enumerate(conversation.questions):
            if question.category in OVERALL:
                scores.add(ranked[f"{conversation.sample_id}/{index}"], question.evidence, ks)
        if not scores.count:
            continue
        recall = {k: statistics.fmean(scores.recall[k]) for k in ks}
        mrr = statistics.fmean(scores.mrr)
        figures[conversation.sample_id] = {
            "n": scores.count,
            "recall": {str(k): value for k, value in recall.items()},
            "mrr": mrr,
        }
        cells = "".join(f"{recall[k]:8.3f}" for k in ks)
        lines.append(f"{conversation.sample_id:<18}{scores.count:>5}{cells}{mrr:8.3f}")
    return "\n".join(lines), figures


def table(scores: dict[int, Scores], ks: list[int]) -> str:
    """The results as a fixed-width table: one row per category, overall, and adversarial."""
    head = f"{'category':<18}{'n':>5}" + "".join(f"{'R@' + str(k):>8}" for k in ks)
    head += f"{'hit@' + str(max(ks)):>8}{'MRR':>8}"
    lines = [head, "-" * len(head)]

    def row(name: str, s: Scores) -> str:
        cells = "".join(f"{statistics.fmean(s.recall[k]):8.3f}" for k in ks)
        return (
            f"{name:<18}{s.count:>5}{cells}"
            f"{statistics.fmean(s.hit[max(ks)]):8.3f}{statistics.fmean(s.mrr):8.3f}"
        )

    overall = Scores()
    for category in sorted(scores):
        if category in OVERALL:
            lines.append(row(f"{category} {CATEGORY_NAMES[category]}", scores[category]))
            overall.merge(scores[category])
    if overall.count:
        lines.append(row("overall (1-4)", overall))
    if 5 in scores:
        lines.append(row("5 adversarial", scores[5]))
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, ingest, (optionally) consolidate, ask, print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="LoCoMo JSON file")
    parser.add_argument(
        "--embedder",
        choices=["local", "hash", "openai"],
        default="local",
        help="openai: any OpenAI-compatible embeddings server, named by CML_EMBEDDING_BASE_URL, "
        "CML_EMBEDDING_MODEL and CML_EMBEDDING_DIMENSIONS (to measure a candidate model)",
    )
    add_runtime_argument(parser)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 5, 10], help="cut-offs")
    parser.add_argument("--conversations", type=int, default=None, help="use only the first N")
    parser.add_argument(
        "--consolidate",
        action="store_true",
        help="ask, consolidate, ask again: report recall before and after the sleep cycle",
    )
    parser.add_argument(
        "--show-changes",
        action="store_true",
        help="with --consolidate: list the questions whose recall@10 changed",
    )
    parser.add_argument(
        "--ingest-batch",
        type=int,
        default=INGEST_BATCH,
        help="turns per batch_write (smaller keeps a slow embeddings server within its timeout)",
    )
    parser.add_argument(
        "--bm25", action="store_true", help="also score a plain BM25 baseline per conversation"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    add_cache_argument(parser)
    args = parser.parse_args()
    runtime = apply_runtime(args)

    conversations = load(args.data)[: args.conversations]
    ks = sorted(set(args.k))
    scores: dict[int, Scores] = {}
    after: dict[int, Scores] = {}
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "locomo.db"
        with open_memory(db, args.embedder, cache_dir(args)) as memory:
            started = time.perf_counter()
            turns = 0
            for conversation in conversations:
                ingest(memory, conversation, args.ingest_batch)
                turns += len(conversation.turns)
                print(f"ingested {conversation.sample_id}", file=sys.stderr)
            ingest_s = time.perf_counter() - started
            before_ranked: dict[str, list[str | None]] = {}
            for conversation in conversations:
                latencies.extend(evaluate(memory, conversation, ks, scores, before_ranked))
            if args.consolidate:
                # One end user per conversation = one namespace (docs/decisions.md #16).
                for conversation in conversations:
                    report = memory.consolidate(user_id=namespace_of(conversation.sample_id))
                    counts = report.model_dump(exclude={"fact_ids"})
                    print(f"consolidation {conversation.sample_id}: {counts}", file=sys.stderr)
                after_ranked: dict[str, list[str | None]] = {}
                for conversation in conversations:
                    evaluate(memory, conversation, ks, after, after_ranked)
                if args.show_changes:
                    report_changes(conversations, before_ranked, after_ranked, max(ks))

    questions = sum(s.count for c, s in scores.items() if c in OVERALL)
    print(
        f"{len(conversations)} conversations, {turns} turns, {questions} questions (1-4), "
        f"embedder={args.embedder} ({runtime})"
    )
    print(
        f"ingest {turns / ingest_s:.1f} turns/s; read p50 "
        f"{statistics.median(latencies) * 1000:.1f} ms, p95 "
        f"{sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000:.1f} ms"
    )
    print(table(scores, ks))
    by_conversation, conversation_figures = conversation_table(conversations, before_ranked, ks)
    print(f"\nper conversation (categories 1-4):\n{by_conversation}")
    baseline = bm25_ranked(conversations, max(ks)) if args.bm25 else None
    if baseline is not None:
        print(f"\nBM25 baseline:\n{table(category_scores(conversations, baseline, ks), ks)}")
        print(f"\nBM25 per conversation:\n{conversation_table(conversations, baseline, ks)[0]}")
    if args.consolidate:
        top = max(ks)
        print(f"\nafter consolidation (same store, same questions):\n{table(after, ks)}")
        print(
            f"\nrecall@{top} before {overall_recall(scores, top):.3f}, "
            f"after {overall_recall(after, top):.3f}"
        )
    if args.json:
        payload: dict[str, Any] = {
            str(c): {
                "n": s.count,
                "recall": {str(k): statistics.fmean(s.recall[k]) for k in ks},
                "hit": {str(k): statistics.fmean(s.hit[k]) for k in ks},
                "mrr": statistics.fmean(s.mrr),
            }
            for c, s in scores.items()
        }
        if args.consolidate:
            payload["after_consolidation"] = {
                str(c): {
                    "n": s.count,
                    "recall": {str(k): statistics.fmean(s.recall[k]) for k in ks},
                }
                for c, s in after.items()
            }
        payload["benchmark"] = "locomo"
        payload["per_conversation"] = conversation_figures
        payload["questions"] = question_records(conversations, before_ranked, ks, baseline)
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
