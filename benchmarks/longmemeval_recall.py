"""Evidence recall of py-cml reads on LongMemEval questions, with a plain BM25 baseline.

Protocol (keep it exactly, so that figures stay comparable between runs):

- all questions in ONE store, one namespace per question (named after its ``question_id``), the
  way a deployment keeps many users;
- every non-blank message of the question's history is ONE memory ``"user: <content>"`` or
  ``"assistant: <content>"``; its session is the memory's ``session_id`` (a neutral label
  ``s<index>``: LongMemEval's own session ids name the evidence sessions), the session date its
  ``timestamp``; messages go in history order with ``batch_write``;
- each question is asked once with ``read(question, max_results=20)``;
- measures, for k = 1, 5, 10, 20: session recall_any@k (an evidence session among the sessions of
  the top k memories), session recall_all@k (every evidence session there), turn recall@k (the
  share of the ``has_answer`` messages among the top k; questions without such messages are left
  out of it); MRR is the reciprocal rank of the first memory from an evidence session
  (``turn MRR``: of the first ``has_answer`` message);
- the BM25 baseline ranks the same memory texts of each question with that question's own word
  statistics (``_bm25.py``) and is scored the same way;
- no LLM; nothing of the answers or the evidence is used at write or read time. The question's
  date is the read's ``reference_time`` (what a user asking that day would have; off with
  ``--no-question-date``).

A memory that a write merged into an earlier one (``deduplicated``) stands for every message
merged into it; a content longer than the API's limit is cut to it (both are counted).

Usage::

    python benchmarks/longmemeval_recall.py --data ../shared/data/longmemeval-s-dev.json
    python benchmarks/longmemeval_recall.py --data PATH --limit 12 --embedder hash   # quick
    python benchmarks/longmemeval_recall.py --data PATH --json lme.json
    python benchmarks/longmemeval_recall.py --data PATH --store /tmp/lme.db   # kept, reused

Vectors are kept in an on-disk cache (``_embedding_cache.py``): a rerun embeds nothing it has
embedded before. ``--store`` keeps the written store and the record of which messages each
memory holds (``<store>.holders.json``); a later run with the same ``--store`` writes only the
questions it lacks, so a rerun only reads.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from _bm25 import BM25
from _embedding_cache import add_cache_argument, cache_dir, open_memory, settle
from _runtime import add_runtime_argument, apply_runtime

os.environ.setdefault("HF_HUB_OFFLINE", "1")

KS = (1, 5, 10, 20)
READ_RESULTS = 20
INGEST_BATCH = 250
OVERALL = "overall"

REFERENCE_TIME_PARAMETER = "reference_time"
"""Name of the read argument that carries the question's date (``--question-date``); an older
``cml`` without it is refused with that option rather than silently measured without it."""

Turn = tuple[int, int]
"""A message's place in a question's history: (session index, message index in the session)."""


class Latency(NamedTuple):
    """One read's wall time and the CPU time of the process during it, in seconds."""

    wall: float
    cpu: float


def timing_ms(latencies: list[Latency]) -> dict[str, float]:
    """Median and 95th percentile of the reads' wall and CPU times, in milliseconds."""
    wall = [latency.wall for latency in latencies]
    cpu = [latency.cpu for latency in latencies]
    return {
        "p50": statistics.median(wall) * 1000,
        "p95": percentile(wall, 0.95) * 1000,
        "cpu_p50": statistics.median(cpu) * 1000,
        "cpu_p95": percentile(cpu, 0.95) * 1000,
    }


@dataclass
class Message:
    """One non-blank message as it is written to memory."""

    turn: Turn
    content: str
    timestamp: datetime
    has_answer: bool


@dataclass
class Question:
    """One LongMemEval question with its history and its evidence."""

    question_id: str
    question_type: str
    text: str
    date: datetime
    messages: list[Message]
    evidence_sessions: set[int]
    answer_turns: set[Turn]


def parse_date(text: str) -> datetime:
    """``"2023/05/20 (Sat) 02:21"`` -> an aware UTC datetime."""
    return datetime.strptime(text.strip(), "%Y/%m/%d (%a) %H:%M").replace(tzinfo=UTC)


def load(path: Path) -> list[Question]:
    """Read a LongMemEval JSON file (a list of question instances) into questions."""
    questions = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        session_ids = item["haystack_session_ids"]
        evidence = set(item["answer_session_ids"])
        messages = []
        for index, (session, date) in enumerate(
            zip(item["haystack_sessions"], item["haystack_dates"], strict=True)
        ):
            when = parse_date(date)
            for position, message in enumerate(session):
                if not message["content"].strip():
                    continue
                content = f"{message['role']}: {message['content']}"
                messages.append(
                    Message((index, position), content, when, bool(message.get("has_answer")))
                )
        questions.append(
            Question(
                question_id=item["question_id"],
                question_type=item["question_type"],
                text=item["question"],
                date=parse_date(item["question_date"]),
                messages=messages,
                evidence_sessions={i for i, sid in enumerate(session_ids) if sid in evidence},
                answer_turns={m.turn for m in messages if m.has_answer},
            )
        )
    return questions


