"""Reading a claim out of a sentence: whose attribute has which value, or no longer has it.

"My sister Anna moved to Lisbon last spring" is a claim about the subject ``{user, sister,
anna}``, attribute ``residence``, value ``{lisbon}``. The attribute comes from the cue phrases
of :mod:`cml.engine.write.lexicon` (residence, employer, job, name, age, relationship, diet,
likes, preference, favourite X, medication per drug, schedule, address, phone, email, pet, car,
school, manager, team, smoking, weight, salary, work shift, ...); the subject is what precedes
the cue in its clause, with first-person words ("I", "my", "we", "the user") read as ``user``;
the value is the rest of the clause without stop words. A note written as a label the lexicon
knows ("City: Portland", "Meds: sertraline 100mg") states that label's attribute for the user.
:mod:`cml.engine.write.supersession` compares two claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cml.engine.write.lexicon import (
    ADV,
    BARE_CHANGES,
    COUNT_OF,
    CUES,
    DRUG,
    GYM_WORDS,
    LABELS,
    MARITAL,
    MONTHS,
    MULTI_VALUED,
    NONE,
    NOUNS,
    OWN_HOMES,
    RELIGIONS,
    SERVICE_WORDS,
    WEEKDAYS,
    WHEN,
    YES,
    word_list,
)
from cml.engine.write.literals import required_literals

__all__ = [
    "CHANGE",
    "FIRST_PERSON",
    "PEOPLE",
    "PETS",
    "PRESCRIBERS",
    "SET_VERBS",
    "Claim",
    "is_negated",
    "names",
    "normal_text",
    "one_sentence",
    "opening_subject",
    "other_names",
    "plausible_value",
    "read_claim",
    "sentences",
    "singular",
    "speaker",
    "value_words",
]


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


_LABEL = re.compile(
    r"^(?:(?:my|our|the user's|user's|the customer's|customer's|the|current|currently|preferred|"
    r"main|primary|new|"
    r"updated|latest) )*"
    rf"(?P<label>{'|'.join(sorted((re.escape(n) for n in LABELS), key=len, reverse=True))})"
    r"(?: now| currently| these days| as of \w+| correction| change)?"
    r"\s*(?::|\s[-\u2013\u2014]\s|=)\s*(?P<value>\S.*)$"
)
_ARROW = re.compile(r"\s*(?:->|\u2192|=>)\s*")
_DESCRIPTION = re.compile(r"\s+(?:now\s+|still\s+|no longer\s+|not\s+)?(?:a|an)\s")
_CALLED = re.compile(r"\b(?:wants? to|would like to|prefers? to|asked to) be called\b")
_WED = re.compile(r"\b(?:tied the knot|got hitched)\b")
"""Idioms of a wedding, read as "got married"."""
_COMPILED = [
    (
        c.attribute,
        c.attribute not in MULTI_VALUED,
        re.compile(c.pattern),
        c.negative,
        required_literals(c.pattern),
    )
    for c in CUES
]
"""Each cue compiled, with the strings a text must contain one of for the cue to match."""
_COMPILED_BARE = [(re.compile(p), n, required_literals(p)) for p, n in BARE_CHANGES]

_DISCOURSE = re.compile(
    r"^(?:(?:(?:actually|correction|update(?=\s*[:,;!-])|sorry|oh|well|so|btw|fyi|yes|no|ok|"
    r"okay|please|wait|honestly|frankly|sadly|unfortunately|anyway|anyhow|hey|um|uh|hmm|"
    r"basically|heads up|"
    r"quick update|news|good news|big news|guess what|fun fact|in fact|turns out|"
    r"it turns out|to be clear|just so you know|by the way|i mean|i meant|scratch that|"
    r"these days|nowadays|oops|whoops|my bad|my mistake|i misspoke|i mistyped|i misspelled|"
    r"typo(?: earlier)?|i got (?:that|it) wrong|i was wrong|that's (?:not right|wrong)|"
    r"let me correct (?:that|myself)|to correct (?:that|myself))\b"
    # Thanks and greetings, followed by their stop: "Great Britain" is a subject.
    r"|(?:thanks|thank you|hi|hello|wow|yeah|cool|great|awesome|nice|sure|haha|lol|congrats|"
    r"congratulations)(?=\s*[,!.:;-]))[\s,:;!.-]*)+"
)
_FROM_WHEN = re.compile(
    r"^(?:(?:as of|effective|starting|beginning|from|since) (?:today|tonight|tomorrow|now|"
    r"immediately|yesterday|(?:this|next|last) \w+|(?:in |on )?(?:the )?(?:early |late |mid-?)?"
    rf"(?:{MONTHS}|{WEEKDAYS}|spring|summer|autumn|fall|winter|\d{{4}})"
    r"(?: \d{1,2}(?:st|nd|rd|th)?)?(?:,? \d{4})?)\b(?: on)?|"
    r"from now on|going forward|moving forward)[\s,:;-]*"
)
"""An opening time a state holds from ("As of March 1st", "Starting next week", "From now
on"): not the subject."""
_REPORTED = re.compile(
    r"^(?:my |our |the |his |her |their )?[a-z'-]+(?: [a-z'-]+)? "
    r"(?:says|said|told me|confirmed|thinks|reckons|cleared me)(?: that)?"
    r"(?:,? (?=(?:i|i'm|i've|i'll|my|we|we're|our)\b)|\s*[,:] (?=(?:no longer|not)\b))"
)
"""What someone reports about the user ("My allergist says I'm not allergic to cats", "Allergist
cleared me: no longer allergic"): the user's state, told by another. After a colon, words with
their own subject are a quotation ("My neighbour says: my commute ..."), the neighbour's."""
_COMMAND = re.compile(
    r"^(?:please |pls |can you |could you )?(?:remember|note|save|store|keep in mind|"
    r"update (?:my|the) (?:profile|memory|memories|info|records?)|note to self|for the record|"
    r"correct that|fix that)(?: that)?\s*[:,;-]?\s*"
)
"""A request to remember: "Please remember that I moved to Berlin" tells that the user moved."""
_FORGET = re.compile(r"^(?:please )?(?:forget|disregard|delete|remove) (?:that )?(?=i\b|i'm|my\b)")
"""A request to forget a claim ("Forget that I'm vegan"): the claim no longer holds."""
_USER_REPORTS = re.compile(
    r"^(?:the )?user (?:mentioned|mentions|said|says|noted|notes|shared|shares|explained|"
    r"reported|stated|indicated|clarified|confirmed|told me|tells me)(?: that)?,? "
    # "... they live in Seattle", "... her husband works at Apple", "... Rocky passed away";
    # not "mentioned moving", "said to", "mentioned that" with nothing reported.
    r"(?=(?:they|they're|their|they've|his|her)\b|(?!(?:to|about|wanting|being|it|this)\b)"
    r"(?![a-z]+ing\b)[a-z])"
)
_THEY = re.compile(r"^(?:they're|they are|they've|they have|their|they|his|her)\b")
_THEY_USER = {
    "his": "the user's",
    "her": "the user's",
    "they're": "the user is",
    "they are": "the user is",
    "they've": "the user has",
    "they have": "the user has",
    "their": "the user's",
    "they": "the user",
}
_LEADING = re.compile(
    r"^(?:(?:ever )?since|after|following|because of|due to|thanks to|starting|with|now that) "
    r"[^,]{1,40}?,? (?=(?:i|i'm|i've|we|we're|we've|the user|my|our)\b)"
)
"""An opening phrase of time or cause ("Since the move I bike to work", "With the new place my
commute is 15 minutes"): not the subject."""
_NEGATION = re.compile(
    r"\b(?:not|no longer|never|no more|stop|stopped|quit|gave up|left)\b|n't\b"
    r"|\b(?:anymore|any more|any longer)\b"
)
_DOT = r"\.(?<!\bdr\.)(?<!\bmr\.)(?<!\bmrs\.)(?<!\bms\.)(?<!\bst\.)(?<!\bprof\.)"
"""A dot that is not a title's: the dot of "Dr. Lee" ends no clause (the dot first, then the
look-behinds: checked at dots only, not at every character)."""
_DASH = r"\s[-\u2013\u2014]\s"
"""A dash between two clauses: "I'm not at Amazon anymore - joined Shopify"."""
_SENTENCE_END = re.compile(rf"(?:[!?]|{_DOT})(?:\s|$)")
_CLAUSE_END = re.compile(
    rf",(?!\d{{3}}\b)|[;!?]|{_DOT}(?!\S)|{_DASH}"
    r"|\s(?:and|but|because|since|after|when|while|so|as of|from now on|instead of|"
    r"rather than|over|for now)\b"
)
_TIME_PHRASE = re.compile(
    r"\b(?:last|next|this|in|since|until|by|early|late) (?:spring|summer|autumn|fall|winter|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"\d{4})\b"
)
_NOW_PHRASE = re.compile(
    r"\b(?:right now|at the moment|at present|for the time being|for now|these days|nowadays)\b"
)
_COUPLE = re.compile(r"(?:^|\s)([a-z]+) and ([a-z]+)\s*$")
"""Two people who split up or married: "Tom and Emily split up" is Tom's, with Emily."""
_PARTNER = re.compile(
    r"(?:^|\s)(?:([a-z]+) and (?:i|we|me|(?:the )?user)|(?:i|we|me|(?:the )?user) and ([a-z]+))\s*$"
)
_BOUNDARY = re.compile(rf"[,;:]|{_DASH}|\band\b|\bbut\b|\bso\b")
_OWNED = re.compile(r"\b(?:have|has|got|adopted|own|owns) (?:a|an|one|two|three) ([a-z]+)$")
_PERSONAL = frozenset({"i", "we", "me", "us", "user", "users"})
_VERBISH = frozenset(
    word_list(
        """is am are was were has have had do does did will would can could should may might got
    get gets been be being told said asked to wants want sold bought took went came began made
    found lost won ran plays lives works goes takes drives uses owns attends teaches rides eats
    drinks speaks studies"""
    )
)
_CLAUSE_START = re.compile(rf".*(?:[,;:]|[.!?](?=\s)|{_DASH}|\band\b|\bbut\b|\bso\b)\s*")
"""Everything up to the clause a cue is in: "Thanks, Nate! It can feel like ..." is about "it"."""
_WORD = re.compile(r"[\w:'\[\]$.@+-]+(?:,\d{3}\b)*")

