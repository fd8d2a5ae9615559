"""The detail rule: a changed number, date, name or negation is never "nothing new"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cml.engine.write.details import extract_details, new_details, says_nothing_new

DATA = Path(__file__).parent / "data"
PAIRS = [
    json.loads(line)
    for name in ("dedup_pairs.jsonl", "dedup_pairs_holdout.jsonl")
    for line in (DATA / name).read_text().splitlines()
]


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        (
            "The user takes 5 mg of amlodipine daily",
            "The user takes 10 mg of amlodipine daily",
            "number 10 mg",
        ),
        ("The user takes 5 mg of melatonin", "The user takes 5 g of melatonin", "number 5 g"),
        ("The team meeting is on Tuesday", "The team meeting is on Thursday", "date thursday"),
        ("Invoice 0117 was paid on March 3", "Invoice 0118 was paid on March 3", "identifier 0118"),
        ("The pharmacy closes at 8 pm", "The pharmacy closes at 9 pm", "time 21:00"),
        ("The user lives in Berlin", "The user lives in Munich", "name munich"),
        ("The user eats meat", "The user no longer eats meat", "negation 1 vs 0"),
        ("The user doesn't smoke", "The user smokes", "negation 0 vs 1"),
        ("The user likes jazz", "The user hates jazz", "polarity affect-"),
        ("The room is available", "The room is unavailable", "polarity unavailable"),
        ("The user's flight is LH452", "The user's flight is LH454", "identifier lh454"),
    ],
)
def test_a_changed_detail_is_named(old: str, new: str, change: str) -> None:
    assert change in new_details(old, new)
    assert not says_nothing_new(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "The user takes 5 mg of amlodipine daily",
            "The user takes five milligrams of amlodipine every day",
        ),
        ("The user has 3 children", "The user has three kids"),
        ("The pharmacy closes at 8 pm", "The pharmacy closes at 20:00"),
        ("The flight leaves at 14:05", "The flight leaves at 2:05 p.m."),
        ("The rent is $1,200 a month", "The rent is 1200 dollars per month"),
        ("Tax is due on 15 April", "Tax is due April 15th"),
        ("The user can't drive", "The user cannot drive"),
        ("The user wants email reminders", "The user would like email reminders"),
        ("Coffee is what the user drinks in the morning", "The user drinks coffee in the morning"),
        # Dropping a detail loses nothing: the stored memory still has it.
        ("The user's doctor is Dr. Okafor at Mercy Hospital", "The user's doctor is Dr. Okafor"),
    ],
)
def test_a_paraphrase_says_nothing_new(old: str, new: str) -> None:
    assert new_details(old, new) == []


def test_normalised_details() -> None:
    details = extract_details("On May 5 at noon Alex paid $20 for 2 kg of apples, order #A-17")
    assert details.times == {"12:00"}
    assert details.dates == {"may"}
    assert details.numbers == {("5", ""), ("20", "usd"), ("2", "kg")}
    assert details.identifiers == {"a17"}
    assert details.names == {"alex"}
    assert extract_details("You may go").dates == frozenset()
    assert extract_details("one of my friends").numbers == frozenset()


def test_labelled_pairs() -> None:
    """Every paraphrase passes; every changed detail the rule covers is caught.

    Changes of plain content words ("tea" → "coffee") are outside the rule: the embedding has
    to separate those, and the benchmark reports how often it does not.
    """
    assert len(PAIRS) >= 300
    split = [p for p in PAIRS if p["duplicate"] and new_details(p["old"], p["new"])]
    missed = [
        p
        for p in PAIRS
        if not p["duplicate"] and p["kind"] != "content" and not new_details(p["old"], p["new"])
    ]
    # An abbreviation reads as a new name (its cosine, 0.81, is below the threshold anyway).
    assert [p["new"] for p in split] == ["The user's marathon PB is 3 hours 50 minutes"]
    assert missed == []
