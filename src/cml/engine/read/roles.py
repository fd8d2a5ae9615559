"""Role-aware ranking: in a chat history, a question says whose words it is after.

A conversation between a person and an assistant is often stored one message per memory with
the role leading the text (``"user: I finally went to the dentist on March 3"``,
``"assistant: Here is a recipe you could try"``). The assistant's replies echo the person's
words and add many of their own, so they match a question's words and meaning as well as the
message that holds the answer, and often better: a question about the person's own life ("How
many doctor's appointments did I go to in March?") is answered by what the *person* said,
while the reply that repeats it ("Great that you went to the doctor!") only looks like an
answer. A question about what the assistant said ("What was the trail you recommended?") is
the other way round.

So, when the candidates of a read hold both roles, the query is read for whose words it
wants: the assistant's when it quotes the assistant ("you told me", "you recommended":
:data:`ASKS_ASSISTANT`); either, when it asks to recall the conversation itself ("remind me",
"our previous chat", "we talked about": :data:`RECALLS_CONVERSATION`, where either side may
have said it: "what did we finally decide to name it?"); else the person's, when it speaks in
the first person (:data:`ASKS_USER`). The fused score of the other role's messages is scaled
by ``1 - share``. A query that asks for neither (a third-person question, a bare keyword), and
a store without role labels, are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cml.storage.base import MemoryRecord

__all__ = [
    "ASKS_ASSISTANT",
    "ASKS_USER",
    "RECALLS_CONVERSATION",
    "asked_role",
    "favour_asked_role",
    "holds_both_roles",
    "role_of",
]

ASSISTANT = "assistant"
USER = "user"

_LABEL = re.compile(r"^\s*(user|assistant)\s*:\s", re.IGNORECASE)

ASKS_ASSISTANT = re.compile(
    r"\byou(?:'ve| have)? (?:told|said|suggested|recommended|mentioned|gave|given|provided"
    r"|listed|shared|explained|described|offered|wrote|written|proposed|advised)\b",
    re.IGNORECASE,
)
"""A query quoting the assistant: "you told me", "you recommended"."""

RECALLS_CONVERSATION = re.compile(
    r"\b(?:remind me"
    r"|(?:our|the) (?:previous|last|earlier|past) (?:conversation|chat|discussion)s?"
    r"|we (?:talked|discussed|spoke|chatted|decided))\b",
    re.IGNORECASE,
)
"""A query recalling the conversation itself, which either side may have said it in."""

ASKS_USER = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself)\b", re.IGNORECASE)
"""A query in the first person: the asker asks about their own life."""


def role_of(text: str) -> str | None:
    """The role a memory's text starts with (``"user"`` or ``"assistant"``), if any.

    Example:
        >>> role_of("assistant: Try the Ruta del Agua."), role_of("Caroline: hi")
        ('assistant', None)
    """
    match = _LABEL.match(text)
    return match.group(1).lower() if match else None


def holds_both_roles(records: Sequence[MemoryRecord]) -> bool:
    """Whether ``records`` hold messages of both roles: a history of chats with an assistant.

    Example:
        >>> from datetime import UTC, datetime
        >>> t = datetime(2024, 1, 1, tzinfo=UTC)
        >>> def memory(text):
        ...     return MemoryRecord(text, "t", text, "episodic_event", t, t)
        >>> holds_both_roles([memory("user: hi"), memory("assistant: hello")])
        True
        >>> holds_both_roles([memory("Caroline: hi"), memory("user: hello")])
        False
    """
    return {USER, ASSISTANT} <= {role_of(record.content) for record in records}


def asked_role(query: str) -> str | None:
    """Whose words ``query`` asks about: ``"assistant"``, ``"user"`` or ``None`` (either).

    Example:
        >>> asked_role("Can you remind me of the trail you recommended?")
        'assistant'
        >>> asked_role("How many bikes do I own?"), asked_role("Who won the race?")
        ('user', None)
        >>> asked_role("Can you remind me what I named it in our last chat?") is None
        True
    """
    if ASKS_ASSISTANT.search(query):
        return ASSISTANT
    if RECALLS_CONVERSATION.search(query):
        return None
    if ASKS_USER.search(query):
        return USER
    return None


def favour_asked_role(
    records: Sequence[MemoryRecord], fused: dict[str, float], query: str, share: float
) -> dict[str, float]:
    """The fused scores with the messages of the role the query does not ask for scaled down.

    Args:
        records: The candidates, whose leading ``user:``/``assistant:`` labels give the roles.
        fused: Their fused scores, by memory id.
        query: The caller's text, read by :func:`asked_role`.
        share: ``RankingWeights.role``: the share taken from the other role (0: none).

    Returns:
        New scores, or ``fused`` itself when the query asks for neither role or the candidates
        are not messages of both roles.
    """
    other = {USER: ASSISTANT, ASSISTANT: USER}.get(asked_role(query) or "") if share > 0 else None
    if other is None or not holds_both_roles(records):
        return fused
    roles = {record.id: role_of(record.content) for record in records}
    keep = 1.0 - min(share, 1.0)
    return {key: value * keep if roles.get(key) == other else value for key, value in fused.items()}
