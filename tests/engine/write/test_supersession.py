"""Corrections and changes of state supersede; episodes, additions and look-alikes never do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cml.engine.write.claims import read_claim
from cml.engine.write.supersession import decide_supersession, supersedes
from cml.models import MemoryType

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data/supersession_cases.jsonl").read_text().splitlines()
]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "The user lives in Berlin",
            "The user moved to Munich last month",
            "residence: value changed",
        ),
        ("My name is Sam", "Actually my name is Alex, not Sam", "name: correction"),
        ("I work at Deloitte", "I now work at KPMG", "employer: value changed"),
        ("I'm vegetarian", "I switched to a vegan diet", "diet: value changed"),
        ("I live in Madrid", "I no longer live in Madrid", "residence: correction"),
        ("I don't eat fish", "I started eating fish again", "diet: now true"),
        ("I work remotely for Spotify", "I left Spotify", "employer: retracted"),
        # A thing the lexicon has no noun for, changed to a value it names.
        ("My locker code is 1234", "My locker code is now 5678", "thing: value changed"),
        ("My gate code is 4455", "The gate code changed to 9911", "thing: value changed"),
        (
            "My streaming plan is Netflix Basic",
            "I upgraded my streaming plan to Netflix Premium",
            "thing: value changed",
        ),
        (
            "The team meeting is on Tuesday",
            "The team meeting was moved to Thursday",
            "schedule: value changed",
        ),
        (
            "The user takes 5 mg of amlodipine daily",
            "The user takes 10 mg of amlodipine daily",
            "medication amlodipine: value changed",
        ),
        (
            "The user takes lisinopril",
            "The user switched from lisinopril to losartan",
            "medication lisinopril: correction",
        ),
        (
            "My phone number is [REDACTED_PHONE]",
            "My new phone number is [REDACTED_PHONE]",
            "phone: new value",
        ),
        # She and her are one person; a name said with "goes by".
        ("Her name is Jennifer", "She goes by Jen these days", "name: value changed"),
        # An address is one word: its dots do not end the clause.
        (
            "My email is kim@old.example",
            "I changed my email to kim@new.example",
            "email: value changed",
        ),
        (
            "Contact me at ana@mail.example",
            "Please use ana@work.example from now on",
            "email: value changed",
        ),
        ("Yoga class is at 7am", "Yoga class is at 6:30am from now on", "schedule: value changed"),
        (
            "The project deadline is June 1",
            "The project deadline got pushed to July 15",
            "schedule: value changed",
        ),
        ("I ride a bike to work", "I take the bus to work now", "commute: value changed"),
        # Whose rent the landlord raised: ours.
        (
            "Our rent is $1,800 a month",
            "The landlord raised our rent to $2,000 a month",
            "rent: value changed",
        ),
        (
            "I take 50 mg of sertraline daily",
            "My doctor increased my sertraline to 100 mg",
            "medication sertraline: value changed",
        ),
        ("I'm unemployed right now", "Good news, I got hired by Shopify!", "employer: now true"),
        ("I'm 29", "Today is my 30th birthday", "age: value changed"),
        (
            "I'm in the data platform team",
            "I transferred to the mobile team",
            "team: value changed",
        ),
        ("My bank is Barclays", "We switched banks to Monzo", "bank: value changed"),
        # Without an attribute in the lexicon: the sentences' frames.
        (
            "Our anniversary dinner is booked for Friday",
            "Our anniversary dinner got moved to Saturday",
            "frame: moved or changed",
        ),
        ("I drink two coffees a day", "I've quit coffee completely", "frame: ended"),
    ],
)
def test_corrections_and_state_changes_supersede(old: str, new: str, reason: str) -> None:
    decision = decide_supersession(new, old)
    assert decision.supersedes
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("I went to the gym on Monday", "I went to the park on Sunday", "no attribute"),
        ("The user lives in Berlin", "The user's sister moved to Munich", "other subject"),
        (
            "The team meeting is on Tuesday",
            "The board meeting was moved to Thursday",
            "other subject",
        ),
        ("The user likes jazz", "The user also likes blues", "addition"),
        ("The user likes horror movies", "The user likes comedies", "likes: added value"),
        ("The user lives in Berlin", "Does the user still live in Berlin?", "question"),
        ("The user lives in Berlin", "The user might move to Munich next year", "hypothetical"),
        ("I live in Berlin", "I used to live in Paris", "past"),
        ("I live in Berlin", "I don't live in Munich", "residence: other value negated"),
        ("The user lives in Berlin", "The user still lives in Berlin", "residence: restated"),
        ("My manager is Priya", "My manager is Priya Sharma", "manager: restated"),
        ("The user lives in Berlin", "The user works at Siemens", "other attribute"),
        ("I work at the bank", "I didn't work at the bank on Monday because I was sick", "episode"),
        ("I like hiking", "I stopped hiking for a week because of rain", "pause"),
        ("I live in Portland", "We moved to the living room to watch the game", "no attribute"),
        ("I'm married to Chris", "Anna and I broke up", "relationship: other value negated"),
        ("I'm vegetarian", "I can eat gluten again", "other attribute"),
        (
            "I prefer window seats",
            "Actually I prefer tea, not coffee",
            "preference: corrects another",
        ),
        ("I'm vegan", "I switched to a Pixel 8", "other attribute"),
        (
            "The project deadline is June 1",
            "The project kickoff got moved to May 3",
            "other subject",
        ),
        ("Kenji is my team lead", "Kenji moved to the window desk", "other subject"),
        ("Dinner is at 7pm", "Dinner got moved to the garden", "no attribute"),
        ("I drink coffee", "I quit my coffee shop job", "no attribute"),
        ("I like Trello", "It seems like Trello is slow today", "no attribute"),
        ("I have a dog", "I have a question about dogs", "no attribute"),
        (
            "I do not like the Sith, not at all",
            "I do not like the Sith, not the Sith",
            "likes: restated",
        ),
        # In a transcript, "I" is the speaker.
        ("Bob: I live in Rome", "Grace: I moved to Paris", "other subject"),
        # A person's value is a name; a thing's state is no value; a duration is no value.
        ("My wife is Maria", "My wife is pregnant", "no attribute"),
        ("I'm married to Chris", "My husband is vegan", "other subject"),
        ("I'm on the payments team", "The user's team is growing", "no attribute"),
        (
            "I'm married to Chris",
            "The user has been married for ten years",
            "relationship: restated",
        ),
        # Two names that share a word are two things.
        (
            "I go to the gym at Planet Fitness",
            "I cancelled my Anytime Fitness membership",
            "gym: other value negated",
        ),
        # A thing's value without a word of change may be a second one; another thing is
        # another subject; a person's or a thing's state names no value.
        ("My locker code is 1234", "My locker code is 5678", "thing: no change said"),
        (
            "Our wifi password is Sunflower22",
            "The guest wifi password is now Tulip7",
            "other subject",
        ),
        ("My son is 5", "My son is in school now", "no attribute"),
        (
            "The correct answer is (C) Hatred",
            "The correct answer is (D) New",
            "thing: no change said",
        ),
        ("My laptop is a MacBook Air", "My laptop is now at the repair shop", "no attribute"),
        # "Work" the verb ties nothing together.
        ("I use a Dell laptop for work", "I don't work weekends anymore", "no attribute"),
    ],
)
def test_look_alikes_do_not_supersede(old: str, new: str, reason: str) -> None:
    decision = decide_supersession(new, old)
    assert not decision.supersedes
    assert decision.reason == reason


def test_a_preference_change_about_another_topic_needs_closeness_in_meaning() -> None:
    # With the caller's similarity (the write path has it), a preference sharing no word with
    # the older one retires it only when the two are close in meaning.
    far = decide_supersession(
        "I prefer afternoon meetings now", "I prefer window seats", similarity=0.34
    )
    assert (far.supersedes, far.reason) == (False, "preference: other topic, not close in meaning")
    near = decide_supersession("I prefer aisle seats now", "I prefer window seats", similarity=0.71)
    assert (near.supersedes, near.reason) == (True, "preference: value changed")


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "My commute takes 30 minutes",
            "My commute takes 45 minutes now since we moved",
            "update: restated with one slot changed",
        ),
        (
            "I'm reading Project Hail Mary",
            "I finished Project Hail Mary and I'm now reading Dune",
            "update: the old value left behind",
        ),
        (
            "I drink three cups of coffee a day",
            "I've cut down to one cup of coffee a day",
            "update: an amount changed",
        ),
        (
            "I walk 5,000 steps a day",
            "I've upped my walking to 8,000 steps a day",
            "update: an amount changed",
        ),
        (
            "I've been using Notion for my notes",
            "I switched from Notion to Obsidian for my notes",
            "update: the old value left behind",
        ),
        (
            "I use a Kindle Paperwhite",
            "I replaced my Kindle Paperwhite with a Kobo",
            "update: the old value left behind",
        ),
        (
            "I drink oat milk in my coffee",
            "I've replaced oat milk with almond milk in my coffee",
            "update: the old value left behind",
        ),
        # A text that opens with its verb is the writer's; words of habit change nothing.
        (
            "I'm reading The Overstory",
            "Finished The Overstory, now reading Piranesi",
            "update: the old value left behind",
        ),
        (
            "i usually go to bed around 11",
            "i go to bed around 10 now",
            "update: restated with one slot changed",
        ),
    ],
)
def test_updates_the_lexicon_has_no_attribute_for(old: str, new: str, reason: str) -> None:
    decision = decide_supersession(new, old)
    assert (decision.supersedes, decision.reason) == (True, reason)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # One occasion, someone else, an addition, a plan: no update.
        ("My commute takes 30 minutes", "My commute took 2 hours yesterday because of a strike"),
        ("I have 3 houseplants", "My neighbour has 5 houseplants now"),
        ("We have 4 chickens", "Our neighbours have 6 chickens now"),
        ("I do yoga twice a week", "I also do pilates twice a week"),
        ("My team has 6 engineers", "My team is hiring 2 more engineers"),
        # The slot changed is of another kind, or the words kept are only the subject.
        ("My laptop is a MacBook Air", "My laptop is now at the repair shop"),
        ("I'm learning Italian", "I'm learning to knit now"),
        ("The user likes jazz", "The user moved to New Orleans"),
        # Leaving part of a name is not leaving the thing it names.
        ("I use Google Maps", "I left Google last year"),
    ],
)
def test_look_alike_updates_change_nothing(old: str, new: str) -> None:
    assert not supersedes(new, old)


def test_the_user_and_a_partner_breaking_up_retracts_that_partner() -> None:
    decision = decide_supersession("The user and Alex broke up", "The user's partner is Alex")
    assert (decision.supersedes, decision.reason) == (True, "relationship: retracted")
    assert not supersedes("The user and Alex broke up", "The user's partner is Sam")
    # Lower-case writing names a partner too.
    assert supersedes("my wife is maria now", "my wife is anna")


@pytest.mark.parametrize(
    "kind", [MemoryType.EPISODIC_EVENT, MemoryType.CONVERSATION, MemoryType.MESSAGE]
)
def test_something_that_happened_never_supersedes_or_is_superseded(kind: MemoryType) -> None:
    old, new = "The user lives in Berlin", "The user moved to Munich last month"
    assert supersedes(new, old)
    assert not supersedes(new, old, new_type=kind)
    assert not supersedes(new, old, old_type=kind, new_type=MemoryType.SEMANTIC_FACT)


def test_claims_name_subject_attribute_and_value() -> None:
    claim = read_claim("My sister Anna moved to Lisbon last spring")
    assert claim is not None
    assert claim.subject == {"user's", "sister", "anna"}
    assert (claim.attribute, claim.value, claim.negated) == (
        "residence",
        frozenset({"lisbon"}),
        False,
    )
    # A named person is the same subject with or without the relation in front.
    assert supersedes("Anna now lives in Porto", "My sister Anna lives in Lisbon")
    # Greg's brother is not Greg.
    assert not supersedes("Greg's brother moved to Phoenix", "Greg lives in Denver")
    assert read_claim("I went to the park on Sunday") is None


def test_goals_reached_and_readings_of_casual_wording() -> None:
    # What was under way is done; a goal reached on an occasion still ends it.
    assert supersedes("I passed the CPA exam!", "I'm studying for the CPA exam")
    assert supersedes("Finished Dune last night, starting Children of Dune", "I'm reading Dune")
    assert not supersedes("I failed the CPA exam", "I'm studying for the CPA exam")
    assert not supersedes("I bought Dune for my brother", "I'm reading Dune")
    # Openers that are not the subject: discourse, a report of what someone says, a cause.
    assert supersedes(
        "Honestly my favourite band these days is Big Thief", "My favourite band is Radiohead"
    )
    assert supersedes(
        "My allergist says I'm not actually allergic to cats, it was dust", "I'm allergic to cats"
    )
    assert supersedes("Since the move I bike to work", "I walk to work")
    # "Way too expensive" adds nothing; a narrower dislike retracts no liking.
    assert supersedes(
        "Cancelled Equinox, it was way too expensive", "I have a gym membership at Equinox"
    )
    assert not supersedes("I don't like jazz clubs that are too loud anymore", "I like jazz")
    # One phrase, two attributes: the job of "a junior developer at Stripe" is promoted.
    assert supersedes(
        "Got promoted to senior developer at Stripe!", "I'm a junior developer at Stripe"
    )
    # A value's shape names its attribute; "switched dentists" names the change.
    assert supersedes(
        "The user switched to jmarsh.dev@gmail.com for everything",
        "The user's email is jmarsh@outlook.com",
    )
    assert supersedes("I switched dentists, Dr. Okafor is much closer", "My dentist is Dr. Patel")
    # Moving over to a tool is no move of home; seeing a therapist is no relationship.
    assert not supersedes("Moved over to PyCharm for Python work", "I live in Portland")
    assert not supersedes("I'm seeing a therapist every two weeks", "I'm single")
    # Values told before their cue, or in the clause after it.
    assert supersedes("Winter has become my favourite season", "My favourite season is autumn")
    assert supersedes("Nibbles passed away last night", "We have a hamster named Nibbles")
    assert supersedes("I've got a new number, it's 07700 900456", "My number is 07700 900123")
    assert not supersedes("I finished reading a novel by Sally Rooney", "I'm working on a novel")
    # Notes without their subject are no questions; what the user mentions is the user's.
    assert supersedes("Works as a product manager now", "Is a software engineer")
    assert supersedes("Prefers to be called Jack", "Name is John")
    assert supersedes(
        "The user mentioned they recently moved to Portland",
        "The user mentioned they live in Seattle",
    )
    assert not supersedes(
        "The user mentioned their brother lives in Portland",
        "The user mentioned they live in Seattle",
    )
    assert supersedes("User and Maria got married last month", "User is engaged to Maria")
    # Lower case, dashes, a change done to the user, a time a thing is moved to.
    assert supersedes(
        "fyi i'm not at amazon anymore - joined shopify last month", "i work at amazon"
    )
    assert supersedes("doc switched me from adderall to vyvanse", "i'm on 10mg of adderall")
    assert not supersedes("doc switched my son from adderall to vyvanse", "i'm on 10mg of adderall")
    assert supersedes("they moved my shift to 2pm starting next week", "my shift starts at 6am")
    assert supersedes("quit crossfit, my back couldn't take it", "i do crossfit 3x a week")
    # Cheering on or resolving ends nothing: "Don't quit!", "I won't quit".
    assert not supersedes("Ben: Don't quit the bakery plan!", "Ben: I'm working on the bakery plan")
    assert not supersedes("I won't quit the choir, no matter what", "I sing in the choir")
    # Other people's changes, told in the third person.
    assert supersedes("Tom and Emily split up", "Tom's girlfriend is Emily")
    assert supersedes("Dad's doctor took him off metformin", "Dad takes metformin")
    assert not supersedes("The vet took our dog off metformin", "Dad takes metformin")
    assert supersedes(
        "Dana Lee stepped down as CTO; Raj Patel is Acme's new CTO", "Dana Lee is the CTO of Acme"
    )
    assert supersedes("Our office relocated to Hudson Yards", "Our office is on 5th Avenue")
    # Requests to remember or forget, and settings asked for.
    assert supersedes("Please remember that I moved to Berlin", "I live in Madrid")
    assert supersedes("Forget that I'm vegan, I eat meat again", "I'm vegan")
    assert not supersedes("Forget that my sister is vegan, she eats meat now", "I'm vegan")
    assert supersedes("Switch my preferred language to Spanish", "My preferred language is English")
    assert supersedes("Save my new phone number: 555-9876", "My phone number is 555-1234")
    assert not supersedes("Save my wife's number: 555-9876", "My phone number is 555-1234")
    assert supersedes("Alan isn't my manager anymore; it's Beth", "My manager is Alan")
    assert not supersedes(
        "My husband's dentist appointment is on May 10", "My dentist appointment is on May 3"
    )
    # A list naming "Quit" ends nothing of another list.
    assert not supersedes(
        "Assistant: Here are words with 4 letters: 1. Bird 2. Cave 3. Quit 4. Rose",
        "Assistant: Here are words with 5 letters: 1. Apple 2. Bread 3. Cloud 4. Dance",
    )


def test_notes_written_as_labels_and_times_a_state_holds_from() -> None:
    # "Label: value" notes: the same label with another value changes it.
    assert supersedes("City: Portland (moved in April)", "City: Seattle")
    assert supersedes("Meds: sertraline 100mg", "Meds: sertraline 50mg")
    assert supersedes("Manager: Ken -> Laura (reorg)", "Manager: Ken")
    assert supersedes("Partner: none (broke up with Jamie in May)", "Partner: Jamie")
    assert supersedes("Smoker: no (quit in 2025)", "Smoker: yes")
    assert supersedes("Diet - pescatarian now", "Diet - vegan")
    # Another label, another owner's, or a value added to several.
    assert not supersedes("Dream car: Tesla Model 3", "Car: 2015 Toyota Camry")
    assert not supersedes("Son's allergies: shellfish", "Allergies: none")
    assert not supersedes("Favourite city: Portland", "City: Seattle")
    assert not supersedes("Pets: cat (Miso) and a new puppy (Udon)", "Pet: cat (Miso)")
    assert not supersedes("Hobby: rock climbing, pottery", "Hobby: rock climbing")
    # An opening time the state holds from is not its subject.
    assert supersedes("As of March 1st I work at Stripe", "I work at Shopify")
    assert supersedes("Starting next week standup is at 10:15", "My standup is at 9:30")
    assert supersedes("From now on please call me Kate", "I go by Katherine")
    assert supersedes("Starting in August the rent goes up to $1,950", "Rent is $1,800 a month")
    assert not supersedes("Standup ran long today, until 10:15", "My standup is at 9:30")
    # A value after the clause that ends the old one; a report after a colon.
    assert supersedes(
        "Priya left last month, so Daniel is my manager as of now", "My manager is Priya"
    )
    assert supersedes(
        "Allergist cleared me: no longer allergic to penicillin", "I'm allergic to penicillin"
    )
    assert not supersedes("My neighbour says: my rent is $2,000", "Rent is $1,800 a month")


def test_corrections_by_contrast_and_changes_told_in_a_later_sentence() -> None:
    # "A, not B": the old text's B is corrected to A, whatever the attribute.
    assert supersedes(
        "Oops, I meant Thursday, not Tuesday, for the dentist",
        "My dentist appointment is on Tuesday",
    )
    assert supersedes("Correction: it's a 2016 Accord, not 2018", "My car is a 2018 Honda Accord")
    assert supersedes("Soy milk, not oat milk. Oat milk upsets my stomach", "I drink oat milk")
    assert supersedes("Her name is Hannah, not Anna - autocorrect", "My wife's name is Anna")
    assert supersedes(
        "Not peanuts actually, it's tree nuts I'm allergic to", "I'm allergic to peanuts"
    )
    # Someone else's value, or a trip rather than a home, corrects nothing.
    assert not supersedes(
        "My husband's dentist appointment is Thursday, not Tuesday",
        "My dentist appointment is on Tuesday",
    )
    assert not supersedes("I'm going to Paris, not London", "I live in London")
    assert not supersedes("I'm vegetarian, not vegan", "My sister is vegan")
    # A place named with its state; a mistake owned before the fact.
    assert supersedes(
        "I got that wrong: I live in Springfield, Missouri", "I live in Springfield, Illinois"
    )
    assert supersedes("Sorry, I was born in 1986, I mistyped", "I was born in 1988")
    assert not supersedes("I was born in Leeds", "I was born in 1988")
    # The change is in a later sentence; another person's stays theirs.
    assert supersedes(
        "Omar moved to the platform team. Our new lead is Grace.", "My team lead is Omar"
    )
    assert supersedes("Lease renewed. Rent is $2,250 starting next month.", "My rent is $2,100")
    assert not supersedes(
        "Big news! My sister got a job at Netflix. She starts Monday.",
        "I work at Deloitte as an auditor",
    )
    assert supersedes(
        "I met someone! We've been dating for a month. His name is Theo.", "I'm single"
    )
    # Something left, sold or given up that the old text names; a place gone to is no plan.
    assert supersedes("I left the chess club, too much drama", "I'm a member of the chess club")
    assert supersedes("We sold the Tacoma house in June", "I own a house in Tacoma")
    assert supersedes(
        "I stopped going to the gym, I run outside instead", "I go to the gym every morning"
    )
    assert not supersedes(
        "I left the chess club early last night", "I'm a member of the chess club"
    )
    assert not supersedes(
        "I stopped at the gym on the way home to grab my bag", "I go to the gym every morning"
    )
    assert supersedes("My bike got stolen, so I'm taking the bus to work now", "I bike to work")
    # A price that goes up is a change; a person who goes to bed is no relationship's value.
    assert not supersedes("my husband goes to bed around 10 now", "I'm married to Chris")
    # A sentence both texts say changes nothing.
    assert not supersedes(
        "I try not to eat meat every day. Ask on vegetarian food from a different angle.",
        "No. One question at a time! Ask on vegetarian food from a different angle.",
    )
    # "I've" is the user; thanks open no subject; banking with is a bank; studying in a list is
    # a doing.
    assert supersedes("I've gone back to eating meat", "I'm vegetarian")
    assert supersedes("We switched banks to Monzo", "We bank with Barclays")
    assert not supersedes(
        "Tim: I'm trying to juggle studying with my fantasy reading hobby. Busy week!",
        "Tim: Thanks! I've been writing about fantasy novels, studying characters and themes.",
    )
    # Where a thing is, a status that is no marital one, a contrast of one occasion.
    assert not supersedes(
        "My car is in the shop. I'm driving a rental this week.", "I drive a Civic"
    )
    assert not supersedes("Status update: we bought a house", "Status: married")
    assert not supersedes(
        "It was the 7:45 train today, not the 7:15, because I overslept", "I take the 7:15 train"
    )


def test_texting_family_told_without_my_and_numbers_reached() -> None:
    # Texting spelled out: "im", "gf", "rn", "2", "lol" say what the full words say.
    assert supersedes("not vegetarian anymore btw, back on chicken", "I'm vegetarian")
    assert supersedes(
        "turns out im not actually allergic to penicillin, did the test",
        "I'm allergic to penicillin",
    )
    assert supersedes("honestly my fav band rn is boygenius", "My favorite band is Paramore")
    assert supersedes("got a gf now haha her name is Mia", "I'm single")
    assert not supersedes("got a bf for the prom haha, Jake asked me", "My boyfriend is Tyler")
    assert not supersedes("im not a fan of the vegetarian menu there", "I'm vegetarian")
    # "Mom", "Dad", "Grandma" are the user's own, as "my mom" is; someone else's stays theirs.
    assert supersedes(
        "Mom sold the house in Phoenix and moved in with my aunt in Tucson.",
        "My mom lives in Phoenix",
    )
    assert supersedes("Dad finally retired from Boeing after 32 years.", "My dad works at Boeing")
    assert not supersedes("Mom's best friend moved to Tucson.", "My mom lives in Phoenix")
    assert not supersedes("My uncle retired from Boeing last year.", "My dad works at Boeing")
    # A pronoun stands for the person the sentence named first, of its gender.
    assert supersedes(
        "My sister went back to school and she's a physician assistant now.",
        "My sister is a nurse",
    )
    assert not supersedes(
        "My sister and her husband moved, he's a teacher now.", "My sister is a nurse"
    )
    assert not supersedes("My sister and her husband moved, he's a teacher now.", "I'm a nurse")
    # A thing that reaches a number changes; a thing of another owner, or no number, does not.
    assert supersedes("My credit score finally hit 720.", "My credit score is 640")
    assert supersedes("Latest A1C came back at 6.1.", "My A1C is 7.2")
    assert supersedes("Bumped my step goal up to 10k.", "My daily step goal is 8,000")
    assert not supersedes("My sister's savings just crossed $10,000.", "My savings are at $5,000")
    assert not supersedes("My credit card balance hit $3,000 this month.", "My credit score is 640")
    assert not supersedes(
        "my civic hit a pothole and now the tire's flat lol", "I drive a Honda Civic"
    )
    # A school year, teaching as work, a pet put down (not a child put down for a nap), a try.
    assert supersedes(
        "Emma started 4th grade this week, she loves her teacher.",
        "My daughter Emma is in 3rd grade",
    )
    assert supersedes("I teach at Roosevelt Middle School now.", "I work at Lincoln High")
    assert not supersedes("I teach yoga at the Y on Saturdays.", "I work at Google")
    assert supersedes("we had to put mochi down today. rip little guy", "I have a cat named Mochi")
    assert not supersedes("We put Max down for his nap early tonight.", "I have a dog named Max")
    assert not supersedes("Dad tried to quit smoking but started again.", "My dad is a smoker")
    # A phone's carrier is not the internet provider; "'s down to" is a value.
    assert not supersedes(
        "Switched carriers, phone bill is $45 a month now.", "My internet provider is Comcast"
    )
    assert supersedes("Switched carriers, I'm on Mint now", "My carrier is T-Mobile")
    assert supersedes("weight's down to 172 this morning!!", "my weight is 185")
    assert supersedes("sarah n i broke up last wk", "I'm dating Sarah")


def test_a_message_that_tells_then_asks_and_everyday_wording() -> None:
    # What a message tells before the question that ends it is read; the question is not.
    assert supersedes(
        "Hey! Sorry I've been quiet, we moved to Austin last month and it's been chaos. "
        "Anyway, can you help me find a pediatrician?",
        "I live in Chicago",
    )
    assert supersedes(
        "Got the promotion - salary's $97k now. Should I max out my 401k?",
        "My salary is $85,000",
    )
    assert not supersedes(
        "My brother just moved to Boise. Do you know any good movers there?", "I live in Denver"
    )
    assert not supersedes(
        "We're moving to Boise next spring. What should we know about the winters?",
        "I live in Denver",
    )
    assert not supersedes(
        "Do you think I should leave Google? I've had an offer from Meta.", "I work at Google"
    )
    # A prescriber's change of a drug is the patient's; the prescriber's own drug is not.
    assert supersedes(
        "FYI my doctor stopped the metformin and put me on Jardiance.", "I take metformin"
    )
    assert not supersedes("My doctor takes lisinopril too, funny coincidence.", "I take lisinopril")
    # Everyday wording: a last day, a house closed on, a car driven now (not a loaner), a span
    # smoke-free, a school year from kindergarten, plural subjects, a divorce, "moved to another".
    assert supersedes(
        "Last day at Stripe was Friday, starting at Figma on Monday.", "I work at Stripe"
    )
    assert not supersedes(
        "My last day at the beach was Sunday, back to Google tomorrow.", "I work at Google"
    )
    assert supersedes(
        "We finally closed on the house in Tacoma, moving day was Saturday.", "I live in Seattle"
    )
    assert supersedes(
        "The Corolla got totaled, I'm driving a RAV4 now.", "My car is a 2012 Corolla"
    )
    assert not supersedes(
        "My car's in the shop so I'm driving a loaner Jetta.", "I drive a Honda Civic"
    )
    assert supersedes("Three months smoke-free today!", "I smoke")
    assert not supersedes("My dad has been smoke-free for a year!", "I smoke")
    assert supersedes(
        "My daughter started first grade this fall.", "My daughter is in kindergarten"
    )
    assert supersedes("Team meetings moved to Wednesdays.", "The team meeting is on Tuesday")
    assert not supersedes("Team lunches moved to Wednesdays.", "The team meeting is on Tuesday")
    assert supersedes("Kate and I divorced last year.", "I'm married")
    assert not supersedes("My parents divorced last year.", "I'm married")
    # Moving to another is leaving for it; getting another is an addition.
    assert supersedes(
        "Switched to another gym, I go to the gym at Equinox now",
        "I go to the gym at Planet Fitness",
    )
    assert not supersedes("I got another dog, a beagle named Rex", "I have a dog named Max")
    # Work shifts, a notice handed in, a remarriage, a habit of going somewhere.
    assert supersedes("Finally moved to day shifts!", "I'm on the night shift at the hospital")
    assert supersedes("I'm off nights now, back to days", "I'm on the night shift")
    assert supersedes("They put me on nights starting next month, ugh.", "I'm on the day shift")
    assert not supersedes("Working a night shift tonight to cover for Jen.", "I'm on the day shift")
    assert not supersedes("On days when I'm off I sleep till noon.", "I'm on the night shift")
    assert not supersedes(
        "My roommate works nights so the apartment is quiet during the day.",
        "I work night shifts",
    )
    assert supersedes("Handed in my two weeks at Walmart today.", "I work at Walmart")
    assert supersedes("Got remarried in June to Daniel!", "I'm divorced")
    assert supersedes(
        "We've been going to Grace Community instead of St. Paul's since spring.",
        "I go to church at St. Paul's",
    )


def test_a_note_of_the_user_changed_in_a_chat_voice() -> None:
    # An agent's note about the user, then the user's own words.
    assert supersedes("Maria and I separated in the spring.", "User's spouse: Maria")
    assert not supersedes(
        "Maria and I celebrated our 10th anniversary in the spring.", "User's spouse: Maria"
    )
    assert supersedes(
        "My atorvastatin went up to 40mg after my last bloodwork.",
        "User takes atorvastatin 20mg daily.",
    )
    assert supersedes(
        "I'm done with keto, eating carbs again and feeling better.", "User follows a keto diet."
    )
    assert not supersedes("I'm off keto for the holidays", "User follows a keto diet.")
    assert supersedes(
        "I take the light rail to work now that parking went up.", "User commutes by car."
    )
    assert supersedes(
        "We rehomed Kiwi with a family that has more time for him.", "User has a parrot named Kiwi."
    )
    # "The drive was brutal" drives no car; "moved up to senior analyst" is no move.
    assert not supersedes("The drive to Raleigh was brutal", "I drive a Honda")
    assert not supersedes("Moved up to senior analyst in March", "I live in Denver")
    assert supersedes("Moved out to the suburbs last year", "I live in Chicago")
    # A home described is no home named.
    assert not supersedes(
        "My roommate works nights so the apartment is quiet during the day.", "I live in Portland"
    )
    assert supersedes("My apartment is in Brooklyn now", "I live in Portland")
    # A wedding by its idiom; daycare, preschool and kindergarten are stages of one school year.
    assert supersedes("Ben and I tied the knot in Maui last weekend!", "I'm engaged to Ben")
    assert not supersedes("Ben and I went to his cousin's wedding in Maui.", "I'm engaged to Ben")
    assert supersedes("My son started kindergarten this week.", "My son is in daycare")
    assert not supersedes("My son's daycare closed for a snow day.", "My son is in daycare")
    # One fact of several changed: what is kept stays, what ended ends.
    assert supersedes("My daughter quit soccer, my son still plays.", "My daughter plays soccer")
    assert not supersedes("My daughter quit soccer, my son still plays.", "My son plays soccer")
    assert not supersedes(
        "Quick update: new address is 12 Oak St; still at Acme, same phone.", "I work at Acme"
    )
    assert supersedes(
        "Quick update: new address is 12 Oak St; still at Acme, same phone.",
        "My address is 4 Elm Rd",
    )


def test_a_plan_carried_out_is_retired_and_nothing_else_retires_it() -> None:
    assert supersedes(
        "We moved to Denver last week, still unpacking.",
        "I'm planning to move to Denver this summer",
    )
    assert supersedes("I've been fully vegan for a month now!", "I'm considering going vegan")
    assert supersedes("Officially retired as of June 1st!", "I'm planning to retire next year")
    assert not supersedes(
        "My brother moved to Denver last week.", "I'm planning to move to Denver this summer"
    )
    assert not supersedes(
        "Visited Denver last week to look at neighborhoods.",
        "I'm planning to move to Denver this summer",
    )
    assert not supersedes(
        "We're moving to Denver in July, the movers are booked.",
        "I'm planning to move to Denver this summer",
    )
    assert not supersedes(
        "My boss just retired, so things are chaotic.", "I'm planning to retire next year"
    )
    # A stint already over carries a plan out, and leaves what held before it.
    assert supersedes(
        "Went vegan for Veganuary, back to normal now.", "I'm considering going vegan"
    )
    assert not supersedes("Went vegan for Veganuary, back to normal now.", "I'm vegetarian")


def test_an_instruction_to_the_assistant_changed_from_now_on() -> None:
    assert supersedes("Switch to imperial units please, I'm in the US now.", "Use metric units")
    assert supersedes(
        "Give me detailed answers from now on, with examples.", "I prefer short answers"
    )
    assert supersedes("Emojis are fine now, go ahead.", "Don't use emojis with me")
    assert supersedes("Switch the dashboard back to light mode.", "Use dark mode in the dashboard")
    assert supersedes(
        "Move my weekly summaries to Fridays from now on.", "I want weekly summaries on Mondays"
    )
    assert supersedes("My pronouns are they/them now.", "My preferred pronouns are she/her")
    # One occasion, another person, another thing, an addition, another aspect: no change.
    assert not supersedes("Convert this recipe to imperial units please.", "Use metric units")
    assert not supersedes(
        "Send reminders to my wife by text from now on.", "Send me reminders by email"
    )
    assert not supersedes("Switch my phone to dark mode.", "Use dark mode in the dashboard")
    assert not supersedes("Use dark mode in the editor too now.", "Use dark mode in the dashboard")
    assert not supersedes("Always reply in bullet points now.", "Reply to me in Spanish")
    assert not supersedes(
        "My partner's pronouns are they/them.", "My preferred pronouns are she/her"
    )
    # A question is no instruction, whatever it says of the future; a phone set to a mode is no
    # new number.
    assert not supersedes(
        "user: What can be done in future to increase the acceptance of AR in marketing. "
        "State the response based on the value map above",
        "user: What can be done in future to increase the acceptance of social media retail. "
        "State the response based on the value map above",
    )
    assert not supersedes("Switch my phone to dark mode.", "My phone number is 555-0134")


def test_the_language_or_units_of_answers_changed_in_an_agents_note_or_a_polite_request() -> None:
    assert supersedes("Please answer in English from now on.", "Prefers responses in Portuguese")
    assert supersedes(
        "Could you start answering me in English again? Technical stuff lands better.",
        "User's preferred language for replies: Spanish",
    )
    assert supersedes(
        "Can you give me temperatures in Fahrenheit and distances in miles from now on?",
        "User's preferred units: metric",
    )
    # One email translated, a language read besides, a recipe for someone else: no change.
    assert not supersedes(
        "Can you translate this email into English for my boss?",
        "User's preferred language for replies: Spanish",
    )
    assert not supersedes(
        "I can read Spanish too btw, so feel free to link Spanish docs",
        "Prefers responses in Portuguese",
    )
    assert not supersedes(
        "Can you give me that roasting temp in Fahrenheit? It's for my aunt's oven.",
        "User's preferred units: metric",
    )


LIFE_PAIRS = [
    # (old, new, retires): homes rented or owned, households, children, clubs, hair, offices,
    # carers by name, citizenships, browsers and handsets.
    ("I'm renting an apartment", "We bought a house last month", True),
    ("I'm renting an apartment", "We bought a house plant for the apartment", False),
    ("I'm renting a room in Camden", "Got the keys to our new place in Hackney today!", True),
    ("The user lives with roommates", "The user now lives alone", True),
    ("I live with my parents", "My brother lives alone", False),
    ("I have one child", "We had our second baby in May", True),
    ("I have one child", "My sister had her second baby in May", False),
    ("I'm a member of the Sierra Club", "I let my Sierra Club membership lapse", True),
    ("I'm a member of the Sierra Club", "I'm also a member of the Audubon Society", False),
    ("I'm a member of the chess club", "I left the chess club early last night", False),
    ("I go to the gym at Planet Fitness", "I cancelled my gym membership", True),
    ("My hair is long", "I cut my hair short last week", True),
    ("My hair is long", "I got my hair cut for the wedding photos, still long though", False),
    ("bob lazar doesnt have thick black hair", "bob lazar has light brown hair", False),
    ("User's insurer is UnitedHealthcare", "User's insurance switched to Cigna this year", True),
    ("I'm on the payments team", "My team switched to Jira for tickets", False),
    # A value corrected by "not", whatever attribute each text is read as; times of landing.
    ("I go by Liz", "Actually I prefer Elizabeth now, not Liz", True),
    ("I live in Chicago", "My sister works in Chicago, not Boston", False),
    ("My flight lands at 6pm", "Update, the flight now lands at 8:40pm because of a delay", True),
    ("My flight lands at 6pm", "My flight landed at 6:40pm yesterday, smooth trip", False),
    # What an agent notes the user told of someone else is that person's.
    ("The user lives in Chicago", "The user said Anna moved to Boston", False),
    (
        "The user's husband works at Google",
        "The user mentioned her husband now works at Apple",
        True,
    ),
    ("The user's dog is named Rocky", "The user mentioned Rocky passed away in May", True),
    ("I live with my parents", "I finally moved out! Got my own place in Oakland.", True),
    ("I bank with Wells Fargo", "Closed my Wells Fargo accounts, it's all at a credit union", True),
    ("I have two kids", "Baby number three arrived on Tuesday!", True),
    ("I rent a flat in Leeds", "We've bought our first house, in Harrogate", True),
    ("I practice yoga twice a week", "I'm doing yoga every day now", True),
    ("I practice yoga twice a week", "I did yoga three times this week", False),
    ("I go to the gym every morning", "I stopped going to the gym, I run outside instead", True),
    ("Hobby: rock climbing", "Stopped climbing after the shoulder injury", True),
    # What a person or a team is like names no one; a service is no home; one value of
    # several corrected leaves the others standing.
    ("I'm married to Chris", "Wife is 35 years old", False),
    ("I'm married to Chris", "User mentioned their partner is Christian", False),
    ("I'm on the payments team", "The user's team is fully remote", False),
    ("I live in Portland", "I cancelled Spotify and moved to Apple Music", False),
    ("I like jazz and hiking", "Honestly I'm into hip hop these days, not jazz", False),
    ("I like jazz", "Honestly I'm into hip hop these days, not jazz", True),
    ("I work from the Seattle office", "I transferred to the Denver office", True),
    ("I work from the Seattle office", "My manager works from the Denver office", False),
    ("My dentist is Dr. Patel", "I switched dentists, I see Dr. Nguyen now", True),
    ("I see Dr. Kim for therapy", "I stopped seeing Dr. Kim, it wasn't helping", True),
    ("My lawyer is Sarah Kim", "I fired my lawyer and hired Tom Reyes", True),
    ("My hairdresser is Tina", "I found a new barber, Marco, and I'm sticking with him", True),
    ("My therapist is Dr. Green", "My therapist is on vacation until the 20th", False),
    ("The user's dog is named Max", "The user's dog Max passed away", True),
    ("The user is Catholic", "The user converted to Judaism", True),
    ("The user is Catholic", "The user's fiancée converted to Judaism", False),
    ("I'm a British citizen", "I gave up my British citizenship when I moved", True),
    ("I'm a US citizen", "I'm applying for Irish citizenship", False),
    ("I use Chrome", "I switched browsers, Firefox now", True),
    ("I use Chrome as my browser", "I use Firefox at work", False),
    ("I use an Android phone", "I switched to an iPhone 15", True),
    ("I use an iPhone", "Switched to a standing desk last week", False),
    ("Allergic to peanuts", "I've outgrown my peanut allergy", True),
    ("I'm in the Pacific time zone", "I'm on Eastern time now since the move", True),
    ("I'm in the Pacific time zone", "I was in the best time of my life", False),
    ("My project deadline is Friday", "The deadline moved to next Wednesday", True),
    ("My deadline is Friday", "The deadline for the grant is next Wednesday", False),
    ("My budget for groceries is $400 a month", "We upped the grocery budget to $550", True),
    ("My mortgage rate is 6.8%", "Mortgage rates hit 7% this week.", False),
    ("I play guitar in a band", "I quit the band to focus on school", True),
    ("My daughter goes to Oak Elementary", "My daughter started at Jefferson Middle School", True),
    # Pets named after a count, pets lost, brand-named drugs, a prescriber's stop.
    ("We have two dogs, Rex and Bella", "Rex died last week, he was 14.", True),
    (
        "We have two dogs, Rex and Bella",
        "Bella ran away for an hour yesterday but came back",
        False,
    ),
    ("We have a golden retriever named Sunny", "We lost Sunny to cancer in March.", True),
    ("I take 50mg of Zoloft", "My doctor upped my Zoloft to 100mg", True),
    ("I take metformin", "I stopped by the clinic for my metformin refill", False),
    (
        "I take metformin",
        "FYI my doctor stopped the metformin and put me on Jardiance. Any side effects?",
        True,
    ),
    # Work done where, and how often.
    (
        "I work from home",
        "Company ended remote work, I'm back in the office five days a week.",
        True,
    ),
    ("I work in the office", "I worked from home today because of the snow", False),
    ("I work from home on Mondays", "My husband works from home now", False),
    ("The user runs three times a week", "The user is running five days a week now", True),
    ("I swim twice a week", "I swam three times this week", False),
    ("I meditate once a day", "My therapist meditates twice a day", False),
    ("User lives alone", "User moved in with girlfriend Ana", True),
    ("User is renting", "User and partner bought their first home", True),
    ("User is renting", "User is renting a car for the trip", False),
    # Family told by kin words, endings in progress, and endings that are no ending.
    ("My grandmother lives in Ohio", "Grandma lives with us in Texas now", True),
    ("My grandmother lives in Ohio", "My grandfather lives in Ohio", False),
    ("My husband works at Boeing", "My husband got laid off from Boeing in March", True),
    ("My brother is married to Kim", "My brother and Kim are divorcing", True),
    ("I'm married to Alex", "Alex and I are separating the laundry by color now lol", False),
    ("My grandpa drives a truck", "Grandfather had to give up driving this year", True),
    ("My father-in-law drives a Buick", "My father-in-law stopped driving to church", False),
    ("I have a cat named Milo", "milo passed this morning. 15 years", True),
    ("I have a cat named Milo", "Milo passed his vet checkup with flying colors", False),
    ("I live in Phoenix", "ok so we finally made the move to tucson lol", True),
    ("I live in Phoenix", "My neighbors made the move to Tucson", False),
]


NAMED_CHANGES = [
    ("I use Asana to track all my team's projects.", "fyi we ditched asana last month", True),
    ("User's team deploys on AWS", "the platform moved to GCP, our AWS account is closed", True),
    ("Frontend framework: React", "User's team migrated the frontend from React to Svelte", True),
    ("I take metformin 500mg twice a day.", "endo took me off metformin, I'm on Ozempic", True),
    (
        "User codes mainly in Python",
        "we rewrote it all in Go and I barely touch python anymore",
        True,
    ),
    (
        "Billing card on file: Visa ending 4417",
        "Customer replaced the billing card with a Mastercard",
        True,
    ),
    ("I drink coffee every morning", "I quit my coffee shop job", False),
    ("I smoke about a pack a day.", "my dad finally quit smoking after 40 years", False),
    ("I ride the train to work", "My train to work was cancelled this morning", False),
    ("i work at amazon", "my bf isn't at amazon anymore - he joined shopify", False),
    ("Maya: I'm using Figma for my design work", "Leo: I switched from Figma to Penpot", False),
    ("I use VS Code as my main editor.", "I never uninstalled VS Code", False),
    ("My cat is called Pickle.", "we renamed pickle to Admiral bc the kids insisted", True),
    ("User wants the weekly summary on Monday mornings", "User moved the summary to Friday", True),
    ("I sit at desk 4B on the third floor.", "we got relocated, my desk is 5C-12 now", True),
    ("I pay $1,850 a month in rent.", "the landlord bumped it, rent is $1,975 as of May", True),
    (
        "I have a dentist appointment on March 14",
        "my son's appointment got moved to the 21st",
        False,
    ),
    ("I sit at desk 4B on the third floor.", "my sister's desk is 5C now", False),
    ("I drink coffee every morning", "I quit my coffee shop job", False),
]
"""A value the user ends, or a thing of the old sentence moved or given a new value, whatever the
lexicon reads; and changes that are not the user's, not the old value's, or one occasion's."""


