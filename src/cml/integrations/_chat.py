"""The I/O-free pieces of the chat integrations (the memory provider and the OpenAI helper).

The provider and the helper themselves are written once, async, in
:mod:`cml.integrations._async`; their sync twins are generated from there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from cml.exceptions import CMLError
from cml.models import MAX_QUERY_CHARS

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

__all__ = [
    "DEFAULT_SYSTEM_PROMPT",
    "STORE_CONTEXT_TOKENS",
    "answer_text",
    "build_messages",
    "check_message",
    "degrade",
    "recall_query",
    "recall_session",
]

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."

STORE_CONTEXT_TOKENS = 32
"""The context budget of a turn that only stores an exchange: the smallest the route accepts,
so the retrieval the route does anyway stays as cheap as the contract allows."""

logger = logging.getLogger("cml.integrations")

T = TypeVar("T")


def recall_query(text: str) -> str | None:
    """The read query for ``text``: cut to the contract's limit, ``None`` when blank."""
    text = text.strip()
    return text[:MAX_QUERY_CHARS] if text else None


def recall_session(session_id: str | None, *, restrict_to_session: bool) -> str | None:
    """The session a recall is limited to: ``session_id`` when asked to restrict, else none.

    Raises:
        ValueError: ``restrict_to_session`` is true and ``session_id`` is missing.
    """
    if not restrict_to_session:
        return None
    if session_id is None:
        raise ValueError("restrict_to_session=True needs a session_id to restrict recall to.")
    return session_id


def build_messages(
    user_message: str,
    context: str,
    *,
    system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    extra_messages: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The chat messages for one call: system prompt with memories, history, then the user.

    Args:
        user_message: The user's new message.
        context: The memory block (starting with "## Relevant Memories"), or empty.
        system_prompt: Instructions for the model.
        extra_messages: Messages placed between the system prompt and the user message, such
            as the conversation so far.

    Returns:
        Messages in the OpenAI chat format.
    """
    system = system_prompt
    if context.strip():
        system = f"{system_prompt.rstrip()}\n\n{context.strip()}"
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    messages.extend(dict(message) for message in extra_messages or ())
    messages.append({"role": "user", "content": user_message})
    return messages


def answer_text(completion: ChatCompletion) -> str:
    """The text of a chat completion's first choice ("" for a reply that is only tool calls)."""
    if not completion.choices:
        return ""
    return completion.choices[0].message.content or ""


def check_message(user_message: str) -> None:
    """Refuse a blank message before any work: it cannot be stored, and the answer would be lost.

    Raises:
        ValueError: ``user_message`` is blank.
    """
    if not user_message.strip():
        raise ValueError("user_message must contain some text.")


def degrade(step: str, exc: CMLError, fallback: T) -> T:
    """Log a failed memory ``step`` as a warning and carry on with ``fallback``."""
    logger.warning("Memory %s failed, continuing without it: %s", step, exc)
    return fallback
