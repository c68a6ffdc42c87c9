"""Every word list and threshold the pipeline shares, one copy of each.

The extractor, question routing, the answer checks and follow-up rewriting all read these.
Changing an entry the extractor uses changes what the ledger holds: bump
``EXTRACTOR_VERSION`` in ``rag/ledger/extract.py`` (a test checks that you did). Changing
``ABBREVIATIONS`` moves chunk boundaries: bump ``CHUNKER_VERSION`` in ``rag/ingest/chunk.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

# --- speech verbs --------------------------------------------------------------------------------

# Verbs that introduce what someone said (lemmas). The extractor cues quotes with them;
# "who <verb>ed …?" routes to the ledger; a passage "she <verb>ed" needs its context.
SPEECH_LEMMAS = frozenset(
    """say tell add state argue claim insist warn note explain write respond reply ask
    answer describe call suggest agree continue acknowledge announce declare predict
    believe think complain recall remark observe concede contend maintain stress emphasise
    emphasize caution urge tweet testify recount report confirm deny promise vow
    boast joke quip lament question wonder conclude assert allege charge counter accuse
    interject""".split()
)
# Verbs that are speech verbs with their particle ('pointed out that …', 'fired back').
PHRASAL_SPEECH_VERBS = frozenset({"point out", "fire back", "shoot back"})
# Speech verbs whose noun-phrase object is what was said ('announced his endorsement of …').
CONTENT_OBJECT_LEMMAS = frozenset("announce tweet explain note declare predict".split())
# What follows these is a question the speaker asked, not a claim they made.
NOT_STATEMENT_LEMMAS = frozenset({"ask", "question", "wonder"})
# With a gerund after them these say what someone did, not what they said ("continued
# recruiting volunteers", "described arriving at a gathering").
GERUND_NOT_SAID_LEMMAS = frozenset({"continue", "describe"})
# Conjunctions that open a clause of time, cause or condition ('after the senator won his
# primary, remarking …'): a participle after such a clause goes with the main one.
SUBORDINATORS = frozenset(
    "after before when while since because as although though if once until".split()
)
# Verbs by which a speaker puts out a text ('Sanders released a statement that accused …',
# 'the Post ran a piece that noted …'), and the texts that then speak for them: not a letter,
# a note or an email that police release, nor one someone cites or reads.
PUBLISHING_LEMMAS = frozenset("issue publish release run post send".split())
# Texts a person writes in the first person ('“I …”' after 'the letter reads' is the
# letter's), and the words of the first person singular.
PERSONAL_TEXT_NOUNS = frozenset("letter message note post tweet email e-mail memo blog".split())
FIRST_PERSON_WORDS = frozenset("I me my mine myself I'm I’m I've I’ve I'd I’d I'll I’ll".split())
OWN_TEXT_NOUNS = frozenset(
    "statement announcement press-release readout editorial piece column".split()
)
# A cue that opens with one of these, or holds a negation, is shown as the article writes it
# ('will say', 'did not explicitly say', 'never said'): the verb alone in the past tense would
# claim what the article does not.
HELPER_VERBS = frozenset(
    """will would shall should may might can could must do does did has have had won't
    wouldn't can't couldn't cannot didn't doesn't don't hasn't haven't hadn't""".split()
)
NEGATIONS = frozenset("not n't never cannot".split())
# Words that turn a statement around when a quotation drops or adds them (quote checking):
# negations, and the words that make it conditional or exclusive.
SENSE_NEGATIONS = frozenset("not never no nobody nothing none neither nor cannot".split())
SENSE_CONDITIONS = frozenset("if unless only except without until".split())
# Negations written inside a word that do not just add "n't" to it.
CONTRACTED_NEGATIONS = {"cannot": "can", "can't": "can", "won't": "will", "shan't": "shall"}
# A negation or condition this many words before a claimed fragment (in its clause), or a
# condition this many words after it (in its sentence), governs it ("exist as a state"
# cut from "would not exist as a state" drops the "not"); one word of
# a claim matched further than CHECK_LONE_GAP words from the rest is not part of it.
CHECK_SENSE_BEFORE, CHECK_SENSE_AFTER = 2, 3
# A word put in place of another turns the sense when the two lean opposite ways by VADER's
# valence lexicon (rag.text.polarity), each by at least this much ('triumph' 2.1 for
# 'disaster' -3.1, 'lose' -1.7 for 'win' 2.8; not 'fine' 0.8 for 'good' 1.9): the
# lexicon's mean rating, -4 to +4. Only one word for one word (rag.text.wording).
SENSE_MIN_VALENCE = 1.5
CHECK_LONE_GAP = 3
# How like a quotation (rapidfuzz partial ratio, 0–100) a passage of an article's earlier
# version must be to be what that version printed in its place (rag check's edits).
EDIT_MIN_SCORE = 70.0
# Chat questions route to the quote check from this many words of claim ("unacceptable"
# alone is a word, not a quotation to check).
CHECK_MIN_CLAIM_WORDS = 3
# "Did X say <words>?" asks about a topic, not reported words, when the words start so and
# no "that" clause follows: "anything about Germany", "whether it would work", "for a
# ceasefire" (did X call for …).
NOT_CLAIM_OPENERS = frozenset(
    """anything something nothing everything little much whether if what who whom whose how
    why when where which about on regarding concerning over for of""".split()
)
# Before the "that" of reported words, a few words that say when, where or to whom ("on
# Thursday that", "to The National that", ", in Brussels, that"): at most this many, from
# one of these words ("it was right that …" is the claim itself).
REPORTED_THAT_MAX_WORDS = 6
REPORTED_THAT_LEADS = frozenset("on to in at during after before yesterday".split())
# a claim no quotation matches by its words is compared by meaning with at most this many
# quotations (the claimed speaker's, or any), those sharing most of its words first.
CHECK_MEANING_ROWS = 64
# a claim no quotation matches by its words is looked for in this many passages (by their
# keywords): the ledger may lack a quotation an article prints
CHECK_PASSAGES = 8

