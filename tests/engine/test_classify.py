"""Memory type inference and importance estimates."""

from __future__ import annotations

import pytest

from cml.engine.write.classify import estimate_importance, infer_memory_type
from cml.models import MemoryType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I prefer window seats", MemoryType.PREFERENCE),
        ("User prefers dark mode", MemoryType.PREFERENCE),
        ("I really like Thai food", MemoryType.PREFERENCE),
        ("My favorite band is Low", MemoryType.PREFERENCE),
        ("I hate early meetings", MemoryType.PREFERENCE),
        ("I always prefer aisle seats", MemoryType.PREFERENCE),
        ("I am allergic to peanuts", MemoryType.CONSTRAINT),
        ("I can't eat gluten and I love bread", MemoryType.CONSTRAINT),
        ("Never schedule calls before 9am", MemoryType.CONSTRAINT),
        ("Deploys must not happen on Fridays", MemoryType.CONSTRAINT),
        ("How to release: step 1 tag, step 2 push", MemoryType.PROCEDURE),
        ("First run the migrations, then restart the workers", MemoryType.PROCEDURE),
        ("Working on the Q3 report, deadline is Friday", MemoryType.TASK_STATE),
        ("Migration is in progress", MemoryType.TASK_STATE),
        ("Maybe she moved to Berlin", MemoryType.HYPOTHESIS),
        ("I think the bug is in the parser", MemoryType.HYPOTHESIS),
        ("My name is Ann", MemoryType.SEMANTIC_FACT),
        ("My wife's name is Zoe", MemoryType.SEMANTIC_FACT),
        ("I live in Lisbon", MemoryType.SEMANTIC_FACT),
        ("Met Bob at the conference yesterday", MemoryType.EPISODIC_EVENT),
        ("It looks like rain", MemoryType.EPISODIC_EVENT),
        ("My flight is delayed by an hour", MemoryType.EPISODIC_EVENT),
    ],
)
def test_type_inference(text: str, expected: MemoryType) -> None:
    assert infer_memory_type(text).memory_type is expected


def test_inference_explains_itself() -> None:
    assert "prefer" in infer_memory_type("I prefer tea").reason
    assert infer_memory_type("Went for a walk").reason == "default"


def test_importance_follows_type_and_signals() -> None:
    constraint = estimate_importance(MemoryType.CONSTRAINT, "No meetings on Mondays")
    episode = estimate_importance(MemoryType.EPISODIC_EVENT, "Went for a walk in the park")
    scratch = estimate_importance(MemoryType.SCRATCH, "tmp")
    assert constraint > episode > scratch
    plain = estimate_importance(MemoryType.EPISODIC_EVENT, "Call the bank about the loan")
    emphatic = estimate_importance(
        MemoryType.EPISODIC_EVENT, "Important: call the bank about the loan"
    )
    assert emphatic > plain


@pytest.mark.parametrize("memory_type", list(MemoryType))
def test_importance_stays_in_unit_interval(memory_type: MemoryType) -> None:
    loud = "IMPORTANT! remember, critical medical emergency, never forget!"
    assert 0.0 <= estimate_importance(memory_type, loud) <= 1.0
    assert 0.0 <= estimate_importance(memory_type, "x") <= 1.0
