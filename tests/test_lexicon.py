"""The one lexicon: verb forms, the words every layer shares, and the extractor's version."""

from __future__ import annotations

import pytest

from rag.answer.compose import reported_verb
from rag.answer.messages import needs_context
from rag.ledger.extract import EXTRACTOR_VERSION, inputs_digest
from rag.ledger.intent import parse_intent
from rag.lexicon import SPEECH_LEMMAS, WHO_QUESTION_VERBS, past_tense, verb_forms
from rag.text.quotations import quoted_spans, without_quotations

# The digest of the extractor's inputs for each EXTRACTOR_VERSION. A change to a lexicon entry
# the extractor reads must come with a new version (and a new line here), so that every
# article is re-extracted on its next ingest. A change to the rules alone bumps the version
# too; its digest then repeats the one before.
DIGESTS = {
    8: "0a61eb16ba3287b1",
    9: "f7ce592ffbc46570",
    10: "f7ce592ffbc46570",
    11: "f7ce592ffbc46570",
    12: "f88b295cd996e0ec",
    13: "f88b295cd996e0ec",
    14: "83e222271f8201fe",
    15: "83e222271f8201fe",
    16: "3005bd5e711ae44a",
    17: "de50ec56ca7cb843",
    18: "ee125bcd172253ff",
    19: "ee125bcd172253ff",
    20: "ee125bcd172253ff",
    21: "514dc7f699d18879",
    22: "514dc7f699d18879",
    23: "514dc7f699d18879",
    24: "514dc7f699d18879",
    25: "514dc7f699d18879",
    26: "514dc7f699d18879",
    27: "514dc7f699d18879",
    28: "514dc7f699d18879",
    29: "514dc7f699d18879",
    30: "fb4b4d79a086be76",
    31: "16ecdadccb73f24b",
    32: "16ecdadccb73f24b",
    33: "16ecdadccb73f24b",
    34: "16ecdadccb73f24b",
    35: "16ecdadccb73f24b",
    36: "a922e19acf05bb93",
    37: "a922e19acf05bb93",
    38: "a922e19acf05bb93",
    39: "30fd0e824ba96b75",
    40: "85e636f699392f5e",
    41: "85e636f699392f5e",
    42: "b9cfaa8021a0eeb9",
    43: "b9cfaa8021a0eeb9",
    44: "5eaca78bbc63cce8",
    45: "38865d10e82f1116",
    46: "38865d10e82f1116",
    47: "38865d10e82f1116",
    48: "38865d10e82f1116",
}


def test_a_change_to_the_extractors_inputs_bumps_its_version() -> None:
    assert EXTRACTOR_VERSION in DIGESTS, "record the digest of the new EXTRACTOR_VERSION"
    assert inputs_digest() == DIGESTS[EXTRACTOR_VERSION], (
        "the lexicon entries or quotation rule the extractor reads changed: bump "
        "EXTRACTOR_VERSION in rag/ledger/extract.py and record the new digest in DIGESTS"
    )


@pytest.mark.parametrize(
    ("lemma", "forms"),
    [
        ("say", ("say", "says", "said", "saying")),
        ("reply", ("reply", "replies", "replied", "replying")),
        ("agree", ("agree", "agrees", "agreed", "agreeing")),
        ("stress", ("stress", "stresses", "stressed", "stressing")),
        ("write", ("write", "writes", "wrote", "writing", "written")),
    ],
)
def test_verb_forms(lemma, forms) -> None:
    assert verb_forms(lemma) == forms


def test_past_tense_of_known_forms_only() -> None:
    assert [past_tense(v) for v in ("says", "telling", "warns", "posted")] == [
        "said",
        "told",
        "warned",
        "posted",
    ]
    assert reported_verb("warns") == "warned"
    assert reported_verb("according to") == "said"
    assert reported_verb("told The National") == "told The National"


def test_the_extractor_and_question_routing_share_the_speech_verbs() -> None:
    # Before one lexicon, "who accused …" routed to the ledger but the extractor had no
    # "accuse": every verb a who-question routes on is one the extractor cues quotes with.
    extractor_forms = {f for lemma in SPEECH_LEMMAS for f in verb_forms(lemma)}
    assert extractor_forms >= WHO_QUESTION_VERBS
    intent = parse_intent("Who accused the minister of lying?")
    assert intent.kind == "who_said"
    assert needs_context("“We will not back down,” she insisted.")


def test_a_name_is_never_taken_for_the_verb_of_a_question() -> None:
    intent = parse_intent("Did the State Department say the talks had failed?")
    assert intent.kind == "did_say"
    assert intent.speaker == "the State Department"
    intent = parse_intent("What did the State Department say about the ceasefire?")
    assert (intent.kind, intent.speaker) == ("what_said", "the State Department")


def test_the_words_of_an_article_title_are_never_the_question() -> None:
    intent = parse_intent(
        'What did Josh Lane say in the article "Senator Under Pressure To Drop General Who '
        'Called For Camps"?'
    )
    assert (intent.kind, intent.speaker) == ("what_said", "Josh Lane")
    intent = parse_intent('According to the article "Who Said What", who said the plan failed?')
    assert (intent.kind, intent.content) == ("who_said", "the plan failed")


def test_one_rule_for_quotation_marks() -> None:
    text = "Trump’s aide said ‘no deal’ and “not now”, then ''maybe'' and \"later\"."
    assert [q.text for q in quoted_spans(text)] == ["no deal", "not now", "maybe", "later"]
    # An apostrophe is not a quotation mark, in answers as in questions.
    assert quoted_spans("The candidates’ plans and Trump’s", single_words=True) == []
    # A single word in single quotes is a term in an answer, a quotation in a question.
    assert quoted_spans("He called the plan ‘reckless’.") == []
    assert [q.text for q in quoted_spans("Who said ‘reckless’?", single_words=True)] == ["reckless"]
    assert without_quotations("He said “x y” twice.") == "He said   twice."
