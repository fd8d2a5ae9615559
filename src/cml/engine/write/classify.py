"""Explainable guesses about a memory: its type and its importance.

Both are small ordered rule lists rather than a model, so that every decision can be explained
("preference: matched 'I prefer'") and overridden by the caller. The rules are conservative:
when nothing clearly matches, a memory is an ``episodic_event`` of middling importance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cml.models import MemoryType

__all__ = ["TypeGuess", "estimate_importance", "infer_memory_type"]


@dataclass(frozen=True)
class TypeGuess:
    """An inferred memory type and the rule that chose it.

    Attributes:
        memory_type: The inferred type.
        reason: Which rule matched (``"default"`` when none did).
    """

    memory_type: MemoryType
    reason: str


_I = re.IGNORECASE
_SUBJECT = r"(?:i|we|you|they|user|users)"
_RELATIONS = (
    r"(?:name|birthday|birth date|age|job|job title|role|title|occupation|profession|hometown|"
    r"nationality|native language|first language|time ?zone|employer|company|manager|boss|wife|"
    r"husband|partner|son|daughter|brother|sister|mother|father|mom|dad|dog|cat|pet)"
)

# First match wins. Strong constraints come before preferences ("I'm allergic to nuts and love
# cake" is about the allergy); weak constraint words ("always", "never") come after preferences
# ("I always prefer aisle seats" is a preference).
_TYPE_RULES: tuple[tuple[MemoryType, str, re.Pattern[str]], ...] = (
    (
        MemoryType.CONSTRAINT,
        "strong constraint (allergic/must not/can't eat)",
        re.compile(
            r"\b(?:allergic|allergy|allergies|intoleran(?:t|ce)|must not|must never|mustn't|"
            r"can(?:no|')t (?:eat|drink|have|use|take)|not allowed|forbidden|prohibited|"
            r"do not ever|don't ever|under no circumstances)\b",
            _I,
        ),
    ),
    (
        MemoryType.PREFERENCE,
        "preference (prefer/like/love/hate/favorite)",
        re.compile(
            r"\b(?:prefers?|preferred|preference|favou?rites?|would rather|i'd rather|"
            r"can't stand|likes|loves|hates|dislikes|enjoys|adores|"
            rf"{_SUBJECT}\s+(?:really\s+|also\s+|do(?:n't|\s+not)\s+)?"
            r"(?:like|love|hate|dislike|enjoy|adore))\b",
            _I,
        ),
    ),
    (
        MemoryType.CONSTRAINT,
        "constraint (never/always/must)",
        re.compile(r"\b(?:never|always|must|required to|has to|have to)\b", _I),
    ),
    (
        MemoryType.PROCEDURE,
        "procedure (how to/step 1/first..then)",
        re.compile(
            r"\b(?:how to|step\s*\d+|steps to|instructions? (?:for|to)|recipe for)\b|"
            r"\bfirst\b.{0,200}?\bthen\b",
            _I | re.DOTALL,
        ),
    ),
    (
        MemoryType.TASK_STATE,
        "task state (working on/todo/in progress/deadline)",
        re.compile(
            r"\b(?:working on|todo|to-do|to do list|in progress|deadline|due (?:by|on|date)|"
            r"blocked (?:on|by)|next step|half-?done|finished (?:the|with)|pending)\b",
            _I,
        ),
    ),
    (
        MemoryType.HYPOTHESIS,
        "hypothesis (maybe/I think/probably/might)",
        re.compile(
            r"\b(?:maybe|perhaps|probably|possibly|might|i think|i suspect|i guess|i believe|"
            r"not sure|seems to|seems like|likely)\b",
            _I,
        ),
    ),
    (
        MemoryType.SEMANTIC_FACT,
        "fact about the user (my name is/I live in/I work at/my X is)",
        re.compile(
            r"^\s*(?:my name is|i am called|i live in|i work (?:at|as|for|in)|i was born|"
            rf"i'm from|i am from|my (?:\w+'s )?{_RELATIONS}\b[^.]{{0,40}}?\b(?:is|are)\b)",
            _I,
        ),
    ),
)


def infer_memory_type(text: str) -> TypeGuess:
    """Guess the type of a memory from its wording.

    Args:
        text: The memory content.

    Returns:
        The guessed type and the rule that chose it; ``episodic_event`` when no rule matches.

    Example:
        >>> infer_memory_type("I prefer window seats").memory_type
        <MemoryType.PREFERENCE: 'preference'>
    """
    for memory_type, reason, pattern in _TYPE_RULES:
        if pattern.search(text):
            return TypeGuess(memory_type, reason)
    return TypeGuess(MemoryType.EPISODIC_EVENT, "default")


_BASE_IMPORTANCE: dict[str, float] = {
    MemoryType.CONSTRAINT: 0.8,
    MemoryType.PREFERENCE: 0.65,
    MemoryType.SEMANTIC_FACT: 0.6,
    MemoryType.KNOWLEDGE: 0.6,
    MemoryType.PROCEDURE: 0.6,
    MemoryType.PLAN: 0.55,
    MemoryType.TASK_STATE: 0.55,
    MemoryType.EPISODIC_EVENT: 0.45,
    MemoryType.OBSERVATION: 0.4,
    MemoryType.HYPOTHESIS: 0.35,
    MemoryType.CONVERSATION: 0.35,
    MemoryType.MESSAGE: 0.3,
    MemoryType.TOOL_RESULT: 0.3,
    MemoryType.REASONING_STEP: 0.25,
    MemoryType.SCRATCH: 0.1,
}

_EMPHASIS = re.compile(
    r"\b(?:important|importantly|remember|critical|crucial|urgent|essential|never forget|"
    r"don't forget|do not forget|key point|must)\b|!",
    _I,
)
_HEALTH_OR_SAFETY = re.compile(
    r"\b(?:allerg\w*|medical|medication|diagnos\w*|emergency|safety|health|disease|pregnan\w*)\b",
    _I,
)


def estimate_importance(memory_type: MemoryType | str, text: str) -> float:
    """Estimate how much a memory matters, in [0, 1].

    The base value comes from the type (constraints matter more than scratch notes); emphasis
    words ("important", "remember") and health/safety topics raise it; very short fragments lower
    it. An explicit ``importance`` on the request always wins over this estimate.

    Args:
        memory_type: The memory's (given or inferred) type.
        text: The memory content.

    Returns:
        The estimate, rounded to two decimals.
    """
    score = _BASE_IMPORTANCE.get(str(memory_type), 0.45)
    if _EMPHASIS.search(text):
        score += 0.15
    if _HEALTH_OR_SAFETY.search(text):
        score += 0.1
    if len(text.strip()) < 12:
        score -= 0.1
    return round(min(1.0, max(0.0, score)), 2)
