"""Reading a claim out of a sentence: whose attribute has which value, or no longer has it.

"My sister Anna moved to Lisbon last spring" is a claim about the subject ``{user, sister, anna}``,
attribute ``residence``, value ``{lisbon}``. The attribute comes from a lexicon of cue phrases
(residence, employer, job, name, age, relationship, diet, likes, preference, favourite X,
medication per drug, schedule, address, phone, email, pet, car, school, manager, team, smoking,
weight, salary, ...); the subject is what precedes the cue in its clause, with first-person words
("I", "my", "we", "the user") read as ``user``; the value is the rest of the clause without stop
words. :mod:`cml.engine.write.supersession` compares two claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

__all__ = ["Claim", "normal_text", "read_claim", "value_words"]


@dataclass(frozen=True)
class Claim:
    """What a text states: someone's attribute has a value (or no longer has it).

    Attributes:
        subject: Words naming whom or what the claim is about ("user", "user sister", "anna").
        attribute: The attribute ("residence", "favourite colour", "medication amlodipine"),
            or ``*`` for a bare change ("switched to ...", "sold ...") that names none.
        value: The content words of the value.
        negated: True for "no longer", "not", "quit", "stopped" ...
        single: True when the attribute holds one value at a time.
    """

    subject: frozenset[str]
    attribute: str
    value: frozenset[str]
    negated: bool
    single: bool


def _split(text: str) -> list[str]:
    """The whitespace-separated words of a lexicon string."""
    return text.split()


_ADV = r"(?:(?:now|actually|really|still|currently|officially|finally|just|already)\s+)*"
_WEEKDAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
_WHEN = rf"(?:{_WEEKDAYS}|\d{{1,2}}:\d\d\b|\d{{1,2}}\s*(?:am|pm)\b|noon|midnight|tomorrow|tonight)"
_PROFESSIONS = (
    r"nurse|midwife|teacher|engineer|developer|programmer|designer|manager|doctor|physician|"
    r"surgeon|lawyer|attorney|judge|student|accountant|analyst|consultant|chef|cook|barista|"
    r"waiter|waitress|driver|pilot|scientist|researcher|professor|lecturer|writer|journalist|"
    r"artist|musician|photographer|architect|electrician|plumber|mechanic|pharmacist|dentist|"
    r"therapist|cashier|clerk|secretary|firefighter|officer|farmer|freelancer|retiree|"
    r"intern|director|founder|ceo|cto|editor|translator|paramedic|veterinarian|vet|librarian"
)
_NOUNS = {
    "name": "name",
    "first name": "name",
    "nickname": "name",
    "surname": "surname",
    "last name": "surname",
    "family name": "surname",
    "age": "age",
    "address": "address",
    "home address": "address",
    "home": "residence",
    "apartment": "residence",
    "flat": "residence",
    "house": "residence",
    "place": "residence",
    "email": "email",
    "email address": "email",
    "e-mail": "email",
    "phone": "phone",
    "phone number": "phone",
    "number": "phone",
    "mobile": "phone",
    "mobile number": "phone",
    "cell": "phone",
    "cell number": "phone",
    "job": "job",
    "job title": "job",
    "title": "job",
    "role": "job",
    "position": "job",
    "occupation": "job",
    "profession": "job",
    "manager": "manager",
    "boss": "manager",
    "supervisor": "manager",
    "team lead": "manager",
    "line manager": "manager",
    "lead": "manager",
    "employer": "employer",
    "company": "employer",
    "workplace": "employer",
    "girlfriend": "relationship",
    "boyfriend": "relationship",
    "partner": "relationship",
    "wife": "relationship",
    "husband": "relationship",
    "spouse": "relationship",
    "fiance": "relationship",
    "fiancee": "relationship",
    "diet": "diet",
    "salary": "salary",
    "income": "salary",
    "weight": "weight",
    "height": "height",
    "bank": "bank",
    "doctor": "doctor",
    "dentist": "dentist",
    "time zone": "timezone",
    "timezone": "timezone",
    "team": "team",
    "car": "car",
    "school": "school",
    "university": "school",
    "college": "school",
    "major": "study",
    "native language": "language",
    "first language": "language",
    "mother tongue": "language",
    "hair": "hair",
    "hair colour": "hair",
    "hair color": "hair",
    "religion": "religion",
    "provider": "provider",
    "internet provider": "provider",
    "phone provider": "provider",
    "carrier": "provider",
    "gym": "gym",
    "birthday": "birthday",
    "rent": "rent",
}
_NOUN = "|".join(sorted((re.escape(n) for n in _NOUNS), key=len, reverse=True))
_IS = r"(?:is|are|was changed to|has changed to|changed to|has been changed to|became)"
_DRUG = r"[a-z]+(?:in|ol|pril|sartan|statin|ine|ide|one|am|an|ate|fen|mab|xib|zole)"

# Attributes that hold several values at once: liking tea does not retire liking coffee.
_MULTI_VALUED = frozenset({"likes", "pet", "possession", "drinking", "hobby", "allergy"})


class _Cue(NamedTuple):
    """A cue phrase: its pattern ends where the value starts.

    A named group ``noun`` picks the attribute from _NOUNS, ``what`` names a favourite, ``drug``
    a medication; the attribute "*" is a bare change whose attribute comes from the old memory.
    ``negative`` cues state that the value no longer holds ("quit my job at ...").
    """

    attribute: str
    pattern: str
    negative: bool = False


_CUES: list[_Cue] = [
    _Cue(
        "favourite",
        r"\bfavou?rite (?P<what>[a-z]+(?: [a-z]+)?)"
        r"(?: (?:these days|now|nowadays|right now|at the moment))? (?:is|are)\b",
    ),
    _Cue("noun", rf"\b(?P<noun>{_NOUN})(?:'s)? (?:{_IS})\b"),
    _Cue(
        "noun",
        rf"\b(?:changed|switched|updated) (?:my|his|her|their|our|the user's) "
        rf"(?P<noun>{_NOUN}) to\b",
    ),
    _Cue("noun", rf"\b(?:has|have|got) a new (?P<noun>{_NOUN})\b"),
    _Cue("relationship", rf"\b(?:is|am|'m|are) {_ADV}(?:in a relationship with|seeing)\b"),
    _Cue(
        "residence",
        r"\b(?:lives?|living|resides?|residing|based|settled|stays|staying) (?:now )?"
        r"(?:in|at|near|outside|outside of)\b",
    ),
    _Cue("residence", rf"\b(?:moved|relocated) (?:back |away |over )?(?:to|into)\b(?! {_WHEN})"),
    _Cue(
        "team", r"\b(?:is|am|'m|are|moved|switched|transferred) (?:on|to|in) the (?=[\w-]+ team\b)"
    ),
    _Cue(
        "schedule",
        r"\b(?:(?:is|are|was|were|has been|have been|got)\s+)?(?:now\s+)?"
        r"(?:moved|rescheduled|changed|pushed back|pushed|shifted|starts?|begins?|meets?|"
        r"goes out|go out|runs?|airs?|is due|are due|"
        r"takes? place|happens?|is|are)\s+(?:now\s+)?"
        rf"(?:to\s+|on\s+|at\s+|for\s+|every\s+)?(?={_WHEN})",
    ),
    _Cue("residence", r"\b(?:is|are) (?:now )?(?:located )?(?:at|in) (?=\d+ (?!am\b|pm\b)[a-z])"),
    _Cue("employer", r"\b(?:quit|left) (?:my|his|her|their|the) job (?:at|with)\b", negative=True),
    _Cue("employer", r"\b(?:works?|working|worked) (?:\w+ly )?(?:now )?(?:at|for)\b"),
    _Cue("employer", r"\bemployed (?:at|by)\b"),
    _Cue(
        "employer",
        rf"\b(?:is|am|'m|are) {_ADV}an? (?:[\w-]+ ){{0,2}}(?:{_PROFESSIONS})s? (?:at|for|with)\b",
    ),
    _Cue(
        "employer",
        r"\b(?:got|found|took|taken|accepted|started|landed) a (?:new )?(?:job|position|role) "
        r"(?:at|with)\b",
    ),
    _Cue("employer", r"\b(?:joined|started at|hired (?:at|by))\b"),
    _Cue("job", r"\b(?:works?|working|worked) as\b"),
    _Cue("job", r"\b(?:promoted to|changed roles to|changed careers to)\b"),
    _Cue(
        "job",
        rf"\b(?:is|am|'m|are|became|become)\s+{_ADV}(?:no longer\s+|not\s+)?an?\s+"
        rf"(?=(?:[\w-]+ ){{0,2}}(?:{_PROFESSIONS})s?\b)",
    ),
    _Cue("name", r"\b(?:call me|(?:am|'m|is|are) called|goes by|go by|named)\b"),
    _Cue("name", r"\bchanged (?:my|his|her|their) name to\b"),
    _Cue("name", r"\b(?:was |has been )?renamed(?: to)?\b"),
    _Cue("age", rf"\b(?:is|am|'m|are)\s+{_ADV}(?=\d+\s+years?\s+old)"),
    _Cue("age", r"\b(?:just\s+)?turn(?:ed|s)\s+(?=\d+)"),
    _Cue(
        "age",
        rf"\b(?:is|am|'m|are)\s+{_ADV}"
        r"(?=\d{1,3}(?:\s+(?:now|today|this year))?\s*(?:[,.;!]|$))",
    ),
    _Cue(
        "relationship",
        r"\b(?:is|am|'m|are|got|became|has been|have been)\s+"
        rf"{_ADV}(?:no longer\s+|not\s+)?"
        r"(?=(?:single|married|engaged|divorced|separated|widowed)\b)",
    ),
    _Cue("relationship", r"\b(?:is|am|'m|are) (?:now )?dating\b"),
    _Cue("relationship", r"\b(?:broke up|split up|separated)(?: with| from)?\b", negative=True),
    _Cue(
        "diet",
        r"\b(?:is|am|'m|are|became|become|went|turned|switched to|changed to)\s+"
        rf"{_ADV}(?:no longer\s+|not\s+)?(?:a\s+|an\s+)?"
        r"(?=(?:vegan|vegetarian|pescatarian|carnivore|flexitarian|keto|paleo)\b)",
    ),
    _Cue(
        "diet",
        r"\b(?:eats?|eating|ate)\s+"
        r"(?=(?:meat|fish|dairy|pork|beef|chicken|eggs|gluten|seafood|everything|anything)\b)",
    ),
    _Cue("diet", r"\b(?:follows?|following|on|switched to|changed to)\s+an?\s+(?=[\w-]+ diet\b)"),
    _Cue(
        "likes",
        r"\b(?:likes?|loves?|enjoys?|adores?|liking|loving|(?:is|am|'m|are) (?:a fan of|into))\b",
    ),
    _Cue("likes", r"\b(?:dislikes?|hates?|can't stand|cannot stand|detests?)\b", negative=True),
    _Cue("preference", r"\bprefers?\b"),
    _Cue(
        "medication",
        rf"\b(?:takes?|taking|on)\s+(?=\d+(?:\.\d+)?\s*(?:mg|mcg|g|ml|iu|units?)\b|{_DRUG}\b)",
    ),
    _Cue(
        "medication",
        rf"\b(?P<drug>{_DRUG}) dose (?:was |has been |is )?(?:now )?"
        r"(?:increased |decreased |raised |lowered |reduced |changed |adjusted )?(?:to\b)?",
    ),
    _Cue(
        "medication",
        rf"\b(?P<drug>{_DRUG}) (?:dose |dosage )?(?:was |has been |got )?(?:now )?"
        r"(?:increased|decreased|raised|lowered|reduced|changed|adjusted|upped|cut) to\b",
    ),
    _Cue(
        "pet",
        r"\b(?:have|has|got|adopted|own|owns)\s+an?\s+"
        r"(?=(?:dog|cat|puppy|kitten|rabbit|hamster|parrot|bird|turtle|horse)\b)",
    ),
    _Cue("car", r"\bdrives?\s+(?:an?\s+|the\s+)?"),
    _Cue("possession", r"\b(?:have|has|own|owns)\s+an?\s+"),
    _Cue("school", r"\b(?:stud(?:y|ies|ying) at|attends?|transferred to|enrolled (?:at|in))\b"),
    _Cue(
        "school",
        r"\b(?:goes|go|going) to (?=[\w ]*(?:school|elementary|college|university|academy)\b)",
    ),
    _Cue("study", r"\b(?:switched to )?stud(?:y|ies|ying)\s+(?!at\b)"),
    _Cue("manager", r"\breports? to\b"),
    _Cue("gym", r"\b(?:go(?:es)? to|switched to|joined|member (?:at|of)) the gym at\b"),
    _Cue("smoking", r"\b(?:smok(?:e|es|ed|ing)|is a smoker|am a smoker)\b"),
    _Cue("drinking", r"\bdrinks?\s+(?=(?:alcohol|beer|wine)\b)"),
    _Cue("weight", r"\bweighs?\b"),
    _Cue(
        "height",
        r"\b(?:is|am|'m|are)\s+(?:now\s+)?(?=\d+(?:\.\d+)?\s*(?:cm|m|ft|feet|inches)\s+tall)",
    ),
    _Cue("salary", r"\b(?:earns?|earning|makes?|making)\s+(?:now\s+)?(?=[$€£]?\d)"),
    _Cue("children", r"\b(?:have|has)\s+(?=(?:\d+|two|three|four|five|six)\s+(?:kids|children)\b)"),
    _Cue("hobby", r"\b(?:plays?|playing)\b"),
    _Cue("allergy", r"\ballergic to\b"),
    _Cue(
        "religion",
        r"\b(?:is|am|'m|are)\s+(?:now\s+|no longer\s+|not\s+)?"
        r"(?=(?:catholic|protestant|muslim|jewish|hindu|buddhist|atheist|christian|agnostic)\b)",
    ),
]
_BARE_CHANGES: list[tuple[str, bool]] = [
    (
        r"\b(?:switched|changed|converted|upgraded)\s+(?:over\s+)?(?:from\s+[\w' -]+?\s+)?to\b",
        False,
    ),
    (
        r"\b(?:left|quit|sold|stopped|gave up|got rid of|dropped|cancell?ed|traded in|traded|"
        r"replaced|moved out of|moved away from)\b",
        True,
    ),
]
_DESCRIPTION = re.compile(r"\s+(?:now\s+|still\s+|no longer\s+|not\s+)?(?:a|an)\s")
_CALLED = re.compile(r"\b(?:wants? to|would like to|prefers? to|asked to) be called\b")
_COMPILED = [
    (c.attribute, c.attribute not in _MULTI_VALUED, re.compile(c.pattern), c.negative)
    for c in _CUES
]
_COMPILED_BARE = [(re.compile(p), n) for p, n in _BARE_CHANGES]

_DISCOURSE = re.compile(
    r"^(?:(?:actually|correction|update|sorry|oh|well|so|btw|fyi|yes|no|ok|okay|please|wait|"
    r"to be clear|just so you know|by the way|i mean|i meant|scratch that|as of \w+|"
    r"these days|nowadays)\b[\s,:;!-]*)+"
)
_NEGATION = re.compile(
    r"\b(?:not|no longer|never|no more|stop|stopped|quit|gave up|left)\b|n't\b"
    r"|\b(?:anymore|any more|any longer)\b"
)
_CLAUSE_END = re.compile(
    r"[,;!?]|(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bst)(?<!\bprof)\.(?!\d)"
    r"|\s(?:and|but|because|since|after|when|while|so|as of|from now on|instead of|"
    r"rather than|over|for now)\b"
)
_TIME_PHRASE = re.compile(
    r"\b(?:last|next|this|in|since|until|by|early|late) (?:spring|summer|autumn|fall|winter|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"\d{4})\b"
)
_BOUNDARY = re.compile(r"[,;:]|\band\b|\bbut\b|\bso\b")
_OWNED = re.compile(r"\b(?:have|has|got|adopted|own|owns) (?:a|an|one|two|three) ([a-z]+)$")
_PERSONAL = frozenset({"i", "we", "me", "us", "user", "users"})
_VERBISH = frozenset(
    _split(
        """is am are was were has have had do does did will would can could should may might got
    get gets been be being told said asked to wants want"""
    )
)
_CLAUSE_START = re.compile(r".*(?:[,;:]|\band\b|\bbut\b|\bso\b)\s*")
_WORD = re.compile(r"[\w:'\[\]$.-]+")

_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "we", "our", "us", "myself", "user", "users"})
_SUBJECT_NOISE = frozenset(
    _split(
        """a an the actually correction update sorry oh well so yes no ok okay please now recently
    currently just finally officially already still also really again today nowadays lately then
    is am are was were has have had does do did been be will got get gets not longer never
    don't doesn't didn't isn't aren't wasn't haven't hasn't stopped quit started left switched
    changed sold gave up broke new current old i'm i've i'd we're we've 's"""
    )
)
_VALUE_STOP = frozenset(
    _split(
        """a an the to of in at on for with by from now currently anymore any more longer still
    again too also these those this that days day last next week weeks month months year years
    old ago
    recently today tonight yesterday just really very my his her their our your is are was were
    be been new actually after all instead as usual well here there then sorry already every
    each daily weekly per twice once it them him me i you we they no not never n't"""
    )
)


