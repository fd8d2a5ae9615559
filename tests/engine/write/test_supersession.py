"""Corrections and changes of state supersede; episodes, additions and look-alikes never do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cml.engine.write.claims import read_claim
from cml.engine.write.supersession import decide_supersession, supersedes
from cml.models import MemoryType

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data/supersession_cases.jsonl").read_text().splitlines()
]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "The user lives in Berlin",
            "The user moved to Munich last month",
            "residence: value changed",
        ),
        ("My name is Sam", "Actually my name is Alex, not Sam", "name: correction"),
        ("I work at Deloitte", "I now work at KPMG", "employer: value changed"),
        ("I'm vegetarian", "I switched to a vegan diet", "diet: value changed"),
        ("I live in Madrid", "I no longer live in Madrid", "residence: correction"),
        ("I don't eat fish", "I started eating fish again", "diet: now true"),
        ("I work remotely for Spotify", "I left Spotify", "employer: retracted"),
        (
            "The team meeting is on Tuesday",
            "The team meeting was moved to Thursday",
            "schedule: value changed",
        ),
        (
            "The user takes 5 mg of amlodipine daily",
            "The user takes 10 mg of amlodipine daily",
            "medication amlodipine: value changed",
        ),
        (
            "The user takes lisinopril",
            "The user switched from lisinopril to losartan",
            "medication lisinopril: correction",
        ),
        (
            "My phone number is [REDACTED_PHONE]",
            "My new phone number is [REDACTED_PHONE]",
            "phone: new value",
        ),
    ],
)
def test_corrections_and_state_changes_supersede(old: str, new: str, reason: str) -> None:
    decision = decide_supersession(new, old)
    assert decision.supersedes
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("I went to the gym on Monday", "I went to the park on Sunday", "no attribute"),
        ("The user lives in Berlin", "The user's sister moved to Munich", "other subject"),
        (
            "The team meeting is on Tuesday",
            "The board meeting was moved to Thursday",
            "other subject",
        ),
        ("The user likes jazz", "The user also likes blues", "addition"),
        ("The user likes horror movies", "The user likes comedies", "likes: added value"),
        ("The user lives in Berlin", "Does the user still live in Berlin?", "question"),
        ("The user lives in Berlin", "The user might move to Munich next year", "hypothetical"),
        ("I live in Berlin", "I used to live in Paris", "past"),
        ("I live in Berlin", "I don't live in Munich", "residence: other value negated"),
        ("The user lives in Berlin", "The user still lives in Berlin", "residence: restated"),
        ("My manager is Priya", "My manager is Priya Sharma", "manager: restated"),
        ("The user lives in Berlin", "The user works at Siemens", "other attribute"),
    ],
)
def test_look_alikes_do_not_supersede(old: str, new: str, reason: str) -> None:
    decision = decide_supersession(new, old)
    assert not decision.supersedes
    assert decision.reason == reason


@pytest.mark.parametrize(
    "kind", [MemoryType.EPISODIC_EVENT, MemoryType.CONVERSATION, MemoryType.MESSAGE]
)
def test_something_that_happened_never_supersedes_or_is_superseded(kind: MemoryType) -> None:
    old, new = "The user lives in Berlin", "The user moved to Munich last month"
    assert supersedes(new, old)
    assert not supersedes(new, old, new_type=kind)
    assert not supersedes(new, old, old_type=kind, new_type=MemoryType.SEMANTIC_FACT)


def test_claims_name_subject_attribute_and_value() -> None:
    claim = read_claim("My sister Anna moved to Lisbon last spring")
    assert claim is not None
    assert claim.subject == {"user's", "sister", "anna"}
    assert (claim.attribute, claim.value, claim.negated) == (
        "residence",
        frozenset({"lisbon"}),
        False,
    )
    # A named person is the same subject with or without the relation in front.
    assert supersedes("Anna now lives in Porto", "My sister Anna lives in Lisbon")
    # Greg's brother is not Greg.
    assert not supersedes("Greg's brother moved to Phoenix", "Greg lives in Denver")
    assert read_claim("I went to the park on Sunday") is None


@pytest.mark.parametrize("split", ["dev", "test", "fresh", "holdout"])
def test_precision_and_recall_on_the_labelled_cases(split: str) -> None:
    cases = [c for c in CASES if c["split"] == split]
    decided = [
        (
            c["supersedes"],
            supersedes(c["new"], c["old"], new_type=c["new_type"], old_type=c["old_type"]),
        )
        for c in cases
    ]
    true_positives = sum(1 for expected, got in decided if expected and got)
    predicted = sum(1 for _, got in decided if got)
    relevant = sum(1 for expected, _ in decided if expected)
    assert true_positives / predicted >= 0.95
    assert true_positives / relevant >= 0.8
    assert sum(1 for c in cases if not c["supersedes"]) / len(cases) >= 0.4
