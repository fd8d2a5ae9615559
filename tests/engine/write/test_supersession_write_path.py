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
LOOKALIKES = [
    case
    for case in map(json.loads, (DATA / "supersession_cases.jsonl").read_text().splitlines())
    if case["split"] == "lookalike"
]


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
