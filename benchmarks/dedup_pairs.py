"""Near-duplicate decisions on labelled pairs: what the cosine threshold merges, and what it should.

Each line of the data file is ``{"old", "new", "duplicate", "kind"}``: a stored memory, an incoming
text, whether merging the incoming text into the stored one loses nothing (a paraphrase), and the
kind of change otherwise (number, unit, weekday, month, date, time, name, identifier, negation,
polarity, content). As in production, a pair is a merge candidate only when the embedder's cosine
similarity reaches the dedup threshold; the detail rule (:mod:`cml.engine.write.details`) then
decides. Reported, for the threshold alone and with the rule:

- merged but different: changed-detail pairs that would be merged (information lost);
- kept-apart paraphrases: paraphrases stored as a second memory (a harmless duplicate).

Two files ship with the tests: ``dedup_pairs.jsonl`` (288 pairs, the rule was written against
them) and ``dedup_pairs_holdout.jsonl`` (60 pairs written afterwards; on first sight the rule
let 1 of 30 changed pairs through, "next Monday" / "this Monday", since fixed).

Usage::

    python benchmarks/dedup_pairs.py                        # local MiniLM, the default threshold
    python benchmarks/dedup_pairs.py --threshold 0.9 --show-errors
    python benchmarks/dedup_pairs.py --data tests/engine/write/data/dedup_pairs_holdout.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

from _runtime import add_runtime_argument, apply_runtime, current_runtime

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from cml.engine import EngineConfig
from cml.engine.embedder import make_embedder
from cml.engine.write.details import new_details

DEFAULT_DATA = Path(__file__).parent.parent / "tests/engine/write/data/dedup_pairs.jsonl"


def _rate(count: int, total: int) -> str:
    return f"{count}/{total} = {count / total:.1%}" if total else "0/0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="pairs (JSON lines)")
    parser.add_argument("--embedder", choices=["local", "hash"], default="local")
    parser.add_argument(
        "--threshold", type=float, default=EngineConfig.dedup_threshold, help="cosine threshold"
    )
    parser.add_argument("--show-errors", action="store_true", help="print every wrong decision")
    add_runtime_argument(parser)
    args = parser.parse_args()
    apply_runtime(args)

    pairs = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    config = EngineConfig(embedding_provider=args.embedder, embedding_runtime=current_runtime())
    embedder = make_embedder(config)
    olds = embedder.embed([p["old"] for p in pairs])
    news = embedder.embed([p["new"] for p in pairs])
    cosines = (olds * news).sum(axis=1)

    started = time.perf_counter()
    changes = [new_details(p["old"], p["new"]) for p in pairs]
    rule_us = (time.perf_counter() - started) / len(pairs) * 1e6

    paraphrases = [i for i, p in enumerate(pairs) if p["duplicate"]]
    changed = [i for i, p in enumerate(pairs) if not p["duplicate"]]
    near = {i for i in range(len(pairs)) if cosines[i] >= args.threshold}
    merged_alone = [i for i in changed if i in near]
    merged_rule = [i for i in merged_alone if not changes[i]]
    apart_alone = [i for i in paraphrases if i not in near]
    apart_rule = apart_alone + [i for i in paraphrases if i in near and changes[i]]
    rule_only_wrong = [i for i in changed if not changes[i]]

    print(f"{args.data.name}: {len(pairs)} pairs ({len(paraphrases)} paraphrases, ", end="")
    print(f"{len(changed)} changed details); {embedder.model_name}, threshold {args.threshold}")
    print(f"pairs at or above the threshold: {len(near)}")
    print("                          cosine alone          cosine + detail rule")
    print(
        f"merged but different      {_rate(len(merged_alone), len(changed)):<22}"
        f"{_rate(len(merged_rule), len(changed))}"
    )
    print(
        f"kept-apart paraphrases    {_rate(len(apart_alone), len(paraphrases)):<22}"
        f"{_rate(len(apart_rule), len(paraphrases))}"
    )
    print(
        "detail rule alone (any cosine): changed pairs it misses "
        f"{_rate(len(rule_only_wrong), len(changed))}, paraphrases it splits "
        f"{_rate(sum(1 for i in paraphrases if changes[i]), len(paraphrases))}"
    )
    by_kind = Counter(pairs[i]["kind"] for i in merged_alone)
    caught = Counter(pairs[i]["kind"] for i in merged_alone if changes[i])
    print("changed pairs above the threshold, caught by the rule, per kind:")
    for kind, total in sorted(by_kind.items()):
        print(f"  {kind:<11} {caught[kind]}/{total}")
    print(f"detail rule: {rule_us:.0f} µs per pair (this machine, now; see the load average)")
    if args.show_errors:
        for i in merged_rule:
            print(f"MERGED {cosines[i]:.3f} [{pairs[i]['kind']}] {pairs[i]['old']!r} <- ", end="")
            print(repr(pairs[i]["new"]))
        for i in apart_rule:
            reason = ", ".join(changes[i]) or "cosine"
            print(f"APART  {cosines[i]:.3f} ({reason}) {pairs[i]['old']!r} <- {pairs[i]['new']!r}")


if __name__ == "__main__":
    main()
