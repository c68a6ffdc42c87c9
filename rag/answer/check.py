"""Checking a quotation as someone gives it against the ledger: was it said, by whom, and
in those words. One verdict from a closed set, with the rows that show it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from rag.answer.provenance import Carrier, carriers
from rag.ledger.read import Ledger, LedgerRow
from rag.lexicon import (
    CHECK_MEANING_ROWS,
    CHECK_SENSE_AFTER,
    CHECK_SENSE_BEFORE,
    SENSE_CONDITIONS,
)
from rag.settings import Settings
from rag.text.normalise import tokenize
from rag.text.wording import (
    WordingDiff,
    aligned_range,
    compare_words,
    negation,
    sense_words,
    wording_words,
)
from rag.types import Quote

Verdict = Literal["verbatim", "reworded", "cut", "misattributed", "not_found"]
Meaning = Callable[[str, Sequence[str]], Sequence[float]]
"""Cosine similarity of meaning of a claim to each of some texts (the index's embedder)."""


@dataclass(frozen=True)
class CheckThresholds:
    """How close a ledger quotation must be to count (Settings.check_*)."""

    min_overlap: float  # share of the claim's words a quotation must hold to be compared
    min_similarity: float  # word similarity from which it is the claim's original
    min_meaning: float  # similarity of meaning from which it is, when too few words match
    min_nearest: float  # from which a not-found claim's closest quotation is shown

    @classmethod
    def of(cls, settings: Settings) -> CheckThresholds:
        return cls(
            settings.check_min_overlap,
            settings.check_min_similarity,
            settings.check_min_meaning,
            settings.check_min_nearest,
        )


@dataclass(frozen=True)
class CheckEvidence:
    """A ledger row the verdict rests on, and how the claim differs from its words."""

    row: LedgerRow  # article text[row.quote.start:row.quote.end] is its quotation
    diff: WordingDiff  # the claim against the words of the row it lines up with
    meaning: float | None = None  # similarity of meaning, when found by meaning, not words

    @property
    def quote(self) -> Quote:
        return self.row.quote

    def closeness(self) -> str:
        """'word similarity 0.44, meaning similarity 0.76', as the CLI and the page say it."""
        close = f"word similarity {self.diff.similarity:.2f}"
        if self.meaning is not None:
            close += f", meaning similarity {self.meaning:.2f}"
        return close


@dataclass(frozen=True)
class QuoteVerdict:
    """The verdict on one claimed quotation."""

    verdict: Verdict
    claim: str
    speaker: str  # who the claim gives the words to ('' when nobody)
    evidence: tuple[CheckEvidence, ...]
    searched_rows: int
    searched_articles: int
    nearest: tuple[CheckEvidence, ...] = ()  # not found: the closest quotation, by meaning
    # Every article (of those searched) printing the quotation found by its words, earliest
    # first: the evidence's and those as close to its words (none when found by meaning).
    carriers: tuple[Carrier, ...] = ()

    @property
    def shown(self) -> tuple[CheckEvidence, ...]:
        """The quotations an answer states: the evidence, or the nearest when not found."""
        return (*self.evidence, *self.nearest)

    @property
    def article_ids(self) -> list[str]:
        """The articles of the quotations shown and of the earliest carrier, sorted."""
        first = [c.quote.article_id for c in self.carriers[:1]]
        return sorted({*(e.quote.article_id for e in self.shown), *first})

    def to_public_dict(self) -> dict[str, object]:
        """The stable JSON shape printed by ``rag check --json``."""
        return {
            "verdict": self.verdict,
            "claim": self.claim,
            "speaker": self.speaker,
            "evidence": [_public(e) for e in self.evidence],
            "nearest": [_public(e) for e in self.nearest],
            "carriers": [_carrier(c) for c in self.carriers],
            "searched": {"quotations": self.searched_rows, "articles": self.searched_articles},
        }


def _public(e: CheckEvidence) -> dict[str, object]:
    return {
        "article_id": e.quote.article_id,
        "start": e.quote.start,
        "end": e.quote.end,
        "quote": e.quote.quote,
        "speaker": e.quote.speaker,
        "date": e.quote.date,
        "source": e.quote.source,
        "diff": {
            "similarity": round(e.diff.similarity, 3),
            "meaning_similarity": None if e.meaning is None else round(e.meaning, 3),
            "changes": _changes(e.diff),
            "sense_changed": list(e.diff.sense_words),
        },
    }


def _carrier(c: Carrier) -> dict[str, object]:
    return {
        "article_id": c.quote.article_id,
        "start": c.quote.start,
        "end": c.quote.end,
        "quote": c.quote.quote,
        "speaker": c.quote.speaker,
        "date": c.quote.date,
        "source": c.quote.source,
        "wording": _changes(c.wording),  # 'claimed': this article's words; 'original': the first's
        "edits": [
            {
                "replaced": e.replaced,
                "earlier": e.earlier,
                "changes": _changes(e.diff) if e.diff is not None else [],
            }
            for e in c.edits
        ],
    }


def _changes(diff: WordingDiff) -> list[dict[str, str]]:
    return [{"kind": c.kind, "claimed": c.claimed, "original": c.original} for c in diff.changes]


def check_quote(
    ledger: Ledger,
    claim: str,
    speaker: str,
    thresholds: CheckThresholds,
    article_ids: Sequence[str] = (),
    meaning: Meaning | None = None,
) -> QuoteVerdict:
    """The verdict on ``claim`` (given to ``speaker``, if named: '' for nobody) from the
    ledger's rows. With ``meaning``, a claim no row matches by its words is compared by
    meaning with the speaker's rows (any row's, when nobody is named): it is reworded
    when one is close enough and no negation or condition differs, never misattributed."""
    rows = ledger.quotes(article_ids=article_ids)
    wanted, said = set(tokenize(claim, query=True)), wording_words(claim)
    sharing = ledger.sharing(wanted, thresholds.min_overlap, article_ids) if wanted else []
    diffs: dict[str, WordingDiff] = {}  # one per quotation text (syndicated copies repeat)
    lined_up: dict[str, tuple[str, ...]] = {}  # the words of it the claim lines up with
    for row in sharing:
        if row.quote.quote not in diffs:
            diffs[row.quote.quote], lined_up[row.quote.quote] = _aligned_diff(said, row)
    scored = sorted(
        (
            CheckEvidence(row, diffs[row.quote.quote])
            for row in sharing
            if diffs[row.quote.quote].similarity >= thresholds.min_similarity
        ),
        key=lambda c: (-c.diff.similarity, c.quote.date, c.quote.article_id),
    )
    every = scored  # whoever the articles give the words to

    def result(
        verdict: Verdict, evidence: Sequence[CheckEvidence], nearest: Sequence[CheckEvidence] = ()
    ) -> QuoteVerdict:
        articles = (
            len({r.quote.article_id for r in rows}) if article_ids else ledger.count_articles()
        )
        found: tuple[Carrier, ...] = ()
        if every and evidence and evidence[0].quote.quote in lined_up:  # found by words
            printed = [(c.row, lined_up[c.quote.quote]) for c in (*evidence[:1], *every)]
            found = carriers(printed, thresholds.min_similarity)
        return QuoteVerdict(
            verdict, claim, speaker, tuple(evidence), len(rows), articles, tuple(nearest), found
        )

    names = set(ledger.find_speaker(speaker, article_ids)) if speaker else set()
    if not scored:
        if meaning is None or (speaker and not names):
            return result("not_found", [])
        pool = (
            [r for r in rows if r.quote.speaker in names]
            if speaker
            else ledger.sharing(wanted, 0.0, article_ids)
        )
        close = _by_meaning(claim, said, wanted, pool, meaning)
        if close is None or close.meaning is None or close.meaning < thresholds.min_nearest:
            return result("not_found", [])
        if close.meaning < thresholds.min_meaning or close.diff.sense_changed:
            return result("not_found", [], [close])  # embeddings miss a dropped "not"
        return result("reworded", [close])
    if speaker:
        theirs = [c for c in scored if c.quote.speaker in names]
        # A quotation the article gives nobody cannot show that someone else said it,
        # unless another row names someone for words as close.
        unnamed = [c for c in scored if not c.quote.speaker]
        named = [c.diff.similarity for c in scored if c.quote.speaker]
        if not theirs and unnamed and unnamed[0].diff.similarity > max(named, default=0.0):
            theirs = unnamed
        if not theirs:
            return result("misattributed", _closest(scored))
        scored = theirs
    closest = _closest(scored)
    return result(_verdict(closest[0].diff), closest)


def _by_meaning(
    claim: str,
    said: Sequence[str],
    wanted: set[str],
    rows: Sequence[LedgerRow],
    meaning: Meaning,
) -> CheckEvidence | None:
    """The row closest in meaning to the claim (``said``: its compared words, ``wanted``:
    its search tokens) among the CHECK_MEANING_ROWS that share most of its words, with its
    similarity of meaning."""
    pool = sorted(rows, key=lambda r: -len(wanted & r.tokens))[:CHECK_MEANING_ROWS]
    if not pool:
        return None
    scores = meaning(claim, [r.quote.quote for r in pool])
    best = max(range(len(pool)), key=lambda i: scores[i])
    row = pool[best]
    return CheckEvidence(row, compare_words(said, row.wording.words), float(scores[best]))


def _closest(scored: Sequence[CheckEvidence]) -> list[CheckEvidence]:
    """The rows as similar to the claim as the first (``scored`` is best first)."""
    return [c for c in scored if c.diff.similarity == scored[0].diff.similarity]


def _aligned_diff(said: Sequence[str], row: LedgerRow) -> tuple[WordingDiff, tuple[str, ...]]:
    """The claim (``said``: its compared words) against the words of the row it lines up
    with (a claim may quote a fragment). A negation or condition just before those words
    in their clause, a condition just after them in their sentence, or a negation right
    after them, belongs to them: "exist as a state" cut from "would not exist as a state"
    drops the "not", and so does "the plan is simply" from "the plan is simply not
    workable"; "we will win" from "No. We will win, and nobody doubts it" drops nothing.
    (The rows are those that hold enough of the claim's words: Ledger.sharing.) With the
    words it lines up with."""
    printed, breaks, ends = row.wording.words, row.wording.breaks, row.wording.sentence_ends
    lo, hi = aligned_range(said, printed, breaks)
    before = range(max(lo - CHECK_SENSE_BEFORE, 0), lo)
    near = [i for i in before if sense_words([printed[i]]) and not any(breaks[i + 1 : lo + 1])]
    lo = near[0] if near else lo
    after = range(hi, min(hi + CHECK_SENSE_AFTER, len(printed)))
    near = [i for i in after if printed[i] in SENSE_CONDITIONS and not any(ends[hi : i + 1])]
    hi = near[-1] + 1 if near else hi
    if hi < len(printed) and not breaks[hi] and negation(printed[hi]):
        hi += 1  # a claim that stops right before its "not" ('has it [not]?') drops it
    return compare_words(said, printed[lo:hi]), tuple(printed[lo:hi])


def _verdict(diff: WordingDiff) -> Verdict:
    """Verbatim; cut, when what turns the sense is only a negation or condition the claim
    leaves out (as a word, or from a word: 'can' for 'cannot'); or reworded."""
    if diff.verbatim:
        return "verbatim"
    return "cut" if diff.sense_only_dropped else "reworded"
