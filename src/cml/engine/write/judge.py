"""Who decides whether a new memory retires older ones: the rules, or the LLM when configured.

Without an LLM, :func:`cml.engine.write.supersession.decide_supersession` decides each pair; a
bare change that names no old value ("I switched to Verizon") retires memories of one attribute
only, that of the nearest one it can change. With one (``CML_LLM_BASE_URL`` and
``CML_LLM_MODEL``), the model sees the new memory and its nearest candidates in one request and
names the ones it makes outdated, so wordings outside the rules' lexicon are covered too; when the
model cannot be reached or answers with something that is not a list of candidate numbers, the
rules decide instead. Either way the guard comes first: a memory whose stated type records
something that happened never retires or is retired.

Example:
    >>> parse_choice("[2]", 3)
    [1]
    >>> parse_choice("none of them", 3) is None
    True
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from cml.engine.write.claims import read_claim
from cml.engine.write.supersession import HAPPENED_KINDS, decide_supersession
from cml.errors import UnavailableError
from cml.llm import ChatLLM
from cml.storage.base import MemoryRecord

__all__ = ["LLM_MIN_SIMILARITY", "SYSTEM_PROMPT", "judge", "parse_choice"]

log = logging.getLogger(__name__)

LLM_MIN_SIMILARITY = 0.3
"""Cosine similarity below which a candidate is not shown to the model (it is not the same fact)."""

SYSTEM_PROMPT = (
    "You maintain a user's long-term memory. A NEW memory was just stored. Decide which of the "
    "numbered EXISTING memories it makes outdated: the new one corrects it, retracts it, or gives "
    "the same attribute of the same subject a new value (moved city, new employer, changed name, "
    "changed dose, stopped a habit). Do NOT mark memories that are about another subject or "
    "attribute, that the new one only adds to (a second pet, another hobby), events that simply "
    "happened at different times, or anything the new memory only plans, asks or imagines. "
    "Answer with a JSON list of the numbers of the outdated memories, e.g. [] or [2]."
)

_LIST = re.compile(r"\[[\d,\s]*\]")


def parse_choice(answer: str, count: int) -> list[int] | None:
    """The 0-based candidate indexes named in a model's answer, or ``None`` if unusable.

    Args:
        answer: The model's text; the first ``[...]`` list of integers in it counts.
        count: How many candidates were shown (numbered from 1).
    """
    match = _LIST.search(answer)
    if match is None:
        return None
    try:
        numbers = json.loads(match.group(0))
    except ValueError:
        return None
    if any(not 1 <= n <= count for n in numbers):
        return None
    return sorted({n - 1 for n in numbers})


def _ask(llm: ChatLLM, new_text: str, candidates: Sequence[MemoryRecord]) -> list[int] | None:
    lines = "\n".join(f"{i}. {record.content}" for i, record in enumerate(candidates, start=1))
    prompt = f"NEW: {new_text}\nEXISTING:\n{lines}"
    try:
        answer = llm.complete(prompt, system=SYSTEM_PROMPT, max_tokens=32)
    except UnavailableError as exc:
        log.warning("supersession: the LLM is unavailable, the rules decide: %s", exc.message)
        return None
    chosen = parse_choice(answer, len(candidates))
    if chosen is None:
        log.warning("supersession: the LLM answered %r, the rules decide", answer[:80])
    return chosen


def judge(
    llm: ChatLLM | None,
    new: MemoryRecord,
    new_type: str | None,
    candidates: Sequence[tuple[MemoryRecord, str | None, float]],
) -> list[tuple[MemoryRecord, str]]:
    """The candidates ``new`` retires, with the reason for each.

    Args:
        llm: The configured chat model, or ``None`` for the rules alone.
        new: The new memory.
        new_type: Its type if the writer stated it (``None``: inferred, let the text decide).
        candidates: ``(older memory, its stated type or None, cosine similarity)``, nearest
            first.

    Returns:
        ``(older memory, reason)`` for each memory to retire.
    """
    if new_type in HAPPENED_KINDS:
        return []
    eligible = [(old, kind, score) for old, kind, score in candidates if kind not in HAPPENED_KINDS]
    if llm is not None:
        shown = [old for old, _, score in eligible if score >= LLM_MIN_SIMILARITY]
        if not shown:
            return []
        chosen = _ask(llm, new.content, shown)
        if chosen is not None:
            return [(shown[i], "llm: outdated by the new memory") for i in chosen]
    # "I switched to Verizon" names no attribute and no old value: it changes one attribute,
    # that of the nearest memory it can change (the phone carrier, not also the internet
    # provider). "I traded in my Subaru" names what it ends, in every memory that says it.
    claim = read_claim(new.content)
    bare = claim is not None and claim.attribute == "*"
    changed: str | None = None
    retired: list[tuple[MemoryRecord, str]] = []
    for old, kind, score in eligible:
        decision = decide_supersession(
            new.content, old.content, new_type=new_type, old_type=kind, similarity=score
        )
        if not decision.supersedes:
            continue
        was = read_claim(old.content) if bare else None
        if claim is not None and was is not None and not claim.value & was.value:
            if changed not in (None, was.attribute):
                continue
            changed = was.attribute
        retired.append((old, decision.reason))
    return retired
