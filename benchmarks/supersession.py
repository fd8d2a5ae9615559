"""Precision and recall of the rule-based supersession decision on labelled cases.

Each line of the data file is ``{"old", "new", "old_type", "new_type", "supersedes", "kind",
"split"}``: a stored memory and a new one (types ``null`` when the caller gave none), whether the
new one retires the old one, the kind of case (residence, name, ..., or the look-alike that must
not supersede: subject, addition, episode, typed, question, hypothetical, unrelated, same, past,
negdiff) and the set it belongs to:

- ``dev`` (140): written with ``test``, before the rules; the rules were tuned on it.
- ``test`` (121): written with ``dev``; first scored after tuning on ``dev``: precision 1.000,
  recall 0.983. Its wording is close to ``dev``'s, so it flatters the rules.
- ``fresh`` (76): written afterwards with deliberately different wording; first scored at
  precision 1.000, recall 0.512, then used for tuning (lexicon gaps, elided subjects).
- ``holdout`` (64): written after that, scored once at precision 0.967, recall 0.763; three
  generic faults it exposed were then fixed ("Dr." ending a clause, "actually" not counted as a
  change once stripped, "Greg's brother" read as Greg), so it is no longer unseen either.
- ``unseen`` (52): written when supersession was wired into the write path, after every
  change to the rules, and scored once: precision 1.000, recall 0.964 (27/28; missed "I changed
  my email to kim@new.example", whose address the value words do not tell apart).
- ``varied`` (75): written later in a third voice (agents' notes, chat, names), first scored at
  precision 0.933, recall 0.350; then tuned on (decision 106).
- ``later`` (75): written after the first fixes from ``varied``, first scored at precision
  1.000, recall 0.775 (the rules before them: 0.650); then tuned on.
- ``last`` (40): written after that, first scored at precision 1.000, recall 0.727 (before: 0.682);
  then tuned on.
- ``unseen-2`` (40): written after the changes made from ``varied``, ``later`` and ``last``,
  scored once: precision 0.941, recall 0.727 (the rules before decision 106: 0.923 and 0.545).
  Its one false positive ("Kenji moved to the window desk" retiring "Kenji is my team lead") was
  then fixed; no other change was made from it. Keep it that way, and write a new set for the
  next change.
- ``lookalike`` (34): pairs that must not supersede, written to break the rules (bare switches of
  something else, a pause, a room, another deadline). Two bare switches ("switched to a standing
  desk" after "I drive a Subaru") are only told apart by closeness in meaning: run them with
  ``--write-path``.
- ``unseen-3`` (40): written after decision 106 around what its write path got wrong in a
  one-user namespace (preferences of other topics, descriptions of a spouse or a team, durations,
  names sharing a word), scored before the changes it led to: through the write path precision
  0.571, recall 0.750, and ten profile facts retired that still held; then tuned on (decision
  107). Three of its look-alike preferences are told apart only by ``--write-path``.
- ``things`` (30): written with the rule for things the lexicon has no noun for ("My locker code
  is now 5678"), to test it: the rules before it scored recall 0.062 there; then tuned on.
- ``things-2`` (22): written after ``things`` was tuned, scored once: precision 1.000, recall
  1.000 (the rules before the rule for things: 1.000 / 0.333). Two corrections made later for
  LongMemEval's chat (a capitalised "New" in a value says no change; only the first sentence
  states a thing) first cost it two cases ("Dr." ended a sentence), fixed.
- ``updates`` (40): written in the way a chat tells updates of a routine, an amount or a thing
  in use ("My commute takes 45 minutes now", "I've cut down to one cup of coffee a day", "I
  switched from Notion to Obsidian"), scored before any rule for them: recall 0.083; then
  tuned on (decision 109).
- ``updates-2`` (30): written after ``updates`` was tuned, scored once: precision 1.000, recall
  0.667 (the rules before decision 109: 1.000 / 0.056). Not tuned on; the fixes made from
  ``updates-3`` lifted it to 0.722 ("moved my savings from Ally to Marcus").
- ``updates-3`` (30): written after that in other voices (agents' notes, lower case, speakers'
  labels), scored once: precision 0.900, recall 0.562 (the rules of decision 106: recall
  0.000); then tuned on (its false positive: "Our neighbours have 6 chickens now"; words of
  habit, an elided subject, "User's", "replaced oat milk with", "switched their plan").

- ``unseen-4`` (44): written after decision 109 in a casual chat voice (elided subjects, "Got
  promoted to", "Down to 172 pounds", "I switched dentists"), scored before the changes it led
  to: precision 1.000, recall 0.423; then tuned on (decision 110). Its last four look-alikes
  were added after the changes.
- ``unseen-5`` (44): written after the first of those changes, scored once: precision 1.000,
  recall 0.269 (the rules of decision 109: 0.231); then tuned on. Its last four look-alikes
  were written after that and caught one false positive ("My book club finished Dune").
- ``unseen-6`` (44): written after the changes from ``unseen-5``, scored once: precision 0.941,
  recall 0.615 (the rules of decision 109: 1.000 / 0.500; the false positive: "I finished
  reading a novel by Sally Rooney" after "I'm working on a novel"); then tuned on.
- ``unseen-7`` (48): an agent's notes without their subject ("Is vegetarian", "User mentioned
  they ..."), written after the changes from ``unseen-6``, scored once: precision 0.944, recall
  0.607 (the rules of decision 109: 0.941 / 0.571); then tuned on. Four look-alikes added after.
- ``unseen-8`` (44): lower case, dashes and emoji, written after the changes from ``unseen-7``,
  scored once: precision 1.000, recall 0.346 (the rules of decision 109: 1.000 / 0.231); then
  tuned on. Five look-alikes added after.
- ``unseen-9`` (41): the people and places around the user in the third person ("Dana Lee is
  the CTO of Acme", "Tom and Emily split up"), written after the changes from ``unseen-8``,
  scored once: precision 1.000, recall 0.522 (the rules of decision 109: the same); then tuned
  on. Three look-alikes added after.
- ``unseen-10`` (45): requests to a memory ("Please remember that I moved to Berlin", "Forget
  that I'm vegan", "Set my timezone to PST"), written after the changes from ``unseen-9``,
  scored once: precision 0.900, recall 0.333 (the rules of decision 109: 0.818 / 0.333); then
  tuned on. Seven look-alikes added after.

The figures to expect on new wording are the first scores of ``unseen-2``, ``last``,
``later``, ``things-2``, ``updates-2``, ``updates-3`` and ``unseen-5`` to ``unseen-10``, not
the later ones.

``--write-path`` runs each case through the embedded client with the local embedder instead: a
namespace holding :data:`PROFILE_DATA` (one user's facts), the old memory, then the new one; the
decision is whether that write retired the old memory. A profile memory it retired besides is
right when :data:`PROFILE_CHANGES` lists it for that text (in a one-user namespace a new email
retires the old one); every other one is printed and counted: a fact that still held, hidden.

Usage::

    python benchmarks/supersession.py                  # each split, then all
    python benchmarks/supersession.py --split dev --show-errors
    python benchmarks/supersession.py --data my_cases.jsonl
    python benchmarks/supersession.py --write-path --split lookalike --show-errors
    python benchmarks/supersession.py --chat ../shared/data/locomo-dev.json   # cost on chat turns
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cml import EmbeddedCognitiveMemoryLayer
from cml.engine.write.supersession import Supersession, can_supersede, decide_supersession
from cml.exceptions import ValidationError

DATA_DIR = Path(__file__).parent.parent / "tests/engine/write/data"
DEFAULT_DATA = DATA_DIR / "supersession_cases.jsonl"
PROFILE_DATA = DATA_DIR / "supersession_profile.txt"
"""One user's facts (one per line) that ``--write-path`` stores beside each case's old memory."""
PROFILE_CHANGES = DATA_DIR / "supersession_profile_changes.jsonl"
"""``{"new", "retires"}`` per line: a case's new text and a profile fact it rightly retires."""