def value_words(text: str) -> frozenset[str]:
    """The content words of a value: stop words, time words and possessive endings removed."""
    text = _TIME_PHRASE.sub(" ", text)
    words = (w.strip(".-").removesuffix("'s") for w in _WORD.findall(text))
    return frozenset(w for w in words if w and w not in _VALUE_STOP)


def _subject_words(clause: str) -> set[str]:
    """The words of the noun phrase that opens ``clause`` (up to its first verb)."""
    words: list[str] = []
    owner = False  # the previous word was possessive: it names an owner, not the subject
    for raw in _WORD.findall(clause):
        word = raw.strip(".-")
        verb = word in _VERBISH or word.endswith("n't") or (len(word) > 4 and word.endswith("ed"))
        if verb and words:
            break
        if verb or word in _SUBJECT_NOISE:
            continue
        possessive = word.endswith(("'s", "'")) or word in {"my", "our", "your"}
        word = word.removesuffix("'s").removesuffix("'")
        word = "user" if word in _FIRST_PERSON or word.startswith("i'") else word
        if owner:
            words[-1] += "'s"  # "greg's brother" is the brother, of Greg's
        words.append(word)
        owner = possessive
        if word in _PERSONAL and not possessive:
            break  # "I", "we", "the user": the subject is complete
    return set(words)