def subset(questions: list[Question], limit: int | None) -> list[Question]:
    """``limit`` questions spread over the question types in proportion, in file order.

    Each type gets its share of ``limit`` (largest remainders first); within a type the first
    questions of the file are taken, so the same ``limit`` always picks the same questions.
    """
    if limit is None or limit >= len(questions):
        return questions
    by_type: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        by_type[question.question_type].append(question)
    exact = {name: limit * len(group) / len(questions) for name, group in by_type.items()}
    quota = {name: int(share) for name, share in exact.items()}
    for name in sorted(exact, key=lambda n: (quota[n] - exact[n], n))[
        : limit - sum(quota.values())
    ]:
        quota[name] += 1
    chosen = {id(q) for name, group in by_type.items() for q in group[: quota[name]]}
    return [question for question in questions if id(question) in chosen]


def namespace_of(question: Question) -> str:
    """The question's namespace (LongMemEval ids are letters, digits and ``_``)."""
    return f"lme-{question.question_id}"


def ingest(memory: Any, question: Question, counts: dict[str, int]) -> dict[str, list[Turn]]:
    """Write the question's messages; return which messages each stored memory holds.

    A batch refused as a whole (for example for a secret in one message) is written again one
    message at a time, so only the refused messages are missing; they are counted.
    """
    from cml import ValidationError
    from cml.models import MAX_CONTENT_CHARS

    items = []
    for message in question.messages:
        content = message.content
        if len(content) > MAX_CONTENT_CHARS:
            content = content[:MAX_CONTENT_CHARS]
            counts["truncated"] += 1
        items.append(
            {
                "content": content,
                "session_id": f"s{message.turn[0]}",
                "timestamp": message.timestamp,
            }
        )
    holders: dict[str, list[Turn]] = defaultdict(list)
    namespace = namespace_of(question)
    for start in range(0, len(items), INGEST_BATCH):
        chunk = items[start : start + INGEST_BATCH]
        turns = [m.turn for m in question.messages[start : start + INGEST_BATCH]]
        try:
            results = memory.batch_write(chunk, namespace=namespace)
        except ValidationError:
            results = []
            for item in chunk:
                try:
                    results.append(memory.write(**item, namespace=namespace))
                except ValidationError:
                    results.append(None)
        for turn, result in zip(turns, results, strict=True):
            counts["messages"] += 1
            if result is None or result.memory_id is None:
                counts["refused"] += 1
                continue
            counts["deduplicated"] += int(result.deduplicated)
            holders[result.memory_id].append(turn)
    return holders


def read_arguments(question: Question, use_question_date: bool) -> dict[str, Any]:
    """Extra ``read()`` arguments for a question: its date as reference time, when asked for."""
    if not use_question_date:
        return {}
    return {REFERENCE_TIME_PARAMETER: question.date}


def score(ranked: list[list[Turn]], question: Question) -> dict[str, float | None]:
    """The measures of one question from the messages held by each ranked memory."""
    result: dict[str, float | None] = {}
    evidence = question.evidence_sessions
    answers = question.answer_turns
    for k in KS:
        turns = {turn for held in ranked[:k] for turn in held}
        sessions = {session for session, _ in turns}
        result[f"any@{k}"] = float(bool(evidence & sessions))
        result[f"all@{k}"] = float(evidence <= sessions)
        result[f"turn@{k}"] = len(answers & turns) / len(answers) if answers else None
    first_session = next(
        (i for i, held in enumerate(ranked) if any(s in evidence for s, _ in held)), None
    )
    result["MRR"] = 0.0 if first_session is None else 1.0 / (first_session + 1)
    first_turn = next((i for i, held in enumerate(ranked) if answers & set(held)), None)
    result["turn MRR"] = (
        None if not answers else 0.0 if first_turn is None else 1.0 / (first_turn + 1)
    )
    return result


COLUMNS = [f"any@{k}" for k in KS] + [f"all@{k}" for k in KS] + [f"turn@{k}" for k in KS]
COLUMNS += ["MRR", "turn MRR"]


