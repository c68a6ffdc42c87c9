"""Word lists shared by the extractor and the answer checks (one copy of each)."""

from __future__ import annotations

# Titles before a name: dropped from canonical names ("Gen Sir Richard Barrons").
HONORIFICS = frozenset(
    """mr mrs ms miss dr sir dame lord lady gen general lt col colonel maj major capt captain
    adm admiral sgt president vice prime minister senator sen rep representative gov governor
    mayor judge justice prof professor rev father sister brother king queen prince princess
    chancellor secretary ambassador commissioner chief director""".split()
)

# Courtesy titles claim nothing about a person: an answer may add or drop them.
COURTESY_TITLES = frozenset("mr mrs ms miss".split())

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

# A quote of this many words or fewer is a scare quote: it answers "who said '…'" only when
# the question quotes exactly those words.
SCARE_QUOTE_MAX_WORDS = 2
# A record's quote shorter than the question's quoted words answers it only when it has at
# least this many words (enough to identify the quote).
IDENTIFY_MIN_WORDS = 4
# Near-verbatim: fuzzy alignment score (0-100) for quoted words with a typo or a changed mark.
FUZZY_MIN_SCORE = 90.0
