"""Context shaping: the LLM block and its token budget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cml.engine.read.shape import estimate_tokens, format_llm_context
from cml.models import MemoryItem, MemoryType


def _item(text: str, memory_type: MemoryType, day: int = 1) -> MemoryItem:
    return MemoryItem(
        id=f"id-{text[:8]}",
        text=text,
        type=memory_type,
        confidence=0.8,
        relevance=0.5,
        timestamp=datetime(2024, 5, day, tzinfo=UTC),
    )


def test_block_has_sections_dates_and_text() -> None:
    block = format_llm_context(
        [
            _item("Likes window seats", MemoryType.PREFERENCE, 2),
            _item("Allergic to nuts", MemoryType.CONSTRAINT, 3),
            _item("Visited Rome", MemoryType.EPISODIC_EVENT, 4),
        ],
        max_tokens=500,
    )
    assert block.startswith("## Relevant Memories")
    assert "### Preferences\n- [2024-05-02] Likes window seats" in block
    assert "### Constraints\n- [2024-05-03] Allergic to nuts" in block
    assert "- [2024-05-04] Visited Rome" in block
    assert block.index("### Constraints") < block.index("### Preferences")


def test_empty_input_gives_empty_block() -> None:
    assert format_llm_context([], 100) == ""


@pytest.mark.parametrize("budget", [32, 50, 80, 200])
def test_block_never_exceeds_the_budget(budget: int) -> None:
    items = [
        _item(f"memory number {i} " + "word " * 30, MemoryType.SEMANTIC_FACT) for i in range(30)
    ]
    block = format_llm_context(items, budget)
    assert estimate_tokens(block) <= budget
    assert "memory number 0" in block  # the most relevant one is kept first


def test_overlong_single_memory_is_shortened_not_dropped() -> None:
    block = format_llm_context([_item("alpha " * 500, MemoryType.SEMANTIC_FACT)], 64)
    assert "alpha" in block
    assert block.rstrip().endswith("…")
    assert estimate_tokens(block) <= 64
