"""Where a checked quotation appears: every article that prints it, earliest first, how each
one's words differ from the earliest's, and how an article's earlier versions printed it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from rag.ledger.read import LedgerRow
from rag.lexicon import EDIT_MIN_SCORE
from rag.text.normalise import normalise
from rag.text.wording import WordingDiff, aligned_range, compare_words, word_spans
from rag.types import ArticleVersion, Quote

_STOP = re.compile(r"[.!?;:,—–“”\"«»\n]")  # what a quotation's words do not run on past

Versions = Callable[[Sequence[str]], Mapping[str, Sequence[ArticleVersion]]]
"""The earlier versions of some articles, oldest first (the index's versions_of)."""


@dataclass(frozen=True)
class QuoteEdit:
    """How an earlier version of an article printed a quotation it prints now."""

    replaced: str  # when a changed text replaced that version (ISO, UTC)
    earlier: str  # what that version printed there, as written ('' when it lacked it)
    diff: WordingDiff | None  # the present words against those (None when it lacked them)


@dataclass(frozen=True)
class Carrier:
    """An article that prints the quotation: its row, the words of it the claim lines up
    with, and how they differ from the earliest article's."""

    row: LedgerRow
    words: tuple[str, ...]
    wording: WordingDiff  # these words against the earliest carrier's (no changes for it)
    edits: tuple[QuoteEdit, ...] = ()

    @property
    def quote(self) -> Quote:
        return self.row.quote


def carriers(
    lined_up: Sequence[tuple[LedgerRow, Sequence[str]]], min_similarity: float
) -> tuple[Carrier, ...]:
    """One carrier per article, earliest first (undated last), from rows best first with
    the words of each the claim lines up with: the first row's words and those as close to
    them as ``min_similarity``."""
    if not lined_up:
        return ()
    reference = lined_up[0][1]
    close: dict[str, bool] = {}  # one comparison per quotation text (copies repeat)
    best: dict[str, tuple[LedgerRow, tuple[str, ...]]] = {}
    for row, words in lined_up:
        text = row.quote.quote
        if text not in close:
            close[text] = compare_words(words, reference).similarity >= min_similarity
        if close[text] and row.quote.article_id not in best:
            best[row.quote.article_id] = (row, tuple(words))
    order = sorted(best.values(), key=lambda r: (r[0].quote.date or "9999", r[0].quote.article_id))
    first = order[0][1]
    against: dict[tuple[str, ...], WordingDiff] = {}
    for _, words in order:
        if words not in against:
            against[words] = compare_words(words, first)
    return tuple(Carrier(row, words, against[words]) for row, words in order)


def with_edits(found: Sequence[Carrier], versions: Versions) -> tuple[Carrier, ...]:
    """The carriers, each with how its article's earlier versions printed the quotation
    differently (none for a version that printed it in the same words)."""
    earlier = versions([c.quote.article_id for c in found]) if found else {}
    out = []
    for c in found:
        edits = [edit_in(c.quote.quote, v) for v in earlier.get(c.quote.article_id, ())]
        out.append(replace(c, edits=tuple(e for e in edits if e is not None)))
    return tuple(out)


def edit_in(quote: str, version: ArticleVersion) -> QuoteEdit | None:
    """How ``version`` printed ``quote`` if not in the same words: the passage of it that
    lines up with the quotation, or '' when none is close enough (EDIT_MIN_SCORE)."""
    if quote in version.text:
        return None
    now = [w for w, _, _ in word_spans(quote)]
    plain, where = normalise(version.text)
    found = fuzz.partial_ratio_alignment(normalise(quote)[0], plain, score_cutoff=EDIT_MIN_SCORE)
    if found is None or found.dest_end <= found.dest_start:
        return QuoteEdit(version.replaced, "", None)
    margin = len(quote) // 2  # the window is as long as the quotation: the edit may not be
    a, b = where[found.dest_start] - margin, where[found.dest_end - 1] + 1 + margin
    spans = [s for s in word_spans(version.text) if a <= s[1] and s[2] <= b]
    lo, hi = _whole(now, spans, version.text)
    if lo >= hi:
        return QuoteEdit(version.replaced, "", None)
    diff = compare_words(now, [w for w, _, _ in spans[lo:hi]])
    if diff.verbatim:  # only marks or spacing changed
        return None
    return QuoteEdit(version.replaced, version.text[spans[lo][1] : spans[hi - 1][2]], diff)


def _whole(now: Sequence[str], spans: Sequence[tuple[str, int, int]], text: str) -> tuple[int, int]:
    """The range of ``spans`` (words of ``text``) that print the quotation whose words are
    ``now``: the words lined up with it, and as many more on each side as it has words
    there that matched none (an edit at its very start or end), within the clause and the
    quotation marks; (0, 0) when no word of it is there."""
    printed = [w for w, _, _ in spans]
    lo, hi = aligned_range(now, printed)
    blocks = [
        b
        for b in difflib.SequenceMatcher(
            a=now, b=printed[lo:hi], autojunk=False
        ).get_matching_blocks()
        if b.size
    ]
    if not blocks:
        return 0, 0  # no word of it there
    head, tail = blocks[0].a, len(now) - (blocks[-1].a + blocks[-1].size)
    while head and lo > 0 and not _STOP.search(text[spans[lo - 1][2] : spans[lo][1]]):
        lo, head = lo - 1, head - 1
    while tail and hi < len(spans) and not _STOP.search(text[spans[hi - 1][2] : spans[hi][1]]):
        hi, tail = hi + 1, tail - 1
    return lo, hi