# The verbs of questions about people's words, as they are asked. Matched in lower case only,
# so a name ("the State Department") is never taken for the verb. Every verb a who-question
# routes on is a form of a speech verb above (tests/test_lexicon.py), so the extractor cues
# what routing asks about.
WHO_QUESTION_VERBS = frozenset(
    """said says say saying stated states described describes called calls told tells wrote
    writes warned warns argued argues claimed claims added remarked tweeted insisted declared
    suggested predicted accused quipped promised vowed asked noted""".split()
)
WHAT_QUESTION_VERBS = frozenset(  # "what did X say/think/mean …?"
    """say said saying tell told think thought write wrote claim claimed argue argued mean
    meant comment comments add added""".split()
)
DID_QUESTION_VERBS = frozenset(  # "did X really say/claim …?"
    "say said claim tell call describe write state argue warn".split()
)
IS_TRUE_VERBS = frozenset(  # "is it true that X said …?": speech verbs only, past tense
    "said told stated claimed wrote warned argued declared tweeted insisted".split()
)
# A passage where a pronoun speaks ("…,” she added.") is shown with the sentence before it.
CONTEXT_VERBS = frozenset(
    """said says added adds told tells stated states argued argues agreed noted continued
    responded replied warned explained insisted wrote asked claimed suggested believes
    believed thinks thought considered called described""".split()
)
CONTEXT_PRONOUNS = frozenset("he she they".split())

_IRREGULAR = {
    "say": ("says", "said", "saying"),
    "tell": ("tells", "told", "telling"),
    "write": ("writes", "wrote", "writing", "written"),
    "think": ("thinks", "thought", "thinking"),
    "speak": ("speaks", "spoke", "speaking", "spoken"),
    "mean": ("means", "meant", "meaning"),
    "quip": ("quips", "quipped", "quipping"),
}


def verb_forms(lemma: str) -> tuple[str, ...]:
    """The lemma and its inflections: say → say, says, said, saying."""
    if lemma in _IRREGULAR:
        return (lemma, *_IRREGULAR[lemma])
    if lemma.endswith("y") and lemma[-2:-1] not in tuple("aeiou"):
        third, past, ing = lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"
    elif lemma.endswith("e"):
        stem = lemma if lemma.endswith("ee") else lemma[:-1]
        third, past, ing = lemma + "s", lemma + "d", stem + "ing"
    elif lemma.endswith(("s", "sh", "ch", "x")):
        third, past, ing = lemma + "es", lemma + "ed", lemma + "ing"
    else:
        third, past, ing = lemma + "s", lemma + "ed", lemma + "ing"
    return (lemma, third, past, ing)