Case = dict[str, Any]
Decide = Callable[[Case], Supersession | None]
"""A decision for a case, or ``None`` when the case could not be written (a secret refused)."""


def decide_pair(case: Case) -> Supersession:
    """The rules' decision for the case's two texts alone."""
    return decide_supersession(
        str(case["new"]),
        str(case["old"]),
        new_type=case.get("new_type"),
        old_type=case.get("old_type"),
    )


class WritePath:
    """Decisions made by the write path: the profile, the old memory, then the new one.

    Each case gets a namespace of its own. Profile memories the new write retired are counted
    as listed in :data:`PROFILE_CHANGES` (``right``) or not (``wrong``, each printed).
    """

    def __init__(self, memory: EmbeddedCognitiveMemoryLayer, profile: list[str]) -> None:
        self.memory, self.profile = memory, profile
        self.allowed = {
            (row["new"], row["retires"])
            for row in map(json.loads, PROFILE_CHANGES.read_text().splitlines())
        }
        self.right = self.wrong = 0
        self._namespaces = itertools.count()

    def __call__(self, case: Case) -> Supersession | None:
        """Write the case's memories and say whether the new one retired the old one.

        ``None`` when a memory is refused as a secret ("Our wifi password is Sunflower22").
        """
        memory, namespace = self.memory, f"case-{next(self._namespaces)}"
        stored = memory.batch_write([{"content": t} for t in self.profile], namespace=namespace)
        written = {result.memory_id: t for result, t in zip(stored, self.profile, strict=True)}
        try:
            old = memory.write(
                str(case["old"]), namespace=namespace, memory_type=case.get("old_type")
            ).memory_id
            new = memory.write(
                str(case["new"]), namespace=namespace, memory_type=case.get("new_type")
            )
        except ValidationError as refused:
            if refused.code != "secret_detected":
                raise
            return None
        for retired in set(new.superseded) - {old}:
            fact = written.get(retired, retired)
            if (case["new"], fact) in self.allowed:
                self.right += 1
            else:
                self.wrong += 1
                print(f"  ALSO RETIRED by {case['new']!r}: {fact!r}")
        return Supersession(old in new.superseded, "write path")