_FIRST_PERSON = frozenset(
    {"i", "me", "my", "mine", "we", "our", "us", "myself", "user", "users", "customer"}
)
_THIRD_PERSON = {
    **dict.fromkeys(("she", "her", "hers", "herself"), "she"),
    **dict.fromkeys(("he", "him", "his", "himself"), "he"),
    **dict.fromkeys(("they", "them", "their", "theirs", "themselves"), "they"),
}
"""Third-person pronouns by the subject they name: "her name is ..." and "she goes by ..." are
about one person."""
_SUBJECT_NOISE = frozenset(
    word_list(
        """a an the actually correction update sorry oh well so yes no ok okay please now recently
    currently just finally officially already still also really again today nowadays lately then
    is am are was were has have had does do did been be will got get gets not longer never
    don't doesn't didn't isn't aren't wasn't haven't hasn't stopped quit started left switched
    changed sold gave up broke new current old i'm i've i'd we're we've 's yesterday tomorrow
    tonight primary care usual regular"""
    )
)
_VALUE_STOP = frozenset(
    word_list(
        """a an the to of in at on for with by from now currently anymore any more longer still
    again too also these those this that days day last next week weeks month months year years
    old ago
    recently today tonight yesterday just really very my his her their our your is are was were
    be been new actually after all instead as usual well here there then sorry already every
    each daily weekly monthly yearly annual per twice once it them him me i you we they no not
    never n't"""
    )
)


_DIET_WORDS = frozenset(
    word_list(
        """vegan vegetarian pescatarian keto ketogenic paleo carnivore flexitarian fasting diet
    meat fish dairy gluten low-carb plant-based mediterranean atkins whole30 kosher halal"""
    )
)
_HANDSET_WORDS = frozenset(
    word_list(
        """phone smartphone iphone android pixel galaxy samsung oneplus motorola moto nokia xiaomi
    huawei flip fold"""
    )
)


