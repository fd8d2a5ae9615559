"""Updates of a routine, an amount or a thing in use that the lexicon has no attribute for.

"My commute takes 45 minutes now" updates "My commute takes 30 minutes"; "I've cut down to one
cup of coffee a day" updates "I drink three cups of coffee a day"; "I switched from Notion to
Obsidian for my notes" ends "I've been using Notion for my notes". None of them names an
attribute of :mod:`~cml.engine.write.claims`' lexicon, so they are read by four shapes, each
between two texts said by the same owner (the user, or the person a text opens with):

1. **Restated with one slot changed**: the new text, without its words of change ("now", "these
   days"), is the old one with one run of up to four words replaced, possibly followed by a
   clause of its own ("since we moved"), and it says the change.
2. **An amount of the same unit**: both texts count the same thing ("30 minutes", "three
   cups"), with different numbers, the new one says the change ("now", "cut down to", "grew
   to"), and they share another word besides the count.
3. **The old value named as left behind**: "switched (my savings) from X to", "replaced X
   with" or "instead of X", where X is a name of the old text or only words of it, or an
   ending verb ("finished", "stopped using", "left", "sold") naming the whole of a name of the
   old text (leaving "Google" is not giving up "Google Maps").
4. **What was under way is done**: "I passed the CPA exam" after "I'm studying for the CPA
   exam", every word of the goal said again after a verb of completion.

Both texts are single sentences (a chat message of several tells many things), and a text
about one occasion ("yesterday", "last week", "on March 10th") updates nothing.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from cml.engine.calendar_words import NUMBER_WORDS
from cml.engine.write.claims import (
    CHANGE,
    PEOPLE,
    SET_VERBS,
    names,
    normal_text,
    one_sentence,
    opening_subject,
    speaker,
    value_words,
)
from cml.engine.write.lexicon import DATE, OCCASION, word_list

__all__ = ["may_update", "says_change", "updates"]


_CHANGE_WORDS = frozenset({"now", "currently", "nowadays", "actually", "just", "new"})
"""Words that say a change and are left out before two texts are compared word by word."""
_THESE_DAYS = re.compile(r"\bthese days\b")
_THOUSANDS = re.compile(r"(\d),(?=\d{3}\b)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_MORE_OR_LESS = re.compile(
    r"\b(?:upped|grew|grown|increased|decreased|lowered|cut (?:down|back)|dropped|"
    r"(?:went|gone) (?:up|down)|reduced|doubled|halved|bumped)\b|^(?:i'm |we're )?(?:down|up) to\b"
)
_LASTING = re.compile(
    r"\b(?:now|nowadays|these days|currently|anymore|any more|no longer|from now on|switched|"
    r"changed|moved)\b|\b(?:i've|i have|we've|we have) been \w+ing\b"
)
_SET = re.compile(rf"\b{SET_VERBS}\b")
_OCCASION = re.compile(rf"\b(?:{OCCASION}|on {DATE})\b")
_TAIL = frozenset({"since", "after", "because", "as", "so", "and", "but", "when", "which", "that"})
_NEGATIONS = frozenset({"not", "no", "never", "don't", "doesn't", "didn't", "won't", "isn't"})
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "i'll", "we", "we've", "we're", "me"})
_NUMBERS = {word: value for word, value in NUMBER_WORDS.items() if len(word) > 2}
"""Number words that count ("three cups"); not "a", which counts nothing in "a day"."""
_NOT_UNITS = frozenset(word_list("more less other others of and or to the a an")) | frozenset(
    word_list("in on at for from by with is are was were")
)
_ELIDED = frozenset(word_list("quit left sold got gave took began went down up"))
"""Words that can open a text whose subject, the writer, is left out: past verbs, and "down"
or "up" of "down to 172 pounds"."""
_HABITS = frozenset(word_list("usually normally typically generally always often mostly regularly"))
"""Words of habit left out before two texts are compared word by word."""
_PREPOSITIONS = frozenset(word_list("at in on to for from with by of into onto near"))
_WORD = re.compile(r"[\w'.-]+")
_LEFT_BEHIND = re.compile(
    r"\b(?:switched|changed|moved|went)(?: [\w']+){0,3} from (?P<from>[\w' -]+?) to\b"
    r"|\breplaced (?:my |our |the )?(?P<replaced>[\w' -]+?) with\b"
    r"|\b(?:instead of|rather than) (?P<instead>[\w' -]+?)(?=[,.;!?]|$| and| but)"
    r"|\b(?:finished|stopped using|stopped|quit|left(?! for| to| on| at| in| home| work)|sold|"
    r"gave up|cancell?ed) (?P<ended>(?:[\w'-]+ ){0,3}[\w'-]+?)(?=[,.;!?]|$| and| but| for| because)"
)

_GOAL = (
    r"(?P<goal>(?:[\w'-]+ ){0,4}?[\w'-]+?)"
    r"(?=[,.;!?]|$| (?:and|but|in|on|at|by|next|this|with|about|for|from|every)\b)"
)
_UNDER_WAY_NOW = r"\b(?:'m|am|are|'re|is|'s|been|currently|still|now) (?:\w+ly )?"
"""A goal is worked towards in the present: "I'm reading Dune", not "I finished reading"."""
_UNDERWAY: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(_UNDER_WAY_NOW + underway + _GOAL), re.compile(rf"\b(?:{done})\b"))
    for underway, done in (
        (
            r"(?:studying|training|preparing|revising|cramming|practi[sc]ing) for ",
            "passed|finished|completed|aced|graduated",
        ),
        (r"working (?:on|towards?) ", "finished|completed|submitted|defended"),
        (r"(?:reading|watching|writing|knitting|building|renovating) ", "finished|completed"),
    )
)
"""A goal being worked towards ("studying for the CPA exam", "reading Dune"), each with the verbs
that say it is reached ("passed", "finished"); verbs as common as "bought" or "ran" are left
out, each would send many writes to look for something to retire."""
_ACTIVITY = re.compile(r" (\w+ing)\b")
_NEGATED = re.compile(r"\b(?:not|never|didn't|haven't|hasn't|almost|nearly)\b")


def says_change(text: str, value: frozenset[str] = frozenset()) -> bool:
    """Whether a text says that something changed, in words other than those of ``value``.

    A capitalised word after the first is part of a name ("the correct answer is (D) New",
    "New Orleans").

    Example:
        >>> says_change("I've cut down to one cup of coffee a day")
        True
        >>> says_change("The user moved to New Orleans", frozenset({"orleans"}))
        True
        >>> says_change("The correct answer is (D) New", frozenset({"d"}))
        False
    """
    rest = _as_written(text, value)
    return bool(CHANGE.search(rest) or _MORE_OR_LESS.search(rest) or _SET.search(rest))


def _says_update(text: str) -> bool:
    """Whether a text says a routine or an amount changed for good ("now", "cut down to").

    Narrower than :func:`says_change`: "new", "actually" or "update" say no lasting change of
    a routine ("I bought a new bike"), and a write asks this of every text without a claim.
    """
    rest = _as_written(text, frozenset())
    return bool(_LASTING.search(rest) or _MORE_OR_LESS.search(rest) or _SET.search(rest))


def _as_written(text: str, value: frozenset[str]) -> str:
    """The text in lower case without the words of ``value`` and the capitalised words of names."""
    words = text.split()
    return " ".join(
        w.lower()
        for i, w in enumerate(words)
        if w.lower().strip(".,;:!?()") not in value and (i == 0 or not w[:1].isupper())
    )


def _words(normal: str) -> list[str]:
    """The words of a text, a number's thousands separators dropped ("5,000" is one word)."""
    words = _WORD.findall(_THOUSANDS.sub(r"\1", normal))
    return [w.strip(".") for w in words if w.strip(".")]


