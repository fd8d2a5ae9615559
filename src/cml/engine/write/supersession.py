"""Whether a new memory supersedes an older one: rules for corrections and changes of state.

"The user moved to Munich last month" retires "The user lives in Berlin"; "Actually my name is
Alex, not Sam" retires "My name is Sam". Something that happened never retires something else
that happened: "went to the gym on Monday" leaves "went to the park on Sunday" alone.

How the decision is made (no model, a few regular expressions per pair):

1. Never for episodes: when either memory's type is one of :data:`HAPPENED_KINDS` (an event, a
   conversation turn, a message, ...), nothing is superseded.
2. Never for a new text that is a question, a hypothetical, an attempt or a plan ("might move
   to", "thinking about", "tried to quit", "will", "if"), a statement about the past ("used
   to", "grew up in") or an addition ("also", "too", "as well"). An old text that is the
   speaker's own plan ("I'm planning to move to Denver") is retired only when the new one
   carries it out ("We moved to Denver last week") or says another value was decided instead.
3. Both texts are read as a :class:`~cml.engine.write.claims.Claim`: a *subject* (the user for
   "I", "my", "the user"; "user sister" for "my sister", and for "Mom" or "Dad" without an
   owner; a name; the person a later "she" or "he" stands for; the thing a schedule is about,
   "team meeting"), an *attribute* from a lexicon of cue phrases (residence, employer, job,
   name, age, relationship, diet, likes, preference, favourite X, medication per drug, schedule,
   address, phone, email, pet, car, school, manager, team, smoking, weight, salary, work shift,
   ...), the content words of the *value* and whether the claim is *negated* ("no longer",
   "not", "quit", "stopped"). A possessed thing the lexicon has no noun for ("my locker code is
   1234", "the office wifi network is CorpNet") is the attribute ``thing``, its subject the
   thing's words; its value changes only when the text says so ("is now 5678", "changed my wifi
   password to") or the thing reaches a number ("my credit score finally hit 720"). Texting is
   read spelled out ("im", "gf", "rn", "lol" aside).
4. Subjects and attributes must match. Then the new claim supersedes the old one when it
   corrects it ("..., not Sam", "instead of coffee", "switched from X to"), retracts it ("no
   longer lives in Madrid", "stopped taking metformin"), turns a negated state positive ("started
   eating fish again"), or, for a single-valued attribute (one residence, one employer, one
   name), states a different value. A multi-valued attribute (likes, pets, allergies, hobbies)
   is only superseded by a correction or a retraction of the same value: "likes comedies" does not
   retire "likes horror movies". A value that only adds words to the old one ("Priya Sharma"
   after "Priya") is a restatement unless the text says it changed ("now", "new", "actually").
   A bare change that names no attribute ("switched to Verizon") changes a switchable attribute
   (car, bank, internet provider, phone carrier, gym, diet, preference) only when the caller's
   similarity says the two are close in meaning (:data:`BARE_CHANGE_MIN_SIMILARITY`); so does
   a new preference that shares no word with the older one. Words two values share only inside
   names of different things ("Anytime Fitness", "Planet Fitness") tie nothing together.
5. Sentences the lexicon has no attribute for are compared by their frames: the same opening
   subject, and "got moved to Saturday" (a thing rescheduled to a time, a date or a number) or
   "quit coffee" (something ended that the old sentence names); then by the shapes of an
   update (:mod:`~cml.engine.write.updates`: "My commute takes 45 minutes now", "cut down to
   one cup", "switched from Notion to Obsidian", "I passed the CPA exam" after "I'm studying
   for the CPA exam"), which also decide between two different attributes; and by a contrast
   that corrects a value whatever its attribute ("Oops, I meant Thursday, not Tuesday"). One
   phrase can state two attributes: "a junior developer at Stripe" is read as the employer,
   and as the job when "Got promoted to senior developer" asks for it.
6. Never for a new text that negates one past occasion ("didn't go to work on Monday") or
   pauses ("stopped hiking for a week").
7. A short message of two or three sentences is also read one sentence at a time ("Omar moved
   to the platform team. Our new lead is Grace."), unless it is a plan or the past as a whole;
   one that tells and then asks ("We moved to Austin. Any good pediatricians?") is read by what
   it tells before its question. A sentence the old text says too changes nothing.

How the write path is meant to use it: after a new memory is stored (never for a write merged as
a duplicate), take the few most similar *active* memories of the same tenant and namespace (the
vector search the duplicate check already runs, with a lower threshold), call
:func:`decide_supersession` with each one's text, type and similarity, and retire the ones it
returns ``supersedes=True`` for (``superseded_at``/``superseded_by``, one event each, with
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
from dataclasses import dataclass, replace

from cml.engine.write.claims import (
    CHANGE,
    FIRST_PERSON,
    PEOPLE,
    PETS,
    REACHED,
    SET_VERBS,
    TIMED,
    Claim,
    claim_as,
    is_negated,
    normal_text,
    one_sentence,
    opening_subject,
    other_names,
    plausible_value,
    read_claim,
    sentences,
    singular,
    value_words,
)
from cml.engine.write.dedup import EPISODIC_KINDS
from cml.engine.write.instructions import changes_instruction, is_instruction_change
from cml.engine.write.lexicon import MARITAL, OCCASION, word_list
from cml.engine.write.updates import may_update, says_change, updates

__all__ = [
    "BARE_CHANGE_MIN_SIMILARITY",
    "HAPPENED_KINDS",
    "MAX_CLAIM_CHARS",
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
    r"^(?:do|does|did|can|could|should|would|will|what|where|when|who|whom|why|how|which|whose)"
    r"\b(?!')"
    r"|^(?:is|are|was|were|has|have) (?:it|there|this|that|these|those|he|she|they|i|we|you|my|"
    r"your|his|her|their|our|the|any|anyone|anybody|someone|somebody)\b"
)
"""A question without its mark; "Is a software engineer" (a note without its subject) is none."""
_HYPOTHETICAL = re.compile(
    r"\b(?:if|might|maybe|perhaps|considering|thinking (?:about|of)|plans? to|planning|"
    r"wants? to|would|could|should|hopes? to|hoping|will|someday|one day|wish(?:es)?|"
    # "going to move" plans; "stopped going to the gym" tells a place gone to, and "we've been
    # going to Grace Community" a habit.
    r"(?<!been )going to(?! (?:the|a|an|my|our|his|her|their|church|work|school|class|bed|"
    r"therapy)\b)|"
    r"suggested|saving up for|dreams? of|may|(?:am|'m|is|are|'re) (?:moving|relocating) to|"
    r"(?:tried|tries|try|trying|attempting|looking) to)\b"
)
_SET_PHRASE = re.compile(rf"\b{SET_VERBS} (?:my|our|his|her|their|the user's|the) [\w' -]+? to\b")
"""A thing set to a value ("upgraded my streaming plan to"), whose noun may read as a plan."""
_PAST = re.compile(
    r"\b(?:used to|grew up|formerly|previously|back then|as a child|in the past|(?:was|were) my)\b"
    r"|^before\b|\b(?:was|were) [\w ]{1,20} when (?:i|we|they|he|she|(?:the )?user)\b"
)
"""The past: "used to", "grew up in", "was 25 when they moved to the US"."""
_ONE_OCCASION = re.compile(
    rf"\b(?:didn't|did not|wasn't|was not|weren't|were not|couldn't|could not)\b.*\b{OCCASION}\b"
)
"""A negation of one past occasion ("didn't go to work on Monday"): an episode, not a retraction."""
_FOR_A_WHILE = re.compile(
    r"\b(?:stopped|quit|paused|gave up|no longer|not|n't)\b.*\b(?:for (?:a|one|two|three|a few|a "
    r"couple of) (?:day|week|month|while|bit|days|weeks|months)|temporarily|for the time being)\b"
)
"""A pause ("stopped hiking for a week"): the habit is not retracted."""
_OVER_AGAIN = re.compile(
    r"\bback to (?:normal|my (?:usual|old|regular) (?:self|ways|routine|diet))\b"
)
"""A stint already over ("Went vegan for Veganuary, back to normal now"): nothing it says holds."""
_ADDITION = re.compile(
    r"\b(?:also|too(?!\s+(?!and\b|but\b|so\b|now\b)[a-z])|as well|in addition|additionally|"
    r"(?<!to )(?<!for )(?<!with )another)\b"
)
"""An addition ("I like tea too", "got another dog"); "way too expensive" says how much, and
"moved to another team" leaves for one, adding nothing."""
_TARGET = re.compile(
    r"\b(?:not|instead of|rather than|over|from|no longer)\s+"
    r"([\w' -]+?)(?=[,.;!?]|$|\s+(?:and|but|to|anymore)\b)"
)
MAX_CLAIM_CHARS = 400
"""Longest text read as one claim. A longer one (a chat message of several paragraphs, an
answer, a document) holds many statements; retiring it for one of them would hide the rest, so
the rules neither retire it nor let it retire anything (an LLM, when configured, still judges)."""
_SWITCHABLE = frozenset(
    {"car", "provider", "carrier", "bank", "gym", "diet", "preference", "handset"}
)
"""Attributes a bare change ("switched to ...") can change without naming them. Not medication:
"switched to losartan" does not say which of the user's drugs it replaces."""
BARE_CHANGE_MIN_SIMILARITY = 0.4
"""Closeness in meaning below which a bare change ("switched to Verizon", which names no
attribute) is not taken to change the switchable attribute of an older memory it shares no word
with.

Measured with the default embedder on 24 pairs: bare switches of the same attribute mostly at
0.42-0.65 (a provider, a bank, a car, a preference; a few at 0.20-0.40 are missed: "switched to
Monzo" after "My bank is Chase" at 0.24), switches of something else at -0.05-0.37 ("switched to a
new phone plan" after "My internet provider is Comcast" at 0.37, "switched to a standing desk"
after "I prefer window seats" at 0.31). A missed retirement leaves two memories to rank; a wrong
one hides a fact that still holds.

The same closeness decides a change of preference that shares no word with the older one: "I
prefer afternoon meetings now" (0.34) is no new seat for "I prefer window seats", where "I prefer
aisle seats" (0.71) and "prefers Teams" after "prefers Zoom" (0.39: missed) are changes."""