def plausible_value(attribute: str, value: frozenset[str]) -> bool | None:
    """Whether ``value`` can be a value of ``attribute``, for attributes whose values have a shape.

    A diet is one of the known diets or foods; ``None`` for the other attributes (a car, a bank
    or a provider can be named anything).

    Example:
        >>> plausible_value("diet", frozenset({"pixel", "8"}))
        False
        >>> plausible_value("car", frozenset({"tesla"})) is None
        True
    """
    if attribute == "diet":
        return bool(value & _DIET_WORDS)
    if attribute == "handset":
        return bool(value & _HANDSET_WORDS)
    return None


_DURATION = re.compile(
    r"\bfor (?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|many|a few|"
    r"a couple of|\d+) (?:days?|weeks?|months?|years?|decades?)|a decade|ages|years|decades|"
    r"a long time)\b"
)
"""How long a state has held ("married for ten years"): no part of its value."""
_NAME = re.compile(r"\b[A-Z][\w'&.-]*(?:(?:\s+(?:of|de|la|and|&))?\s+[A-Z][\w'&.-]*)*")


def names(text: str) -> list[frozenset[str]]:
    """The value words of each name a text writes with capitals ("Bank of America").

    Example:
        >>> [sorted(name) for name in names("I moved my savings from Ally Bank to Marcus")]
        [['ally', 'bank'], ['marcus']]
    """
    found = (value_words(m.group(0).lower()) for m in _NAME.finditer(text))
    return [name for name in found if name]


def other_names(a: str, b: str, shared: frozenset[str]) -> bool:
    """Whether the value words two texts share lie only in names of different things.

    "I cancelled my Anytime Fitness membership" and "I go to the gym at Planet Fitness" share
    "fitness" inside two names, neither within the other; "Acme" is within "Acme Corp".

    Example:
        >>> other_names("I closed my Bank of Ireland account", "My bank is Bank of America",
        ...             frozenset({"bank"}))
        True
    """
    first = [name for name in names(a) if name & shared]
    second = [name for name in names(b) if name & shared]
    if not first or not second or any(shared - n for n in (*first, *second)):
        return False
    return not any(x <= y or y <= x for x in first for y in second)


def value_words(text: str) -> frozenset[str]:
    """The content words of a value: stop words, time words and possessive endings removed."""
    text = _DURATION.sub(" ", _NOW_PHRASE.sub(" ", _TIME_PHRASE.sub(" ", text)))
    words = (w.strip(".-:").removesuffix("'s") for w in _WORD.findall(text))
    return frozenset(w for w in words if w and w not in _VALUE_STOP)


_KIN = frozenset(word_list("mom mum mommy mummy dad daddy grandma grandpa granny grandad nana"))
"""Family named without an owner, the way one's own are: "Mom moved to Tucson"."""
_GENDERED = {
    "she": frozenset(
        word_list(
            "dad daddy father brother son husband boyfriend uncle grandpa grandfather grandad "
            "nephew he him"
        )
    ),
    "he": frozenset(
        word_list(
            "mom mum mommy mother sister daughter wife girlfriend aunt grandma grandmother "
            "granny nana niece she her"
        )
    ),
}
"""Words a pronoun cannot stand for: "she" is not the brother named before it."""
_KIN_AS = {
    **dict.fromkeys(word_list("mother mum mommy mummy"), "mom"),
    **dict.fromkeys(word_list("father daddy"), "dad"),
    **dict.fromkeys(word_list("grandmother granny nana"), "grandma"),
    **dict.fromkeys(word_list("grandfather grandad granddad"), "grandpa"),
}
"""One word for each of a parent or grandparent's names, so that "Grandma" is "my grandmother"."""
_NOT_NAMED = frozenset({"user", "it", "they", "she", "he"})
_CONTRACTED = frozenset(word_list("i'm i've i'd i'll we're we've we'd we'll"))
FIRST_PERSON = _FIRST_PERSON | _CONTRACTED | {"user's"}
"""Words by which a text speaks of the user ("I", "we've", "the user's"), after
:func:`normal_text`."""
"""The user and a verb in one word: the subject is complete."""


def _subject_words(clause: str) -> set[str]:
    """The words of the noun phrase that opens ``clause`` (up to its first verb)."""
    words: list[str] = []
    owner = False  # the previous word was possessive: it names an owner, not the subject
    for raw in _WORD.findall(clause):
        word = raw.strip(".-")
        if not words and word in _CONTRACTED:
            return {"user"}  # "I've gone back to eating meat", "so I'm taking the bus"
        verb = word in _VERBISH or word.endswith("n't") or (len(word) > 4 and word.endswith("ed"))
        if verb and words:
            break
        if verb or word in _SUBJECT_NOISE:
            continue
        possessive = word.endswith(("'s", "'")) or word in {"my", "our", "your", "his", "her"}
        possessive = possessive or word in {"their", "its"}
        if not words and _KIN_AS.get(word, word) in _KIN:
            words.append("user's")  # "Dad retired": the user's dad, as "my dad" is
        pronoun = _THIRD_PERSON.get(word)
        word = word.removesuffix("'s").removesuffix("'")
        word = "user" if word in _FIRST_PERSON or word.startswith("i'") else pronoun or word
        word = _KIN_AS.get(word, word)  # "Grandma" is "my grandmother"
        if owner:
            words[-1] += "'s"  # "greg's brother" is the brother, of Greg's
        words.append(word)
        owner = possessive
        if (word in _PERSONAL or pronoun) and not possessive:
            break  # "I", "we", "the user": the subject is complete
    return set(words)


def one_sentence(normal: str) -> bool:
    """Whether a normalised text is one sentence (a final stop aside; "Dr. Lee" is one).

    Example:
        >>> one_sentence("my vet is now dr. lee."), one_sentence("thanks! my code is 12.")
        (True, False)
    """
    end = _SENTENCE_END.search(normal)
    return end is None or not normal[end.end() :].strip()


