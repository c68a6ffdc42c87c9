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
from rag.text.normalise import normalise, tokenize, words
from rag.text.quotations import article_quotations
from rag.text.wording import (
    WordingDiff,
    aligned_range,
    compare_words,
    negation,
    sense_words,
    word_spans,
    wording_breaks,
    wording_words,
)
from rag.types import Passage, Quote

Verdict = Literal["verbatim", "reworded", "cut", "misattributed", "not_found"]
Meaning = Callable[[str, Sequence[str]], Sequence[float]]
"""Cosine similarity of meaning of a claim to each of some texts (the index's embedder)."""
PassageSearch = Callable[[str], Sequence[Passage]]
"""The passages of the articles searched most likely to print a claim's words."""


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
    # found in a passage, not among the ledger's quotations: the row is the words the
    # passage prints (no speaker), citing the passage; 'direct' when in quotation marks
    in_passage: bool = False

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
    # not found: an article prints the words all the same, outside quotation marks
    printed: tuple[CheckEvidence, ...] = ()
    # Every article (of those searched) printing the quotation found by its words, earliest
    # first: the evidence's and those as close to its words (none when found by meaning).
    carriers: tuple[Carrier, ...] = ()

    @property
    def sense_turned(self) -> bool:
        """Reworded, and the changes turn the sense ('triumph' for 'disaster')."""
        return self.verdict == "reworded" and self.evidence[0].diff.sense_changed

    @property
    def shown(self) -> tuple[CheckEvidence, ...]:
        """The words an answer states: the evidence, or when not found, where an article
        prints them outside quotation marks and the nearest quotation."""
        return (*self.evidence, *self.printed, *self.nearest)

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
            "printed": [_public(e) for e in self.printed],
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
        "found_in": "passage" if e.in_passage else "ledger",
        "quoted": e.quote.kind != "indirect",
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
    passages: PassageSearch | None = None,
) -> QuoteVerdict:
    """The verdict on ``claim`` (given to ``speaker``, if named: '' for nobody) from the
    ledger's rows. A claim no row matches by its words is looked for in the ``passages``
    (the ledger may lack a quotation an article prints): words printed in quotation marks
    get their verdict by wording, with no speaker (so never misattributed); words printed
    outside them are kept to show with a not-found verdict. With ``meaning``, it is then
    compared by meaning with the speaker's rows (any row's, when nobody is named): it is
    reworded when one is close enough and no negation or condition differs, never
    misattributed."""
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
        verdict: Verdict,
        evidence: Sequence[CheckEvidence],
        nearest: Sequence[CheckEvidence] = (),
        printed: Sequence[CheckEvidence] = (),
    ) -> QuoteVerdict:
        articles = (
            len({r.quote.article_id for r in rows}) if article_ids else ledger.count_articles()
        )
        found: tuple[Carrier, ...] = ()
        if every and evidence and evidence[0].quote.quote in lined_up:  # found by words
            lines = [(c.row, lined_up[c.quote.quote]) for c in (*evidence[:1], *every)]
            found = carriers(lines, thresholds.min_similarity)
        return QuoteVerdict(
            verdict,
            claim,
            speaker,
            tuple(evidence),
            len(rows),
            articles,
            nearest=tuple(nearest),
            printed=tuple(printed),
            carriers=found,
        )

    names = set(ledger.find_speaker(speaker, article_ids)) if speaker else set()
    if not scored:
        in_text = None
        if passages is not None:
            in_text = _in_passages(said, wanted, passages(claim), rows, thresholds)
        if in_text is not None and in_text.quote.kind == "direct":
            return result(_verdict(in_text.diff), [in_text])
        outside = [in_text] if in_text is not None else []  # printed outside quotation marks
        if meaning is None or (speaker and not names):
            return result("not_found", [], printed=outside)
        pool = (
            [r for r in rows if r.quote.speaker in names]
            if speaker
            else ledger.sharing(wanted, 0.0, article_ids)
        )
        close = _by_meaning(claim, said, wanted, pool, meaning)
        if close is None or close.meaning is None or close.meaning < thresholds.min_nearest:
            return result("not_found", [], printed=outside)
        if close.meaning < thresholds.min_meaning or close.diff.sense_changed:
            # embeddings miss a dropped "not"; where the words are printed says more
            return result("not_found", [], [] if outside else [close], outside)
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
    wording = row.wording
    lo, hi = _aligned(said, wording.words, wording.breaks, wording.sentence_ends)
    return compare_words(said, wording.words[lo:hi]), tuple(wording.words[lo:hi])


