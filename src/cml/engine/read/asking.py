"""Turns that only ask or exclaim tell nothing to recall; they yield to the turns that tell.

"Wow, Nate, that looks awesome! What inspired you?" matches a question about what inspired
someone better than the answer does (questions are worded like questions), yet it holds no fact:
every sentence of it is a question or an exclamation. In LoCoMo such turns are 11 % of the
turns that answer no question and 2 % of the evidence; in LongMemEval's chat histories, 17 % of
the user messages and 1 of the 163 that hold an answer. Here the fused score of a candidate
whose text (after a leading ``Name:`` label and without an ``[image: ...]`` note) is made only
of questions and exclamations, ending with a question, is scaled down by ``1 - share``. A
message with one statement in it ("I moved to Denver last week. Any tips?") is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cml.storage.base import MemoryRecord

__all__ = ["favour_telling_turns", "only_asks"]

_LABEL = re.compile(r"^\s*[\w'.-]{1,30}(?: [\w'.-]{1,30})?:\s")
_NOTE = re.compile(r"\s*\[image:[^\]]*\]\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def only_asks(text: str) -> bool:
    """Whether ``text`` is made only of questions and exclamations, ending with a question.

    Example:
        >>> only_asks("Joanna: Wow, Nate! What inspired you?"), only_asks("I moved. Any tips?")
        (True, False)
    """
    body = text.strip()
    if body.endswith("]"):
        body = _NOTE.sub("", body)
    # Most texts end otherwise: they are told apart without reading them (a label never ends one).
    if not body.endswith("?"):
        return False
    body = _LABEL.sub("", body, count=1).strip()
    return all(part.rstrip().endswith(("?", "!")) for part in _SENTENCE_END.split(body))


def favour_telling_turns(
    records: Sequence[MemoryRecord], fused: dict[str, float], share: float
) -> dict[str, float]:
    """``fused`` with the candidates that only ask scaled down by ``1 - share``.

    Args:
        records: The candidates.
        fused: Fused score per candidate id.
        share: How much of an asking candidate's score is taken away (0 changes nothing).

    Returns:
        The adjusted scores (``fused`` itself when nothing applies).
    """
    if share <= 0:
        return fused
    asking = {record.id for record in records if only_asks(record.content)}
    if not asking:
        return fused
    keep = 1.0 - min(share, 1.0)
    return {m: s * keep if m in asking else s for m, s in fused.items()}