def aggregate(per_question: list[tuple[str, dict[str, float | None]]]) -> dict[str, dict[str, Any]]:
    """Mean of each measure per question type and overall (``None`` values left out)."""
    groups: dict[str, list[dict[str, float | None]]] = defaultdict(list)
    for question_type, scores in per_question:
        groups[question_type].append(scores)
        groups[OVERALL].append(scores)
    table: dict[str, dict[str, Any]] = {}
    for name, rows in groups.items():
        means: dict[str, Any] = {"n": len(rows)}
        for column in COLUMNS:
            values = [value for row in rows if (value := row[column]) is not None]
            means[column] = statistics.fmean(values) if values else None
        means["n turn"] = sum(1 for row in rows if row["turn@1"] is not None)
        table[name] = means
    return table


def group_order(table: dict[str, dict[str, Any]]) -> list[str]:
    """Question types in name order, overall last."""
    return [*sorted(name for name in table if name != OVERALL), OVERALL]


def render(table: dict[str, dict[str, Any]], columns: list[str]) -> str:
    """A fixed-width table of ``columns`` per question type."""
    head = f"{'type':<27}{'n':>4}" + "".join(f"{c:>9}" for c in columns)
    lines = [head, "-" * len(head)]
    for name in group_order(table):
        row = table[name]
        cells = "".join(f"{'-':>9}" if row[c] is None else f"{row[c]:9.3f}" for c in columns)
        lines.append(f"{name:<27}{row['n']:>4}{cells}")
    return "\n".join(lines)