def _subject(prefix: str) -> frozenset[str]:
    clause = _CLAUSE_START.sub("", prefix)
    words = _subject_words(clause)
    if not words and clause != prefix:
        # "Lucy moved out of Boston and now lives in Austin": the subject is the sentence's.
        words = _subject_words(_BOUNDARY.split(prefix, maxsplit=1)[0])
    owned = _OWNED.search(clause.strip())
    if owned:
        # "I have a sister named Anna" names the sister.
        words.add(owned.group(1))
    return frozenset(words) or frozenset({"user"})


def _describes_person(match: re.Match[str], normal: str) -> bool:
    """Whether the match describes a person rather than relating the user to one.

    "My wife is a doctor" is about the wife's job, not about whom the user is married to.
    """
    noun = match.groupdict().get("noun")
    rest = normal[match.end() :]
    return noun is not None and _NOUNS[noun] == "relationship" and bool(_DESCRIPTION.match(rest))


_READ_CACHE = 512
"""Texts whose normal form and claim are kept: a write compares its new text with up to eight
candidates, and the same candidates come back for related writes."""


@lru_cache(maxsize=_READ_CACHE)
def normal_text(text: str) -> str:
    """Lower case, straight apostrophes, single spaces, leading discourse markers removed."""
    text = " ".join(text.replace("\u2019", "'").split()).lower()
    text = _CALLED.sub("is called", text)
    return _DISCOURSE.sub("", text)