_OWNER = r"(?P<owner>my|our|his|her|their|the user's|the|[a-z]+'s)"
_THING_WORDS = r"(?P<thing>(?:[a-z][\w'-]* ){0,3}?[a-z][\w-]*)"
_THING_IS = re.compile(
    rf"(?:^|[,;:.!?] ){_OWNER} {_THING_WORDS} (?:is|are) (?:now |currently |actually |still )*"
    r"(?!(?:a|an|not|no|in|at|on|so|very|too|going|getting)\b)"
)
REACHED = re.compile(
    rf"(?:^|[,;:.!?] )(?:(?:{_OWNER}|(?P<latest>latest|current|newest)) )?{_THING_WORDS} "
    r"(?:(?:finally|just|now|officially|already) )?(?:hit|reached|crossed|topped|"
    r"came back at|came in at|(?:is|are) (?:now )?(?:at|down to|up to)|"
    r"(?:has |have )?(?:gone|went|dropped|fallen|fell|risen|rose|climbed) (?:up |down )?to)"
    r" (?=\$?\d)"
)
"""A thing reaching a number ("Savings just crossed $12,000", "Latest A1C came back at 6.1"):
only a number, so that "my car hit a deer" states nothing."""
CHANGE = re.compile(
    r"\b(?:now|new|newly|changed?|switched|moved|no longer|anymore|actually|correction|update|"
    r"updated|instead|from now on|these days|nowadays|promoted|became|turned|since)\b"
)
"""Words that say a value changed ("now", "actually", "switched")."""
SET_VERBS = (
    r"(?:changed|switched|updated|reset|raised|lowered|increased|reduced|set|moved|upgraded|"
    r"downgraded|bumped|upped|cut|trimmed|dropped|boosted)"
)
"""Verbs that set a thing to a value ("raised my step goal to 10000")."""
_THING_SET = re.compile(rf"\b{SET_VERBS} {_OWNER} {_THING_WORDS}(?: up| down| back)? to ")
PEOPLE = frozenset(
    word_list(
        """son sons daughter daughters kid kids child children baby babies mom mum mother dad
    father parents brother brothers sister sisters friend friends wife husband partner boyfriend
    girlfriend cousin cousins aunt uncle grandma grandpa grandmother grandfather grandparents
    boss colleague colleagues coworker coworkers neighbour neighbor neighbours neighbors
    teacher"""
    )
)
"""Words naming the people around the user ("my sister", "our neighbours")."""
PETS = frozenset(word_list("dog dogs cat cats pet pets puppy kitten"))
"""Words for a pet, which a subject may be ("my dog is named Max")."""
_LIVING = PEOPLE | PETS | frozenset(word_list("family team week day life weekend morning it"))
"""Heads of a noun phrase whose "is now ..." describes rather than names a value."""
_NAMED_VALUE = re.compile(r"\d|\b[A-Z]|[#@_]\w")


TIMED = re.compile(rf"\b{WHEN}")
"""Where a text names a time (:data:`WHEN`)."""


def _thing_claim(text: str, normal: str) -> Claim | None:
    """A value of a thing the lexicon has no noun for: "My locker code is now 5678".

    Two shapes: the thing changed or set to a value ("I changed my wifi password to lion42"), or
    the thing is a value named by a number, a capitalised word or a handle ("Our landlord is Mrs.
    Patel"; "my laptop is slow" describes). The subject is the thing's words (its owner's name
    when it is someone's), so that only the same thing compares; the attribute is ``"thing"``.
    """
    reached = REACHED.search(normal) if any(c.isdigit() for c in normal) else None
    found = [m for m in (_THING_SET.search(normal), _THING_IS.search(normal), reached) if m]
    if not found:
        return None
    # A fact is stated in the text's first sentence (looked for only once a thing is found).
    first = _SENTENCE_END.search(normal)
    sentence = normal[: first.start() + 1] if first else normal
    found = [m for m in found if m.end() <= len(sentence)]
    if not found:
        return None
    match = found[0]
    owner, thing = match.group("owner") or "my", match.group("thing").split()
    if thing[-1] in _LIVING or (owner == "the" and len(thing) < 2):
        return None
    if len(thing) == 2 and thing[0] in PEOPLE | PETS:
        return None  # "Our dog Pepper is 3": a pet (or a person) and its name, no thing
    clause = _value_clause(sentence[match.end() :], text)
    value = value_words(clause)
    if not value or clause.split()[0].endswith(("ing", "ed")):
        return None  # "is growing", "is booked for Friday": what the thing does or had done
    if match.re is _THING_IS and not _NAMED_VALUE.search(_raw_clause(text, clause)):
        return None
    # Possessives kept as written, as in every subject: "household's" owns the password.
    words = set(thing) - _VALUE_STOP
    if match.re is _THING_SET and TIMED.search(clause):
        # "They moved my shift to 2pm": a schedule, as "My shift starts at 6am" is.
        owned = owner in ("my", "our", "the user's")
        return Claim(
            subject=_as_said_by(frozenset(words | ({"user's"} if owned else set())), speaker(text)),
            attribute="schedule",
            value=value,
            negated=False,
            single=True,
        )
    if owner.endswith("'s") and owner != "the user's":
        words.add(owner)
    elif owner in _THIRD_PERSON and _subject_words(sentence[: match.start()]) != {"user"}:
        # "The user switched their plan to Duo": the user's plan; "Anna changed her ...": hers.
        words.add(_THIRD_PERSON[owner])
    return Claim(
        subject=_as_said_by(frozenset(words), speaker(text)),
        attribute="thing",
        value=value,
        negated=False,
        single=True,
    )


_THEN_VALUE = re.compile(r"\s*[,:;-]\s*(?:it's|it is|which is|now)?\s*([^,;.!?]+)")
"""A value told in the clause after its cue: "a new number, it's 07700 900456"."""
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\[redacted_email\]")
_PHONE = re.compile(r"\+?\d[\d().-]{6,}\d|\[redacted_phone\]")


def _shaped(value: frozenset[str]) -> str | None:
    """The attribute a value's shape names: ``email`` for an address, ``phone`` for a number."""
    if any(_EMAIL.fullmatch(w) for w in value):
        return "email"
    if any(_PHONE.fullmatch(w) for w in value):
        return "phone"
    return None


def _labelled(normal: str) -> Claim | None:
    """The claim of a note written as "Label: value" ("Partner: none", "Manager: Ken -> Laura").

    The value is all that follows the label, remarks in brackets aside, the last one after an
    arrow; "none" or "no" negates the label, "yes" states it.
    """
    label = _LABEL.match(normal)
    if label is None:
        return None
    attribute = LABELS[label.group("label")]
    said = _ARROW.split(re.sub(r"\([^)]*\)", " ", label.group("value")))[-1].strip(" .!,;")
    negated = said in NONE
    value = frozenset() if negated or said in YES else value_words(said)
    if attribute == "pronouns":
        value = _pronouns(said)
    if label.group("label") == "status" and not value & MARITAL:
        return None  # "Status: shipped" is no marital status
    if attribute == "medication":
        drug = next((w for w in sorted(value) if re.fullmatch(DRUG, w)), "")
        attribute = f"medication {drug}".rstrip()
    return Claim(
        subject=frozenset({"user"}),
        attribute=attribute,
        value=value,
        negated=negated,
        single=attribute not in MULTI_VALUED,
    )