def render_margins(ours: dict[str, dict[str, Any]], base: dict[str, dict[str, Any]]) -> str:
    """py-cml minus BM25 per question type on the headline measures."""
    columns = ["any@10", "all@10", "turn@10", "all@20", "turn@20", "MRR", "turn MRR"]
    head = f"{'type':<27}{'n':>4}" + "".join(f"{c:>9}" for c in columns)
    lines = [head, "-" * len(head)]
    for name in group_order(ours):
        cells = ""
        for column in columns:
            a, b = ours[name][column], base[name][column]
            cells += f"{'-':>9}" if a is None or b is None else f"{a - b:+9.3f}"
        lines.append(f"{name:<27}{ours[name]['n']:>4}{cells}")
    return "\n".join(lines)


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` of the sorted list (nearest rank below)."""
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def main() -> None:
    """Parse arguments, ingest every question's history, ask, score both systems, print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="LongMemEval JSON file")
    parser.add_argument(
        "--embedder",
        choices=["local", "hash", "openai"],
        default="local",
        help="openai: any OpenAI-compatible embeddings server, named by CML_EMBEDDING_BASE_URL, "
        "CML_EMBEDDING_MODEL and CML_EMBEDDING_DIMENSIONS (to measure a candidate model)",
    )
    add_runtime_argument(parser)
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="ask only N questions, spread over the question types in proportion",
    )
    parser.add_argument(
        "--question-date",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f"pass each question's date as read(..., {REFERENCE_TIME_PARAMETER}=...) "
        "(default: on)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="SQLite file to keep the written histories in; questions already there are not "
        "written again",
    )
    add_cache_argument(parser)
    args = parser.parse_args()
    runtime = apply_runtime(args)

    from cml import CognitiveMemoryLayer

    accepted = inspect.signature(CognitiveMemoryLayer.read).parameters
    if args.question_date and REFERENCE_TIME_PARAMETER not in accepted:
        raise SystemExit(
            f"--question-date: read() has no {REFERENCE_TIME_PARAMETER!r} argument in this "
            "version of cml; run without the option"
        )

    questions = subset(load(args.data), args.limit)
    counts: dict[str, int] = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.store or Path(tmp) / "longmemeval.db"
        holders_of = load_holders(db)
        with open_memory(db, args.embedder, cache_dir(args)) as memory:
            ingest_s = ingest_all(memory, questions, holders_of, counts)
            save_holders(db, holders_of)
            settle(memory)
            ours, base, detail, latencies, bm25_seconds, stored = ask_all(
                memory, questions, holders_of, args.question_date
            )
    report(args, runtime, questions, counts, ingest_s, latencies, bm25_seconds, ours, base)
    if args.json:
        payload = {
            "benchmark": "longmemeval",
            "data": str(args.data),
            "questions_asked": len(questions),
            "embedder": args.embedder,
            "runtime": runtime,
            "question_date": args.question_date,
            "ingest": {**counts, "seconds": ingest_s, "stats": stored.model_dump(mode="json")},
            "read_ms": timing_ms(latencies),
            "pycml": aggregate(ours),
            "bm25": aggregate(base),
            "questions": detail,
        }
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")


Holders = dict[str, dict[str, list[Turn]]]
"""Per question id: the messages each stored memory holds (by memory id)."""


def holders_path(db: Path) -> Path:
    """Where the holders of a kept store are written: beside it."""
    return db.with_name(db.name + ".holders.json")


def load_holders(db: Path) -> Holders:
    """The holders of the questions already written to ``db`` (none for a new store)."""
    path = holders_path(db)
    if not (db.exists() and path.exists()):
        return {}
    kept = json.loads(path.read_text(encoding="utf-8"))
    return {
        qid: {mid: [(s, m) for s, m in turns] for mid, turns in held.items()}
        for qid, held in kept.items()
    }


def save_holders(db: Path, holders: Holders) -> None:
    """Write the holders beside ``db``, for the next run on the same store."""
    holders_path(db).write_text(json.dumps(holders), encoding="utf-8")


def ingest_all(
    memory: Any,
    questions: list[Question],
    holders_of: Holders,
    counts: dict[str, int],
) -> float:
    """Write the histories of the questions not yet in ``holders_of``; return the seconds."""
    started = time.perf_counter()
    todo = [q for q in questions if q.question_id not in holders_of]
    if len(todo) < len(questions):
        print(f"{len(questions) - len(todo)} questions already in the store", file=sys.stderr)
    for number, question in enumerate(todo, 1):
        holders_of[question.question_id] = ingest(memory, question, counts)
        if number % 10 == 0 or number == len(todo):
            elapsed = time.perf_counter() - started
            print(
                f"ingested {number}/{len(todo)} questions, {counts['messages']} "
                f"messages, {elapsed:.0f} s",
                file=sys.stderr,
            )
    return time.perf_counter() - started


Scored = list[tuple[str, dict[str, float | None]]]


def ask_all(
    memory: Any,
    questions: list[Question],
    holders_of: Holders,
    use_question_date: bool,
) -> tuple[Scored, Scored, dict[str, Any], list[Latency], float, Any]:
    """Ask every question of py-cml and of BM25; return both systems' scores and timings."""
    ours: Scored = []
    base: Scored = []
    detail: dict[str, Any] = {}
    latencies: list[Latency] = []
    bm25_seconds = 0.0
    stored = memory.stats()
    for question in questions:
        holders = holders_of[question.question_id]
        begun, begun_cpu = time.perf_counter(), time.process_time()
        result = memory.read(
            question.text,
            max_results=READ_RESULTS,
            namespace=namespace_of(question),
            format="list",
            **read_arguments(question, use_question_date),
        )
        latencies.append(Latency(time.perf_counter() - begun, time.process_time() - begun_cpu))
        ranked = [holders.get(item.id, []) for item in result.memories]
        ours.append((question.question_type, score(ranked, question)))

        begun = time.perf_counter()
        bm25 = BM25([m.content for m in question.messages])
        ranked_bm25 = [[question.messages[i].turn] for i in bm25.rank(question.text, 20)]
        bm25_seconds += time.perf_counter() - begun
        base.append((question.question_type, score(ranked_bm25, question)))
        detail[question.question_id] = {
            "groups": {"type": question.question_type},
            "scores": ours[-1][1],
            "bm25": base[-1][1],
            "ranked": [[list(t) for t in held] for held in ranked],
        }
    return ours, base, detail, latencies, bm25_seconds, stored


def report(
    args: argparse.Namespace,
    runtime: str,
    questions: list[Question],
    counts: dict[str, int],
    ingest_s: float,
    latencies: list[Latency],
    bm25_seconds: float,
    ours: Scored,
    base: Scored,
) -> None:
    """Print the run's counts, timings and tables."""
    ours_table, base_table = aggregate(ours), aggregate(base)
    timing = timing_ms(latencies)
    print(
        f"{len(questions)} questions, {counts['messages']} messages "
        f"({counts['deduplicated']} deduplicated, {counts['refused']} refused, "
        f"{counts['truncated']} cut to the content limit), embedder={args.embedder} ({runtime})"
    )
    print(
        f"ingest {ingest_s:.0f} s ({counts['messages'] / max(ingest_s, 1e-9):.1f} messages/s); "
        f"read p50 {timing['p50']:.1f} ms, p95 {timing['p95']:.1f} ms"
        f" (CPU p50 {timing['cpu_p50']:.1f} ms, p95 {timing['cpu_p95']:.1f} ms);"
        f" BM25 baseline {bm25_seconds:.1f} s"
    )
    if args.question_date:
        print("each read passed its question's date as reference time")
    for title, table in (("py-cml", ours_table), ("BM25", base_table)):
        print(f"\n{title}: session recall_any@k / recall_all@k")
        print(render(table, [f"any@{k}" for k in KS] + [f"all@{k}" for k in KS]))
        print(f"\n{title}: turn recall@k (has_answer messages) and MRR")
        print(render(table, [f"turn@{k}" for k in KS] + ["MRR", "turn MRR"]))
    print("\nmargin py-cml - BM25")
    print(render_margins(ours_table, base_table))


if __name__ == "__main__":
    main()