_FRAME_MOVED = re.compile(
    r"\b(?:(?:got|has been|have been|was|were|is being|has|have)\s+)?"
    r"(?:moved|changed|switched|rescheduled|pushed back|pushed|postponed|updated|shifted)\s+"
    r"(?:to|for|until)\b"
)
_FRAME_ENDED = re.compile(
    r"\b(?:no longer|anymore|any more|no more|quit|stopped|gave up|given up)\b"
    # Left, sold or cancelled a thing, not a name: "I left Google" is not "I use Google Maps".
    r"|\b(?:left|got rid of|ditched|cancell?ed|sold) (?=(?:the|my|our|his|her|their)\b)"
)
_CLAUSES = re.compile(r"[^,;]+(?:[,;]|$)")
_NOT_ENDED = re.compile(
    r"\b(?:don't|do not|won't|will not|never|didn't|can't|cannot|not) "
    r"(?:quit|stop|stopped|give up|gave up)\b"
)
"""An ending verb negated: "Don't quit!" cheers on, "I won't quit" resolves; nothing ended."""
_GENERIC_VERBS = frozenset({"work", "go", "goes", "going", "use", "uses", "live", "have", "get"})
"""Verbs too common to tie two sentences together: "I don't work weekends anymore" ends nothing
of "I ride the train to work"."""
_OWNERS = frozenset({"user", "user's"})
_ONE_PHRASE = (
    frozenset({"job", "employer"}),
    frozenset({"housing", "residence"}),
    frozenset({"household", "residence"}),
)
"""Attributes one phrase states together: "a nurse at Mercy" is a job and an employer, "renting
a room in Camden" a home rented and where it is."""