# Every form of a known speech verb (and "speak") → its past tense: "says" → "said".
_PAST_OF = {
    form: verb_forms(lemma)[2] for lemma in SPEECH_LEMMAS | {"speak"} for form in verb_forms(lemma)
}
_PASTS = frozenset(_PAST_OF.values())


_SPEECH_FORMS = frozenset(form for lemma in SPEECH_LEMMAS for form in verb_forms(lemma))


def is_speech_form(word: str) -> bool:
    """True for any form of a speech verb, in lower case ('said', 'tweeted', 'asks')."""
    return word in _SPEECH_FORMS


def past_tense(verb: str) -> str:
    """'says' → 'said', 'tells' → 'told'; a verb this lexicon does not know is kept."""
    return _PAST_OF.get(verb.lower(), verb)


def is_past_form(verb: str) -> bool:
    """True for the past tense of a verb this lexicon knows ('said', 'wrote')."""
    return verb in _PASTS


def alternation(words: Iterable[str]) -> str:
    """A regex group matching any of ``words`` (longest first, so none is cut short)."""
    return "(?:" + "|".join(sorted(set(words), key=lambda w: (-len(w), w))) + ")"


# An attribution right after a quotation ('“…,” said Tom Hale, a campaign adviser'):
# at most this many words name the speaker; a dash before a name alone attributes
# ('“…” - Sanders.'); these prepositions may stand inside the speaker's noun phrase
# ('a spokesman for the campaign', 'Jason Gilbert of Cheyenne', 'a voice-over in the ad').
ADJACENT_MENTION_MAX_TOKENS = 10
ATTRIBUTION_DASHES = frozenset({"-", "–", "—", "--"})
# Verbs that say what a text says ('“…,” the email read'), cues only after a text.
TEXT_CUE_FORMS = frozenset({"read", "reads"})
MENTION_PREPOSITIONS = frozenset("of for at from in on".split())


# --- pronouns and words that are not speakers ----------------------------------------------------

# Pronouns that can stand for a speaker ("he said"); resolved to a named person.
SPEAKER_PRONOUNS = frozenset("he she they i we him her them".split())
# Pronouns that point back at one person in a follow-up question ("what did she say …").
PERSON_PRONOUNS = frozenset("he she him her his hers".split())
# Words that make a follow-up question depend on the conversation.
FOLLOW_UP_WORDS = PERSON_PRONOUNS | frozenset(
    "they them their it its that this those these there".split()
)
NOBODY = frozenset("nobody noone none nothing no-one everybody everyone".split())
# Nouns that can be the subject of "said" but are documents, not people.
NOT_PEOPLE = frozenset(
    """paper report document statement email e-mail study survey poll data letter newspaper
    article website site memo analysis filing record records figures release book video
    ad advert advertisement campaign blog post tweet lawsuit complaint ruling
    indictment verdict""".split()
)

# --- what can be a speaker (ledger speaker typing) -----------------------------------------------
# A speaker is a person, an organisation or outlet, a description of people or of a body
# ("a spokesman", "advisers", "the committee"), or a text that speaks for its authors ("the
# report", "an editorial"). Nouns are lemmas of the description's head word.