def _raw_clause(text: str, clause: str) -> str:
    """``clause`` (lower case) as written in ``text``, or ``text`` itself when not found."""
    found = text.lower().find(clause.strip())
    return text[found : found + len(clause.strip())] if found >= 0 and clause.strip() else text


_READ_CACHE = 512
"""Texts whose normal form and claim are kept: a write compares its new text with up to sixteen
candidates, and the same candidates come back for related writes."""


@lru_cache(maxsize=_READ_CACHE)
def opening_subject(text: str) -> frozenset[str]:
    """The words of the noun phrase a sentence opens with (``user`` for "I", "my").

    Example:
        >>> sorted(opening_subject("Our anniversary dinner got moved to Saturday"))
        ['anniversary', 'dinner', "user's"]
        >>> sorted(opening_subject("Grace: I quit coffee"))
        ['grace']
    """
    normal = normal_text(text)
    verb = _FIRST_VERB.search(normal)
    return _as_said_by(_subject(normal[: verb.start()] if verb else normal), speaker(text))


_FIRST_VERB = re.compile(
    r"\b(?:is|am|are|was|were|has|have|had|do|does|did|will|would|can|could|should|may|might|"
    r"got|gets|get|quit|stopped|left|gave|cannot|sold|bought|took|went|came|began|made|found|"
    r"lost|won|ran)\b|\b\w{3,}ed\b|\b\w+n't\b"
    r"|(?:(?<=\bi)|(?<=\bwe)|(?<=\byou)|(?<=\bthey)|(?<=\bhe)|(?<=\bshe)|(?<=\bit)|"
    r"(?<=\bthat)|(?<=\bthere)|(?<=\bwho))'(?:s|ve|m|re|d|ll)\b"
)


def is_negated(normal: str) -> bool:
    """Whether a normalised sentence holds a negation ("not", "no longer", "quit", "-n't" ...)."""
    return bool(_NEGATION.search(normal))


PRESCRIBERS = frozenset(
    word_list(
        """doctor doc gp pcp physician psychiatrist cardiologist endocrinologist neurologist
    dermatologist oncologist rheumatologist prescriber pharmacist"""
    )
)
"""Who changes a patient's drugs: "my doctor stopped the metformin" is the user's change."""
_PRESCRIBED = re.compile(
    r"\b(?:stopped|discontinued|switched|put|took|taken|started|increased|decreased|raised|"
    r"lowered|upped|cut|bumped|changed|adjusted|prescribed|doubled|halved)\b"
)
"""What a prescriber does to a drug (not "my doctor takes lisinopril", the doctor's own)."""
_PRONOUN = re.compile(r"\b(?:she|her|hers|he|him|his|they|them|theirs|xe|xem|ze|zir|it|its|any)\b")


def _pronouns(said: str) -> frozenset[str]:
    """The pronouns a value names ("they/them"), which are stop words to :func:`value_words`."""
    return frozenset(_PRONOUN.findall(said.lower()))


_SPAN = re.compile(
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several) "
    r"(?:full )?(?:days?|weeks?|months?|years?)(?: now)?"
)
"""A span of time opening a clause ("Three months smoke-free"): no subject."""


_WITH_USER = re.compile(
    r"\s*(?:(?:the )?user|i|me)\s+and\s+(?:(?:my|his|her|their|the user's)\s+)?[\w'-]+\s*"
)
"""The user and one other as a subject ("me and my husband", "User and partner")."""


def _subject(prefix: str) -> frozenset[str]:
    if _WITH_USER.fullmatch(prefix):
        return frozenset({"user"})  # "Me and my husband bought a house": the user's home too
    clause = _CLAUSE_START.sub("", prefix)
    if _SPAN.fullmatch(clause.strip()):
        return frozenset({"user"})
    words = _subject_words(clause)
    first = _BOUNDARY.split(prefix, maxsplit=1)[0]
    verb = _FIRST_VERB.search(first)
    if not words and clause != prefix and verb:
        # "Lucy moved out of Boston and now lives in Austin": the subject is the sentence's
        # ("No longer vegetarian, eats chicken again" has none).
        words = _subject_words(first[: verb.start()]) or {"user"}
    if words in ({"she"}, {"he"}) and clause != prefix:
        # "My sister went back to school and she's a PA now": the sister, named first.
        named = _subject_words(first[: verb.start()] if verb else first)
        person = named & (PEOPLE | _KIN) or (len(named) == 1 and not named & _NOT_NAMED)
        pronoun = next(iter(words))
        if person and not named & _GENDERED[pronoun]:
            words = named
    owned = _OWNED.search(clause.strip())
    if owned:
        # "I have a sister named Anna" names the sister.
        words.add(owned.group(1))
    return frozenset(words) or frozenset({"user"})


_CARER = re.compile(
    r"\b(dentist|therapist|counsell?or|psychiatrist|pa?ediatrician|physio(?:therapist)?|vet|"
    r"(?<!physical )therapy|psychiatry)s?\b"
)
"""A carer other than a doctor, named beside a doctor seen ("stopped seeing Dr. Green, my new
therapist ...")."""
_CARE_OF = {"therapy": "therapist", "psychiatry": "psychiatrist"}
_PERSON_ATTRIBUTES = frozenset(
    {"relationship", "manager", "doctor", "dentist", "therapist", "psychiatrist", "pediatrician"}
    | {"vet", "hairdresser", "trainer", "accountant", "lawyer", "landlord", "physio"}
)
"""Attributes whose value is a person, named by a name."""
_SITED = _PERSON_ATTRIBUTES | {"car", "phone", "team", "email", "name"}
"""Attributes whose value is no place: "My car is in the shop" says where the car is."""
_WHERE = re.compile(
    r"\s*(?:in|at|on|with|by|from|off|away|out|under|inside|outside|behind|near|back)\b"
)
_VALUE_START = re.compile(rf"\s*{ADV}(?:called\s+|named\s+)?([a-z][\w'-]*)")
_DESCRIBED = re.compile(
    rf"\s*(?:fully|mostly|completely|remote|hybrid|distributed|understaffed|short-staffed|"
    rf"{RELIGIONS})\b"
)
_PLACE_WORDS = frozenset(word_list("in at on near outside by off downtown uptown"))
"""Words that open where a home is ("My apartment is in Brooklyn")."""
_NOT_STATES = frozenset({"job", "study", "hobby", "diet"})
"""Attributes whose value can be a word ending in -ing ("nursing", "fasting")."""