def _score(cases: list[Case], decide: Decide, show_errors: bool) -> str:
    tp = fp = fn = tn = 0
    missed: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    refused = 0
    for case in cases:
        decision = decide(case)
        if decision is None:
            refused += 1
            continue
        expected = bool(case["supersedes"])
        if decision.supersedes and expected:
            tp += 1
        elif decision.supersedes:
            fp += 1
            wrong[str(case["kind"])] += 1
        elif expected:
            fn += 1
            missed[str(case["kind"])] += 1
        else:
            tn += 1
        if show_errors and decision.supersedes != expected:
            label = "FALSE+" if decision.supersedes else "MISSED"
            print(
                f"  {label} [{case['kind']}] ({decision.reason}) {case['old']!r} <- {case['new']!r}"
            )
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    line = (
        f"{len(cases)} cases ({tp + fn} supersede, {fp + tn} must not): "
        f"precision {precision:.3f} ({tp}/{tp + fp}), recall {recall:.3f} ({tp}/{tp + fn})"
    )
    if refused:
        line += f"\n    {refused} not scored: the write path refused to store a secret"
    if missed:
        line += f"\n    missed by kind: {dict(sorted(missed.items()))}"
    if wrong:
        line += f"\n    false positives by kind: {dict(sorted(wrong.items()))}"
    return line


def chat_cost(path: Path, rounds: int = 3) -> str:
    """CPU of the rules on every turn of a chat, and how many turns search for what they retire.

    A write calls ``can_supersede`` on its text; when true it searches the nearest memories and
    decides each pair. Each turn is timed against the turn before it, best of ``rounds``.
    """
    from locomo_recall import load  # a sibling script: run from the benchmarks directory

    turns = [turn.content for conversation in load(path) for turn in conversation.turns]
    checks, pairs = [], []
    for _ in range(rounds):
        started = time.process_time()
        searching = sum(can_supersede(text) for text in turns)
        checks.append((time.process_time() - started) / len(turns) * 1e6)
        started = time.process_time()
        retired = sum(decide_supersession(b, a).supersedes for a, b in itertools.pairwise(turns))
        pairs.append((time.process_time() - started) / (len(turns) - 1) * 1e6)
    return (
        f"{len(turns)} turns: can_supersede {min(checks):.0f} µs CPU a turn, true for "
        f"{searching} ({searching / len(turns):.1%}); decide {min(pairs):.0f} µs a pair of "
        f"consecutive turns, {retired} retired"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="cases (JSON lines)")
    parser.add_argument(
        "--split", default=None, help="one split of the data (default: each split, then all)"
    )
    parser.add_argument("--show-errors", action="store_true", help="print every wrong decision")
    parser.add_argument(
        "--write-path",
        action="store_true",
        help="decide through the embedded client's writes (local embedder) instead of the rules",
    )
    parser.add_argument(
        "--chat",
        type=Path,
        default=None,
        help="a LoCoMo JSON file: time the rules on its turns instead (what chat costs a write)",
    )
    args = parser.parse_args()
    if args.chat is not None:
        print(chat_cost(args.chat))
        return

    cases = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    # Each split the data holds, in the order it first appears, then all of them together.
    present = list(dict.fromkeys(str(c.get("split")) for c in cases))
    splits = [args.split] if args.split else [*present, "all"]
    if args.write_path:
        profile = [line for line in PROFILE_DATA.read_text().splitlines() if line.strip()]
        chosen = [c for c in cases if args.split in (None, "all", c.get("split"))]
        with EmbeddedCognitiveMemoryLayer(embedding_provider="local") as memory:
            path = WritePath(memory, profile)
            # One write per case; each split is then scored from the same decisions.
            decided = {id(case): path(case) for case in chosen}
            for split in splits:
                subset = [c for c in chosen if split == "all" or c.get("split") == split]
                errors = args.show_errors and split == splits[-1]
                score = _score(subset, lambda case: decided[id(case)], errors)
                print(f"{split}: {score}")
            print(
                f"    profile facts also retired: {path.right} listed as changed, "
                f"{path.wrong} that still held"
            )
        return
    for split in splits:
        chosen = [c for c in cases if split == "all" or c.get("split") == split]
        print(f"{split}: {_score(chosen, decide_pair, args.show_errors)}")
    started = time.perf_counter()
    for case in cases:
        decide_supersession(str(case["new"]), str(case["old"]))
    per_case = (time.perf_counter() - started) / len(cases) * 1e6
    print(f"{per_case:.0f} µs per decision (this machine, now; see the load average)")


if __name__ == "__main__":
    main()