def _aligned(
    said: Sequence[str], printed: Sequence[str], breaks: Sequence[bool], ends: Sequence[bool]
) -> tuple[int, int]:
    """The range of ``printed`` words (with their clause ``breaks`` and sentence ``ends``)
    the claim lines up with, with the negations and conditions that govern them."""
    lo, hi = aligned_range(said, printed, breaks)
    before = range(max(lo - CHECK_SENSE_BEFORE, 0), lo)
    near = [i for i in before if sense_words([printed[i]]) and not any(breaks[i + 1 : lo + 1])]
    lo = near[0] if near else lo
    after = range(hi, min(hi + CHECK_SENSE_AFTER, len(printed)))
    near = [i for i in after if printed[i] in SENSE_CONDITIONS and not any(ends[hi : i + 1])]
    hi = near[-1] + 1 if near else hi
    if hi < len(printed) and not breaks[hi] and negation(printed[hi]):
        hi += 1  # a claim that stops right before its "not" ('has it [not]?') drops it
    return lo, hi


def _in_passages(
    said: Sequence[str],
    wanted: set[str],
    passages: Sequence[Passage],
    rows: Sequence[LedgerRow],
    thresholds: CheckThresholds,
) -> CheckEvidence | None:
    """Where a passage prints the claim's words (``said``; ``wanted``: its search tokens)
    closest, as close as a ledger quotation must be and holding as many of its tokens:
    the words it prints as a speakerless row citing the passage, 'direct' inside quotation
    marks, 'indirect' outside them. Not where the ledger holds a quotation (its own row was
    compared, and was not close enough), nor words that run across a quotation mark."""
    best: CheckEvidence | None = None
    for passage in passages:
        text = passage.chunk.text
        spans = word_spans(text)
        printed = [w for w, _, _ in spans]
        breaks = wording_breaks(text)
        lo, hi = _aligned(said, printed, breaks, wording_breaks(text, sentences_only=True))
        if lo >= hi or len(wanted & set(tokenize(" ".join(printed[lo:hi])))) < (
            thresholds.min_overlap * len(wanted)
        ):
            continue
        diff = compare_words(said, printed[lo:hi])
        if diff.similarity < thresholds.min_similarity:
            continue
        if best is not None and diff.similarity <= best.diff.similarity:
            continue
        a, b = spans[lo][1], spans[hi - 1][2]
        marks = article_quotations(text)
        if any(qa < b and a < qb and not (qa <= a and b <= qb) for qa, qb in marks):
            continue  # partly quoted: neither the quotation nor the report's own words
        row = _passage_row(passage, a, b, any(qa <= a and b <= qb for qa, qb in marks))
        if any(_overlap(row.quote, r.quote) for r in rows):
            continue
        best = CheckEvidence(row, diff, in_passage=True)
    return best


def _overlap(x: Quote, y: Quote) -> bool:
    """Whether two rows' words overlap in one article."""
    return x.article_id == y.article_id and x.start < y.end and y.start < x.end


def _passage_row(passage: Passage, a: int, b: int, quoted: bool) -> LedgerRow:
    """The words ``passage.chunk.text[a:b]`` as a speakerless row that cites the passage."""
    chunk = passage.chunk
    said = chunk.text[a:b]
    quote = Quote(
        article_id=chunk.article_id,
        speaker="",
        quote=said,
        start=chunk.start + a,
        end=chunk.start + b,
        kind="direct" if quoted else "indirect",
        date=passage.date,
        source=passage.source,
        span_start=chunk.start,
        span_end=chunk.end,
        method="unattributed",
    )
    tokens = frozenset(tokenize(said))
    return LedgerRow(quote, passage.title, normalise(said)[0], tokens, words(said))


def _verdict(diff: WordingDiff) -> Verdict:
    """Verbatim, cut (only words left out, a negation perhaps from inside a word, and the
    sense turned) or reworded."""
    if diff.verbatim:
        return "verbatim"
    return "cut" if diff.cut and diff.sense_changed else "reworded"
