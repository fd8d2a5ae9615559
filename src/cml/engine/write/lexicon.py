"""The words the claim reader knows: cue phrases per attribute and the word lists they use.

Each cue is a regular expression that ends where a value starts ("moved to ", "my favourite
colour is "); :mod:`cml.engine.write.claims` compiles them and reads subject, value and negation
around a match. Changing what the reader recognises is an edit of this module.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "ADV",
    "BARE_CHANGES",
    "COUNT_OF",
    "CUES",
    "DATE",
    "DRUG",
    "GYM_WORDS",
    "LABELS",
    "MARITAL",
    "MONTHS",
    "MULTI_VALUED",
    "NONE",
    "NOUNS",
    "OCCASION",
    "OWN_HOMES",
    "RELIGIONS",
    "SERVICE_WORDS",
    "WEEKDAYS",
    "WHEN",
    "YES",
    "Cue",
    "word_list",
]


def word_list(text: str) -> list[str]:
    """The whitespace-separated words of a lexicon string (a word list written as prose)."""
    return text.split()


ADV = (
    r"(?:(?:now|actually|really|still|currently|officially|finally|just|already|fully|completely|"
    r"strictly|entirely|mostly)\s+)*"
)
"""Adverbs that may stand between a cue and its value ("now", "actually", "finally")."""
WEEKDAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
"""A weekday, singular or plural ("monday", "fridays")."""
_ABSTRACT = (
    r"(?:(?:good|great|quick|small|big|little|bad|strange|hard|tough|nice|busy) )?"
    r"(?:question|idea|feeling|sense|chance|problem|issue|doubt|look|point|plan|thought|moment|"
    r"time|day|week|lot|bit|few|go|try|favou?r|request|suggestion|concern|dream|goal|habit|"
    r"tendency|hard time|way)\b"
)
_CLUB = (
    r"(?:(?:a|an|the|my|our|this|that|his|her|their) )?(?:[\w-]+ ){0,2}"
    r"(?:gym|church|club|group|class|choir|band|community|league|course|program|programme|union|"
    r"mosque|temple|synagogue|volunteers?|society|circle|meetup|team|chat|forum|party|crew|"
    r"cult|congregation|waitlist|waiting list)\b"
)
_ROOMS = (
    r"(?:living room|kitchen|garden|bedroom|bathroom|lounge|sofa|couch|table|balcony|"
    r"front|back|other side|next|rooftop|terrace|(?:day|night|morning|evening|early|late|"
    r"weekend) shifts?|(?:[\w-]+ )?floor|desk|cubicle)\b"
)
"""Places in or around a home or an office, and shifts: moving to one of them is not moving
home ("relocated to the 5th floor")."""
MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
"""A month, full or abbreviated ("march", "sept")."""
DATE = rf"(?:{MONTHS} \d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{MONTHS}\b)"
"""A day of a month ("March 10th", "10 of March")."""
OCCASION = (
    r"(?:yesterday|today|tonight|last (?:night|week|month|year|weekend)|this (?:morning|"
    r"afternoon|evening|week)|that day|on (?:mon|tues|wednes|thurs|fri|satur|sun)day)"
)
"""Words that place a text on one occasion ("yesterday", "on Monday"), not on a routine."""
WHEN = (
    rf"(?:{WEEKDAYS}|{DATE}|\d{{1,2}}:\d\d(?:\s*(?:am|pm))?\b|\d{{1,2}}\s*(?:am|pm)\b|noon|midnight|"
    r"tomorrow|tonight)"
)
"""A time a schedule names: a weekday, a date, a clock time, "noon", "tomorrow"."""
_PROFESSIONS = (
    r"nurse|midwife|teacher|engineer|developer|programmer|designer|manager|doctor|physician|"
    r"surgeon|lawyer|attorney|judge|student|accountant|analyst|consultant|chef|cook|barista|"
    r"waiter|waitress|driver|pilot|scientist|researcher|professor|lecturer|writer|journalist|"
    r"artist|musician|photographer|architect|electrician|plumber|mechanic|pharmacist|dentist|"
    r"therapist|cashier|clerk|secretary|firefighter|officer|farmer|freelancer|retiree|"
    r"intern|director|founder|ceo|cto|editor|translator|paramedic|veterinarian|vet|librarian|"
    r"tester|receptionist|administrator|technician|assistant|coordinator|specialist|salesperson|"
    r"realtor|broker|carpenter|hairdresser|bartender|hygienist|homemaker|housewife|"
    r"househusband|stay-at-home (?:mom|mum|dad|parent)"
)
_SCHOOL_NAMED = (
    r"(?:[\w'-]+ ){0,3}(?:school|elementary|middle school|high school|college|university|"
    r"academy|kindergarten|preschool|daycare)\b"
)
"""A school named by its kind ("Jefferson Middle School", "Oak Elementary")."""
RELIGIONS = (
    r"(?:catholic|protestant|muslim|jewish|hindu|buddhist|atheist|christian|agnostic|mormon|"
    r"sikh|orthodox|baptist|methodist|lutheran|anglican|evangelical|quaker|pagan|jain|"
    r"catholicism|protestantism|islam|judaism|hinduism|buddhism|christianity|atheism|sikhism|"
    r"mormonism|paganism|jainism)"
)
"""A religion or a believer in one ("catholic", "buddhism", "atheist")."""
_PET_KINDS = (
    r"(?:dog|cat|puppy|kitten|rabbit|bunny|hamster|guinea pig|ferret|parrot|budgie|bird|turtle|"
    r"tortoise|horse|goldfish|fish|snake|lizard|gecko|retriever|labrador|lab|beagle|poodle|"
    r"terrier|shepherd|bulldog|husky|corgi|dachshund|spaniel|collie|pug|chihuahua|doodle|tabby)"
)
_CARERS = r"physio\w*|counsell?or|psych\w+|chiropractor|nutritionist|dietitian|specialist|dr"
_SETTING = (
    r"(?:changed?|switch(?:ed)?|updated?|set|raised?|increased?|lowered?|reduced?|cut|make|"
    r"bumped|upped)"
)
"""Verbs that set an attribute to a value, done or asked for ("changed", "switch", "set")."""
_TITLES = (
    r"ceo|cto|cfo|coo|cio|president|chair|chairman|chairwoman|founder|co-founder|head|director|"
    r"principal|captain|coach|editor|treasurer|secretary"
)
"""Titles held as "the ... of" ("the CTO of Acme")."""
NOUNS = {
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
    **dict.fromkeys(("base salary", "base pay"), "salary"),
    **dict.fromkeys(("day rate", "hourly rate", "daily rate", "freelance rate"), "rate"),
    "desk": "desk",
    **dict.fromkeys(("currency", "default currency"), "currency"),
    **dict.fromkeys(("tier", "plan tier", "subscription tier", "account tier"), "plan"),
    **dict.fromkeys(("airline", "preferred airline"), "airline"),
    "package manager": "package manager",
    **dict.fromkeys(("credit card", "billing card", "card on file"), "card"),
    "weight": "weight",
    "height": "height",
    "bank": "bank",
    **dict.fromkeys(
        ("doctor", "physician", "primary care physician", "primary care doctor", "gp"), "doctor"
    ),
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
    "preferred language": "language",
    "first language": "language",
    "mother tongue": "language",
    "hair": "hair",
    "hair colour": "hair",
    "hair color": "hair",
    "religion": "religion",
    "provider": "provider",
    "isp": "provider",
    "internet provider": "provider",
    # A phone's carrier is not the internet provider: "switched carriers" keeps Comcast.
    **dict.fromkeys(("phone provider", "mobile provider", "carrier", "mobile carrier"), "carrier"),
    "gym": "gym",
    "birthday": "birthday",
    "date of birth": "birthday",
    "zip code": "postcode",
    "zip": "postcode",
    "zipcode": "postcode",
    "postcode": "postcode",
    "postal code": "postcode",
    "rent": "rent",
    **dict.fromkeys(
        ("insurance", "health insurance", "insurer", "insurance provider", "insurance company"),
        "insurance",
    ),
    **dict.fromkeys(("therapist", "counselor", "counsellor"), "therapist"),
    "psychiatrist": "psychiatrist",
    **dict.fromkeys(("pediatrician", "paediatrician"), "pediatrician"),
    **dict.fromkeys(("vet", "veterinarian"), "vet"),
    **dict.fromkeys(("hairdresser", "hairstylist", "stylist", "barber"), "hairdresser"),
    **dict.fromkeys(("personal trainer", "trainer"), "trainer"),
    "accountant": "accountant",
    **dict.fromkeys(("lawyer", "attorney"), "lawyer"),
    "landlord": "landlord",
    **dict.fromkeys(("physio", "physiotherapist", "physical therapist"), "physio"),
    **dict.fromkeys(("browser", "web browser", "default browser"), "browser"),
    **dict.fromkeys(("pronouns", "preferred pronouns"), "pronouns"),
    "deadline": "schedule",
    "due date": "schedule",
}
"""Nouns of an attribute as the cue ``noun`` group reads them, and the attribute each names."""
_NOUN = "|".join(sorted((re.escape(n) for n in NOUNS), key=len, reverse=True))
LABELS = {
    **NOUNS,
    **dict.fromkeys(word_list("city town location"), "residence"),
    **dict.fromkeys(("home city", "current city", "hometown"), "residence"),
    "country": "country",
    **dict.fromkeys(("status", "marital status", "relationship status"), "relationship"),
    **dict.fromkeys(("relationship", "significant other", "married to"), "relationship"),
    **dict.fromkeys(("kids", "children", "number of kids", "number of children"), "children"),
    **dict.fromkeys(("pet", "pets"), "pet"),
    **dict.fromkeys(("hobby", "hobbies", "interests"), "hobby"),
    **dict.fromkeys(("allergy", "allergies", "food allergies"), "allergy"),
    **dict.fromkeys(("meds", "medication", "medications", "prescription"), "medication"),
    **dict.fromkeys(("smoker", "smoking", "smokes"), "smoking"),
    **dict.fromkeys(("language", "languages", "programming language"), "language"),
    **dict.fromkeys(("dietary preference", "dietary restrictions"), "diet"),
    "commute": "commute",
    "works at": "employer",
    "lives in": "residence",
}
"""Labels of a note written as "Label: value" ("City: Portland", "Meds: sertraline 100mg")."""
MARITAL = frozenset(
    word_list("single married remarried engaged divorced separated widowed dating taken")
)
"""Words of a marital state, which a relationship's value may be instead of a name."""
NONE = frozenset(word_list("none no nope nothing n/a na false -"))
"""Values of a labelled note that say there is none ("Pets: none")."""
YES = frozenset(word_list("yes yep true"))
"""Values of a labelled note that say yes ("Smoker: yes")."""
_IS = (
    r"(?:is|are|was changed to|has changed to|changed to|has been changed to|became|"
    r"(?<='s )(?:now )?(?:down|up) to|(?:is|are) (?:now )?(?:down|up) to|"
    r"(?:goes|went|has gone|is going) (?:up|down) to|"
    r"(?:rose|has risen|increased|decreased|dropped|fell) (?:up |down )?to)"
)
DRUG = (
    r"(?!(?:april|online|someone|anyone|everyone|none|alone|phone|done|gone|one|school|pool|"
    r"tool|cool|control|patrol|protocol|plan|man|team|program|exam|dream|late|date|state|side|"
    r"ride|guide|inside|outside|line|time|machine|engine|routine|magazine|wine|mine|fine|nine|"
    r"vaccine|medicine|caffeine)\b)"
    r"(?:[a-z]+(?:in|ol|pril|sartan|statin|ine|ide|one|am|an|ate|fen|mab|xib|zole)|"
    r"lexapro|zoloft|prozac|xanax|adderall|wellbutrin|lipitor|synthroid|ozempic|wegovy|"
    r"mounjaro|zyrtec|claritin|ambien|valium|klonopin|ativan|concerta|ritalin|vyvanse|paxil|"
    r"celexa|effexor|cymbalta|abilify|seroquel|lamictal|humira|eliquis|xarelto|plavix|crestor|"
    r"nexium|prilosec|singulair|januvia|jardiance|trulicity|victoza|lyrica|neurontin|norvasc|"
    r"zocor|coumadin|accutane|keppra|topamax|strattera|buspar|suboxone)"
)
"""A drug's name by its ending ("lisinopril", "metformin"), not a month or a common word."""