def _describes(match: re.Match[str], normal: str, text: str) -> bool:
    """Whether a noun's cue describes the thing or person rather than naming a value.

    "My wife is a doctor" is about the wife's job, not about whom the user is married to; "my
    wife is pregnant" names no wife either: a person's value is a name, capitalised when the
    writer capitalises at all. "Our team is hiring" says what the team does, not which it is.
    """
    noun = match.groupdict().get("noun")
    if noun is None or match.groupdict().get("before") is not None:
        return False
    rest = normal[match.end() :]
    attribute = NOUNS[noun]
    if attribute == "relationship" and _DESCRIPTION.match(rest):
        return True
    if attribute in _SITED and _WHERE.match(rest):
        return True  # "My car is in the shop", "my boss is on leave": where, not which
    if attribute in _PERSON_ATTRIBUTES and re.match(r"\s*\d", rest):
        return True  # "Wife is 35 years old": how old, not who
    if attribute in _SITED and _DESCRIBED.match(rest):
        return True  # "partner is Christian", "team is fully remote": what it is like
    start = _VALUE_START.match(rest)
    if start is None:
        return False
    word = start.group(1)
    if word.endswith("ing") and attribute not in _NOT_STATES and not _capitalised(word, text):
        return True
    if attribute == "residence" and word not in _PLACE_WORDS and not _capitalised(word, text):
        return True  # "The apartment is quiet during the day": how it is, not where
    return (
        attribute in _PERSON_ATTRIBUTES
        and not word.startswith("dr")
        and not _capitalised(word, text)
    )


_PLACE = re.compile(r",\s*((?!i\b)[a-z][\w.]*(?: [a-z][\w.]*)?)\s*(?:[.!;]|$)")
"""A name that ends the text after a comma: the state or country of a place."""


def _value_clause(rest: str, text: str) -> str:
    """The clause of ``rest`` (the normal text after a cue) that holds the value.

    A name after a comma that ends the text belongs to it: "Springfield, Missouri" is not
    "Springfield, Illinois".
    """
    end = _CLAUSE_END.search(rest)
    if end is None:
        return rest
    place = _PLACE.match(rest, end.start())
    named = place is not None and any(c.islower() for c in text)
    if place is not None and named and all(_capitalised(w, text) for w in place.group(1).split()):
        return f"{rest[: end.start()]} {place.group(1)}"
    return rest[: end.start()]


def _capitalised(word: str, text: str) -> bool:
    """Whether ``word`` is written with a capital in ``text``, or ``text`` has no capital at all."""
    if not any(c.isupper() for c in text):
        return True
    return any(
        found[0].isupper() for found in re.findall(rf"\b{re.escape(word)}\b", text, re.IGNORECASE)
    )


_SPEAKER = re.compile(r"^\s*([A-Z][\w'-]*(?: [A-Z][\w'-]*)?):\s+(?=\S)")
_QUOTER = re.compile(
    r"^\s*(?:(?:my|our|the|his|her|their) )?([a-z][\w'-]*) "
    r"(?:says|said|writes|wrote|texted|asked|tells me|told me):\s+(?=\S)",
    re.IGNORECASE,
)
"""Someone quoted after a colon ("My neighbour says: my rent is ..."): the quotation's "I" is
theirs."""
_NOT_SPEAKERS = frozenset(
    word_list(
        """correction update note ps fyi btw edit reminder todo fact memory info context summary
    important new old user remember forget save"""
    )
)


def speaker(text: str) -> str | None:
    """Who says ``text`` when it opens with a speaker's name ("Grace: I moved to Paris").

    "I" is then that speaker, not the user, and so it is in a quotation ("My neighbour says: I
    ..."). A label that is a discourse marker ("Update:") or an attribute ("Phone: ...") names no
    speaker; "User:" is the user.

    Example:
        >>> speaker("Grace: I moved to Paris"), speaker("Update: I moved"), speaker("I moved")
        ('grace', None, None)
    """
    if quoted := _QUOTER.match(text):
        return quoted.group(1).lower()
    label = _SPEAKER.match(text)
    if label is None:
        return None
    name = label.group(1).lower()
    if name in _NOT_SPEAKERS or name in LABELS:
        return None
    return name


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each written as it would be alone: a speaker's label kept.

    Example:
        >>> sentences("Ana: Big news! I moved to Lyon. Dr. Roy says hi")
        ['Ana: Big news!', 'Ana: I moved to Lyon.', 'Ana: Dr. Roy says hi']
    """
    label = (_QUOTER.match(text) or _SPEAKER.match(text)) if speaker(text) else None
    said = label.group(0) if label else ""
    body = text[len(said) :]
    cuts = [end.end() for end in _SENTENCE_END.finditer(body.lower())]
    parts = (body[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True))
    return [f"{said}{part}" for part in parts if part]


def _as_said_by(subject: frozenset[str], name: str | None) -> frozenset[str]:
    """A subject with the user's words read as the speaker's (``user's`` -> ``grace's``)."""
    if name is None:
        return subject
    return frozenset(
        {name if w == "user" else f"{name}'s" if w == "user's" else w for w in subject}
    )


_NT_VERBS = r"does|do|did|is|are|was|were|has|have|had|wo|ca|could|should|would"
_TEXTING = (
    (re.compile(r"\b(?:lol|lmao|smh|omg|tbh|ngl|imo|btw|haha+)\b[!.]*"), ""),
    (re.compile(r"\brn\b"), "right now"),
    (re.compile(r"\bgf\b"), "girlfriend"),
    (re.compile(r"\bbf\b"), "boyfriend"),
    (re.compile(r"\bw/(?=\s)|\bw\b(?= [a-z])"), "with"),
    (re.compile(r"\b(im|ive)\b"), lambda m: "i'" + m.group(1)[1:]),
    (re.compile(r"\b(moved|went|back|switched|going|go|came|come|transferred) 2\b"), r"\1 to"),
    (re.compile(r"\bwknd\b"), "weekend"),
    (re.compile(r"\bwk(?=s?\b)"), "week"),
    (re.compile(r"(?<=[a-z]) n (?=[a-z])"), " and "),
    (re.compile(r"\bbday\b"), "birthday"),
    (re.compile(rf"\b({_NT_VERBS})nt\b"), r"\1n't"),  # "doesnt", "dont", "isnt"
)
"""Texting written in lower case ("im not vegetarian anymore lol", "moved 2 olympia", "my gf"),
spelled out; a word written with capitals ("LoL", "RN") is left as it is."""
_TEXTING_WORDS = re.compile(
    rf"\b(?:lol|lmao|smh|omg|tbh|ngl|imo|btw|haha+|rn|gf|bf|w|im|ive|2|wknd|wks?|bday|n|"
    rf"(?:{_NT_VERBS})nt)\b"
)
"""Whether a text has any texting to spell out (most have none: one search instead of ten)."""


@lru_cache(maxsize=_READ_CACHE)
def singular(word: str) -> str:
    """A plural's singular by its ending ("standups" -> "standup", "summaries" -> "summary").

    Short words, possessives and words in "ss" are kept ("bus", "anna's", "glass").
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "'s")):
        return word
    return word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else word[:-1]