def _frame_verbs(normal: str) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """Where a normalised text says something moved to a value, and where it says one ended."""
    return _FRAME_MOVED.search(normal), _FRAME_ENDED.search(normal)


def _stems(words: frozenset[str]) -> set[str]:
    return {w[:5] for w in words}


def _frame_change(new_text: str, old_text: str, *, old_known: bool) -> Supersession | None:
    """A change of something the lexicon has no attribute for, read from the sentences' frames.

    Two shapes only, both with the same opening subject:

    - "Our anniversary dinner got moved to Saturday" after "Our anniversary dinner is booked
      for Friday": the subject names the thing (not only the user), and the new sentence says
      it was moved, changed, rescheduled or postponed to a value the old one does not hold. Not
      when the lexicon reads the old sentence (``old_known``): "Dinner got moved to the garden"
      is no new time for "Dinner is at 7pm".
    - "I've quit coffee completely" after "I drink two coffees a day": the new sentence ends
      something (quit, stopped, no longer, anymore) and every word it names but one (its verb)
      is in the old sentence, at least one of them.
    """
    new_normal, old_normal = normal_text(new_text), normal_text(old_text)
    moved, ended = _frame_verbs(new_normal)
    if moved is None and ended is None:
        return None  # the common case, decided before reading any subject
    subject = opening_subject(new_text)
    if not subject or subject != opening_subject(old_text) or is_negated(old_normal):
        return None
    old_words = _stems(value_words(old_normal) - _GENERIC_VERBS) - _stems(subject)
    if moved is not None and subject - _OWNERS and not old_known:
        after = new_normal[moved.end() :]
        # A time, a date or a number: a thing is rescheduled or renumbered ("Kenji moved to the
        # window desk" says nothing about Kenji being the team lead).
        numbered = re.search(r"\d", after) and re.search(r"\d", old_normal)
        measured = TIMED.search(after) or numbered
        value = _stems(value_words(after))
        if measured and value and not value <= old_words:
            return Supersession(True, "frame: moved or changed")
        return None
    if ended is not None:
        # In one sentence, the clause that says it ended: "quit crossfit, my back couldn't take
        # it"; a text of several sentences (a list, a chat message) is read whole.
        clauses = (c.group(0) for c in _CLAUSES.finditer(new_normal) if c.end() >= ended.end())
        clause = next(clauses, new_normal) if one_sentence(new_normal) else new_normal
        if _NOT_ENDED.search(clause):
            return None
        said = value_words(_FRAME_ENDED.sub(" ", clause)) - _GENERIC_VERBS
        named = _stems(said) - _stems(subject)
        named -= {"compl", "entir", "total", "fully", "handl", "can't", "cannot", "don't"}
        if named & old_words and len(named - old_words) <= 1:
            return Supersession(True, "frame: ended")
    return None