MULTI_VALUED = frozenset(
    {"likes", "pet", "possession", "drinking", "hobby", "allergy", "membership", "citizenship"}
)
"""Attributes that hold several values at once: liking tea does not retire liking coffee."""
SERVICE_WORDS = frozenset(
    word_list("music tv plus premium app apps cloud prime video unlimited streaming subscription")
)
"""Words of a service's name, which no place to live has ("moved to Apple Music")."""
OWN_HOMES = frozenset(word_list("place apartment flat house home"))
"""Nouns of a home of one's own ("got my own place")."""
GYM_WORDS = frozenset(word_list("gym fitness crossfit ymca orangetheory equinox"))
"""Words of a gym's name: a membership of one is the gym membership."""
COUNT_OF = {
    **{"second": "two", "third": "three", "fourth": "four", "fifth": "five"},
    **{"2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven"},
}
"""Ordinals and digits read as the count of children they make ("our third" is three)."""


class Cue(NamedTuple):
    """A cue phrase: its pattern ends where the value starts.

    A named group ``noun`` picks the attribute from NOUNS, ``what`` names a favourite, ``drug``
    a medication; the attribute "*" is a bare change whose attribute comes from the old memory.
    ``negative`` cues state that the value no longer holds ("quit my job at ...").
    """

    attribute: str
    pattern: str
    negative: bool = False


