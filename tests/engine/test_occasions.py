"""Questions gathering occasions from a chat history: every occasion's chat reaches the top.

"How many guitars do I own?" is answered by the chat about the old guitar *and* the chat where
a second one was bought. The chat about the old guitar matches the question's words message
after message and, ranked message by message, fills the first results; the stage
(:mod:`cml.engine.read.occasions`, on by default) discounts each further message of a chat
already ranked, for gathering questions in a user/assistant history only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cml.engine.read.occasions import gathers_occasions
from cml.engine.read.retrieval import RankingWeights

OLD_GUITAR = [
    "user: the guitar I own is an old Fender guitar, and I love that guitar",
    "assistant: an old Fender guitar is a fine guitar to own; keep the guitar in its case",
    "user: which strings suit the guitar I own? the guitar sounds dull",
    "assistant: for a guitar you own and play daily, change the guitar strings monthly",
    "user: I own a guitar stand too, the guitar rests there",
    "assistant: a stand keeps the guitar you own safe from falls",
    "user: my guitar I own needs a setup, the guitar buzzes",
    "user: I play the guitar I own every evening",
]
NEW_GUITAR = [
    "user: yesterday I bought a small travel guitar at the market",
    "assistant: travel guitars are handy for trips",
]
HISTORY = {"old": OLD_GUITAR, "new": NEW_GUITAR}
# The same history between two people: names instead of roles.
NAMED = {
    session: [
        line.replace("user:", "Caroline:", 1).replace("assistant:", "Melanie:", 1) for line in lines
    ]
    for session, lines in HISTORY.items()
}
BOUGHT = NEW_GUITAR[0]
QUESTION = "How many guitars do I own?"
PLAIN = "Which strings suit the old Fender guitar I own?"
OFF = dataclasses.replace(RankingWeights(), occasion_spread=0.0)
ChatRead = Callable[..., list[str]]  # the ``chat_read`` fixture of conftest.py


def test_the_other_occasion_reaches_the_first_results_one_chat_filled(
    chat_read: ChatRead,
) -> None:
    on = chat_read("on", RankingWeights(), HISTORY, QUESTION, 4)
    off = chat_read("off", OFF, HISTORY, QUESTION, 4)
    assert BOUGHT in on
    # Without the stage, the old guitar's messages take every place.
    assert set(off) <= set(OLD_GUITAR)


def test_only_gathering_questions_are_spread(chat_read: ChatRead) -> None:
    on = chat_read("plain-on", RankingWeights(), HISTORY, PLAIN, 10)
    off = chat_read("plain-off", OFF, HISTORY, PLAIN, 10)
    assert on == off


def test_a_conversation_between_people_ranks_as_before(chat_read: ChatRead) -> None:
    # Named speakers, no roles: the counting question is ranked by its messages alone, and
    # the other occasion stays out of the first results.
    on = chat_read("named-on", RankingWeights(), NAMED, QUESTION, 10)
    off = chat_read("named-off", OFF, NAMED, QUESTION, 10)
    assert on == off
    assert NAMED["new"][0] not in on[:4]


def test_counts_totals_and_the_latest_gather_but_a_time_ago_does_not() -> None:
    assert gathers_occasions("How many years in total did I spend in school?")
    assert gathers_occasions("What is the total I spent on the car wash and the parking ticket?")
    assert gathers_occasions("Which streaming service did I start using most recently?")
    assert not gathers_occasions("How many weeks ago did I attend the festival?")
    assert not gathers_occasions("What breed is my dog?")