_PIECES = re.compile(r"[,;!?]|[.:](?=\s|$)|\s[-\u2013\u2014]\s")
_CONTRAST_OPENS = re.compile(
    r"(?:^|[,;!?.:]\s*|\s[-\u2013\u2014]\s)(?:not|instead of|rather than)\b"
)
_CONTRASTED = re.compile(r"^(?:not|instead of|rather than)\s+(?P<other>.+)$")
_CORRECTING = frozenset(
    word_list("meant mean actually correct correction typo wrong mistyped misspoke it's that's")
)
_PRONOUNS = frozenset({"she", "he", "they", "it"})


def _people(subject: frozenset[str]) -> frozenset[str]:
    """The people a subject names (the user, "sister"), pronouns aside."""
    return frozenset(w for w in subject if w == "user" or w.removesuffix("'s") in PEOPLE)


def _contrast(new_text: str, old_text: str) -> Supersession | None:
    """A value corrected by contrast: "Thursday, not Tuesday" after "... is on Tuesday".

    The contrast opens a clause ("..., not Tuesday", "Not peanuts, ..."). The words contrasted
    away are all in the old text; what is said instead (the clause before, or after a contrast
    that opens the text) is new and no longer than them by more than a word; neither names a verb
    ("going to Paris, not London" is no correction of "I live in London"; "instead of giving up"
    contrasts doings); what is said names no owner the old text lacks ("my husband's appointment
    is Thursday, not Tuesday"), and its subject is the old one's (or a pronoun).
    """
    normal = normal_text(new_text)
    if not _CONTRAST_OPENS.search(normal) or re.search(rf"\b{OCCASION}", normal):
        # The common case, decided before splitting anything; "the 7:45 today, not the 7:15"
        # tells one occasion.
        return None
    pieces = [p.strip() for p in _PIECES.split(normal)]
    pieces = [p for p in pieces if p]
    old_words = value_words(normal_text(old_text))
    for i, piece in enumerate(pieces):
        contrast = _CONTRASTED.match(piece)
        if contrast is None:
            continue
        # "Thursday, not Tuesday": what it is comes before; "Not peanuts, it's tree nuts": after.
        said = pieces[i - 1] if i > 0 else pieces[i + 1] if i + 1 < len(pieces) else ""
        other = value_words(contrast.group("other"))
        said_words = value_words(said) - _CORRECTING
        new = said_words - old_words
        if not other or not other <= old_words or other <= said_words or not new:
            continue
        if len(new) > len(other) + 1 or any(_verb_like(w) for w in new | other):
            continue
        owners = {w.removesuffix("'s") for w in said.split() if w.endswith("'s")}
        if owners - _PRONOUNS - {"that", "there", "here", "what"} - old_words:
            continue
        ours, theirs = _people(opening_subject(said)), _people(opening_subject(old_text))
        if ours and theirs and ours != theirs:
            continue
        return Supersession(True, "correction: a value contrasted away")
    return None


def _verb_like(word: str) -> bool:
    """Whether a value word is a doing ("giving", "moved", "going") rather than a thing."""
    return word.endswith(("ing", "ed")) or word in _GENERIC_VERBS