def _owner(text: str, normal: str) -> str:
    """Whose state a text tells: the user, the speaker, or the person it opens with.

    A text that opens with a verb ("Finished The Overstory, now ...") tells the writer's own.
    """
    named = speaker(text)
    words = _words(normal)
    first = words[0] if words else ""
    second = words[1].removesuffix("'s") if len(words) > 1 else ""
    if first in ("my", "our") and second in PEOPLE:
        return second
    user = first in _FIRST_PERSON or first in ("my", "our", "user", "user's")
    elided = first.endswith("ed") or first in _ELIDED
    if user or elided or normal.startswith("the user"):
        return named or "user"
    return first


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word[-1] == word[-2] else word


def _one_slot(old: list[str], new: list[str]) -> bool:
    """Whether ``new`` is ``old`` with one run of words replaced (and perhaps a tail added).

    The replaced run is not the opening word, holds no negation, is of one kind on both sides
    (a place for a place: "a MacBook" is not "at the repair shop"; no verb for a thing: "to
    knit" is no new language), and the words kept hold one of the old text's content words
    besides its opening ones ("The user likes jazz" and "The user moved to ..." keep only "the
    user").
    """
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    tag, _, _, start, end = changed[-1] if changed else ("", 0, 0, 0, 0)
    if len(changed) > 1 and tag == "insert" and end == len(new) and new[start] in _TAIL:
        changed = changed[:-1]  # "..., since we moved"
    if len(changed) != 1 or changed[0][0] != "replace":
        return False
    _, i1, i2, j1, j2 = changed[0]
    kept = [w for tag, a, b, _, _ in ops if tag == "equal" for w in old[a:b]]
    content = value_words(" ".join(old[2:])) - _NUMBERS.keys()
    before, after = old[i1:i2], new[j1:j2]
    return (
        i1 > 0
        and len(before) <= 4
        and len(after) <= 4
        and not (set(before) | set(after)) & _NEGATIONS
        and (before[0] in _PREPOSITIONS) == (after[0] in _PREPOSITIONS)
        and after[0] != "to"
        and len(kept) >= max(2, len(old) // 2)
        and bool(content & set(kept))
    )


def _restated(old_normal: str, new_text: str, new_normal: str) -> bool:
    """Shape 1: a clause of the new text restates the old one with one slot changed."""
    if not _says_update(new_text):
        return False
    old = [w for w in _words(old_normal) if w not in _HABITS]
    # Words of change as written, in lower case: "New Orleans" is a name.
    cues = {w for w in _WORD.findall(new_text) if w in _CHANGE_WORDS} | _HABITS
    for clause in re.split(r",|;| and | but ", _THESE_DAYS.sub(" ", new_normal)):
        if _one_slot(old, [w for w in _words(clause) if w not in cues]):
            return True
    return False


def _amounts(words: list[str]) -> dict[str, int]:
    """Each counted unit of a text ("three cups" -> cup: 3), by its stem."""
    found: dict[str, int] = {}
    for i, word in enumerate(words[:-1]):
        # A year ("a 2015 Prius") counts nothing.
        counted = word.isdigit() and len(word) <= 6 and not _YEAR.fullmatch(word)
        value = int(word) if counted else _NUMBERS.get(word)
        if value is not None and words[i + 1] not in _NOT_UNITS:  # "50 more" counts no unit
            found[_stem(words[i + 1])] = value
    return found


def _counted(old_normal: str, new_text: str, new_normal: str) -> bool:
    """Shape 2: the same unit counted again with another number, the change said."""
    if not _says_update(new_text):
        return False
    old_words, new_words = _words(old_normal), _words(new_normal)
    old, new = _amounts(old_words), _amounts(new_words)
    units = {unit for unit in old.keys() & new.keys() if old[unit] != new[unit]}
    if not units:
        return False
    numbers = {str(v) for v in (*old.values(), *new.values())} | set(_NUMBERS)
    shared = {_stem(w) for w in value_words(old_normal) if w not in numbers} & {
        _stem(w) for w in value_words(new_normal) if w not in numbers
    }
    return bool(shared - units)


def _left_behind(old_text: str, old_normal: str, new_normal: str) -> bool:
    """Shape 3: the new text names something of the old one as switched from or ended.

    Switched from, replaced or taken instead of: the words of a name of the old text, or words
    all in the old text ("replaced oat milk with almond milk"). Ended ("finished", "left"): the
    whole of a name of the old text.
    """
    named_in_old = names(old_text)
    old_words = value_words(old_normal)
    for match in _LEFT_BEHIND.finditer(new_normal):
        which = next(key for key, value in match.groupdict().items() if value)
        named = value_words(match.group(which)) - {"using"}
        if not named:
            continue
        if which != "ended" and named <= old_words:
            return True
        for name in named_in_old:
            if which == "ended" and name <= named:
                return True
            if which != "ended" and (named <= name or name <= named):
                return True
    return False


def _done(new_text: str, old_text: str, old_normal: str, new_normal: str) -> bool:
    """Shape 4: what the old text works towards, the new one says is done.

    "I passed the CPA exam" after "I'm studying for the CPA exam", "Finished Dune last night"
    after "I'm reading Dune": every word of the goal follows a verb that reaches it, said by
    the same subject; "I failed the CPA exam", "I bought Dune", "I haven't finished Dune" or
    "My book club finished Dune" end nothing.
    """
    if opening_subject(new_text) != opening_subject(old_text):
        return False
    for underway, reached in _UNDERWAY:
        for goal in underway.finditer(old_normal):
            wanted = {_stem(w) for w in value_words(goal.group("goal"))}
            doing = next(w for w in goal.group(0).split() if w.endswith("ing"))
            for done in reached.finditer(new_normal) if wanted else ():
                after = new_normal[done.end() :]
                said = {_stem(w) for w in value_words(after)}
                # "Finished reading a novel" is no novel written: an activity named is the same.
                activity = _ACTIVITY.match(after)
                if activity and activity.group(1) != doing:
                    continue
                if wanted <= said and not _NEGATED.search(new_normal[: done.start()]):
                    return True
    return False


def _reaches(normal: str) -> bool:
    """Whether a text says some goal is reached (a verb of :data:`_UNDERWAY`'s)."""
    return any(reached.search(normal) for _, reached in _UNDERWAY)


@lru_cache(maxsize=512)
def may_update(new_text: str) -> bool:
    """Whether ``new_text`` could update some older text by one of the shapes (a cheap test).

    It must say a change or name something left behind, and be about no single occasion.

    Example:
        >>> may_update("My commute takes 45 minutes now"), may_update("I went hiking today")
        (True, False)
    """
    normal = normal_text(new_text)
    if not one_sentence(normal):
        return False
    if _reaches(normal):
        return True  # a goal is reached on an occasion too ("finished Dune last night")
    if _OCCASION.search(normal):
        return False
    return _says_update(new_text) or _LEFT_BEHIND.search(normal) is not None


def updates(new_text: str, old_text: str) -> str | None:
    """The shape by which ``new_text`` updates ``old_text``, or ``None`` (see the module doc).

    Example:
        >>> updates("My commute takes 45 minutes now", "My commute takes 30 minutes")
        'restated with one slot changed'
        >>> updates("My commute took 2 hours yesterday", "My commute takes 30 minutes") is None
        True
    """
    if not may_update(new_text):
        return None  # decided once per new text: a write compares it with sixteen candidates
    new_normal, old_normal = normal_text(new_text), normal_text(old_text)
    if not (one_sentence(new_normal) and one_sentence(old_normal)):
        return None  # a message of several sentences tells many things, not one update
    if _owner(new_text, new_normal) != _owner(old_text, old_normal):
        return None
    if _OCCASION.search(new_normal):
        # A goal is reached on an occasion ("finished Dune last night"); nothing else is.
        done = _done(new_text, old_text, old_normal, new_normal)
        return "what was under way is done" if done else None
    if _restated(old_normal, new_text, new_normal):
        return "restated with one slot changed"
    if _counted(old_normal, new_text, new_normal):
        return "an amount changed"
    if _left_behind(old_text, old_normal, new_normal):
        return "the old value left behind"
    if _done(new_text, old_text, old_normal, new_normal):
        return "what was under way is done"
    return None
