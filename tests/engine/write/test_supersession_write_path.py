"""Supersession through a real write with the local embedder, in a namespace of one user's facts.

A bare change ("switched to a standing desk") names no attribute; among the facts nearest to it,
only one close in meaning may be retired, and a look-alike retires nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import cml

DATA = Path(__file__).parent / "data"
PROFILE = [
    line for line in (DATA / "supersession_profile.txt").read_text().splitlines() if line.strip()
]
CASES = [json.loads(line) for line in (DATA / "supersession_cases.jsonl").read_text().splitlines()]
LOOKALIKES = [case for case in CASES if case["split"] == "lookalike"]


@pytest.fixture(scope="module")
def memory() -> Iterator[cml.EmbeddedCognitiveMemoryLayer]:
    with cml.EmbeddedCognitiveMemoryLayer(embedding_provider="local") as client:
        yield client


def _retired(
    memory: cml.EmbeddedCognitiveMemoryLayer, namespace: str, old: str, new: str
) -> list[str]:
    """Store the profile and ``old`` in ``namespace``, write ``new``: the texts it retired."""
    items = [{"content": text} for text in [*PROFILE, old]]
    stored = memory.batch_write(items, namespace=namespace)
    texts = {result.memory_id: item["content"] for result, item in zip(stored, items, strict=True)}
    written = memory.write(new, namespace=namespace)
    return [texts[i] for i in written.superseded]


def test_a_look_alike_retires_nothing(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    wrong = {}
    for i, case in enumerate(LOOKALIKES):
        retired = _retired(memory, f"lookalike-{i}", case["old"], case["new"])
        if retired:
            wrong[case["new"]] = retired
    assert len(LOOKALIKES) >= 30
    assert wrong == {}


@pytest.mark.parametrize(
    ("namespace", "old", "new"),
    [
        ("provider", "My phone provider is AT&T", "I switched to Verizon"),
        ("phone", "I prefer Android phones", "I switched to an iPhone"),
        ("bank", "My bank is Chase", "I switched to Wells Fargo"),
    ],
)
def test_a_bare_switch_retires_the_fact_it_changes(
    memory: cml.EmbeddedCognitiveMemoryLayer, namespace: str, old: str, new: str
) -> None:
    retired = _retired(memory, namespace, old, new)
    assert retired == [old]
    current = memory.read(old, namespace=namespace, max_results=30)
    assert old not in [m.text for m in current.memories]


def test_statements_about_other_things_retire_none_of_the_users_facts(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    # Each shares an attribute or a word with one of the profile's facts, and changes none:
    # another topic of preference, a description of a spouse or a team, a duration, another
    # gym whose name shares a word, "work" the verb.
    statements = [
        "I prefer afternoon meetings now",
        "The user now prefers coffee in the morning",
        "These days I prefer e-books",
        "My husband is vegan",
        "The user has been married for ten years",
        "The user's team is growing",
        "I cancelled my Anytime Fitness membership",
        "I don't work weekends anymore",
    ]
    stored = memory.batch_write([{"content": text} for text in PROFILE], namespace="collateral")
    for text in statements:
        assert memory.write(text, namespace="collateral").superseded == [], text
    current = memory.read("what do I prefer", namespace="collateral", max_results=50)
    assert len({m.id for m in current.memories} & {s.memory_id for s in stored}) >= 20


def test_precision_and_recall_through_the_write_path_on_new_wordings(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    cases = [case for case in CASES if case["split"] == "unseen-3"]
    decided = [
        (case["supersedes"], _retired(memory, f"unseen3-{i}", case["old"], case["new"]))
        for i, case in enumerate(cases)
    ]
    # Whatever a write retires besides the old memory is one of the profile's facts: none is.
    assert [r for _, retired in decided for r in retired if r in PROFILE] == []
    hits = sum(1 for expected, retired in decided if expected and retired)
    predicted = sum(1 for _, retired in decided if retired)
    assert hits / predicted >= 0.9
    assert hits / sum(1 for expected, _ in decided if expected) >= 0.75


@pytest.mark.parametrize(
    ("namespace", "old", "new"),
    [
        ("commute", "My commute takes 30 minutes", "My commute takes 45 minutes now"),
        (
            "coffee",
            "I drink three cups of coffee a day",
            "I've cut down to one cup of coffee a day",
        ),
        ("notes", "I keep my notes in Notion", "I switched from Notion to Obsidian for my notes"),
    ],
)
def test_an_update_retires_the_routine_it_changes(
    memory: cml.EmbeddedCognitiveMemoryLayer, namespace: str, old: str, new: str
) -> None:
    assert _retired(memory, namespace, old, new) == [old]
    # Someone else's update changes none of the user's routines.
    assert _retired(memory, f"{namespace}-other", old, f"My neighbour says: {new}") == []
