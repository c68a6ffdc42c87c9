"""Reading the quote ledger: speakers, a speaker's quotes, and who said given words."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from rag.backends.store import Index
from rag.lexicon import (
    IDENTIFY_MIN_WORDS,
    NAME_SPELLING_MIN_SCORE,
    NEAR_VERBATIM_MIN_CHARS,
    NEAR_VERBATIM_MIN_SCORE,
    SCARE_QUOTE_MAX_WORDS,
    SPEAKER_PRONOUNS,
)
from rag.text.names import strip_titles, surname
from rag.text.normalise import normalise, tokenize, words
from rag.types import Quote

CONTENT_MIN_OVERLAP = 0.6


@dataclass
class LedgerRow:
    """A ledger row with what matching needs precomputed."""

    quote: Quote
    title: str
    norm: str
    tokens: frozenset[str]
    words: str = ""  # the quote's words only, for matching quoted questions


@dataclass
class Speaker:
    """A person (or unnamed source) in the ledger, with what the articles call them."""

    name: str
    quotes: int = 0
    articles: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    mentions: set[str] = field(default_factory=set)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "quotes": self.quotes,
            "articles": sorted(self.articles),
            "roles": sorted(r for r in self.roles if r),
            "mentions": sorted(m for m in self.mentions if m),
        }


class Ledger:
    """The committed ledger rows of an index, cached until the index changes."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._rows: list[LedgerRow] = []

    def rows(self, article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        generation = self.index.generation()
        with self._lock:
            if generation != self._generation:
                self._rows = [
                    LedgerRow(
                        q,
                        title,
                        normalise(q.quote)[0],
                        frozenset(tokenize(q.quote)),
                        words(q.quote),
                    )
                    for q, title in self.index.iter_quotes()
                ]
                self._generation = generation
            rows = self._rows
        if article_ids:
            wanted = set(article_ids)
            rows = [r for r in rows if r.quote.article_id in wanted]
        return rows

    def quotes(self, speaker: str = "", article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows, optionally of one speaker (any name variant), by date then position; a
        partial quotation held whole by a statement of the same speaker is in the statement."""
        rows = _without_held_fragments(self.rows(article_ids))
        if speaker:
            names = set(self.find_speaker(speaker, article_ids))
            rows = [r for r in rows if r.quote.speaker in names]
        return sorted(rows, key=lambda r: (r.quote.date, r.quote.article_id, r.quote.start))

    def speakers(self, article_ids: Sequence[str] = ()) -> list[Speaker]:
        """People and sources with their quote counts, most quoted first; a count is the
        number of rows ``quotes()`` lists for them (a fragment held by a statement is not
        counted apart)."""
        found: dict[str, Speaker] = {}
        for row in _without_held_fragments(self.rows(article_ids)):
            q = row.quote
            if not q.speaker:
                continue  # a quotation the extractor could not attribute
            s = found.setdefault(q.speaker, Speaker(q.speaker))
            s.quotes += 1
            s.articles.add(q.article_id)
            s.roles.update((q.speaker_role, q.speaker_appositive))
            if q.speaker_mention and q.speaker_mention.lower() not in SPEAKER_PRONOUNS:
                s.mentions.add(q.speaker_mention)
        return sorted(found.values(), key=lambda s: (-s.quotes, s.name))

    def find_speaker(self, name: str, article_ids: Sequence[str] = ()) -> list[str]:
        """Ledger speakers the name refers to: same surname, a close spelling, or (for an
        unnamed source) the same description."""
        query = strip_titles(name).lower()
        if not query:
            return []
        last = surname(query)
        matches = []
        for s in self.speakers(article_ids):
            candidate = s.name.lower()
            variants = {candidate, *(strip_titles(m).lower() for m in s.mentions)}
            if any(
                v == query
                or (surname(v) == last and len(last) > 2)
                or fuzz.ratio(v, query) >= NAME_SPELLING_MIN_SCORE
                for v in variants
            ):
                matches.append(s.name)
        return matches

    def who_said(self, fragment: str, article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows that said the quoted words, best match first: the words are inside the row's
        quote (normalised; an ellipsis splits them into parts found in order; near-verbatim
        allowed), or the row's quote is inside the words and long enough to identify them.
        A quote of one or two words (a scare quote) answers only those exact words."""
        target = words(fragment)
        if len(target) < 3:
            return []
        parts = [words(p) for p in re.split(r"\.\.\.|…", normalise(fragment)[0])]
        parts = [p for p in parts if p]
        scored: list[tuple[float, LedgerRow]] = []
        for row in self.rows(article_ids):
            quote = row.words
            size = len(quote.split())
            if size <= SCARE_QUOTE_MAX_WORDS:
                if quote == target:
                    scored.append((100.0, row))
            elif _in_order(parts, quote):
                scored.append((100.0, row))
            elif size >= IDENTIFY_MIN_WORDS and f" {quote} " in f" {target} ":
                scored.append((99.0, row))
            elif len(target) >= NEAR_VERBATIM_MIN_CHARS and (
                len(quote) >= len(target) or size >= IDENTIFY_MIN_WORDS
            ):
                score = fuzz.partial_ratio(target, quote)
                if score >= NEAR_VERBATIM_MIN_SCORE:
                    scored.append((score - 10.0, row))  # below any exact containment
        return _best_first(_quotation_rows_first(scored))

    def who_said_content(self, content: str, article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows whose words cover most of ``content`` (reported speech asked without quotes)."""
        wanted = set(tokenize(content, query=True))
        if len(wanted) < 2:
            return []
        scored = []
        for row in self.rows(article_ids):
            if len(row.norm.split()) <= SCARE_QUOTE_MAX_WORDS:
                continue  # a scare quote is not a statement
            overlap = len(wanted & row.tokens) / len(wanted)
            if overlap >= CONTENT_MIN_OVERLAP:
                scored.append((overlap, row))
        return _best_first(scored)

    def said_about(
        self, names: Sequence[str], topic: str, article_ids: Sequence[str] = (), k: int = 6
    ) -> list[LedgerRow]:
        """A speaker's rows, the ones most about ``topic`` first: rows sharing the topic's
        words, then by the similarity of their passages (all of them, by date and
        position, when there is no topic)."""
        rows = [r for r in self.quotes(article_ids=article_ids) if r.quote.speaker in names]
        if not topic.strip() or len(rows) <= 1:
            return rows[:k] if topic.strip() else rows
        similarity = self.index.quote_similarity(topic, names, article_ids)
        words = set(tokenize(topic, query=True))

        def rank(row: LedgerRow) -> tuple[int, float]:
            key = (row.quote.article_id, row.quote.start)
            return -len(words & row.tokens), -similarity.get(key, -1.0)

        return sorted(rows, key=rank)[:k]


def _quotation_rows_first(scored: list[tuple[float, LedgerRow]]) -> list[tuple[float, LedgerRow]]:
    """Without the reported-speech rows that hold a matched quotation row ('said it was
    “totally inappropriate” for …' holds “totally inappropriate”): the quotation's own row
    answers for its words."""
    quotations = [r.quote for _, r in scored if r.quote.kind != "indirect"]
    return [
        (s, r)
        for s, r in scored
        if r.quote.kind != "indirect" or not any(_holds(r.quote, q) for q in quotations)
    ]


def _without_held_fragments(rows: list[LedgerRow]) -> list[LedgerRow]:
    """Without the partial quotations that a statement of the same speaker holds whole
    ('said it was “totally inappropriate” for …'): what they said is the statement."""
    statements: dict[tuple[str, str], list[Quote]] = {}
    for r in rows:
        if r.quote.kind == "indirect":
            statements.setdefault((r.quote.article_id, r.quote.speaker), []).append(r.quote)
    return [
        r
        for r in rows
        if r.quote.kind != "partial"
        or not any(
            _holds(s, r.quote) for s in statements.get((r.quote.article_id, r.quote.speaker), ())
        )
    ]


def _holds(outer: Quote, inner: Quote) -> bool:
    """True when ``inner``'s words lie within ``outer``'s, in the same article."""
    return (
        outer.article_id == inner.article_id
        and outer.start <= inner.start <= inner.end <= outer.end
    )


def _in_order(parts: Sequence[str], quote: str) -> bool:
    """True when every part is in ``quote`` as whole words, in order."""
    at = 0
    padded = f" {quote} "
    for part in parts:
        found = padded.find(f" {part} ", at)
        if found < 0:
            return False
        at = found + len(part) + 1
    return bool(parts)


def _best_first(scored: list[tuple[float, LedgerRow]]) -> list[LedgerRow]:
    if not scored:
        return []
    top = max(score for score, _ in scored)
    best = [row for score, row in scored if score >= top - 1e-9]
    # Rows that name a speaker before rows the extractor left unattributed.
    return sorted(
        best, key=lambda r: (not r.quote.speaker, r.quote.date, r.quote.article_id, r.quote.start)
    )
