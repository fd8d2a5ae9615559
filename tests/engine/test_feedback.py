"""Pseudo-relevance feedback (opt-in): a memory worded like the best hit, not like the question.

Feedback is off by default (``docs/benchmarks.md``: +0.002 LoCoMo recall@10 for nearly twice
the read's CPU time); these tests switch it on.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cml.engine import EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import ReadRequest, WriteRequest

FIRST = "Ann: I started learning the cello in January"
FOLLOW_UP = "Ann: my cello teacher says my bowing has improved a lot"
LINES = [
    FIRST,
    FOLLOW_UP,
    "Ann: work was busy this week",
    "Ann: I am learning to cook curry",
    "Ann: the garden needs rain",
]
QUESTION = "Which instrument did Ann start learning in January, and how is she doing?"
FEEDBACK = dataclasses.replace(RankingWeights(), feedback_lexical=0.25, feedback_hits=1)


def _recalled(tmp_path: Path, weights: RankingWeights) -> list[str]:
    config = EngineConfig(database_url=f"sqlite:///{tmp_path}/cml.db", embedding_provider="hash")
    with open_engine(config, weights=weights) as engine:
        texts = {}
        for i, line in enumerate(LINES):
            request = WriteRequest(content=line, session_id=f"s{i}", namespace="chat")
            memory_id = engine.memories.write("acme", request).memory_id
            assert memory_id is not None
            texts[memory_id] = line
        for i in range(60):
            # Enough memories that "Ann" is a common word of the partition.
            note = f"{'Ann' if i % 2 else 'Ben'}: note {i}, rain, wind, fog"
            engine.memories.write("acme", WriteRequest(content=note, namespace="chat"))
        response = engine.memories.read(
            "acme", ReadRequest(query=QUESTION, max_results=20, namespace="chat")
        )
    return [texts.get(m.id, "") for m in response.memories]


def test_the_follow_up_is_recalled_through_the_first_hit(tmp_path: Path) -> None:
    recalled = _recalled(tmp_path, FEEDBACK)
    assert recalled[0] == FIRST
    assert FOLLOW_UP in recalled
    # It enters on the strength of the first hit's words, below the hits of the question's own.
    assert recalled.index(FOLLOW_UP) > recalled.index(LINES[3])


def test_without_feedback_the_follow_up_is_not_recalled(tmp_path: Path) -> None:
    recalled = _recalled(tmp_path, RankingWeights())
    assert recalled[0] == FIRST
    assert FOLLOW_UP not in recalled