CUES: list[Cue] = [
    Cue(
        "favourite",
        r"\b(?:favou?rite|fav) (?P<what>[a-z]+(?: [a-z]+)??)"
        r"(?: (?:these days|now|nowadays|right now|at the moment))?(?: (?:is|are)\b|:)",
    ),
    # "Winter has become my favourite season": the value comes first.
    Cue(
        "favourite",
        r"^(?P<before>(?:[\w'-]+ ){1,3}?)(?:is|are|has become|have become|became) (?:now )?"
        r"(?P<owner>my|our|the user's) (?:new )?favou?rite (?P<what>[a-z]+(?: [a-z]+)?)\b",
    ),
    Cue(
        "favourite",
        rf"\b{_SETTING} (?P<owner>my|our|the user's) (?:favou?rite|fav) "
        r"(?P<what>[a-z]+(?: [a-z]+)?) to\b",
    ),
    Cue("noun", rf"\b(?P<noun>{_NOUN})(?:'s)? (?:(?:now|these days|nowadays) )?(?:{_IS})\b"),
    # "My insurance switched to Cigna": a provider's own switch ("my team switched to Jira"
    # is the tool the team uses).
    Cue(
        "noun",
        r"\b(?P<noun>insurance|health insurance|insurer|bank|provider|internet provider|isp|"
        r"carrier|mobile carrier|gym|browser|default browser) (?:has )?switched to\b",
    ),
    # "Salary's $97k now": the contraction of "is" before an amount.
    Cue("noun", rf"\b(?P<noun>{_NOUN})'s (?=(?:now )?[$€£]?\d)"),
    Cue(
        "noun",
        rf"\b{_SETTING} (?P<owner>my|his|her|their|our|the user's|the) (?P<noun>{_NOUN})"
        r"(?: up| down| back)? to\b",
    ),
    Cue("noun", rf"\breplaced? (?P<owner>my|our|the user's) (?P<noun>{_NOUN}) with\b"),
    Cue(
        "noun",
        rf"\b(?:save|store|note|add|use|here's|here is) (?P<owner>my|our|the user's) new "
        rf"(?P<noun>{_NOUN})(?::| is\b)",
    ),
    # "Alan isn't my manager anymore": the value comes first.
    Cue(
        "noun",
        r"(?:^|(?<=[,;] )|(?<=[,;] so )|(?<=[,;] and )|(?<=[,;] but )|(?<=[,;] now ))"
        r"(?P<before>(?:[\w'-]+ ){1,3}?)"
        r"(?:is|isn't|is not|is no longer|is now|'s) "
        rf"(?P<owner>my|our|the user's) (?:new )?(?P<noun>{_NOUN})\b",
    ),
    Cue(
        "noun",
        rf"\b(?:has|have|got|found|hired|chose|picked|started with|started seeing|switched to) "
        rf"a new (?P<noun>{_NOUN})\b",
    ),
    # "I fired my lawyer": whoever it was is no longer.
    Cue(
        "noun",
        r"\b(?:fired|dropped|ditched|stopped seeing|stopped going to) (?P<owner>my|our) "
        r"(?P<noun>lawyer|attorney|accountant|therapist|counsell?or|trainer|personal trainer|"
        r"hairdresser|barber|stylist|dentist|doctor|psychiatrist|physio)\b",
        negative=True,
    ),
    # "My goal now is a full marathon"; "my step goal" is a thing of its own.
    Cue(
        "goal",
        r"\b(?P<owner>my|our|his|her|their|the user's) (?:main |big |new |current )?goal "
        r"(?:(?:now|these days|for now|this year) )?(?:is|has become|became)\b",
    ),
    # "Got a girlfriend now": a partner, named or not, where "I'm single" was.
    Cue(
        "relationship",
        r"\b(?:has|have|got|found) an? (?:girlfriend|boyfriend|partner)\b(?! for\b| to\b)",
    ),
    Cue(
        "noun",
        r"^(?:(?:my|our|the|the user's|user's|his|her|their|new|my new|our new|the new) )?"
        rf"(?P<noun>{_NOUN}):",
    ),
    Cue(
        "relationship",
        r"\b(?:(?:is|am|'m|are|has been|have been|'ve been|started|began) "
        rf"{ADV}(?:in a relationship with|seeing|dating))\b"
        # Seeing a therapist or a doctor is no relationship.
        rf"(?! (?:an? |my |the |our )?(?:[\w-]+ )?(?:{_PROFESSIONS}|{_CARERS})s?\b)",
    ),
    Cue(
        "residence",
        r"\b(?:lives?|living|resides?|residing|based|settled|stays|staying) (?:now )?"
        r"(?:with (?:[\w'-]+ ){1,3}?)?"
        r"(?:in|at|near|outside|outside of)\b",
    ),
    Cue(
        "residence",
        r"\b(?:moved|relocated) (?:back |away |inland |abroad |overseas |home |upstate |down |out |"
        r"downstate |north |south |east |west |across )?(?:to|into)\b"
        rf"(?! (?:the |an? )?(?:{WHEN}|{_ROOMS}))",
    ),
    Cue(
        "residence",
        r"\b(?:rents?|renting|rented|bought|buying|purchased) (?:an?|the|our|my) (?:[\w-]+ )?"
        r"(?:house|apartment|flat|condo|home|place|studio|bungalow|cottage|room|loft|duplex|"
        r"townhouse|(?:one|two|three|1|2|3)-bed(?:room)?) (?:in|near|outside)\b",
    ),
    Cue(
        "residence",
        r"\b(?P<owner>my|our|the user's) new (?:house|apartment|flat|condo|home|place|studio) "
        r"(?:is )?(?:in|near|outside)\b",
    ),
    Cue(
        "team",
        r"\b(?:is|am|'m|are|moved|switched|transferred) (?:on|to|in) the "
        r"(?=(?:[\w-]+ ){1,3}team\b)",
    ),
    Cue(
        "schedule",
        r"\b(?:(?:is|are|was|were|has been|have been|got)\s+)?(?:now\s+)?"
        r"(?:moved|rescheduled|rebooked|changed|pushed back|pushed|shifted|postponed|delayed|"
        r"extended|"
        r"brought forward|starts?|begins?|meets?|lands?|departs?|arrives?|boards?|opens?|"
        r"closes?|ends?|finishes|goes out|go out|runs?|airs?|is due|are due|"
        r"takes? place|happens?|is|are)\s+(?:now\s+)?"
        rf"(?:to\s+|on\s+|at\s+|for\s+|every\s+)?(?:(?:next|this|the following)\s+)?(?={WHEN})",
    ),
    Cue("residence", r"\b(?:is|are) (?:now )?(?:located )?(?:at|in) (?=\d+ (?!am\b|pm\b)[a-z])"),
    Cue(
        "residence",
        r"\b(?:is|are) (?:now )?(?:located )?on (?=(?:\d+(?:st|nd|rd|th)?|[a-z]+) "
        r"(?:avenue|ave|street|st|road|rd|boulevard|blvd|lane|drive)\b)",
    ),
    Cue("residence", r"\bmoved in with (?:[\w'-]+ ){1,3}?in\b"),
    Cue("residence", r"\bmade the (?:big |final )?move (?:back |out |down |over )?to\b"),
    Cue(
        "residence",
        r"\b(?:got|found|have|has) (?P<owner>my|our|his|her|their) own "
        r"(?:place|apartment|flat|house|home) "
        r"(?:in|near|outside)\b",
    ),
    Cue(
        "residence",
        r"\bclosed on (?P<owner>my|our|the|a) (?:new |little |small |first |big )?"
        r"(?:house|home|condo|place|apartment|flat) "
        r"(?:in|near|outside)\b",
    ),
    Cue("employer", r"\b(?:quit|left) (?:my|his|her|their|the) job (?:at|with)\b", negative=True),
    # "My husband got laid off from Boeing in March".
    Cue("employer", r"\b(?:laid off|let go|fired) (?:from|by|at)\b", negative=True),
    # "Handed in my two weeks at Walmart": the job there ends.
    Cue(
        "employer",
        r"\b(?:handed|put|gave|turned) in (?:my|his|her|their) (?:two weeks(?:'? notice)?|notice|"
        r"resignation) (?:at|to|with)\b",
        negative=True,
    ),
    Cue("employer", r"\b(?:works?|working|worked) (?:\w+ly )?(?:now )?(?:at|for)\b"),
    Cue("employer", r"\bemployed (?:at|by)\b"),
    Cue("employer", r"\b(?:teach|teaches|teaching) at\b"),
    Cue("employer", r"\bretired (?:early )?from\b", negative=True),
    # "Officially retired as of June 1st!", "I retired last year": no employer any more.
    Cue(
        "employer",
        r"\b(?:is|am|'m|are|officially|finally|just|recently|i|we|he|she) retired\b"
        r"(?! (?:from|as(?! of)|my|our|the|his|her|its|it|them|a|an)\b)",
        negative=True,
    ),
    # "Last day at Stripe was Friday": the job there ends.
    Cue("employer", r"\blast day (?:at|with)\b(?= [\w&'. -]+? (?:was|is)\b)", negative=True),
    Cue(
        "employer",
        rf"\b(?:is|am|'m|are) {ADV}(?:unemployed|jobless|between jobs|out of a job)\b",
        negative=True,
    ),
    Cue(
        "employer",
        rf"\b(?:is|am|'m|are|'ve been|have been|has been) {ADV}an? (?:[\w-]+ ){{0,3}}"
        rf"(?!student)(?:{_PROFESSIONS})s? (?:at|for|with)\b",
    ),
    Cue(
        "employer",
        r"\b(?:got|found|took|taken|accepted|started|landed) (?:a|the) (?:new )?"
        r"(?:full-time |part-time )?(?:job|position|role) "
        r"(?:at|with)\b",
    ),
    # Joining a gym, a church or a club is no new employer.
    Cue(
        "employer",
        rf"\b(?:joined(?! {_CLUB})|started at(?! {_SCHOOL_NAMED})|hired (?:at|by))\b",
    ),
    Cue("employer", r"\bstarting (?:at|with)\b(?= [\w&'. -]+? (?:on|next|this|in|tomorrow)\b)"),
    Cue("job", r"\b(?:works?|working|worked) (?:(?:part|full)[- ]time |remotely )?as\b"),
    Cue("job", r"\b(?:promoted to|changed roles to|changed careers to)\b"),
    # "Started a new role as staff engineer at Klarna": the title comes after "as".
    Cue(
        "job",
        r"\b(?:started|starting|took|taken|accepted|landed|began)\s+(?:a\s+)?(?:new\s+)?"
        r"(?:role|job|position)\s+as\s+(?:an?\s+)?",
    ),
    # "User is on the Free plan", "I'm on the Pro tier": the plan of a service.
    Cue(
        "plan",
        rf"\b(?:is|am|'m|are)\s+{ADV}on\s+(?:the|a|an)\s+(?=(?:[\w-]+ ){{1,2}}(?:plan|tier)\b)",
    ),
    Cue(
        "job",
        rf"\b(?:is|am|'m|are|became)\s+{ADV}the\s+(?=(?:[\w-]+ ){{0,2}}(?:{_TITLES})\b)",
    ),
    Cue("job", r"\b(?:stepped down|resigned|retired) as\b", negative=True),
    # "Passed my boards, officially a nurse practitioner now!"
    Cue("job", rf"\bofficially an? (?=(?:[\w-]+ ){{0,3}}(?:{_PROFESSIONS})s?\b)"),
    Cue(
        "job",
        rf"\b(?:is|am|'m|are|became|become|'ve been|have been|has been|(?<=\bshe)'s|"
        rf"(?<=\bhe)'s)\s+{ADV}"
        rf"(?:no longer\s+|not\s+)?an?\s+(?=(?:[\w-]+ ){{0,3}}(?:{_PROFESSIONS})s?\b)",
    ),
    Cue(
        "email",
        r"\b(?:contact|reach|e-?mail|write to) (?P<owner>me|us|him|her|them) (?:at|on|via)\b"
        r"(?=\s*(?:[\w.+-]+@|\[redacted_email\]))",
    ),
    Cue("email", r"^(?:use|using|try) (?=[\w.+-]+@[\w-]+\.|\[redacted_email\])"),
    Cue(
        "phone",
        r"\b(?:call|reach|text|contact) (?P<owner>me|us|him|her|them) (?:at|on)\b"
        r"(?=\s*(?:\+?[\d(][\d ().-]{6,}|\[redacted_phone\]))",
    ),
    Cue(
        "name",
        rf"\b(?:call me|(?:am|'m|is|are) {ADV}called|goes by|go by|(?:is|was|'s|are) named|"
        r"(?:a|an|the|my|his|her|their|our) [\w-]+ named)\b",
    ),
    Cue("name", r"\bchanged (?:my|his|her|their) name to\b"),
    Cue("name", r"\b(?:was |has been )?renamed(?: to)?\b"),
    Cue("age", rf"\b(?:is|am|'m|are)\s+{ADV}(?=\d+\s+years?\s+old)"),
    Cue("age", r"\b(?:just\s+)?turn(?:ed|s)\s+(?=\d+)"),
    Cue("age", r"\b(?P<owner>my|his|her|their) (?=\d+(?:st|nd|rd|th) birthday\b)"),
    Cue(
        "age",
        rf"\b(?:is|am|'m|are)\s+{ADV}"
        r"(?=\d{1,3}(?:\s+(?:now|today|this year))?\s*(?:[,;!]|\.(?!\d)|$))",
    ),
    Cue(
        "relationship",
        r"\b(?:is|am|'m|are|got|became|has been|have been)\s+"
        rf"{ADV}(?:no longer\s+|not\s+)?"
        r"(?=(?:single|married|remarried|engaged|divorced|separated|widowed)\b)",
    ),
    Cue(
        "relationship",
        r"\b(?:(?:are|is|'re|were|was|am|'m) (?:now |currently )?)?"
        # "Separating the laundry" ends no marriage.
        r"(?:broke up|split up|separated(?! (?:the|our|my|his|her|their|it|them|a|an|out|into)\b)|"
        r"divorced|called it quits|divorcing|getting divorced|splitting up|breaking up|"
        r"separating(?! (?:the|our|my|his|her|their|it|them|a|an|out|into)\b)|"
        r"finali[sz]ed (?:their|our|his|her|my|the) divorce)(?: with| from)?\b",
        negative=True,
    ),
    # "Emma started 4th grade": a school year, one at a time.
    Cue(
        "grade",
        r"\b(?:in|started|starts|starting|entered|entering|going into|moved up to) "
        r"(?=(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
        r"ninth|tenth|eleventh|twelfth) grade\b|kindergarten\b|pre-?k\b|preschool\b|daycare\b|"
        r"nursery\b)",
    ),
    Cue(
        "diet",
        r"\b(?:is|am|'m|are|been|became|become|went|turned|switched to|changed to)\s+"
        rf"{ADV}(?:no longer\s+|not\s+)?(?:a\s+|an\s+)?"
        r"(?=(?:vegan|vegetarian|pescatarian|carnivore|flexitarian|keto|paleo)\b)",
    ),
    Cue(
        "diet",
        r"\b(?:eats?|eating|ate)\s+"
        r"(?=(?:meat|fish|dairy|pork|beef|chicken|eggs|seafood|everything|anything)\b)",
    ),
    Cue(
        "diet",
        r"\b(?:follows?|following|on|eats?|eating|switched to|changed to)\s+an?\s+"
        r"(?=(?!gluten)[\w-]+ diet\b)",
    ),
    Cue(
        "diet",
        r"\b(?:done with|off|over)\s+(?:the\s+)?"
        r"(?=(?:vegan|vegetarian|pescatarian|keto|paleo|carnivore)(?: diet)?\b)"
        r"(?![\w -]*\b(?:for|until|till|during|while)\b)",  # "off keto for the holidays": a pause
        negative=True,
    ),
    # Gluten is a diet of its own: eating gluten again says nothing about eating meat.
    Cue("gluten", r"\b(?:eats?|eating|ate)\s+(?=gluten\b)"),
    Cue(
        "gluten",
        rf"\b(?:is|am|'m|are|went|eats?|eating|follows?|following|on)\s+{ADV}(?:an?\s+)?"
        r"(?=gluten-free\b)",
    ),
    Cue(
        "likes",
        # "Seems like", "looks like": a comparison, not a liking.
        r"\b(?<!seems )(?<!seem )(?<!seemed )(?<!looks )(?<!look )(?<!looked )(?<!sounds )"
        r"(?<!sound )(?<!feels )(?<!feel )(?<!felt )(?<!more )(?<!something )"
        r"(?:likes?|loves?|enjoys?|adores?|liking|loving|(?:is|am|'m|are) (?:a fan of|into))\b",
    ),
    Cue("likes", r"\b(?:dislikes?|hates?|can't stand|cannot stand|detests?)\b", negative=True),
    Cue("preference", r"\bprefers?\b"),
    Cue(
        "medication",
        rf"\b(?:takes?|taking|on)\s+(?=\d+(?:\.\d+)?\s*(?:mg|mcg|g|ml|iu|units?)\b|{DRUG}\b)",
    ),
    Cue(
        "medication",
        rf"\b(?:took|taken|takes|came|come|got|went) (?:(?P<object>me|us|him|her|them) )?off "
        rf"(?={DRUG}\b)",
        negative=True,
    ),
    # "My doctor stopped the metformin and put me on Jardiance": the metformin ends.
    Cue(
        "medication",
        r"\b(?:stopped|quit|discontinued|dropped)(?: taking)? (?:the |my |his |her |their )?"
        rf"(?P<drug>{DRUG})\b",
        negative=True,
    ),
    Cue(
        "medication",
        rf"\b(?P<drug>{DRUG}) dose (?:was |has been |is )?(?:now )?"
        r"(?:increased |decreased |raised |lowered |reduced |changed |adjusted )?(?:to\b)?",
    ),
    Cue(
        "medication",
        r"\b(?:increased|decreased|raised|lowered|reduced|changed|adjusted|upped|cut|bumped|"
        r"dropped|moved) "
        rf"(?P<owner>my|his|her|their|our|the user's) (?P<drug>{DRUG})(?: dose| dosage)?"
        r"(?: up| down| back)? to\b",
    ),
    Cue(
        "medication",
        rf"\b(?P<drug>{DRUG}) (?:dose |dosage )?(?:was |has been |got )?(?:now )?"
        r"(?:increased|decreased|raised|lowered|reduced|changed|adjusted|upped|cut|bumped|"
        r"dropped|went up|went down|has gone up|has gone down|goes up|goes down)"
        r"(?: up| down| back)? to\b",
    ),
    # "Nibbles passed away": the pet named is gone.
    Cue(
        "pet",
        # "The Fit finally died" is a car: "the" names a pet by its kind.
        r"^(?!the (?!(?:[\w'-]+ ){0,2}(?:dog|cat|puppy|kitten|bunny|rabbit|hamster|bird|fish)\b))"
        r"(?P<before>(?:[\w'-]+ ){1,4}?)(?:passed away|died|was put down|"
        r"passed(?= (?:this|last|yesterday|today|on|in|peacefully)\b|\s*[.,!]|$)|"
        r"ran away(?! for\b)(?![\w', ]*\b(?:came back|come back|found|returned)\b)|"
        r"crossed the rainbow bridge)\b",
        negative=True,
    ),
    # "We had to put Mochi down": the pet named is gone.
    Cue(
        "pet",
        r"\bput (?:our |my )?(?P<value>[\w'-]+) (?:down|to sleep)\b(?! for| to bed)",
        negative=True,
    ),
    Cue(
        "pet",
        r"\b(?:had to say goodbye to|rehomed) (?:our |my )?(?P<value>[\w'-]+)",
        negative=True,
    ),
    # "We lost Sunny to cancer in March."
    Cue(
        "pet",
        r"\blost (?:our |my )?(?P<value>[\w'-]+) to (?=cancer|old age|illness|kidney|heart|"
        r"an? (?:[\w-]+ )?(?:illness|disease|tumou?r|infection)\b)",
        negative=True,
    ),
    Cue(
        "pet",
        # "Have a dog", "have two cats": a count before the plural ("a question about dogs"
        # owns none).
        rf"\b(?:have|has|got|adopted|own|owns)\s+(?:an?\s+(?=(?:[\w-]+ ){{0,2}}{_PET_KINDS}\b)|"
        rf"(?:two|three|four|\d)\s+(?=(?:[\w-]+ ){{0,2}}{_PET_KINDS}(?:e?s)?\b))",
    ),
    Cue(
        "commute",
        r"\b(?:(?:ride|rides|riding|take|takes|taking|catch|catches|get|gets|go|goes|going|"
        r"commute|commutes|commuting)\s+(?:by\s+|on\s+)?(?:an?\s+|the\s+|my\s+)?"
        r"(?P<value>bike|bicycle|bus|train|tube|subway|metro|tram|car|scooter|ferry|motorbike|"
        r"light rail|streetcar|shuttle|carpool|vanpool)|"
        r"(?P<mode>walk|walks|walking|cycle|cycles|cycling|bike|bikes|biking|drive|drives|driving|"
        r"run|runs|running|jog|jogs|jogging))"
        r"\s+(?:in\s+)?to\s+(?:work|school|the office|uni|university|college)\b",
    ),
    Cue(
        "commute",
        r"\bcommut(?:e|es|ing) (?:by|on|via) (?:an?\s+|the\s+|my\s+)?"
        r"(?P<value>bike|bicycle|bus|train|tube|subway|metro|tram|car|scooter|ferry|motorbike|foot)\b",
    ),
    # "The drive was brutal" is no car.
    Cue(
        "car",
        r"\bdrives?(?<!the drive)(?<!the drives)(?<!\ba drive)(?<!long drive)(?<!long drives)\s+"
        r"(?!(?:was|is|were|home)\b)(?:an?\s+|the\s+)?",
    ),
    # "Gave up driving after his eye surgery": no car any more.
    Cue(
        "car",
        r"\b(?:gave up|given up|give up|stopped|quit|no longer) driving\b"
        r"(?! (?:to|in|at|on|for)\b)",
        negative=True,
    ),
    # "I'm driving a RAV4 now"; not a rental, a loaner, this week's.
    Cue(
        "car",
        r"\b(?:'m|am|is|are) (?:now )?driving (?:an?|the)\s+"
        r"(?![\w' -]*\b(?:rental|loaner|courtesy|borrowed|this week|today|for now|while)\b)",
    ),
    # "I have a question" owns nothing.
    Cue(
        "possession",
        rf"(?:\b(?:have|has|own|owns)|(?<='ve )got|(?<=have )got|(?<=has )got)\s+an?\s+"
        rf"(?!{_ABSTRACT})",
    ),
    Cue(
        "school",
        r"\b(?:stud(?:y|ies|ying) at|attends?|transferred (?:from [\w' -]+? )?to|"
        r"enrolled (?:at|in))\b",
    ),
    Cue(
        "school",
        r"\b(?:goes|go|going) to (?=[\w ]*(?:school|elementary|college|university|academy|"
        r"primary|secondary|kindergarten|preschool|nursery|high)\b)",
    ),
    Cue("school", r"\b(?:graduated from|dropped out of|finished at)\b", negative=True),
    # "My daughter started at Jefferson Middle School this fall".
    Cue("school", rf"\b(?:started|starts|starting) (?:at|in) (?={_SCHOOL_NAMED})"),
    Cue(
        "school",
        rf"\b(?:is|am|'m|are|'ve been|have been|has been) {ADV}an? (?:[\w-]+ ){{0,2}}"
        r"(?:student|freshman|sophomore|junior|senior) (?:at|of)\b",
    ),
    Cue(
        "school",
        r"\bstarted (?:[\w-]+ )?(?:school|college|university|uni|kindergarten|preschool) at\b",
    ),
    # "My daughter switched to Lincoln Middle": a school by its name.
    Cue(
        "school",
        r"\b(?:switched|changed|moved) (?:schools )?to (?=(?:[\w'-]+ ){0,3}(?:school|elementary|"
        r"middle|high|college|university|academy|prep)\b)",
    ),
    Cue("noun", rf"\b(?:changed|switched|moved|transferred) (?P<noun>{_NOUN})(?:e?s)? to\b"),
    # "I switched dentists, Dr. Okafor is closer": the value is a name that follows, or another.
    Cue("noun", rf"\b(?:changed|switched|swapped) (?P<noun>{_NOUN})(?P<plural>e?s)\b(?! to\b)"),
    # "Studying" in a list or after another verb ("juggle studying with ...") is a doing.
    Cue(
        "study",
        r"\b(?<!, )(?<!and )(?<!of )(?<!with )(?<!about )(?<!from )(?<!juggle )(?<!balance )"
        r"(?:switched to )?stud(?:y|ies|ying)\s+(?!at\b)",
    ),
    # Work shifts: "I work night shifts", "Finally moved to day shifts!", "I'm on days now".
    Cue(
        "shift",
        r"\b(?:on|work|works|working|put (?P<object>me|us) on) (?:the )?"
        r"(?P<value>night|day|evening|morning|graveyard|overnight|swing|early|late) shifts?\b"
        r"(?! (?:tonight|today|tomorrow|this|to cover|for)\b)",
    ),
    Cue(
        "shift",
        r"\b(?:moved|switched|changed|going|went|back|transferred) (?:over )?to (?:the )?"
        r"(?P<value>night|day|evening|morning|graveyard|overnight|swing|early|late) shifts?\b",
    ),
    Cue(
        "shift",
        r"\b(?:on|back to|back on|put (?P<object>me|us) on) (?P<value>day|night)s\b"
        r"(?! (?:when|like|that|off|where|i|we|you|of|in|at)\b)",
    ),
    Cue(
        "shift",
        r"\b(?:off|done with|no more|finished with) (?P<value>night|day|evening|overnight)s?"
        r"(?: shifts?)?\b(?! (?:for|this|next|tonight|today|tomorrow)\b)",
        negative=True,
    ),
    Cue("manager", r"\breports? to\b"),
    Cue("bank", r"\b(?:banks?|banking|banked) (?:with|at)\b"),
    # "Closed my Wells Fargo accounts": that bank is left.
    Cue(
        "bank",
        r"\bclosed (?:(?:all )?(?:my|our) )?(?P<before>(?:[\w'&-]+ ){1,3}?)(?:bank )?accounts?\b",
        negative=True,
    ),
    # "Moved my accounts over to Ally": a bank by its name, not "to a savings account".
    Cue(
        "bank",
        r"\b(?:moved|switched|transferred) (?:all )?(?:my|our) (?:accounts?|banking|checking|"
        r"savings|money) (?:over )?to (?!(?:an?|the|my|our)\b)",
    ),
    Cue("doctor", r"\b(?:see|sees|seeing) (?=dr\.? [a-z])"),
    Cue("gym", r"\b(?:go(?:es)? to|switched to|joined|member (?:at|of)) the gym at\b"),
    Cue("gym", r"\bgym membership (?:is )?(?:at|with)\b"),
    # "Now goes to Crunch Fitness instead": a gym by its name, not "the gym" of a hotel.
    Cue(
        "gym",
        r"\b(?:go(?:es)? to|going to|joined|switched to|moved to|signed up (?:at|with)|"
        r"members? (?:at|of)) "
        r"(?=(?:[\w'-]+ ){0,3}(?:fitness|crossfit|ymca|orangetheory|equinox)\b)",
    ),
    # Clubs and societies, several at a time: "I'm a member of the Sierra Club".
    Cue(
        "membership",
        r"\b(?:is|am|'m|are) (?:now |still |no longer |not )?(?:a |an )?(?:paying |life |"
        r"card-carrying )?members? (?:of|at) (?!(?:the |a )?gym\b)",
    ),
    Cue(
        "membership",
        r"\b(?:cancell?ed|ended|dropped|quit|gave up|didn't renew|did not renew) "
        r"(?P<owner>my|our|his|her|their) (?P<before>(?:[\w'&-]+ ){1,3}?)membership\b",
        negative=True,
    ),
    Cue(
        "membership",
        r"\blet (?P<owner>my|our|his|her|their) (?P<before>(?:[\w'&-]+ ){1,3}?)membership "
        r"(?:lapse|expire|run out)\b",
        negative=True,
    ),
    # Where someone works from: "I work from the Seattle office", "transferred to the Denver
    # office" (not a school, not a home).
    Cue(
        "office",
        r"\b(?:works?|working|worked|based|is|am|'m|are|transferred|moved|relocated|switched) "
        r"(?:now )?(?:from|out of|at|in|to) (?:the|our) (?=(?:[\w'-]+ ){1,2}office\b)",
    ),
    # Who lives with whom: "lives with roommates", "now lives alone".
    Cue(
        "household",
        r"\b(?:lives?|living) (?:now )?(?P<value>alone|by (?:myself|herself|himself|themselves)|"
        r"on (?:my|her|his|their) own|with (?:[\w'-]+ ){0,2}?(?:roommates?|flatmates?|housemates?|"
        r"parents|family|mom|mum|dad|partner|girlfriend|boyfriend|wife|husband))\b"
        r"(?! (?:in|at|near|outside)\b)",
    ),
    Cue(
        "household",
        r"\b(?:got|have|has|moved into|found) (?P<owner>my|our|his|her|their) own "
        r"(?P<value>place|apartment|flat|house|home)\b",
    ),
    Cue(
        "household",
        r"\bmoved in with (?P<value>(?:(?:my|his|her|their) )?(?:[\w'-]+ ){0,2}?(?:roommates?|"
        r"flatmates?|housemates?|parents|family|mom|mum|dad|partner|girlfriend|boyfriend|wife|"
        r"husband|fianc[eé]e?)(?: [a-z][\w'-]*)?)\b(?! (?:in|at|near|outside)\b)",
    ),
    # Renting or owning a home: "I'm renting an apartment", "We bought a house last month".
    Cue(
        "housing",
        # From "renting" on, so that "renting a room in Camden" is read as the residence.
        r"(?:(?<=\bis )|(?<=\bam )|(?<='m )|(?<=\bare )|(?<='re )|(?<=\bi )|(?<=\bwe ))"
        r"(?P<value>renting|rents?)"
        r"(?= (?:an?|our|my|the) (?:[\w-]+ )?(?:apartment|flat|place|house|home|condo|studio|"
        r"room|townhouse)\b|\s*(?:[,.!;]|$)| (?:in|for now|right now|from)\b)",
    ),
    Cue(
        "housing",
        r"\b(?P<value>bought|purchased|closed on) (?:a|our|my|the|his|her|their) (?:first |new )?"
        r"(?:house|home|condo|townhouse)\b(?![\w-])(?! (?:plant|party|warming|key|in|near)\b)",
    ),
    # "We speak German at home", "switched to speaking English at home".
    Cue("home language", r"\b(?:speaks?|speaking|spoke) (?P<value>[a-z]+) at home\b"),
    # "I cut my hair short", "She dyed her hair red".
    Cue(
        "hair",
        r"\b(?:cut|dyed|colou?red|bleached|shaved|chopped|buzzed|grew out|got|growing|grew|"
        r"grow) (?:(?P<owner>my|his|her|their) )?hair (?:(?:cut|dyed|colou?red|out) )?"
        r"(?=(?:[\w'-]+ ){0,2}?(?:short|long|red|blonde?|brown|black|gr[ae]y|pink|blue|purple|"
        r"green|auburn|silver|white|dark|darker|light|lighter|bob|pixie|bald|off|curly|straight|"
        r"shoulder-length|chin-length|shaved)\b)",
    ),
    Cue("hair", r"\b(?:has|have) (?=(?:[\w-]+ ){1,2}hair\b)"),
    Cue("hair", r"\bback to (?:my |her |his |their )?(?=(?:[\w-]+ ){1,2}hair\b)"),
    # Where the work is done: "I work remotely full time", "I'm back in the office five days a
    # week now", "We went hybrid".
    Cue(
        "work mode",
        r"\b(?:works?|working) (?:fully |full[- ]time |100% )?"
        r"(?P<value>remote|from home|in the office)(?:ly)?\b"
        # Some days, or one day: a routine of its own, or an occasion.
        r"(?! (?:on|every|most|some|today|tomorrow|this|that)\b| (?:\w+ )?days?\b)",
    ),
    Cue(
        "work mode",
        r"\b(?:works?|working|on|has|have) an? (?:fully )?(?P<value>hybrid|remote) "
        r"(?=(?:schedule|setup|arrangement|role|job|position)\b)",
    ),
    Cue(
        "work mode",
        r"\b(?:is|am|'m|are|'re|went|gone|going) (?:now |still |back )?(?:fully |full[- ]time )?"
        r"(?P<value>remote|hybrid)\b(?! (?:meeting|call|session|today|tomorrow|this)\b)",
    ),
    Cue(
        "work mode",
        r"\b(?:back|returned|went back|going back|is|am|'m|are|'re) (?:now )?(?:in|to) the "
        r"(?P<value>office) (?=(?:full[- ]time|every day|(?:[\w-]+ ){1,2}days a week)\b)|"
        r"\b(?:back|returned|went back|going back) (?:in|to) the (?P<office>office)\b"
        r"(?! (?:today|tomorrow|this|for|on|to|after|at)\b)",
    ),
    # How often something is done: "The user runs three times a week".
    Cue(
        "frequency",
        r"\b(?:(?P<verb>runs?|running|swims?|swimming|lifts?|lifting|works? out|working out|"
        r"climbs?|climbing|cycles?|cycling|bikes?|biking|walks?|walking|meditates?|meditating|"
        r"trains?|training|goes to the gym|go to the gym|going to the gym)|"
        # "I practice yoga twice a week", "I'm doing yoga every day now": the activity's.
        r"(?:do|does|doing|practices?|practicing) (?P<activity>yoga|pilates|crossfit|tai chi|"
        r"karate|judo|ballet|barre|spin|hiit|zumba|physio|piano|guitar)) "
        r"(?:now |again )?(?=(?P<often>(?:once|twice|\w+ times|\w+ days) (?:a|per|every) "
        r"(?:week|day|month)|every (?:day|morning|night|evening)|daily)\b)",
    ),
    # "I stopped going to the gym": a routine ended, however often it was.
    Cue(
        "frequency",
        # (Not "stopped climbing": a hobby's end, read by the bare change.)
        r"\b(?:stopped|quit|gave up|no longer) (?P<verb>lifting|working out|going to the gym)\b",
        negative=True,
    ),
    # "I use an Android phone", "uses an iPhone 15".
    Cue(
        "handset",
        r"\b(?:uses?|using|carry|carries) an? (?=(?:[\w-]+ ){0,2}(?:phone|iphone|android|pixel|"
        r"galaxy|smartphone)\b)",
    ),
    Cue(
        "smoking",
        r"\b(?:smok(?:e|es|ed|ing)|vap(?:e|es|ed|ing)|(?:is|am|'m|are) (?:now )?a smoker)\b",
    ),
    Cue("smoking", r"\b(?:is|am|'m|are) (?:now )?a non-?smoker\b", negative=True),
    Cue("smoking", r"\b(?:smoke|nicotine|vape)-free\b", negative=True),
    Cue("drinking", r"\b(?:drinks?|drinking)\s+(?=(?:alcohol|beer|wine)\b)"),
    Cue("weight", r"\bweighs?\b"),
    Cue(
        "weight",
        r"\b(?:is|am|'m|are)\s+(?:now\s+)?(?=\d+(?:\.\d+)?\s*(?:pounds|lbs?|kg|kilos)\b)",
    ),
    Cue(
        "weight",
        r"(?:^|\b(?:i'm|i am|am|now)\s+)(?:down|up|back)\s+to\s+"
        r"(?=\d+(?:\.\d+)?\s*(?:pounds|lbs?|kg|kilos|kilograms|stone)\b)",
    ),
    Cue(
        "height",
        r"\b(?:is|am|'m|are)\s+(?:now\s+|actually\s+)?"
        r"(?=\d+(?:\.\d+)?\s*(?:cm|m|ft|feet|inches)\s+tall|\d'\s?\d{1,2}(?:\"|'')?(?:\s|$|[,.!]))",
    ),
    Cue("salary", r"\b(?:earns?|earning|makes?|making)\s+(?:now\s+)?(?=[$€£]?\d)"),
    Cue("salary", r"\b(?:got |had )?a (?:pay )?raise to\s+(?=[$€£]?\d)"),
    Cue(
        "children",
        r"\b(?:have|has)\s+(?=(?:\d+|two|three|four|five|six)\s+(?:kids|children)\b|"
        r"(?:one|a single|an only) (?:child|kid)\b)",
    ),
    # "Baby number three arrived on Tuesday!"
    Cue(
        "children",
        r"\b(?:baby|kid|child) (?:number|no\.?|#) (?P<value>two|three|four|five|[2-9])\b"
        r"(?= (?:arrived|is here|was born|came)\b)",
    ),
    # "We had our second baby in May": the count of children is now two.
    Cue(
        "children",
        r"\b(?:had|welcomed) (?:(?P<owner>our|my|his|her|their)|a) "
        r"(?P<value>second|third|fourth|fifth) (?:baby|child|kid|son|daughter)\b",
    ),
    Cue("hobby", r"\b(?:plays?|playing)\b"),
    Cue("allergy", r"\ballergic to\b"),
    # Citizenships, several at a time: "I'm a US citizen"; "renounced my US citizenship".
    Cue(
        "citizenship",
        r"\b(?:is|am|'m|are|became|become|'ve become|has become) (?:now )?(?:an? )?"
        r"(?=(?:[\w.-]+ ){1,2}?citizen\b)",
    ),
    Cue(
        "citizenship",
        r"\b(?:renounced|gave up|lost) (?:(?P<owner>my|our|his|her|their) )?"
        r"(?P<before>(?:[\w.-]+ ){1,2}?)citizenship\b",
        negative=True,
    ),
    # "I use Chrome", "switched to Firefox".
    Cue(
        "browser",
        r"\b(?:uses?|using|switched to|moved to|changed to) "
        r"(?=(?:google )?(?:chrome|firefox|safari|edge|brave|opera|vivaldi|chromium)\b)"
        r"(?![\w ]*\b(?:at work|for work|on (?:my|the|our) (?:work|phone|laptop|mac|pc)))",
    ),
    # "Outgrew the shellfish allergy".
    Cue(
        "allergy",
        r"\b(?:outgrew|outgrown|grew out of|got over) (?:my |the |his |her |their )?"
        r"(?P<before>(?:[\w'-]+ ){1,2}?)allergy\b",
        negative=True,
    ),
    Cue("allergy", rf"\b(?:is|am|'m|are) {ADV}(?:no longer |not )?(?=[\w-]+ intolerant\b)"),
    Cue("birthday", rf"\b(?:was|were) born (?:in|on) (?=\d{{4}}\b|{DATE}|{MONTHS}\b)"),
    Cue("birthplace", r"\b(?:was|were) born in (?!\d)"),
    Cue(
        "timezone",
        r"\b(?:is|am|'m|are|now|be|been|lives?|living|based) (?:now )?(?:on|in) (?:the )?"
        r"(?!(?:best|last|most|next|just|first|worst|east|west|past|fast)\b)"
        r"(?=(?:pacific|eastern|central|mountain|"
        r"atlantic|alaska|hawaii|[a-z]{2,4}t|utc|gmt)(?: standard| daylight)? time\b)",
    ),
    Cue(
        "religion",
        r"\b(?:is|am|'m|are)\s+(?:now\s+|no longer\s+|not\s+)?"
        rf"(?={RELIGIONS}\b)",
    ),
    Cue("religion", rf"\b(?:converted|convert|converting) to (?={RELIGIONS}\b)"),
]
"""Every cue, in the order the reader tries them."""
BARE_CHANGES: list[tuple[str, bool]] = [
    (
        r"\b(?:switched|changed|converted|upgraded|downgraded|moved(?= over))\s+"
        r"(?:over\s+|(?P<object>me|us|him|her|them)\s+)?"
        r"(?:from\s+[\w' -]+?\s+)?to\b",
        False,
    ),
    (
        # "Left the chess club early last night" is an evening, not a leaving.
        r"\b(?:left(?! (?:[\w'-]+ ){0,3}?(?:early|late)\b)|quit|sold|"
        r"stopped(?! (?:by|in|at|off)\b)|gave up|got rid of|"
        r"dropped|cancell?ed|traded in|traded|"
        r"ditched|said goodbye to|"
        r"replaced|moved out of|moved away from)\b",
        True,
    ),
]
"""Changes that name no attribute ("switched to", "sold"), each with whether it ends a value."""
