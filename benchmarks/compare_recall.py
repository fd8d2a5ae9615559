"""Paired comparison of two recall runs, question by question, in every group of questions.

Takes two ``--json`` files of the same benchmark on the same data (``locomo_recall.py`` or
``longmemeval_recall.py``), before and after a change, and prints for each measure: the mean of
each run, the difference, how many questions won and lost, and a 95 % bootstrap interval of the
difference, overall and per group (per conversation and per category for LoCoMo, per question
type for LongMemEval). The last lines say in how many groups the second run is ahead (groups
of "overall" questions only: LoCoMo's adversarial category is shown but not counted), the rule a
ranking change is judged by ("wins on at least four of the five conversations and on LongMemEval
overall").

``--baseline`` compares the first file's py-cml scores with its own BM25 scores instead
(LongMemEval files always carry both, LoCoMo files when run with ``--bm25``).

Usage::

    python benchmarks/compare_recall.py before.json after.json
    python benchmarks/compare_recall.py before.json after.json --metric R@1 R@10 MRR
    python benchmarks/compare_recall.py lme.json --baseline
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

DEFAULT_METRICS = {
    "locomo": ["R@1", "R@5", "R@10", "MRR"],
    "longmemeval": ["any@10", "all@10", "turn@10", "MRR"],
}
OVERALL = "overall"
RESAMPLES = 2000

Pair = tuple[float, float]


def load_scores(path: Path, field: str = "scores") -> tuple[str, dict[str, dict[str, Any]]]:
    """The benchmark name and the per-question records (groups, overall flag, scores)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    if "questions" not in payload:
        raise SystemExit(f"{path}: no per-question scores; run the benchmark again with --json")
    records = {
        key: {
            "groups": record["groups"],
            "overall": record.get("overall", True),
            "scores": record[field],
        }
        for key, record in payload["questions"].items()
    }
    return str(payload.get("benchmark", "locomo")), records


def interval(pairs: list[Pair], seed: int = 0) -> tuple[float, float]:
    """95 % bootstrap interval of the mean paired difference (fixed seed: same input, same CI)."""
    differences = [b - a for a, b in pairs]
    generator = random.Random(seed)
    means = sorted(
        statistics.fmean(generator.choices(differences, k=len(differences)))
        for _ in range(RESAMPLES)
    )
    return means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def row(name: str, pairs: list[Pair]) -> str:
    """One line: n, both means, the difference with its interval, questions won / lost."""
    before = statistics.fmean(a for a, _ in pairs)
    after = statistics.fmean(b for _, b in pairs)
    low, high = interval(pairs)
    won = sum(1 for a, b in pairs if b > a)
    lost = sum(1 for a, b in pairs if b < a)
    return (
        f"{name:<28}{len(pairs):>5}{before:8.3f}{after:8.3f}{after - before:+8.3f}"
        f"  [{low:+.3f}, {high:+.3f}]{won:>6}{lost:>6}"
    )


def compare(
    first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]], metric: str
) -> tuple[str, list[str]]:
    """The table for one measure, and one verdict line per kind of group."""
    shared = sorted(set(first) & set(second))
    pairs: dict[str, dict[str, list[Pair]]] = defaultdict(lambda: defaultdict(list))
    in_overall: set[str] = set()  # groups holding questions of "overall" (LoCoMo 1-4)
    for key in shared:
        a, b = first[key]["scores"].get(metric), second[key]["scores"].get(metric)
        if a is None or b is None:
            continue
        if first[key]["overall"]:
            pairs[OVERALL][OVERALL].append((a, b))
        for kind, group in first[key]["groups"].items():
            if first[key]["overall"] or kind == "category":
                pairs[kind][str(group)].append((a, b))
                if first[key]["overall"]:
                    in_overall.add(f"{kind} {group}")
    head = f"{metric:<28}{'n':>5}{'first':>8}{'second':>8}{'diff':>8}  {'95 % CI':<18}{'won':>5}"
    head += f"{'lost':>6}"
    lines = [head, "-" * len(head)]
    verdicts = []
    for kind in [OVERALL, *sorted(k for k in pairs if k != OVERALL)]:
        groups = pairs[kind]
        ahead = counted = 0
        for group in sorted(groups):
            lines.append(row(group if kind == OVERALL else f"{kind} {group}", groups[group]))
            if f"{kind} {group}" in in_overall:
                counted += 1
                ahead += statistics.fmean(b - a for a, b in groups[group]) > 0
        if kind != OVERALL:
            verdicts.append(f"{metric}: second run ahead in {ahead} of {counted} {kind} groups")
        else:
            diff = statistics.fmean(b - a for a, b in groups[OVERALL])
            verdicts.append(f"{metric}: overall difference {diff:+.3f}")
    return "\n".join(lines), verdicts


def main() -> None:
    """Parse arguments, pair the questions, print one table per measure and the verdicts."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("first", type=Path, help="results of the run before the change")
    parser.add_argument("second", type=Path, nargs="?", help="results of the run after it")
    parser.add_argument("--metric", nargs="+", default=None, help="measures to compare")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="compare the first file's BM25 scores (first) with its py-cml scores (second)",
    )
    args = parser.parse_args()
    if args.baseline:
        benchmark, second = load_scores(args.first)
        _, first = load_scores(args.first, field="bm25")
    elif args.second is None:
        raise SystemExit("give two result files, or one with --baseline")
    else:
        benchmark, first = load_scores(args.first)
        other, second = load_scores(args.second)
        if other != benchmark:
            raise SystemExit(f"{args.first} is {benchmark}, {args.second} is {other}")
    missing = len(set(first) ^ set(second))
    if missing:
        print(f"{missing} questions are in only one of the two runs; they are left out")
    verdicts: list[str] = []
    for metric in args.metric or DEFAULT_METRICS.get(benchmark, ["MRR"]):
        text, lines = compare(first, second, metric)
        print(f"{text}\n")
        verdicts.extend(lines)
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