@lru_cache(maxsize=_READ_CACHE)
def read_claim(text: str) -> Claim | None:
    """The claim ``text`` makes, or ``None`` when it states no attribute the lexicon knows.

    Example:
        >>> claim = read_claim("Actually my name is Alex, not Sam")
        >>> sorted(claim.subject), claim.attribute, sorted(claim.value), claim.negated
        (['user'], 'name', ['alex'], False)
    """
    normal = normal_text(text)
    best: tuple[int, int, str, bool, re.Match[str], bool] | None = None
    for attribute, single, pattern, negative in _COMPILED:
        match = pattern.search(normal)
        if match is None or _describes_person(match, normal):
            continue
        if best is None or (match.start(), -len(match.group(0))) < best[:2]:
            best = (match.start(), -len(match.group(0)), attribute, single, match, negative)
    if best is None:
        for pattern, negative in _COMPILED_BARE:
            match = pattern.search(normal)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), 0, "*", True, match, negative)
    if best is None:
        return None
    _, _, attribute, single, match, negative = best
    groups = match.groupdict()
    rest = normal[match.end() :]
    end = _CLAUSE_END.search(rest)
    value = value_words(rest[: end.start()] if end else rest)
    if groups.get("noun"):
        attribute = _NOUNS[groups["noun"]]
    elif groups.get("what"):
        what = groups["what"].replace("color", "colour")
        attribute = f"favourite {what}"
    elif attribute == "preference":
        before = re.split(r"\s(?:to|over|than|instead of)\s", rest[: end.start()] if end else rest)
        value = value_words(before[0])
    elif attribute == "medication":
        drug = groups.get("drug") or next(
            (w for w in sorted(value) if re.fullmatch(_DRUG, w) and not w[0].isdigit()), ""
        )
        attribute = f"medication {drug}".rstrip()
        value |= {drug} if drug else set()
    prefix = normal[: match.start()]
    clause_prefix = _CLAUSE_START.sub("", prefix)
    negated = negative or bool(_NEGATION.search(clause_prefix + match.group(0)))
    negated = negated or bool(re.search(r"\b(?:anymore|any more|any longer)\b", rest))
    negated = negated or bool(re.match(r"\s*(?:not|no longer|never)\b", rest))
    return Claim(
        subject=_subject(prefix),
        attribute=attribute,
        value=value,
        negated=negated,
        single=single,
    )
