"""Instructions to the assistant that a later instruction changes.

"Use metric units" is changed by "Switch to imperial units please"; "I prefer short answers" by
"Give me detailed answers from now on"; "Don't use emojis with me" by "Emojis are fine now".
Such memories name no attribute the claim lexicon knows: they are read by what the instruction
is about, a noun of the assistant's output (:data:`TOPICS`: answers, units, spelling,
reminders, ...).

A new text changes an old instruction when both are instructions or stated preferences (an
agent's note counts: "User prefers short answers", "Preferred units: metric"), every topic the
old one names is named by the new one (so "Switch my phone to dark mode" leaves "Use dark mode in
the dashboard") or both set one facet to different values (the language or the units answers
are in: "Answer in English from now on" after "Prefers responses in Portuguese"), the new one
says the change holds from now on ("from now on", "going forward", "now", "instead", "again",
"back to", or opens with "switch", "change", "move", "stop", "start"), it names a word the old
one lacks or turns its "don't" around, and it is about no single occasion or other person
("Convert this recipe to imperial units", "Remind my husband about his workouts"). The verb an
instruction opens with is no topic: "Reply to me in Spanish" is about the language, not about
replies.
"""

from __future__ import annotations

import re

from cml.engine.write.claims import (
    PEOPLE,
    is_negated,
    normal_text,
    singular,
    value_words,
)
from cml.engine.write.lexicon import word_list

__all__ = ["TOPICS", "changes_instruction", "is_instruction_change"]

TOPICS: frozenset[str] = frozenset(
    word_list(
        """answer reply response unit spelling reminder notification emoji summary example code
    dashboard tone format alert digest newsletter theme mode"""
    )
)
"""Nouns of what an assistant produces or how, singular: what an instruction is about."""

_FACETS = {
    **dict.fromkeys(
        word_list(
            """english spanish french german portuguese italian dutch japanese chinese mandarin
        cantonese korean russian arabic hindi polish swedish norwegian danish finnish greek
        turkish hebrew vietnamese thai indonesian ukrainian czech romanian hungarian"""
        ),
        "language",
    ),
    **dict.fromkeys(
        word_list(
            """metric imperial celsius fahrenheit mile miles kilometre kilometres kilometer
        kilometers km kg kilogram kilograms pound pounds lbs"""
        ),
        "unit",
    ),
}
"""Values of what an assistant's output is in, by the facet they set: "answer in English" and
"Prefers responses in Portuguese" are both about the language; "miles" and "metric" about units."""
_ANY_TOPIC = re.compile(
    "|".join(sorted([t.removesuffix("y") for t in TOPICS] + [rf"\b{v}\b" for v in _FACETS]))
)
"""A quick look for a topic's letters ("summar" for "summaries"), before a text is read."""
_INSTRUCTION = re.compile(
    r"^(?:please |ok(?:ay)?,? |also,? )?(?:use|reply|respond|answer|write|send|give|keep|text|"
    r"email|notify|remind|switch|change|move|stop|start|format|show|address|call|don't|do not|"
    r"never|always|you can|you may|feel free|go ahead|i prefer|i'd prefer|i want|i'd like|"
    r"i like my)\b"
    r"|\b(?:from now on|going forward|in future|from here on)\b"
    # An agent's note of a standing preference: "User prefers short answers", "Preferred units:
    # metric", "Measurements should be given in metric units".
    r"|^(?:the )?(?:user|customer)(?:'s)? (?:prefers|wants|likes|preferred)\b"
    r"|^(?:prefers|wants|likes)\b|\bpreferred\b|\bshould be (?:given|written|sent)\b"
    r"|^[\w ]{1,40}\b(?:are|is) (?:fine|ok|okay|good|welcome) (?:now|again)\b"
)
_LASTING = re.compile(
    r"\b(?:from now on|going forward|in future|from here on|now|instead|again|back to|anymore|"
    r"no longer)\b|^(?:please |ok(?:ay)?,? )?(?:switch|change|move|stop|start)\b"
)
_ASKS = re.compile(
    r"\?|^(?:[a-z]+: )?(?:what|how|why|when|where|who|which|can|could|would|should|do|does|did|"
    r"is|are)\b"
)
"""A question, with or without its mark ("user: What can be done in future to ...")."""
_ONCE = re.compile(r"\b(?:this|that|these|those|today|tonight|tomorrow|once)\b")
_WORDING = frozenset(
    word_list(
        """please use reply respond write send give keep switch change move stop start now instead
    again back going forward from okay ok also fine good welcome go ahead can you may feel free
    on in my me i with the a an to of for be about"""
    )
)


_OPENING_VERB = re.compile(
    r"^(?:(?:please|always|never|also|ok|okay),? )*(?:use|reply|respond|answer|write|send|give|"
    r"keep|text|email|notify|remind|switch|change|move|stop|start|format|show|address|call)\b"
)


def _topics(normal: str) -> frozenset[str]:
    words = re.findall(r"[a-z]+", _OPENING_VERB.sub("", normal, count=1))
    return frozenset(w for w in map(singular, words) if w in TOPICS) | _facets(normal)


def _facets(normal: str) -> frozenset[str]:
    return frozenset(_FACETS[w] for w in re.findall(r"[a-z]+", normal) if w in _FACETS)


def is_instruction_change(new_text: str) -> bool:
    """Whether ``new_text`` is an instruction that could change an older one (a cheap test).

    Example:
        >>> is_instruction_change("Switch to imperial units please")
        True
        >>> is_instruction_change("Convert this recipe to imperial units please")
        False
    """
    if not _ANY_TOPIC.search(new_text.lower()):
        return False  # most texts: no topic, nothing to read
    normal = normal_text(new_text)
    return bool(
        not _ASKS.search(normal)
        and _INSTRUCTION.search(normal)
        and _LASTING.search(normal)
        and not _ONCE.search(normal)
        and _topics(normal)
        and not set(re.findall(r"[a-z]+", normal)) & PEOPLE
    )


def changes_instruction(new_text: str, old_text: str) -> bool:
    """Whether ``new_text`` changes the instruction ``old_text`` gave (see the module doc).

    Example:
        >>> changes_instruction("Switch to imperial units please", "Use metric units")
        True
        >>> changes_instruction("Switch my phone to dark mode", "Use dark mode in the dashboard")
        False
    """
    if not is_instruction_change(new_text):
        return False
    new, old = normal_text(new_text), normal_text(old_text)
    if _ASKS.search(old) or not _INSTRUCTION.search(old):
        return False
    old_topics = _topics(old)
    shared = _facets(old) & _facets(new)
    if not old_topics or not (shared or old_topics <= _topics(new)):
        return False
    if shared:
        # "Answer in English from now on" after "Prefers responses in Portuguese": a facet set
        # to another of its values.
        values = {w for w in re.findall(r"[a-z]+", new) if _FACETS.get(w) in shared}
        return bool(values - set(re.findall(r"[a-z]+", old)))
    if is_negated(old) != is_negated(new):
        return True  # "Emojis are fine now" after "Don't use emojis with me"
    stems = {singular(w) for w in value_words(old)}
    said = {singular(w) for w in value_words(new)} - _WORDING - TOPICS
    return bool(said - stems)
