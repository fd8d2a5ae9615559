"""The literal prefilter never skips a pattern that would have matched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cml.engine.write.claims import normal_text
from cml.engine.write.lexicon import BARE_CHANGES, CUES
from cml.engine.write.literals import required_literals

TEXTS = sorted(
    {
        text
        for line in (Path(__file__).parent / "data/supersession_cases.jsonl")
        .read_text()
        .splitlines()
        for text in (json.loads(line)["old"], json.loads(line)["new"])
    }
)


@pytest.mark.parametrize(
    ("pattern", "required"),
    [
        (r"\ballergic to\b", {"allergic to"}),
        # Either alternative is enough; an optional part requires nothing.
        (r"\b(?:quit|left) (?:my )?job\b", {"quit", "left"}),
        (r"\b(?:now )?moved to\b", {"moved to"}),
        # A lookahead's text is in the text too; a negative one requires nothing.
        (r"\bis (?=vegan\b)", {"vegan"}),
        (r"\bdrives?(?! home)\s+", {"drive"}),
        # A repeat of at least one keeps its body's requirement.
        (r"(?:ab|cd)+xyz", {"xyz"}),
    ],
)
def test_a_pattern_requires_the_literal_text_it_cannot_match_without(
    pattern: str, required: set[str]
) -> None:
    assert required_literals(pattern) == frozenset(required)


@pytest.mark.parametrize("pattern", [r"\w+ly\b", r"(?:abc|\d+) x", r"(?:abc)?", r"[a-z]+"])
def test_a_pattern_without_a_required_literal_is_always_searched(pattern: str) -> None:
    assert required_literals(pattern) is None


def test_no_cue_of_the_claim_reader_matches_a_labelled_text_without_its_literals() -> None:
    patterns = [cue.pattern for cue in CUES] + [pattern for pattern, _ in BARE_CHANGES]
    checked = 0
    for pattern in patterns:
        needs = required_literals(pattern)
        if needs is None:
            continue
        compiled = re.compile(pattern)
        for text in TEXTS:
            normal = normal_text(text)
            if compiled.search(normal):
                checked += 1
                assert any(n in normal for n in needs), (pattern, text)
    assert checked > 1000  # the cues do match the labelled texts