def normal_text(text: str) -> str:
    """Lower case, straight apostrophes, single spaces, a speaker's label and discourse removed."""
    named = speaker(text)
    if named is not None:
        text = _QUOTER.sub("", _SPEAKER.sub("", text, count=1), count=1)
    if _TEXTING_WORDS.search(text):
        for pattern, spelled in _TEXTING:
            text = pattern.sub(spelled, text)
    text = " ".join(text.replace("\u2019", "'").split()).lower()
    text = _CALLED.sub("is called", text)
    text = _WED.sub("got married", text)
    text = _COMMAND.sub("", _DISCOURSE.sub("", text), count=1)
    text = _REPORTED.sub("", _DISCOURSE.sub("", text), count=1)
    text = _FROM_WHEN.sub("", text, count=1)
    text = _FORGET.sub("no longer ", text, count=1)
    if reported := _USER_REPORTS.match(text):
        # "The user mentioned they live in Seattle": what the user tells of themselves.
        told = text[reported.end() :]
        text = _THEY.sub(lambda m: _THEY_USER[m.group(0)], told, count=1)
    return _LEADING.sub("", text, count=1)


@lru_cache(maxsize=_READ_CACHE)
def read_claim(text: str) -> Claim | None:
    """The claim ``text`` makes, or ``None`` when it states no attribute the lexicon knows.

    Example:
        >>> claim = read_claim("Actually my name is Alex, not Sam")
        >>> sorted(claim.subject), claim.attribute, sorted(claim.value), claim.negated
        (['user'], 'name', ['alex'], False)
    """
    return _read(text, None)


def claim_as(text: str, attribute: str) -> Claim | None:
    """The claim ``text`` makes about ``attribute`` when its cues are the only ones read.

    One phrase can state two attributes: "a junior developer at Stripe" is a job and an
    employer, read as the employer (the longer cue) unless the job is asked for.

    Example:
        >>> sorted(claim_as("I'm a junior developer at Stripe", "job").value)
        ['developer', 'junior', 'stripe']
    """
    return _read(text, attribute)


def _cue_attribute(attribute: str, match: re.Match[str]) -> str:
    """The attribute a cue's match states: a noun's own for the cues that name one."""
    noun = match.groupdict().get("noun")
    return NOUNS[noun] if noun else attribute


