"""Speaker typing: what kind of thing a cue's subject is. Only a person, an organisation or
outlet, a description of people or of a body, or a text that speaks for its authors can be a
speaker; "the move", "it" or "the notion that …" cannot, and their quotes are left for the
model step or unattributed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from rag.ledger.parsed import text_of
from rag.lexicon import (
    AGENT_SUFFIXES,
    BODY_NOUNS,
    DOCUMENT_NOUNS,
    GROUP_WORDS,
    NOT_AGENT_NOUNS,
    PEOPLE_NOUNS,
    SPEAKER_PRONOUNS,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

SpeakerType = Literal["person", "organisation", "people", "document"]

ORGANISATION_LABELS = ("ORG", "NORP", "GPE", "FAC")  # spaCy entity labels of bodies


def speaker_type(mention: Span, head: Token) -> SpeakerType | None:
    """The type of the speaker whose mention is ``mention`` with head word ``head``, or
    ``None`` when it is none of the kinds that can speak."""
    label = next((e.label_ for e in mention.ents if e.start <= head.i < e.end), "")
    if label == "PERSON" or head.lower_ in SPEAKER_PRONOUNS:
        return "person"
    if label in ORGANISATION_LABELS:
        return "organisation"
    capitalised = head.text[:1].isupper() and not head.is_sent_start
    if head.pos_ == "PROPN" or capitalised or written_as_name(head):  # 'Hannity', tagged NN
        return "person" if any(e.label_ == "PERSON" for e in mention.ents) else "organisation"
    if any(c.dep_ == "appos" and c.ent_type_ == "PERSON" for c in head.children):
        return "person"  # "a spokesman, John Smith,"
    if text_of(mention.doc)[mention.start_char : head.idx + len(head)].lower().endswith("year-old"):
        return "people"  # "the 46-year-old"
    if is_proportion(head):
        return "people"  # "six in 10", "nine out of 10"
    return noun_type(head.lemma_.lower(), _hyphenated(head).lower())


def written_as_name(tok: Token) -> bool:
    """True for a capitalised word that its article also writes capitalised inside a
    sentence (not in a headline, where every word is) and never in lower case: a name,
    whatever the tagger made of it."""
    if not tok.text[:1].isupper():
        return False
    doc = tok.doc
    names = doc.user_data.get("rag_name_words")
    if names is None:
        headline = headline_end(doc)
        lower = {t.lower_ for t in doc if t.text[:1].islower()}
        names = doc.user_data["rag_name_words"] = frozenset(
            t.text
            for t in doc
            if t.idx > headline
            and t.text[:1].isupper()
            and not t.is_sent_start
            and t.lower_ not in lower
        )
    return tok.text in names


def headline_end(doc: Doc) -> int:
    """Where the article's first line, its headline, ends (-1 when it has one line)."""
    return text_of(doc).find("\n")


def is_proportion(head: Token) -> bool:
    """True for the head of "six in 10" (10, quantified by "six in") or of "nine out of 10"
    (nine, with "out of 10"): a share of the people asked."""
    if head.pos_ != "NUM":
        return False
    kids = list(head.children)
    if any(k.lower_ == "in" and k.dep_ == "quantmod" for k in kids) and any(
        k.pos_ == "NUM" and k.dep_ == "quantmod" for k in kids
    ):
        return True
    out = next((k for k in kids if k.lower_ == "out" and k.dep_ == "prep"), None)
    of = next((k for k in out.children if k.lower_ == "of"), None) if out is not None else None
    return of is not None and any(k.pos_ == "NUM" for k in of.children)


def _hyphenated(head: Token) -> str:
    """The head with the words a hyphen joins to it before ('voice-over' for 'over')."""
    start = head.i
    doc = head.doc
    while (
        start >= 2
        and doc[start - 1].text == "-"
        and not doc[start - 1].whitespace_
        and not doc[start - 2].whitespace_
    ):
        start -= 2
    return doc[start : head.i + 1].text


def noun_type(lemma: str, word: str = "") -> SpeakerType | None:
    """The type a description's head noun gives it: ``people`` for "adviser", "critics",
    "59 percent"; ``organisation`` for "the committee"; ``document`` for "the report"."""
    forms = {lemma, word or lemma}
    if forms & BODY_NOUNS:
        return "organisation"
    if forms & (PEOPLE_NOUNS | GROUP_WORDS):
        return "people"
    if forms & DOCUMENT_NOUNS:
        return "document"
    if not forms & NOT_AGENT_NOUNS and any(
        f.endswith(AGENT_SUFFIXES) and len(f) > 4 for f in forms
    ):
        return "people"
    return None