# Nouns that denote people and that the agent suffixes below do not catch.
PEOPLE_NOUNS = frozenset(
    """actress adult advocate agent aide ally analyst anchor anybody anyone appointee assistant
    associate attendee attorney author baby billionaire boss boy brother candidate ceo chair
    chief child citizen colleague commentator confidant conservative consultant contender
    correspondent counsel critic daughter defendant delegate democrat deputy detainee detective
    diplomat director donor doctor editor employee envoy everybody everyone executive expert
    family fan father figure friend gentleman girl governor guest guy head heavyweight host
    hawk husband immigrant independent insider journalist judge kid lady leader lawmaker
    liberal lieutenant man member migrant millionaire minister moderate mogul mother nominee
    official operative opponent participant partisan people person physician pollster president
    progressive prosecutor representative republican resident respondent secretary senator
    sergeant sister somebody someone son source speaker spokesperson staff staffer student
    supporter surgeon surrogate team teenager those tycoon user veteran voter wife witness
    woman""".split()
)
# Nouns for bodies of people: organisations, institutions, outlets and their parts.
BODY_NOUNS = frozenset(
    """administration agency alliance army assembly association authority bank board bureau
    broadcaster cabinet campaign caucus chamber channel church city coalition commission
    committee company congress council country county court delegation department directorate
    embassy firm foundation government group house institute institution league legislature
    magazine majority media ministry minority movement nation network newspaper office
    organisation organization outlet panel press parliament party pentagon police regime senate
    service side state station tabloid town tribunal union university""".split()
)
# Texts that speak for whoever wrote them.
DOCUMENT_NOUNS = NOT_PEOPLE | frozenset(
    """account announcement average biography caption column count editorial estimate excerpt
    headline message note notice petition piece press-release projection readout remark
    result return sign slogan summary suit tally textbook transcript voice-over""".split()
)
# Agent-noun endings ("adviser", "activist", "spokeswoman") and the nouns with those
# endings that are not people.
AGENT_SUFFIXES = tuple("er or ist ian man men woman women person crat geon".split())
NOT_AGENT_NOUNS = frozenset(
    """after answer border center centre chapter character color colour computer corner cover
    door either error factor favor favour filter floor honor honour horror humor humour
    indicator letter manner matter minor monitor motor never number offer order other paper
    poster power quarter rather register rumor rumour sector summer terror thriller trailer
    water whether winter""".split()
)
# Quantities of people ("59 percent", "a majority", "both", "some").
GROUP_WORDS = frozenset(
    """all another both dozen each few half many most none one others percent several share
    some third""".split()
)


# --- quotation marks -----------------------------------------------------------------------------

# (opening, closing) pairs, tried in this order. A single ‘ opens only where no letter is
# before it and ’ closes only where no letter follows (so "Trump’s" is an apostrophe).
QUOTE_PAIRS: tuple[tuple[str, str], ...] = (("“", "”"), ("''", "''"), ('"', '"'), ("‘", "’"))
QUOTE_MARKS = "“”\"'‘’"

# Titles before a name: dropped from canonical names ("Gen Sir Richard Barrons").
HONORIFICS = frozenset(
    """mr mrs ms miss dr sir dame lord lady gen general lt col colonel maj major capt captain
    adm admiral sgt president vice prime minister senator sen rep representative gov governor
    mayor judge justice prof professor rev father sister brother king queen prince princess
    chancellor secretary ambassador commissioner chief director""".split()
)

# Titles that only ever stand right before a name: cut from the end of a role ("… adviser Sir").
NAME_PREFIX_TITLES = frozenset("sir dame lord lady mr mrs ms dr".split())

# Courtesy titles claim nothing about a person: an answer may add or drop them.
COURTESY_TITLES = frozenset("mr mrs ms miss".split())
# Titles that tell a man from a woman: which of two Clintons "Mrs. Clinton" is.
MEN_TITLES = frozenset("mr mister sir lord".split())
WOMEN_TITLES = frozenset("mrs ms miss missus dame lady madam madame".split())

# Abbreviated titles and what they abbreviate: "Gen Barrons" is "General … Barrons".
TITLE_FORMS = {
    "gen": "general",
    "lt": "lieutenant",
    "col": "colonel",
    "maj": "major",
    "capt": "captain",
    "adm": "admiral",
    "sgt": "sergeant",
    "sen": "senator",
    "rep": "representative",
    "gov": "governor",
    "prof": "professor",
    "rev": "reverend",
    "dr": "doctor",
    "pres": "president",
}

NUMBER_WORDS = {
    "zero": "0",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
}
"""Number words and their digits ("one" is left out: "one of them" claims no number)."""

NUMBER_SCALES = {"bn": "billion", "m": "million", "k": "thousand", "tn": "trillion"}

# --- thresholds ----------------------------------------------------------------------------------

