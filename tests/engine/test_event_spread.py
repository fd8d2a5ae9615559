"""Questions relating two events: both events' sessions reach the first results.

"How long had I been bird watching when I attended the bird watching workshop?" needs the
session where bird watching began and the one about the workshop. The chatty session about the
hobby matches the question's words turn after turn and, ranked turn by turn, fills the first
results; the stage (:mod:`cml.engine.read.events`, on by default) discounts each further turn of
a session already ranked, for such questions only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cml.engine.read.retrieval import RankingWeights

HOBBY = [
    "user: I started bird watching in January, bird watching has been so relaxing",
    "assistant: bird watching is a lovely hobby; for bird watching start with a field guide",
    "user: which binoculars are good for bird watching beginners?",
    "assistant: for bird watching, 8x42 binoculars are the usual choice",
    "user: I keep a bird watching journal of every bird I see",
    "assistant: a bird watching journal helps you notice each bird's habits",
    "user: I saw a heron while bird watching at the lake",
    "user: bird watching at dawn has become my favourite part of the week",
]
WORKSHOP = [
    "user: today I went to a workshop at the nature centre on spotting warblers",
    "assistant: warblers are small and quick, so that sounds useful",
]
HISTORY = {"hobby": HOBBY, "workshop": WORKSHOP}
EVENT = WORKSHOP[0]
QUESTION = "How long had I been bird watching when I attended the bird watching workshop?"
PLAIN = "Which binoculars are good for bird watching at the workshop?"
OFF = dataclasses.replace(RankingWeights(), event_spread=0.0)
ChatRead = Callable[..., list[str]]  # the ``chat_read`` fixture of conftest.py


def test_the_second_event_reaches_the_first_results(chat_read: ChatRead) -> None:
    ranked = chat_read("on", RankingWeights(), HISTORY, QUESTION, 4)
    assert EVENT in ranked


def test_without_the_stage_one_session_fills_them(chat_read: ChatRead) -> None:
    # The same store and question: the hobby's turns take every place.
    ranked = chat_read("off", OFF, HISTORY, QUESTION, 4)
    assert EVENT not in ranked
    assert set(ranked) <= set(HOBBY)


def test_a_question_about_one_thing_ranks_as_before(chat_read: ChatRead) -> None:
    on = chat_read("plain-on", RankingWeights(), HISTORY, PLAIN, 10)
    off = chat_read("plain-off", OFF, HISTORY, PLAIN, 10)
    assert on == off