def _updated(new_text: str, old_text: str) -> Supersession | None:
    """An update the lexicon has no attribute for (:func:`~cml.engine.write.updates.updates`)."""
    shape = updates(new_text, old_text)
    return None if shape is None else Supersession(True, f"update: {shape}")


def _distant(similarity: float | None) -> bool:
    """Whether the caller's similarity says two memories are not close in meaning."""
    return similarity is not None and similarity < BARE_CHANGE_MIN_SIMILARITY


def _same_subject(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two subjects name one: equal, or one names it more fully ("sister anna").

    Not when the fuller one has an owner of its own: "my husband's dentist appointment" is not
    "my dentist appointment", nor "the deadline for the grant" "my deadline".
    """
    if a == b:
        return True
    a, b = frozenset(map(singular, a)), frozenset(map(singular, b))  # "Standups" is my standup
    if a == b:
        return True
    smaller, larger = (a, b) if len(a) < len(b) else (b, a)
    owners = {w for w in larger - smaller if w.endswith("'s") and w != "user's"}
    # "The deadline for the grant" is the grant's: a "for" that names something more.
    owned = "for" in larger - smaller and len(larger - smaller) > 1
    return smaller != {"user"} and smaller < larger and not owners and not owned


_SEEN_BY_NAME = frozenset(
    word_list("doctor dentist therapist psychiatrist pediatrician physio vet")
)
"""Carers a user sees: a doctor seen by name may be any of them."""


def _one_thing(new: Claim, old: Claim, new_normal: str) -> bool:
    """Whether two things the lexicon has no noun for are one thing.

    The same words, or the same singulars said by the user: "we upped the grocery budget" is
    "my budget for groceries"; "mortgage rates hit 7%" is the market's, not "my mortgage rate".
    """
    if new.subject == old.subject:
        return True
    said_by_user = not FIRST_PERSON.isdisjoint(new_normal.split())
    return said_by_user and frozenset(map(singular, new.subject)) == frozenset(
        map(singular, old.subject)
    )


def _others_listed(text: str) -> frozenset[str]:
    """The values a text lists after its first ("jazz and hiking"), which a reading stops before."""
    listed = re.split(r"\band\b|,", normal_text(text), maxsplit=1)
    return value_words(listed[1]) if len(listed) == 2 else frozenset()


def _blocked(normal: str, raw: str, *, new: bool) -> str | None:
    if raw.rstrip().endswith("?") or _QUESTION.match(normal):
        return "question"
    # "May" the month is not "may" the verb; "upgraded my plan to" plans nothing.
    if _HYPOTHETICAL.search(_SET_PHRASE.sub(" ", normal)) and not (
        re.search(r"\bmay\b", normal) and not re.search(r"\bmay\b", raw)
    ):
        return "hypothetical"
    if _PAST.search(normal):
        return "past"
    if new and _ONE_OCCASION.search(normal):
        return "episode"
    if new and (_FOR_A_WHILE.search(normal) or _OVER_AGAIN.search(normal)):
        return "pause"
    if new and _ADDITION.search(normal):
        return "addition"
    return None


def can_supersede(new_text: str, new_type: str | None = None) -> bool:
    """Whether ``new_text`` could retire anything at all, before looking for candidates.

    False for an episode, a question, a plan, the past, an addition, a text too long to be one
    claim (:data:`MAX_CLAIM_CHARS`) or a text without a claim: :func:`decide_supersession` would
    refuse every pair for it, so the write path skips the search.

    Example:
        >>> can_supersede("I went to the gym on Monday", "episodic_event")
        False
        >>> can_supersede("The user moved to Munich last month")
        True
    """
    if new_type in HAPPENED_KINDS or len(new_text) > MAX_CLAIM_CHARS:
        return False
    return any(_claims_something(text) for text in _readings(new_text))


def _claims_something(text: str) -> bool:
    """Whether ``text`` (one reading of a new memory) is not blocked and states a change."""
    normal = normal_text(text)
    if _blocked(normal, text, new=True):
        return False
    return (
        read_claim(text) is not None
        or any(_frame_verbs(normal))
        or may_update(text)
        or is_instruction_change(text)
    )


_SENTENCES_READ_CHARS = 160
"""Longest text whose sentences are also read one by one (a short message of two or three)."""


def _readings(new_text: str) -> list[str]:
    """The whole text, then each of its sentences alone when it has two or three.

    "Omar moved to the platform team. Our new lead is Grace." states the change in its second
    sentence, which the whole text's first cue does not reach. A text that is a plan or the past
    as a whole is not split: each sentence read alone would lose what the whole says. A message
    that tells and then asks ("We moved to Austin last month. Can you help me find a
    pediatrician?") is read by its telling sentences alone: the question asks for help, it does
    not put the move in doubt. Longer texts are chat turns that tell many things (a long message
    that asks tells its context, "I'm staying at a hotel in the city center"); they are read
    whole, as before.
    """
    blocked = _blocked(normal_text(new_text), new_text, new=True)
    if blocked == "question" and len(new_text) <= _SENTENCES_READ_CHARS:
        return [new_text, *_told_before_asking(new_text)]
    if len(new_text) > _SENTENCES_READ_CHARS or blocked:
        return [new_text]
    parts = sentences(new_text)
    return [new_text, *parts] if 1 < len(parts) <= 3 else [new_text]


def _told_before_asking(new_text: str) -> list[str]:
    """The sentences a message of two to four tells before the question that ends it.

    Nothing when a question comes before the last sentence ("Did you know I moved? Anyway..."
    is still asking) or when the message does not end with one.
    """
    parts = sentences(new_text)
    if not 1 < len(parts) <= 4:
        return []
    asking = [_blocked(normal_text(p), p, new=True) == "question" for p in parts]
    if not asking[-1] or any(asking[:-1]):
        return []
    return parts[:-1]


def decide_supersession(
    new_text: str,
    old_text: str,
    *,
    new_type: str | None = None,
    old_type: str | None = None,
    similarity: float | None = None,
) -> Supersession:
    """Decide whether a new memory retires an older one (see the module docstring for the rules).

    The caller has already matched tenant and namespace and picked ``old_text`` as a candidate
    (a similar active memory).

    Args:
        new_text: The new memory's content.
        old_text: The candidate older memory's content.
        new_type: The new memory's type, or ``None`` when not given.
        old_type: The older memory's type, or ``None`` when not given.
        similarity: The two memories' cosine similarity when the caller has it: a bare change
            ("switched to Verizon") retires a memory it shares no word with only when close in
            meaning (:data:`BARE_CHANGE_MIN_SIMILARITY`).

    Returns:
        The decision and the rule that made it.
    """
    if new_type in HAPPENED_KINDS or old_type in HAPPENED_KINDS:
        return Supersession(False, "episode")
    if len(new_text) > MAX_CLAIM_CHARS or len(old_text) > MAX_CLAIM_CHARS:
        return Supersession(False, "too long for one claim")
    blocked = _blocked(normal_text(old_text), old_text, new=False)
    if blocked == "hypothetical":
        return _plan_done(new_text, old_text) or Supersession(False, blocked)
    if blocked:
        return Supersession(False, blocked)
    first, *rest = _readings(new_text)
    decision = _decide(first, old_text, similarity)
    said_before = normal_text(old_text)
    for sentence in rest if not decision.supersedes else ():
        if normal_text(sentence) in said_before:
            continue  # a sentence the old text says too changes nothing of it
        alone = _decide(sentence, old_text, similarity)
        if alone.supersedes:
            return Supersession(True, f"{alone.reason} (one sentence)")
    return decision


_PLAN = re.compile(
    r"^(?P<who>(?:i|we|(?:the )?user|they))(?:'m|'re| am| are| is)?\s+(?:still\s+|really\s+)?"
    r"(?:planning(?: on| to)?|plan(?:s|ning)? (?:on|to)|thinking (?:about|of)|considering|"
    r"hoping to|hopes? to|wants? to|looking to|going to|might|intend to|intends to)\s+"
    r"(?!(?:a|an|the|my|our|some|this|that|it|for|on|to)\b)(?P<verb>[a-z]{2,})\b"
)
"""A plan of the speaker's own: "I'm planning to move to Denver", "We're thinking about moving"."""
_PLANNED_PAST = {
    **dict.fromkeys(("quit", "quitting"), "quit"),
    **dict.fromkeys(("go", "going"), "went"),
    **dict.fromkeys(("get", "getting"), "got"),
    **dict.fromkeys(("buy", "buying"), "bought"),
    **dict.fromkeys(("leave", "leaving"), "left"),
    **dict.fromkeys(("take", "taking"), "took"),
    **dict.fromkeys(("become", "becoming"), "became"),
    **dict.fromkeys(("sell", "selling"), "sold"),
    **dict.fromkeys(("stop", "stopping"), "stopped"),
    **dict.fromkeys(("have", "having"), "had"),
    **dict.fromkeys(("begin", "beginning"), "began"),
}
"""Past forms of the planned verbs that do not take "-ed"."""
_DECIDED = re.compile(r"\b(?:instead|after all|decided|ended up|in the end)\b")


def _carried_out(verb: str) -> str:
    """The past of a planned verb, base form or gerund ("move", "moving" -> "moved")."""
    if verb in _PLANNED_PAST:
        return _PLANNED_PAST[verb]
    stem = verb[:-3] if verb.endswith("ing") and len(verb) > 5 else verb
    if stem != verb and stem.endswith(("v", "c", "r", "s", "z", "g")) and not stem.endswith("ss"):
        stem += "e"  # "moving" -> "move", "changing" -> "change", "retiring" -> "retire"
    return stem + ("d" if stem.endswith("e") else "ed")


def _plan_done(new_text: str, old_text: str) -> Supersession | None:
    """A plan of the old text's that the new one says was carried out, or given up for another.

    "I'm planning to move to Denver this summer" is read as "I moved to Denver this summer" and
    compared with the new claim: the same subject and attribute with a value in common ("We
    moved to Denver last week"), or another value that the text says was decided instead ("We
    decided to stay in Seattle after all" is no claim the lexicon reads; "We moved to Boulder
    instead" is). A hope of another ("My brother moved to Denver") or a visit leaves the plan.
    """
    old_normal = normal_text(old_text)
    plan = _PLAN.match(old_normal)
    if plan is None:
        return None
    planned = f"{plan.group('who')} {_carried_out(plan.group('verb'))}{old_normal[plan.end() :]}"
    intended = read_claim(planned)
    if intended is None:
        return None
    for reading in _readings(new_text):
        new_normal = normal_text(reading)
        if _blocked(new_normal, reading, new=True) not in (None, "pause"):
            continue  # a stint carries a plan out too ("went vegan for a month")
        done = read_claim(reading)
        if done is None or not _same_subject(done.subject, intended.subject):
            continue
        if done.attribute != intended.attribute:
            continue
        shared = bool(done.value & intended.value) or (
            not done.value and not intended.value and done.negated == intended.negated
        )  # "Officially retired as of June 1st!" after "I'm planning to retire next year"
        if shared or (done.single and _DECIDED.search(new_normal)):
            return Supersession(True, f"{done.attribute}: plan carried out or given up")
    return None


def _decide(new_text: str, old_text: str, similarity: float | None) -> Supersession:
    """:func:`decide_supersession` for one reading of the new text, types and lengths checked."""
    new_normal = normal_text(new_text)
    blocked = _blocked(new_normal, new_text, new=True)
    if blocked:
        return Supersession(False, blocked)
    new, old = read_claim(new_text), read_claim(old_text)
    # A thing the lexicon has no noun for is as good as unknown beside an attribute it knows.
    pair = {new.attribute, old.attribute} if new and old else set()
    if new is None or old is None or ("thing" in pair and len(pair) == 2 and "*" not in pair):
        known = old is not None and old.attribute != "thing"
        framed = _frame_change(new_text, old_text, old_known=known)
        framed = framed or _contrast(new_text, old_text)
        framed = framed or _updated(new_text, old_text)
        if framed is None and changes_instruction(new_text, old_text):
            framed = Supersession(True, "instruction changed")
        return framed or Supersession(False, "no attribute")
    if (
        new.attribute == "pet"
        and new.negated
        and old.attribute == "name"
        and old.subject & PETS
        and new.value & old.value
    ):
        return Supersession(True, "pet: gone")  # "Max passed away" after "My dog is named Max"
    if not _same_subject(new.subject, old.subject):
        # "Her name is Hannah, not Anna": a claim read with a pronoun corrects by contrast;
        # "My daughter quit soccer, my son still plays": the claim read is the second clause's.
        ended = _frame_change(new_text, old_text, old_known=True)
        return ended or _contrast(new_text, old_text) or Supersession(False, "other subject")
    if new.attribute == old.attribute == "thing" and not _one_thing(new, old, new_normal):
        # The guest wifi password is another; "upped my daily Duolingo goal to 20 minutes" may
        # still update "My daily Duolingo streak goal is 10 minutes" word by word.
        return _updated(new_text, old_text) or Supersession(False, "other subject")
    targets = frozenset().union(*(value_words(t) for t in _TARGET.findall(new_normal)))
    corrected = bool(targets & old.value)
    shared = new.value & old.value
    if shared and other_names(new_text, old_text, shared):
        shared = frozenset()  # "Anytime Fitness" is not "Planet Fitness"
    if new.attribute == "*":
        if not (corrected or shared):
            # Nothing ties the change to the old memory but its attribute being switchable: the
            # new value must not contradict the attribute ("switched to a Pixel 8" is no diet),
            # and the two must be close in meaning.
            fits = plausible_value(old.attribute, new.value)
            # A thing's own change ("The gate code changed to 9911") has its subject.
            if old.attribute not in _SWITCHABLE | {"thing"} or fits is False:
                return Supersession(False, "other attribute")
            if _distant(similarity):
                return Supersession(False, "other attribute: not close in meaning")
    elif new.attribute != old.attribute or old.attribute == "*":
        pair = {new.attribute, old.attribute}
        both = claim_as(old_text, new.attribute) if pair in _ONE_PHRASE else None
        also = claim_as(new_text, old.attribute) if both is None and pair in _ONE_PHRASE else None
        if also is not None:
            new, both = also, old  # "Got their own apartment in Fresno" is also a household
        if pair <= _SEEN_BY_NAME and (new.value & old.value) - {"dr"}:
            # "I stopped seeing Dr. Kim" after "I see Dr. Kim for therapy": one carer by name.
            both = replace(old, attribute=new.attribute)
        if both is None and corrected and not new.negated and (old.single or old.value <= targets):
            # "Actually I prefer Elizabeth now, not Liz" after "I go by Liz": the old value is
            # the one corrected, whatever attribute each is read as.
            return Supersession(True, f"{old.attribute}: correction")
        if both is None:
            return _updated(new_text, old_text) or Supersession(False, "other attribute")
        old = both  # "I'm a junior developer at Stripe" states the job "Got promoted to" changes
    name = old.attribute
    if not new.value and not (new.single and old.single) and not corrected:
        # "Why not share the love": a value held among several is retracted or changed only by
        # naming it.
        return Supersession(False, f"{name}: names no value")
    if corrected and new.negated and old.negated and new.value == old.value:
        return Supersession(False, f"{name}: restated")  # "not Sith" twice corrects nothing
    if corrected:
        if not old.single and _others_listed(old_text) - targets - new.value - old.value:
            # "I'm into hip hop, not jazz" leaves "I like jazz and hiking" half true: kept.
            return Supersession(False, f"{name}: corrects one of several")
        return Supersession(True, f"{name}: correction")
    if name == "relationship" and new.negated and not old.negated and old.value <= MARITAL:
        # "Kate and I divorced" ends "I'm married", whose value is a state, not a name.
        return Supersession(True, f"{name}: retracted")
    if new.negated != old.negated:
        narrower = new.attribute != "*" and not new.value <= old.value
        if new.negated and not old.single and narrower and not corrected:
            # "I don't like jazz clubs that are too loud" retracts no liking of jazz itself.
            return Supersession(False, f"{name}: a narrower value negated")
        if not new.value or not old.value or shared:
            return Supersession(True, f"{name}: {'retracted' if new.negated else 'now true'}")
        return Supersession(False, f"{name}: other value negated")
    if new.negated:
        return Supersession(False, f"{name}: restated")
    changed = bool(CHANGE.search(" ".join(new_text.lower().split())))
    if name == "thing" and not (
        corrected
        or REACHED.search(new_normal)  # "finally hit 720"
        or says_change(new_text, new.value)
    ):
        # "My locker code is 5678" may be a second locker; "is now 5678" changes it, and "the
        # correct answer is (D) New" says no change.
        return Supersession(False, "thing: no change said")
    if new.value == old.value:
        placeholder = any(w.startswith("[redacted") for w in new.value)
        return Supersession(
            placeholder and changed,
            f"{name}: " + ("new value" if placeholder and changed else "restated"),
        )
    if not (new.value and old.value):
        return Supersession(False, f"{name}: names no value")
    if old.value < new.value and not (new.single and old.single):
        # "Pets: cat and a new puppy" adds to the pets of "Pet: cat".
        return Supersession(False, f"{name}: added value")
    if new.value <= old.value or old.value <= new.value:
        return Supersession(changed, f"{name}: " + ("refined" if changed else "restated"))
    if not (new.single and old.single):
        return Supersession(False, f"{name}: added value")
    if name == "preference" and not (changed or shared):
        return Supersession(False, "preference: other topic")
    if name == "preference" and not shared and _distant(similarity):
        return Supersession(False, "preference: other topic, not close in meaning")
    if name == "preference" and targets and not corrected:
        # "Prefers texts, not email" corrects a preference about email, not one about seats.
        return Supersession(False, "preference: corrects another")
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