# A quote of this many words or fewer is a scare quote: it answers "who said '…'" only when
# the question quotes exactly those words.
SCARE_QUOTE_MAX_WORDS = 2
# A record's quote shorter than the question's quoted words answers it only when it has at
# least this many words (enough to identify the quote).
IDENTIFY_MIN_WORDS = 4
# The ledger's model step asks about unattributed quotations of more than this many words
# only: a short phrase in quotation marks is as often the reporter's as anyone's.
MODEL_STEP_MIN_WORDS = 4
# Quoted words match a text verbatim (normalised), or else near-verbatim: a fuzzy alignment
# score (0-100) at least this, for words long enough to align (a typo, a changed mark).
NEAR_VERBATIM_MIN_SCORE = 90.0
NEAR_VERBATIM_MIN_CHARS = 15
# A question's words naming an article's title, fuzzily (keyword search's title scoping).
TITLE_MATCH_MIN_SCORE = 90.0
# A model reply that paraphrases the abstain wording ("The articles don't say").
ABSTAIN_MATCH_MIN_SCORE = 90.0
# Two spellings of one name ("Barrons" / "Barons"): fuzzy ratio at least this.
NAME_SPELLING_MIN_SCORE = 90.0
# Short forms of first names that write the same person ("Chuck Grassley", "Charles
# Grassley"): short form → the full one.
NICKNAMES = {
    "bill": "william", "will": "william", "billy": "william", "bob": "robert",
    "rob": "robert", "bobby": "robert", "chuck": "charles", "charlie": "charles",
    "mike": "michael", "jim": "james", "jimmy": "james", "joe": "joseph", "tom": "thomas",
    "dick": "richard", "rick": "richard", "ted": "edward", "ed": "edward", "dan": "daniel",
    "dave": "david", "tony": "anthony", "chris": "christopher", "nick": "nicholas",
    "steve": "stephen", "liz": "elizabeth", "beth": "elizabeth", "kate": "katherine",
    "jon": "jonathan", "matt": "matthew", "pat": "patrick", "sam": "samuel", "ben": "benjamin",
    "alex": "alexander", "andy": "andrew", "greg": "gregory", "jeff": "jeffrey",
    "larry": "lawrence", "pete": "peter", "ron": "ronald", "don": "donald",
}  # fmt: skip
# Titles written out in full ("Mister Rogers"), dropped when names are compared (the
# extractor's HONORIFICS hold the short forms).
SPELT_OUT_TITLES = frozenset("mister missus madam madame".split())
# Lower-case words inside people's names ("Ursula von der Leyen", "Luiz Inácio Lula da Silva").
NAME_PARTICLES = frozenset(
    "de del della der di da das do dos du la le van von bin ibn al el".split()
)
# A word of the question that is a close spelling of a passage word (the name gate).
NAME_SIMILARITY_MIN_SCORE = 85.0
# A web page with fewer words of main text is not an article (a paywall stub, an index page,
# a page that scripts fill in); nor is one whose text is mostly the texts of its links.
WEB_ARTICLE_MIN_WORDS = 60
WEB_LINK_TEXT_MAX_SHARE = 0.5

# --- keyword search ------------------------------------------------------------------------------

# Words that carry no topic: dropped from documents (a short list, as Lucene does) and,
# with the wording of questions ("who said", "according to the article"), from queries.
DOC_STOPWORDS = frozenset(
    """
    a an and are as at be but by for if in into is it no not of on or such that the their
    then there these they this to was will with
    """.split()
)
QUERY_STOPWORDS = DOC_STOPWORDS | frozenset(
    """
    about after all also am any been before being both can could did do does doing during
    each from had has have having he her here hers him his how i its just me more most my
    now only other our out over own same she should so some than them those through too
    under until up very we were what when where which while who whom why would you your say
    says said saying tell told according article articles quote quoted mention mentioned
    describe described
    """.split()
)

# --- sentences and names in questions ----------------------------------------------------------

# A full stop after these is not the end of a sentence ("Mr.", "U.S.", "Jan.").
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr gen sen rep gov lt col sgt capt cmdr adm maj prof st jr sr inc co corp ltd
    no vs etc fig jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e rev
    hon pres supt det insp messrs mt ft approx dept est
    """.split()
)

# Capitalised words of a question that are not names.
NOT_NAMES_IN_QUESTIONS = frozenset(
    """
    who what when where why how which whom whose did does do is are was were has have had
    according said say says i the a an in on of and or to for about monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august
    september october november december
    """.split()
)
