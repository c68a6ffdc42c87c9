"""Hard cases for the optional model step: quotations the rules leave without a speaker (more
than ``MODEL_STEP_MIN_WORDS`` words), each with the mentions that could have said it, from
its paragraph and the one before.

Quotations whose speaker the rules took from a pronoun or from the quotation before, with
someone else quoted nearby ("two competing candidates"), are not asked about: on both dev
sets the model's answers there replaced more right speakers than wrong ones
(docs/evaluation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.ledger.parsed import quotations_of
from rag.ledger.speakers import People
from rag.lexicon import MODEL_STEP_MIN_WORDS
from rag.types import Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc

MAX_CANDIDATES = 6


@dataclass(frozen=True)
class Candidate:
    """Someone who could have said a quotation: the name as the ledger would record it, and
    where the article writes it."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class HardCase:
    """A ledger row the rules could not settle, with its context and candidates."""

    row: int  # index into the article's rows
    context: tuple[int, int]  # the paragraph before the quotation's, and its own
    candidates: tuple[Candidate, ...]


def context_of(text: str, start: int) -> tuple[int, int]:
    """The paragraph holding ``start`` and the non-empty one before it."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    own = text.rfind("\n", 0, start) + 1
    before = own - 1
    while before > 0 and text[before - 1] in "\n \t":
        before -= 1
    first = text.rfind("\n", 0, before) + 1 if before > 0 else own
    return first, end


def find_hard_cases(text: str, doc: Doc, rows: Sequence[Quote]) -> list[HardCase]:
    """The rows of one article that the model step should settle."""
    people = People.of(doc)
    quoted = [range(a, b) for a, b in quotations_of(doc)]
    cases = []
    for i, row in enumerate(rows):
        if row.method != "unattributed" or len(row.quote.split()) <= MODEL_STEP_MIN_WORDS:
            continue
        if any(o.described_in(row.start, row.end) is not None for o in rows):
            continue  # a title in someone's description ('a co-author of “…”'): nobody said it
        context = context_of(text, row.start)
        candidates = _candidates(doc, people, quoted, rows, context, row)
        if candidates:
            cases.append(HardCase(i, context, tuple(candidates)))
    return cases


def _candidates(
    doc: Doc,
    people: People,
    quoted: Sequence[range],
    rows: Sequence[Quote],
    context: tuple[int, int],
    row: Quote,
) -> list[Candidate]:
    """People named in the context outside quotations, and the speakers of the context's
    other rows ("a spokesman", "the committee"); the ones nearest the quotation first.
    Organisations and places named only in passing are left out: offered them, the model
    chose them wrongly more often than rightly."""
    found: dict[str, tuple[int, Candidate]] = {}  # name → (where mentioned here, candidate)
    span = doc.char_span(*context, alignment_mode="expand")
    for ent in span.ents if span is not None else ():
        if ent.label_ == "PERSON" and not any(ent.start_char in r for r in quoted):
            who = people.person(ent.start_char, ent.end_char)  # span: the name in full
            if who.name:
                found.setdefault(
                    who.name.lower(), (ent.start_char, Candidate(who.name, *who.name_span))
                )
    for other in rows:
        if other.speaker and context[0] <= other.start < context[1]:
            named = other.speaker_end > other.speaker_start
            start = other.speaker_start if named else other.start
            found.setdefault(
                other.speaker.lower(),
                (start, Candidate(other.speaker, start, other.speaker_end if named else start)),
            )
    nearest = sorted(found.values(), key=lambda f: abs(f[0] - row.start))
    return [candidate for _, candidate in nearest[:MAX_CANDIDATES]]
