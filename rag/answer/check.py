"""Checking a quotation as someone gives it against the ledger: was it said, by whom, and
in those words. One verdict from a closed set, with the rows that show it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from rag.ledger.read import Ledger, LedgerRow
from rag.lexicon import CHECK_MIN_OVERLAP, CHECK_MIN_SIMILARITY
from rag.text.normalise import tokenize
from rag.text.wording import WordingDiff, compare_wording, wording_words
from rag.types import Quote

Verdict = Literal["verbatim", "reworded", "cut", "misattributed", "not_found"]


@dataclass(frozen=True)
class CheckEvidence:
    """A ledger row the verdict rests on, and how the claim differs from its words."""

    quote: Quote  # article text[start:end] is the row's quotation
    diff: WordingDiff  # the claim against the words of the row it lines up with


@dataclass(frozen=True)
class QuoteCheck:
    """The verdict on one claimed quotation."""

    verdict: Verdict
    claim: str
    speaker: str  # who the claim gives the words to ('' when nobody)
    evidence: tuple[CheckEvidence, ...]
    searched_rows: int
    searched_articles: int


def check_quote(
    ledger: Ledger,
    claim: str,
    speaker: str = "",
    article_ids: Sequence[str] = (),
    min_similarity: float = CHECK_MIN_SIMILARITY,
) -> QuoteCheck:
    """The verdict on ``claim`` (given to ``speaker``, if named) from the ledger's rows."""
    rows = ledger.quotes(article_ids=article_ids)
    wanted, said = set(tokenize(claim, query=True)), " ".join(wording_words(claim))
    scored = sorted(
        (
            (c.diff.similarity, c)
            for c in (_candidate(claim, wanted, said, row) for row in rows)
            if c is not None and c.diff.similarity >= min_similarity
        ),
        key=lambda pair: (-pair[0], pair[1].quote.date, pair[1].quote.article_id),
    )

    def result(verdict: Verdict, evidence: Sequence[CheckEvidence]) -> QuoteCheck:
        articles = len({r.quote.article_id for r in rows})
        return QuoteCheck(verdict, claim, speaker, tuple(evidence), len(rows), articles)

    if not scored:
        return result("not_found", [])
    best = scored[0][0]
    closest = [c for score, c in scored if score == best]
    if speaker:
        names = set(ledger.find_speaker(speaker, article_ids))
        theirs = [c for _, c in scored if c.quote.speaker in names]
        if not theirs:
            return result("misattributed", closest)
        closest = [c for c in theirs if c.diff.similarity == theirs[0].diff.similarity]
    return result(_verdict(claim, closest[0]), closest)


def _candidate(claim: str, wanted: set[str], said: str, row: LedgerRow) -> CheckEvidence | None:
    """The row as evidence for the claim (``wanted``: its search tokens, ``said``: its
    compared words): the claim against the part of the row's words it lines up with (a claim
    may quote a fragment), or None when they share too few words."""
    if not wanted or len(wanted & row.tokens) / len(wanted) < CHECK_MIN_OVERLAP:
        return None
    printed = " ".join(wording_words(row.quote.quote))
    aligned = fuzz.partial_ratio_alignment(said, printed)
    window = printed
    if aligned is not None and len(printed) > len(said):
        window = _whole_words(printed, aligned.dest_start, aligned.dest_end)
    return CheckEvidence(row.quote, compare_wording(claim, window))


def _whole_words(text: str, start: int, end: int) -> str:
    """text[start:end] widened to whole words."""
    while start > 0 and text[start - 1] != " ":
        start -= 1
    while end < len(text) and text[end] != " ":
        end += 1
    return text[start:end]


def _verdict(claim: str, evidence: CheckEvidence) -> Verdict:
    """Verbatim, cut (only words left out, and the sense turned) or reworded."""
    if evidence.diff.cut and evidence.diff.sense_changed:
        return "cut"
    if not evidence.diff.verbatim:
        return "reworded"
    whole = compare_wording(claim, evidence.quote.quote)
    return "cut" if whole.cut and whole.sense_changed else "verbatim"
