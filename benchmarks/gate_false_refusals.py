"""How often the write gate refuses or redacts ordinary conversation.

Runs the secret check and the personal-data redaction over every turn of a LoCoMo file and
every message of (a sample of) a LongMemEval file, and prints how many texts were refused (by
rule) and redacted (by kind). Conversations hold no credentials, so every refusal is a false
one; redactions are printed with their text so that they can be read.

Usage::

    python benchmarks/gate_false_refusals.py --locomo locomo.json --longmemeval lme.json \\
        [--sample 20] [--show 10]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cml.engine.sensitive import find_secret, redact_pii


def locomo_turns(path: Path) -> Iterator[str]:
    """Every dialogue turn's text (and image caption) of a LoCoMo file."""
    for sample in json.loads(path.read_text()):
        conversation: dict[str, Any] = sample["conversation"]
        for key, session in conversation.items():
            if key.startswith("session_") and isinstance(session, list):
                for turn in session:
                    yield turn["text"]
                    if turn.get("blip_caption"):
                        yield turn["blip_caption"]


def longmemeval_messages(path: Path, sample: int, seed: int) -> Iterator[str]:
    """Every message of ``sample`` questions' haystacks (all questions when ``sample`` is 0)."""
    questions = json.loads(path.read_text())
    if sample:
        questions = random.Random(seed).sample(questions, min(sample, len(questions)))
    for question in questions:
        for session in question["haystack_sessions"]:
            for message in session:
                yield message["content"]


def measure(name: str, texts: Iterator[str], show: int) -> None:
    """Print refusals and redactions over ``texts``."""
    total = 0
    refused: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    examples: list[str] = []
    started = time.perf_counter()
    for text in texts:
        total += 1
        match = find_secret(text)
        if match is not None:
            refused[match.kind] += 1
            if len(examples) < show:
                examples.append(f"  refused as {match.kind}: {text[:300]!r}")
        _, kinds = redact_pii(text)
        for kind in kinds:
            redacted[kind] += 1
        if kinds and len(examples) < show:
            examples.append(f"  redacted {kinds}: {text[:300]!r}")
    elapsed = time.perf_counter() - started
    print(
        f"{name}: {total} texts, {sum(refused.values())} refused {dict(refused)}, "
        f"{sum(redacted.values())} redactions {dict(redacted)}, {elapsed:.1f} s"
    )
    print("\n".join(examples))


def main() -> None:
    """Parse the arguments and measure each data set given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locomo", type=Path)
    parser.add_argument("--longmemeval", type=Path)
    parser.add_argument("--sample", type=int, default=0, help="LongMemEval questions (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=10, help="examples printed per data set")
    args = parser.parse_args()
    if args.locomo:
        measure("LoCoMo", locomo_turns(args.locomo), args.show)
    if args.longmemeval:
        texts = longmemeval_messages(args.longmemeval, args.sample, args.seed)
        measure("LongMemEval", texts, args.show)


if __name__ == "__main__":
    main()