def _read(text: str, only: str | None) -> Claim | None:
    """:func:`read_claim`, or with ``only`` the claim read by that attribute's cues alone."""
    normal = normal_text(text)
    if (labelled := _labelled(normal)) is not None:
        return labelled if only in (None, labelled.attribute) else None
    best: tuple[int, int, str, bool, re.Match[str], bool] | None = None
    for attribute, single, pattern, negative, needs in _COMPILED:
        if needs is not None and not any(n in normal for n in needs):
            continue  # a word the cue cannot match without is absent
        match = pattern.search(normal)
        if match is None or (not negative and _describes(match, normal, text)):
            continue
        if only is not None and _cue_attribute(attribute, match) != only:
            continue
        # "Switched jobs" only prefaces a cue that names the value: "... and now work at Bosch".
        weak = match.groupdict().get("plural") is not None
        key = (weak * len(normal) + match.start(), -len(match.group(0)))
        if best is None or key < best[:2]:
            best = (*key, attribute, single, match, negative)
    if only is not None and best is None:
        return None
    if best is None:
        thing = _thing_claim(text, normal)
        if thing is not None:
            return thing
        for pattern, negative, needs in _COMPILED_BARE:
            if needs is not None and not any(n in normal for n in needs):
                continue
            match = pattern.search(normal)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), 0, "*", True, match, negative)
    if best is None:
        return None
    _, _, attribute, single, match, negative = best
    if attribute == "age" and (thing := _thing_claim(text, normal)) is not None:
        return thing  # "My bike lock code is 303" is no age
    groups = match.groupdict()
    rest = normal[match.end() :]
    clause = _value_clause(rest, text)
    value = value_words(clause)
    partner = _PARTNER.search(normal[: match.start()])
    couple = _COUPLE.search(normal[: match.start()]) if attribute == "relationship" else None
    if partner is None and couple is not None and not value:
        value = value_words(couple.group(2))
    broke_up = attribute == "relationship" and partner is not None
    if broke_up and partner is not None:
        # "Anna and I broke up": the relationship with Anna ended, not every relationship;
        # "User and Maria got married": the user's, with Maria.
        other = value_words(partner.group(1) or partner.group(2))
        # "Maria and I separated in the spring" ends the one with Maria, whatever else it says.
        value = value | other if negative else value or other
    if groups.get("value") or groups.get("mode"):
        # The value is named inside the cue: "I take the bus to work".
        value = value_words(groups.get("value") or groups["mode"])
    if attribute == "shift":
        value = frozenset({groups["value"]})  # "day" is a word of time elsewhere
    elif attribute == "household" and groups.get("value") in OWN_HOMES:
        value = frozenset({"own"})  # "got their own apartment": living with nobody's parents
    elif attribute == "work mode":
        said = groups.get("value") or groups.get("office") or ""
        value = frozenset({"remote" if said in ("remote", "from home") else said.split()[-1]})
    elif attribute == "frequency":
        activity = groups.get("activity")
        verb = activity or groups["verb"].split()[0]
        attribute = "frequency " + (
            verb if activity else re.sub(r"(?:ming|ning|ing|es|e|s)$", "", verb)
        )
        often = groups.get("often") or ""
        value = frozenset(often.split()) - {"a", "per", "every", "times", "days"}
    elif attribute == "housing":
        value = frozenset({"renting" if groups["value"].startswith("rent") else "owning"})
    elif attribute == "children" and groups.get("value"):
        # "our second baby", "baby number three": the count of children.
        value = frozenset({COUNT_OF.get(groups["value"], groups["value"])})
    if groups.get("before"):
        # The value is named before the cue ("User's cat Luna passed away"), its owner aside.
        value = value_words(groups["before"]) - _FIRST_PERSON
    elif not value and groups.get("noun") and (then := _THEN_VALUE.match(rest)):
        value = value_words(then.group(1))  # "I've got a new number, it's 07700 900456"
    if groups.get("plural"):
        # "Switched dentists, Dr. Okafor is closer": the names that follow, or another value.
        sentence = _SENTENCE_END.split(rest, maxsplit=1)[0]
        named = names(_raw_clause(text, sentence)) if sentence.strip() else []
        value = frozenset().union(*named) or frozenset({"(another)"})
    if attribute == "pet" and not negative and "," in rest:
        # "We have two dogs, Rex and Bella": the names that follow are the pets too.
        sentence = _SENTENCE_END.split(rest, maxsplit=1)[0]
        value = value.union(*names(_raw_clause(text, sentence)))
    if attribute == "*" and (shaped := _shaped(value)):
        attribute = shaped  # "switched to jo.dev@gmail.com": an email, whatever it replaces
    if groups.get("noun"):
        attribute = NOUNS[groups["noun"]]
    elif groups.get("what"):
        what = groups["what"].replace("color", "colour")
        attribute = f"favourite {what}"
    elif attribute == "preference":
        before = re.split(r"\s(?:to|over|than|instead of)\s", clause)
        value = value_words(before[0])
    elif attribute == "medication":
        drug = groups.get("drug") or next(
            (w for w in sorted(value) if re.fullmatch(DRUG, w) and not w[0].isdigit()), ""
        )
        attribute = f"medication {drug}".rstrip()
        value |= {drug} if drug else set()
    if attribute == "residence" and value & SERVICE_WORDS:
        return None  # "cancelled Spotify and moved to Apple Music" moves no home
    if attribute == "pronouns":
        value = _pronouns(clause)
    elif attribute == "citizenship":
        value -= {"citizen"}
    elif attribute == "hair":
        value -= {"hair"}  # "has light brown hair" shares no colour with "thick black hair"
    elif attribute == "allergy":
        value = frozenset(map(singular, value))  # "my peanut allergy" is "allergic to peanuts"
    elif attribute == "membership" and value & GYM_WORDS:
        attribute, single = "gym", True  # "cancelled my Anytime Fitness membership"
        value -= {"gym"}
    elif attribute == "doctor" and not groups.get("noun") and (carer := _CARER.search(normal)):
        # "I switched dentists, I see Dr. Nguyen now": the doctor seen is the carer named.
        attribute = NOUNS.get(carer.group(1)) or _CARE_OF[carer.group(1)]
    if (
        attribute == "phone"
        and value
        and not any(c.isdigit() or c == "[" for w in value for c in w)
    ):
        return None  # "Switch my phone to dark mode" is no number
    prefix = normal[: match.start()]
    clause_prefix = _CLAUSE_START.sub("", prefix)
    # "The doctor switched me from Adderall": the change is the user's.
    subject = frozenset({"user"}) if broke_up else _subject(prefix)
    taken = groups.get("object")
    if taken in ("me", "us"):
        subject = frozenset({"user"})
    elif taken:
        # "Dad's doctor took him off metformin": the change is Dad's.
        subject = frozenset(w.removesuffix("'s") for w in subject if w.endswith("'s")) or subject
    if (
        subject & PRESCRIBERS
        and (attribute.startswith("medication") or any(re.fullmatch(DRUG, w) for w in value))
        and _PRESCRIBED.search(acted := clause_prefix + match.group(0))
        and not re.search(r"\btak(?:e|es|ing)\b", acted)
    ):
        # "My doctor stopped the metformin": the drug is the patient's.
        rest_words = subject - PRESCRIBERS
        subject = (
            frozenset({"user"})
            if rest_words <= {"user's"}
            else frozenset(w if w == "user's" else w.removesuffix("'s") for w in rest_words)
        )
    if couple is not None and partner is None:
        subject = frozenset(_subject_words(couple.group(1))) or subject
    if groups.get("noun") and attribute == "schedule":
        # A deadline is a thing of its own: the project's deadline is not its kickoff.
        subject = frozenset(subject - {"user"} | {groups["noun"]})
    owner = groups.get("owner")
    if owner and (owner in ("my", "our", "the user's") or not _subject_words(clause_prefix)):
        # "The landlord raised our rent": the rent is ours. "Anna changed her name": Anna's.
        subject = _subject(owner)
    negated = negative or bool(_NEGATION.search(clause_prefix + match.group(0)))
    # "Anymore" negates its own clause: "switched to coffee, I don't drink tea anymore" does not
    # retract coffee.
    negated = negated or bool(re.search(r"\b(?:anymore|any more|any longer)\b", clause))
    negated = negated or bool(re.match(r"\s*(?:not|no longer|never)\b", rest))
    if attribute == "relationship" and value == {"single"}:
        # Single is no partner: "I'm single" is retracted by "We've been dating a month".
        value, negated = frozenset(), not negated
    return Claim(
        subject=_as_said_by(subject, speaker(text)),
        attribute=attribute,
        value=value,
        negated=negated,
        single=single,
    )
