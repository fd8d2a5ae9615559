"""In a user/assistant chat history, a question prefers the words of the role it asks about."""

from __future__ import annotations

import dataclasses

import pytest

from cml.engine import EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.engine.read.roles import asked_role, role_of
from cml.models import ReadRequest, WriteRequest

CHAT = [
    "user: by the way, I finally saw the dentist on Monday, then went shopping for groceries, "
    "picked up a parcel at the post office and cooked dinner for friends",
    "assistant: Great that you saw the dentist for your check-up! Dentist check-ups matter.",
    "user: I want a hiking trail in the park with panoramic views of the valley",
    "assistant: I recommend the Ruta del Agua trail, it crosses the park and ends at the lake",
]


FILLER = [f"{'assistant' if i % 2 else 'user'}: note {i} on painting" for i in range(30)]


def _top(role_share: float, config: EngineConfig, query: str) -> str:
    """The first memory a read of ``query`` returns from the chat, ranked with ``role_share``.

    The ``when`` stage is off, so the role stage is judged alone on a question asking when.
    """
    weights = dataclasses.replace(RankingWeights(), role=role_share, when=0.0)
    with open_engine(config, weights=weights) as e:
        for line in [*CHAT, *FILLER]:
            e.memories.write("acme", WriteRequest(content=line, namespace="chat"))
        asked = ReadRequest(query=query, max_results=3, namespace="chat", format="list")
        return e.memories.read("acme", asked).memories[0].text


FIRST_PERSON = "When did I see the dentist for my check-up?"
ABOUT_THE_ASSISTANT = "Can you remind me which hiking trail in the park you recommended?"


def test_a_question_about_my_life_finds_what_i_said(config: EngineConfig) -> None:
    assert _top(RankingWeights().role, config, FIRST_PERSON) == CHAT[0]


def test_without_the_stage_the_assistant_s_echo_wins(config: EngineConfig) -> None:
    # The reply repeats the question's words more often than the message that answers it.
    assert _top(0.0, config, FIRST_PERSON) == CHAT[1]


def test_a_question_about_what_the_assistant_said_finds_its_reply(config: EngineConfig) -> None:
    assert _top(RankingWeights().role, config, ABOUT_THE_ASSISTANT) == CHAT[3]


def test_without_the_stage_the_user_s_request_wins(config: EngineConfig) -> None:
    assert _top(0.0, config, ABOUT_THE_ASSISTANT) == CHAT[2]


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("user: what is the time", "user"),
        ("Assistant: it is noon", "assistant"),
        ("Caroline: hi", None),
        ("a user: note", None),
    ],
)
def test_the_role_is_the_leading_label(text: str, role: str | None) -> None:
    assert role_of(text) == role


@pytest.mark.parametrize(
    ("query", "role"),
    [
        ("I remember you told me to dilute tea tree oil. What ratio?", "assistant"),
        ("Following up on our previous chat about apps, you mentioned one. Which?", "assistant"),
        # Recalling the conversation itself: either side may have said it.
        ("Following up on our previous chat about apps: which one was it?", None),
        ("What did we finally decide to name the zombie?", None),
        ("Can you remind me of the dessert shop we talked about last time?", None),
        ("How many bikes do I currently own?", "user"),
        ("Can you recommend a show for me to watch tonight?", "user"),
        ("Who graduated first among Emma, Rachel and Alex?", None),
    ],
)
def test_the_query_names_whose_words_it_wants(query: str, role: str | None) -> None:
    assert asked_role(query) == role