@pytest.mark.parametrize(("old", "new", "retires"), LIFE_PAIRS + NAMED_CHANGES)
def test_facts_of_a_life_beyond_the_first_lexicon(old: str, new: str, retires: bool) -> None:
    assert supersedes(new, old) is retires


RECALL_FLOOR = {
    "dev": 0.8,
    "test": 0.8,
    "fresh": 0.8,
    "holdout": 0.8,
    "varied": 0.65,
    "later": 0.85,
    "last": 0.8,
    "things": 0.9,
    "updates": 0.75,
    "updates-3": 0.8,
    "unseen-4": 0.7,
    "unseen-5": 0.55,
    "unseen-6": 0.75,
    "unseen-7": 0.8,
    "unseen-8": 0.7,
    "unseen-9": 0.7,
    "unseen-10": 0.7,
    "unseen-11": 0.85,
    "unseen-12": 0.85,
    "unseen-13": 0.5,
    "unseen-14": 0.8,
    "unseen-15": 0.6,
    "unseen-16": 0.75,
    "unseen-17": 0.65,
    "unseen-18": 0.35,
    "unseen-19": 0.4,
    "unseen-20": 0.85,
    "unseen-21": 0.75,
    "unseen-22": 0.65,
    "unseen-23": 0.6,
    "unseen-24": 0.75,
    "unseen-25": 0.6,
    "unseen-26": 0.4,
    "unseen-27": 0.65,
    "unseen-28": 0.35,
    "unseen-29": 0.65,
    "unseen-30": 0.3,
    "unseen-31": 0.6,
    "unseen-32": 0.9,
    "unseen-33": 0.9,
    "unseen-34": 0.85,
    "unseen-35": 0.9,
    "unseen-36": 0.4,
    "unseen-37": 0.7,
    "unseen-38": 0.65,
    "unseen-39": 0.85,
    "unseen-40": 0.85,
    "unseen-41": 0.8,
    "unseen-42": 0.9,
    "unseen-43": 0.85,
    "unseen-44": 0.8,
    "unseen-45": 0.75,
    "unseen-46": 0.9,
    "unseen-47": 0.8,
    "unseen-48": 0.85,
    "unseen-49": 0.6,
    "unseen-50": 0.65,
    "unseen-51": 0.4,
    "unseen-52": 0.65,
    "unseen-53": 0.65,
    "unseen-54": 0.7,
    "unseen-55": 0.3,
    "unseen-56": 0.6,
    "unseen-57": 0.2,
    "unseen-58": 0.3,
    "unseen-59": 0.45,
    "unseen-60": 0.3,
    "unseen-61": 0.9,
    "unseen-62": 0.9,
    "unseen-63": 0.7,
    "unseen-64": 0.9,
    "unseen-67": 0.7,
    "unseen-68": 0.65,
}
"""Recall each tuned split must keep. ``unseen``, ``unseen-2``, ``things-2``, ``updates-2``,
``unseen-65`` and ``unseen-66`` are scored by ``benchmarks/supersession.py``, not asserted, so
that nobody tunes on them;
``lookalike`` and ``unseen-3`` are asserted through the write path
(``test_supersession_write_path.py``): some of their look-alikes are told apart only by the
similarity a write passes."""


@pytest.mark.parametrize("split", list(RECALL_FLOOR))
def test_precision_and_recall_on_the_labelled_cases(split: str) -> None:
    cases = [c for c in CASES if c["split"] == split]
    decided = [
        (
            c["supersedes"],
            supersedes(c["new"], c["old"], new_type=c["new_type"], old_type=c["old_type"]),
        )
        for c in cases
    ]
    true_positives = sum(1 for expected, got in decided if expected and got)
    predicted = sum(1 for _, got in decided if got)
    relevant = sum(1 for expected, _ in decided if expected)
    assert true_positives / predicted >= 0.95
    assert true_positives / relevant >= RECALL_FLOOR[split]
    assert sum(1 for c in cases if not c["supersedes"]) / len(cases) >= 0.4
