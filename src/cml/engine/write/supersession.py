"""Whether a new memory supersedes an older one: rules for corrections and changes of state.

"The user moved to Munich last month" retires "The user lives in Berlin"; "Actually my name is
Alex, not Sam" retires "My name is Sam". Something that happened never retires something else
that happened: "went to the gym on Monday" leaves "went to the park on Sunday" alone.

How the decision is made (no model, a few regular expressions per pair):

1. Never for episodes: when either memory's type is one of :data:`HAPPENED_KINDS` (an event, a
   conversation turn, a message, ...), nothing is superseded.
2. Never for a new text that is a question, a hypothetical or plan ("might move to", "thinking
   about", "will", "if"), a statement about the past ("used to", "grew up in") or an addition
   ("also", "too", "as well").
3. Both texts are read as a :class:`~cml.engine.write.claims.Claim`: a *subject* (the user
   for "I", "my", "the user"; "user sister" for "my sister"; a name; the thing a schedule is
   about, "team meeting"), an *attribute* from a lexicon of cue phrases (residence, employer,
   job, name, age, relationship, diet, likes, preference, favourite X, medication per drug,
   schedule, address, phone, email, pet, car, school, manager, team, smoking, weight, salary,
   ...), the content words of the *value* and whether the claim is *negated* ("no longer",
   "not", "quit", "stopped").
4. Subjects and attributes must match. Then the new claim supersedes the old one when it
   corrects it ("..., not Sam", "instead of coffee", "switched from X to"), retracts it ("no
   longer lives in Madrid", "stopped taking metformin"), turns a negated state positive ("started
   eating fish again"), or, for a single-valued attribute (one residence, one employer, one
   name), states a different value. A multi-valued attribute (likes, pets, allergies, hobbies)
   is only superseded by a correction or a retraction of the same value: "likes comedies" does not
   retire "likes horror movies". A value that only adds words to the old one ("Priya Sharma"
   after "Priya") is a restatement unless the text says it changed ("now", "new", "actually").

How the write path is meant to use it: after a new memory is stored (never for a write merged as
a duplicate), take the few most similar *active* memories of the same tenant and namespace (the
vector search the duplicate check already runs, with a lower threshold), call
:func:`decide_supersession` with each one's text and type, and retire the ones it returns
``supersedes=True`` for (``superseded_at``/``superseded_by``, one event each, with
:attr:`Supersession.reason` in the event). Pass the memory types the caller gave; an inferred type
is only a guess (the type classifier files most unmatched sentences under ``episodic_event``), so
pass ``None`` for a type that was not given to let the text decide.

Example:
    >>> decide_supersession("The user moved to Munich last month", "The user lives in Berlin")
    Supersession(supersedes=True, reason='residence: value changed')
    >>> supersedes("I went to the gym on Monday", "I went to the park on Sunday")
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cml.engine.write.claims import normal_text, read_claim, value_words
from cml.engine.write.dedup import EPISODIC_KINDS

__all__ = [
    "HAPPENED_KINDS",
    "Supersession",
    "can_supersede",
    "decide_supersession",
    "supersedes",
]

HAPPENED_KINDS: frozenset[str] = EPISODIC_KINDS
"""Types of memories that record something that happened: they never supersede or get superseded."""


@dataclass(frozen=True)
class Supersession:
    """The decision for one pair, with the rule that made it (for the event log).

    Attributes:
        supersedes: True when the new memory retires the old one.
        reason: Short explanation ("residence: value changed", "episode", ...).
    """

    supersedes: bool
    reason: str


_QUESTION = re.compile(
    r"^(?:do|does|did|is|are|was|were|can|could|should|would|will|what|where|when|who|whom|why|"
    r"how|which|whose)\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(?:if|might|maybe|perhaps|considering|thinking (?:about|of)|plans? to|planning|"
    r"wants? to|would|could|should|hopes? to|hoping|going to|will|someday|one day|wish(?:es)?|"
    r"suggested|saving up for|dreams? of|may|(?:am|'m|is|are|'re) (?:moving|relocating) to)\b"
)
_PAST = re.compile(
    r"\b(?:used to|grew up|formerly|previously|back then|as a child|in the past|(?:was|were) my)\b"
    r"|^before\b"
)
_ADDITION = re.compile(r"\b(?:also|too|as well|in addition|additionally|another)\b")
_CHANGE = re.compile(
    r"\b(?:now|new|newly|changed?|switched|moved|no longer|anymore|actually|correction|update|"
    r"updated|instead|from now on|these days|nowadays|promoted|became|turned|since)\b"
)
_TARGET = re.compile(
    r"\b(?:not|instead of|rather than|over|from|no longer)\s+"
    r"([\w' -]+?)(?=[,.;!?]|$|\s+(?:and|but|to|anymore)\b)"
)
_SWITCHABLE = frozenset({"car", "provider", "bank", "gym", "diet", "preference", "medication"})


def _same_subject(a: frozenset[str], b: frozenset[str]) -> bool:
    if a == b:
        return True
    smaller, larger = (a, b) if len(a) < len(b) else (b, a)
    return smaller != {"user"} and smaller < larger


def _blocked(normal: str, raw: str, *, new: bool) -> str | None:
    if raw.rstrip().endswith("?") or _QUESTION.match(normal):
        return "question"
    # "May" the month is not "may" the verb.
    if _HYPOTHETICAL.search(normal) and not (
        re.search(r"\bmay\b", normal) and not re.search(r"\bmay\b", raw)
    ):
        return "hypothetical"
    if _PAST.search(normal):
        return "past"
    if new and _ADDITION.search(normal):
        return "addition"
    return None


def can_supersede(new_text: str, new_type: str | None = None) -> bool:
    """Whether ``new_text`` could retire anything at all, before looking for candidates.

    False for an episode, a question, a plan, the past, an addition, or a text without a claim:
    :func:`decide_supersession` would refuse every pair for it, so the write path skips the
    search.

    Example:
        >>> can_supersede("I went to the gym on Monday", "episodic_event")
        False
        >>> can_supersede("The user moved to Munich last month")
        True
    """
    if new_type in HAPPENED_KINDS:
        return False
    if _blocked(normal_text(new_text), new_text, new=True):
        return False
    return read_claim(new_text) is not None


def decide_supersession(
    new_text: str,
    old_text: str,
    *,
    new_type: str | None = None,
    old_type: str | None = None,
) -> Supersession:
    """Decide whether a new memory retires an older one (see the module docstring for the rules).

    The caller has already matched tenant and namespace and picked ``old_text`` as a candidate
    (a similar active memory).

    Args:
        new_text: The new memory's content.
        old_text: The candidate older memory's content.
        new_type: The new memory's type, or ``None`` when not given.
        old_type: The older memory's type, or ``None`` when not given.

    Returns:
        The decision and the rule that made it.
    """
    if new_type in HAPPENED_KINDS or old_type in HAPPENED_KINDS:
        return Supersession(False, "episode")
    new_normal = normal_text(new_text)
    blocked = _blocked(new_normal, new_text, new=True) or _blocked(
        normal_text(old_text), old_text, new=False
    )
    if blocked:
        return Supersession(False, blocked)
    new, old = read_claim(new_text), read_claim(old_text)
    if new is None or old is None:
        return Supersession(False, "no attribute")
    if not _same_subject(new.subject, old.subject):
        return Supersession(False, "other subject")
    targets = frozenset().union(*(value_words(t) for t in _TARGET.findall(new_normal)))
    corrected = bool(targets & old.value)
    if new.attribute == "*":
        if not (corrected or new.value & old.value or old.attribute in _SWITCHABLE):
            return Supersession(False, "other attribute")
    elif new.attribute != old.attribute or old.attribute == "*":
        return Supersession(False, "other attribute")
    name = old.attribute
    if corrected:
        return Supersession(True, f"{name}: correction")
    if new.negated != old.negated:
        if not new.value or not old.value or new.value & old.value:
            return Supersession(True, f"{name}: {'retracted' if new.negated else 'now true'}")
        return Supersession(False, f"{name}: other value negated")
    if new.negated:
        return Supersession(False, f"{name}: restated")
    changed = bool(_CHANGE.search(" ".join(new_text.lower().split())))
    if new.value == old.value:
        placeholder = any(w.startswith("[redacted") for w in new.value)
        return Supersession(
            placeholder and changed,
            f"{name}: " + ("new value" if placeholder and changed else "restated"),
        )
    if new.value <= old.value or old.value <= new.value:
        return Supersession(changed, f"{name}: " + ("refined" if changed else "restated"))
    if not (new.single and old.single):
        return Supersession(False, f"{name}: added value")
    if name == "preference" and not (changed or new.value & old.value):
        return Supersession(False, "preference: other topic")
    return Supersession(True, f"{name}: value changed")


def supersedes(
    new_text: str, old_text: str, *, new_type: str | None = None, old_type: str | None = None
) -> bool:
    """True when the new memory retires the older one (:func:`decide_supersession`, as a bool).

    Example:
        >>> supersedes("Actually my name is Alex, not Sam", "My name is Sam")
        True
    """
    decision = decide_supersession(new_text, old_text, new_type=new_type, old_type=old_type)
    return decision.supersedes
