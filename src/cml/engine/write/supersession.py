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
   that corrects a value whatever its attribute ("Oops, I meant Thursday, not Tuesday"); and by
   a value the user ends by naming it ("we ditched asana", "took me off metformin", "our AWS
   account is closed", "migrated the frontend from React to Svelte"), whoever is not the user
   or the old sentence's own subject ending nothing. One
   phrase can state two attributes: "a junior developer at Stripe" is read as the employer,
   and as the job when "Got promoted to senior developer" asks for it.
6. Never for a new text that negates one past occasion ("didn't go to work on Monday") or
   pauses ("stopped hiking for a week").
7. A short message of two or three sentences is also read one sentence at a time ("Omar moved
   to the platform team. Our new lead is Grace."), unless it is a plan or the past as a whole;
   one of up to five that tells and then asks ("We moved to Austin. Any good pediatricians?") is
   read by what it tells before its question, and a polite request for good ("Could you answer
   in English from now on?") as the instruction it asks for. A sentence the old text says too
   changes nothing.

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
    PRESCRIBERS,
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
    speaker,
    value_words,
)
from cml.engine.write.dedup import EPISODIC_KINDS
from cml.engine.write.instructions import changes_instruction, is_instruction_change
from cml.engine.write.lexicon import MARITAL, MONTHS, OCCASION, WEEKDAYS, word_list
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
_EXCEPTION = re.compile(
    r"\b(?:just|only) (?:for )?this (?:once|time|trip|week|one)\b|\bthis one time\b"
    r"|\bfor this (?:trip|one) only\b"
)
"""An exception made once ("just for this trip book me out of Manchester"): nothing changes."""
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
    {"car", "provider", "carrier", "bank", "gym", "diet", "preference", "handset", "plan"}
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
_PURSUITS = frozenset(
    word_list("learning lessons lesson classes class course courses studying study practising")
)
"""Words of learning a thing, not having it: "I stopped learning Spanish" leaves "I speak
Spanish"."""
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
        if _PURSUITS & said and not _PURSUITS & value_words(old_normal):
            return None  # learning a language ended is no language forgotten
        if named & old_words and len(named - old_words) <= 1:
            return Supersession(True, "frame: ended")
    return None


_ENDING = re.compile(
    r"\b(?:ditched|dropped|renamed|paid off|no more|discharged from|wrapped up with|ripped out|"
    r"uninstalled|deleted|cancell?ed|closed|shut down|"
    r"(?:gave|given|give) up(?: on)?|quit|cut out|swor[en] off|(?:gone|went) off|got rid of|"
    r"(?:turned|turn|switched|switch) off|stop with|stopped(?! (?:by|in|at|off|over)\b)|"
    r"(?:migrated|moved|switched|came) (?:off|away from)|phased out|(?:done|finished) with|"
    r"(?:took|taken|taking|switched|moved|got) (?:me|us) off|broke up with|split up with|"
    r"pulled out of|dropped out of|withdr[ae]wn? from|no longer (?:[a-z]+s|plays in|works at)|"
    r"replaced|(?:moved|switched|migrated|changed|ported|transferred|rebooked) "
    r"(?:[\w']+ ){0,3}?from)\s"
)
"""Verbs that end something named right after them ("ditched Asana", "took me off metformin"),
or move it away ("migrated the frontend from React to ...")."""
_ENDED_AFTER = re.compile(
    r"\b(?:is|are|was|(?:'s|has|have|had) been) (?:done|closed|cancell?ed|gone)\b"
    r"|\bno longer (?:needed|wanted)\b|\b(?:has |'s )?(?:retired|passed away|died)\b"
    r"|\b(?:was|were|got|has been|have been) (?:rehomed|put down|given away)\b"
    r"|\b(?:left|sold) the (?:company|firm|practice|agency|team|building|business)\b"
    r"|\banymore\b"
)
"""Words that end what comes just before them ("our AWS account is closed", "Portuguese no longer
needed", "not a paralegal anymore")."""
_OBJECT_END = re.compile(
    r"\s(?:to|onto|into|for|with|at|in|on|since|after|when|because|bc|last|this|and|but|so|"
    r"then|over|from|completely|entirely|totally|full|a few|a couple|back|ago|earlier|"
    r"recently|as of)\b|[,;.!?]|\s[-\u2013\u2014]\s"
)
_ON_OCCASION = re.compile(
    r"\b(?:yesterday|today|today's|tonight|this (?:morning|afternoon|evening)|"
    r"last (?:night|weekend))\b"
)
"""One occasion: "My train was cancelled this morning" ends no routine; "on Saturday mornings"
is one."""
_OTHERS = frozenset(word_list("he she they his her their him them boyfriend bf gf"))
_FILLERS = frozenset(word_list("please pls lol tho though altogether entirely completely"))
_HOLDERS = frozenset(word_list("account subscription membership plan card contract"))
"""Nouns that hold the value that ends with them ("our AWS account is closed")."""
_LAST_PART = re.compile(r"\b(?:and|but|so)\b|:")
_ACTOR_WORDS = frozenset(
    word_list(
        """i we i've we've i'm we're i'd we'd our my user user's users customer customer's the
    has have had is are was were
    whole team team's company project platform so fyi btw update ok okay well honestly finally
    just already officially completely totally then yeah good news heads up ugh lol recently
    basically actually"""
    )
)
"""Words that may stand before an ending verb for the user's own change: the user, the user's
team or project, and a message's openers."""


def _plain(word: str) -> str:
    return re.sub(r"^(\d+)(?:st|nd|rd|th)$", r"\1", word)  # "the 14th" names the 14


def _salient(words: frozenset[str]) -> set[str]:
    """A value's words, ordinals as numbers ("the 14th" names the 14)."""
    return {_plain(w) for w in words}


_WHEN_WORD = re.compile(
    rf"(?:{WEEKDAYS}|(?:morning|afternoon|evening|night|weekend|weekday)s?|daily|weekly|"
    r"monthly|nightly)$"
)
"""A word of when, which names no thing: "morning runs" and "vitamin D every morning"."""
_INFLECTED = frozenset({"d", "ed"})
"""Endings that make another word of a name ("named" is no "name")."""


def _one_stem(a: str, b: str) -> bool:
    """Whether two words are one verb or noun in two forms ("volunteering", "volunteers").

    They share a start of five letters or more, all of the shorter but its last three.
    """
    shared = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
    shared = min(len(a), len(b)) if shared is None else shared
    return shared >= 5 and shared >= min(len(a), len(b)) - 3


def _named_in(words: frozenset[str], old: set[str]) -> frozenset[str]:
    """The words that name one of ``old``'s.

    The same word, or a shortening of at least four letters ("postgres" for "postgresql",
    "candle" for "candles"); "intermittent" is no "internet", "name" no "named". Two words
    written as one ("vscode" for "vs code", or the other way round) name it together.
    """

    def same(a: str) -> bool:
        for b in old:
            short, long = sorted((a, b), key=len)
            rest = long[len(short) :]
            if a == b or (len(short) >= 4 and long.startswith(short) and rest not in _INFLECTED):
                return True
            if singular(a) == singular(b) or _one_stem(a, b):
                return True
        return False

    joined = {a + b for a in old for b in old if a != b}
    named = {w for w in words if same(_plain(w)) or _plain(w) in joined}
    pairs = [(w, v) for w in words for v in words if v != w and _plain(w) + _plain(v) in old]
    return frozenset(named.union(*pairs))


_REQUEST = re.compile(
    r"^(?:[a-z]+:\s+)?(?:please |pls )?(?:give|describe|tell|write|list|explain|show|help|provide|"
    r"create|make|suggest|recommend|summari[sz]e|translate|generate|compose|draft|find|can|"
    r"could|would|let's)\b"
)
"""The opening of a request to an assistant ("Describe in 5 points ...", "user: Give me ...")."""
_ENDED_OLD_CHARS = 200
"""Longest old text a named ending is read against: a fact, not a chat turn that tells many."""


def _same_speaker(new_text: str, old_text: str) -> bool:
    """Whether two texts are said by one speaker: the same name before a colon, or none.

    A note labelled like a speaker ("Cleaner: Danuta, every other Wednesday") is no one's line:
    its words after the colon are no first-person sentence.
    """
    new, old = speaker(new_text), speaker(old_text)
    if new == old:
        return True
    if new is None and old is not None:
        said = normal_text(old_text.split(":", 1)[1]).split()
        return not said or said[0] not in FIRST_PERSON
    return False


def _value_ended(new_text: str, old_text: str) -> Supersession | None:
    """The user ends, or moves away from, a value the old sentence names.

    "fyi we ditched asana at the start of the month" after "I use Asana to track all my team's
    projects"; "endo took me off metformin" after "... managed with metformin 500mg"; "the whole
    platform moved to GCP, our AWS account is closed" after "User's team deploys on AWS"; "User's
    team migrated the frontend from React to Svelte" after "Frontend framework: React". What the
    verb ends (the words after it up to a preposition or a clause's end, or the word before "is
    done" or "anymore") must name the old sentence's value (the value its claim reads, or its
    words when the lexicon reads none): "I don't volunteer at the food bank anymore" is no bank
    of "My bank is Chase". Whoever does it must be the user, the user's team or project, or the
    old sentence's own subject ("ilse quit ballet" after "My daughter Ilse does ballet"); "my dad
    finally quit smoking" ends nothing of the user's. The old text is a short statement, not a
    question or a chat turn.
    """
    new_normal, old_normal = normal_text(new_text), normal_text(old_text)
    if _REQUEST.match(old_normal):
        return None  # "Give quotes from the novel": a request states nothing to end
    if _ON_OCCASION.search(old_normal):
        return None
    if not _same_speaker(new_text, old_text):
        return None  # "Leo: I switched from Figma" ends nothing of Maya's
    old_subject = opening_subject(old_text)
    if old_subject & PEOPLE and not old_subject & _ACTOR_WORDS:
        return None  # "My dad quit smoking" is no state of the user's to end
    claim = read_claim(old_text)
    if claim.negated if claim is not None else is_negated(old_normal):
        return None  # "I don't eat meat" has nothing to end ("a car loan, £6k left" has)
    value = claim.value if claim is not None and claim.value else value_words(old_normal)
    old_words = _salient(value - _GENERIC_VERBS)

    def ends_old(named: frozenset[str]) -> bool:
        # The thing ended is the old one: "I quit my coffee shop job" is no coffee given up; a
        # time names nothing ("stopped the morning runs" ends nothing taken every morning).
        named = frozenset(w for w in named if not _WHEN_WORD.match(w))
        said = _named_in(named, old_words)
        return bool(said) and len(named - said) <= 1

    if _only_learning(new_text, old_text):
        return None  # "switched from Spanish to Japanese lessons" leaves "I speak Spanish"
    for clause in _CLAUSES.finditer(new_normal):
        text = clause.group(0)
        once = _ON_OCCASION.search(text) is not None
        for match in _ENDING.finditer(text):
            if once and match.group(0).startswith("cancel"):
                continue  # "My standup got cancelled today": one occasion

            prefix = _LAST_PART.split(text[: match.start()])[-1]
            if _NOT_ENDED.search(text) or re.search(r"\b(?:not|never|n't)\s*$", prefix):
                continue
            actor = set(value_words(prefix) | set(prefix.split())) - _ACTOR_WORDS - old_subject
            if actor - PRESCRIBERS and not re.search(r"\b(?:me|us)\s+(?:off|from)", match[0]):
                continue  # "my dad finally quit smoking"; a doctor changes the user's drugs
            if set(match[0].split()) & (PEOPLE | _OTHERS):
                continue  # "doc switched my son from adderall": the son's drug
            rest = text[match.end() :]
            stop = _OBJECT_END.search(rest)
            named = value_words(rest[: stop.start()] if stop else rest) - _GENERIC_VERBS
            if named - _FILLERS and ends_old(named - _FILLERS):
                return Supersession(True, "ended: named value")
        for match in _ENDED_AFTER.finditer(text):
            if once:
                continue  # "My train to work was cancelled this morning": one occasion
            before = _LAST_PART.split(text[: match.start()])[-1]
            if set(before.split()) & (PEOPLE | _OTHERS):
                continue  # "my bf isn't at amazon anymore"
            words = [w.removesuffix("'s") for w in before.split()]
            said = [w for w in words if w in value_words(before) and w not in _FILLERS]
            # The word just before names what ended ("I barely touch python anymore"), or holds
            # it ("our AWS account is closed").
            last = said[-2:] if said and said[-1] in _HOLDERS else said[-1:]
            if last and _named_in(frozenset(last), old_words):
                return Supersession(True, "ended: named value")
    return None


_MOVED_THING = re.compile(
    r"\b(?:moved|rescheduled|pushed|postponed|shifted|bumped|changed)(?: (?:back|up|forward))? "
    r"(?P<thing>(?:the|my|our) (?:[\w'-]+ ){0,3}?[\w'-]+?)(?: (?:back|up|forward))? "
    r"(?:to|until) (?P<value>[^,;.!?]+)"
)
_THING_NOW = re.compile(
    r"(?:^|[,;.!]\s*|\b(?:and|so|but)\s+)(?:(?:my|our|the) )?(?P<thing>[a-z][\w'-]*) "
    r"(?:is|are) (?:now )?(?:an? )?(?P<value>[$\w,.-]+(?: a month| a year| an hour)?) "
    r"(?:now|as of|these days|from now on)\b"
)
_TIME = re.compile(rf"{TIMED.pattern}|\b{MONTHS}\b")
"""A time a thing is moved to: a schedule's time, or a month ("pushed my exam to November")."""
_SHAPED = re.compile(r"\d|^[a-z]{1,2}$|^x+[sl]$")
"""A value that names itself by its shape: a number, a code, a size ("5C-12", "$1,975", "S")."""


def _capitalised(word: str, raw: str) -> bool:
    """Whether ``word`` is written with a capital in ``raw`` (a name), past its first letter."""
    return any(
        m.group(0)[0].isupper() for m in re.finditer(rf"(?<=\s){re.escape(word)}\b", raw, re.I)
    )


def _thing_changed(new_text: str, old_text: str) -> Supersession | None:
    """A thing the old sentence names, moved to another time or now of another value.

    "User moved the weekly summary to Friday afternoons" after "User wants the weekly summary on
    Monday mornings"; "my desk is 5C-12 now" after "I sit at desk 4B on the third floor"; "rent
    is $1,975 a month as of this month" after "I pay $1,850 a month in rent". Every word of the
    thing is in the old sentence, the new value is a time or is shaped like the old one (a
    number, a code, a size) and the old sentence does not hold it. Not for someone else's thing
    ("my son's appointment") or one occasion.
    """
    new_normal, old_normal = normal_text(new_text), normal_text(old_text)
    if _ON_OCCASION.search(new_normal):
        return None
    old_words = _salient(value_words(old_normal))
    old_shaped = any(_SHAPED.search(w) for w in value_words(old_normal))
    for match in (*_MOVED_THING.finditer(new_normal), *_THING_NOW.finditer(new_normal)):
        before = new_normal[: match.start("thing")]
        thing = value_words(match.group("thing"))
        if not thing or set(before.split()) & (PEOPLE | _OTHERS) or thing & PEOPLE:
            continue
        if _named_in(thing, old_words) != thing:
            continue
        value = value_words(match.group("value"))
        timed = _TIME.search(match.group("value")) is not None and _TIME.search(old_normal)
        shaped = old_shaped and any(_SHAPED.search(w) for w in value)
        # "moved my personal email to Fastmail": a thing moved to a name (not "to the garden").
        named = match.re is _MOVED_THING and any(_capitalised(w, new_text) for w in value)
        if value and (timed or shaped or named) and not _named_in(value, old_words):
            return Supersession(True, "thing: moved or changed")
    return None


_SAID_NOT = re.compile(r"\b(?P<said>[\w'-]+) not (?P<other>[\w'-]+)\s*(?:[,.;!?)]|$)")
"""A value set right against the one it replaces: "I'm in Leipzig not Dresden"."""


def _said_not(new_text: str, old_text: str) -> Supersession | None:
    """A value corrected by naming it against the old one, without a comma or a verb between.

    "you've got it wrong, I'm in Leipzig not Dresden" after "I live in Dresden"; "no, my son's
    name is Tobias not Tomas" after "User's son: Tomas, 7". The word contrasted away is the old
    sentence's, the one said instead is not, and neither is a word of grammar.
    """
    if not _same_speaker(new_text, old_text):
        return None
    old_words = value_words(normal_text(old_text))
    new_normal = normal_text(new_text)
    for match in _SAID_NOT.finditer(new_normal):
        said, other = match["said"], match["other"]
        before = set(new_normal[: match.start()].split())
        if before & (PEOPLE | _OTHERS) or _ON_OCCASION.search(new_normal):
            continue  # "my cousin lives in Cambridge not Boston"; "flying to Rome not Paris today"
        if not (value_words(said) and value_words(other)) or _verb_like(said):
            continue
        if other in old_words and said not in old_words:
            return Supersession(True, "correction: said against the old value")
    return None


def _named_change(new_text: str, old_text: str) -> Supersession | None:
    """A change the lexicon has no attribute for, told by naming what changed in a stored fact."""
    if not _a_fact(old_text):
        return None  # a chat turn tells many things: none of them is named away
    return (
        _value_ended(new_text, old_text)
        or _thing_changed(new_text, old_text)
        or _said_not(new_text, old_text)
    )


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
    if _only_learning(new_text, old_text):
        return None  # "switched from Spanish to Japanese lessons" leaves "I speak Spanish"
    shape = updates(new_text, old_text)
    return None if shape is None else Supersession(True, f"update: {shape}")


def _only_learning(new_text: str, old_text: str) -> bool:
    """Whether the new text is about learning something the old one has, not learns."""
    new, old = value_words(normal_text(new_text)), value_words(normal_text(old_text))
    return bool(_PURSUITS & new) and not _PURSUITS & old


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
    if new and (_ONE_OCCASION.search(normal) or _EXCEPTION.search(normal)):
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
        or _ENDING.search(normal) is not None
        or _ENDED_AFTER.search(normal) is not None
        or _MOVED_THING.search(normal) is not None
        or _THING_NOW.search(normal) is not None
        or may_update(text)
        or is_instruction_change(text)
    )


_SENTENCES_READ_CHARS = 160
"""Longest text whose sentences are also read one by one (a short message of two or three)."""


def _a_fact(text: str) -> bool:
    """Whether ``text`` reads as one stored fact: one short sentence that asks nothing."""
    return len(text) <= _ENDED_OLD_CHARS and "?" not in text and len(sentences(text)) <= 1


def _readings(new_text: str) -> list[str]:
    """The whole text, then each of its sentences alone when it has two or three.

    "Omar moved to the platform team. Our new lead is Grace." states the change in its second
    sentence, which the whole text's first cue does not reach. A text that is a plan or the past
    as a whole is not split: each sentence read alone would lose what the whole says. A message
    that tells and then asks ("We moved to Austin last month. Can you help me find a
    pediatrician?", up to five sentences) is read by its telling sentences alone: the question
    asks for help, it does not put the move in doubt. A polite request for good ("Could you
    answer in English from now on?") is read as the instruction it asks for. Longer texts that do
    not ask are chat turns that tell many things; they are read whole, as before.
    """
    blocked = _blocked(normal_text(new_text), new_text, new=True)
    if blocked == "question":
        asked = [r for r in map(_requested, sentences(new_text)) if r]
        return [new_text, *_told_before_asking(new_text), *asked]
    if len(new_text) > _SENTENCES_READ_CHARS or blocked:
        return [new_text]
    parts = sentences(new_text)
    return [new_text, *parts] if 1 < len(parts) <= 3 else [new_text]


_REQUESTED = re.compile(
    r"^(?:(?:hey|ok|okay|so|also),? )?(?:could|can|would|will) you (?:please )?(?P<ask>.+?)"
    r"[?.!]*$"
)
_FOR_GOOD = re.compile(
    r"\b(?:from now on|going forward|in future|from here on|again|instead|by default|anymore|"
    r"no longer)\b"
)


def _requested(sentence: str) -> str | None:
    """The instruction a polite request for good asks for, or None for any other sentence.

    "Could you reply in English from now on?" asks "reply in English from now on".
    """
    match = _REQUESTED.match(normal_text(sentence))
    if match is None or not _FOR_GOOD.search(match.group("ask")):
        return None
    return match.group("ask")


def _told_before_asking(new_text: str) -> list[str]:
    """The sentences a message of two to five tells before the question that ends it.

    Nothing when a question comes before the last sentence ("Did you know I moved? Anyway..."
    is still asking) or when the message does not end with one.
    """
    parts = sentences(new_text)
    if not 1 < len(parts) <= 5:
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
    if len(new_text) > _SENTENCES_READ_CHARS and not _a_fact(old_text):
        rest = []  # a long message's sentences retire stored facts, not other chat turns
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


_SETTING = re.compile(r"\b(?:on|for|in|at|when) (?:the |my |a |an )?([a-z]+)\s*[.!]?$")
"""Where a preference holds, said at its end ("... on flights", "... for work")."""


def _settings(normal: str) -> frozenset[str]:
    """The setting a preference is said to hold in, singular ("flights" -> "flight"), if any."""
    match = _SETTING.search(normal)
    return frozenset({singular(match[1])}) if match else frozenset()


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
        framed = framed or _named_change(new_text, old_text)
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
        ended = ended or _contrast(new_text, old_text) or _named_change(new_text, old_text)
        return ended or Supersession(False, "other subject")
    if new.attribute == old.attribute == "thing" and not _one_thing(new, old, new_normal):
        # The guest wifi password is another; "upped my daily Duolingo goal to 20 minutes" may
        # still update "My daily Duolingo streak goal is 10 minutes" word by word.
        return _updated(new_text, old_text) or Supersession(False, "other subject")
    targets = frozenset().union(*(value_words(t) for t in _TARGET.findall(new_normal)))
    corrected = bool(targets & old.value)
    # A time shared ties nothing ("stopped the morning runs", "vitamin D every morning") unless
    # it is the value itself ("off nights now" after "I'm on the night shift").
    timed = all(_WHEN_WORD.match(w) for w in old.value)
    shared = frozenset(w for w in new.value & old.value if timed or not _WHEN_WORD.match(w))
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
            ended = _updated(new_text, old_text) or _named_change(new_text, old_text)
            return ended or Supersession(False, "other attribute")
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
    settings = _settings(new_normal), _settings(normal_text(old_text))
    if name == "preference" and settings[0] and not settings[0] & settings[1]:
        # "Prefers aisle seats on trains" leaves "Prefers window seats on flights", and "I
        # prefer window seats", said of every setting.
        return Supersession(False, "preference: another setting")
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
