"""Reading the quote ledger: speakers, a speaker's quotes, and who said given words."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz

from rag.backends.store import Index
from rag.ledger.people import LastWords, merge_names, refers_to
from rag.lexicon import (
    IDENTIFY_MIN_WORDS,
    NEAR_VERBATIM_MIN_CHARS,
    NEAR_VERBATIM_MIN_SCORE,
    SCARE_QUOTE_MAX_WORDS,
    SPEAKER_PRONOUNS,
)
from rag.text.names import strip_titles
from rag.text.normalise import normalise, tokenize, words
from rag.text.wording import wording_breaks, wording_words
from rag.types import Quote

CONTENT_MIN_OVERLAP = 0.6


@dataclass(frozen=True)
class RowWording:
    """A row's quotation as the quote check compares it (rag.text.wording)."""

    words: list[str]
    breaks: list[bool]  # punctuation before each word
    sentence_ends: list[bool]  # a sentence break before each word


@dataclass
class LedgerRow:
    """A ledger row with what matching needs precomputed."""

    quote: Quote
    title: str
    norm: str
    tokens: frozenset[str]
    words: str = ""  # the quote's words only, for matching quoted questions

    @cached_property
    def wording(self) -> RowWording:
        """Computed on first use, then kept with the cached row."""
        text = self.quote.quote
        return RowWording(
            wording_words(text),
            wording_breaks(text),
            wording_breaks(text, sentences_only=True),
        )


@dataclass
class Speaker:
    """A person (or unnamed source) in the ledger, with what the articles call them."""

    name: str
    quotes: int = 0
    articles: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    mentions: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # the ledger's names merged into this one

    def copy(self) -> Speaker:
        """A copy to hand out: the ledger's cached speakers stay as the rows make them."""
        return Speaker(
            self.name,
            self.quotes,
            set(self.articles),
            set(self.roles),
            set(self.mentions),
            set(self.names),
        )

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "names": sorted(self.names),
            "quotes": self.quotes,
            "articles": sorted(self.articles),
            "roles": sorted(r for r in self.roles if r),
            "mentions": sorted(m for m in self.mentions if m),
        }


@dataclass(frozen=True)
class SpeakerPage:
    """One person and their quotations, by date (then article and position)."""

    speaker: Speaker
    rows: list[LedgerRow]

    def to_dict(self) -> dict:
        return {
            **self.speaker.to_dict(),
            "quotations": [
                {"n": n, "title": r.title, **r.quote.model_dump()}
                for n, r in enumerate(self.rows, 1)
            ],
        }


class Ledger:
    """The committed ledger rows of an index, cached until the index changes, with what
    lookups over all of them need: the listed rows, their words' postings, the speakers."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._cache = _Cache([])

    def _current(self) -> _Cache:
        generation = self.index.generation()
        with self._lock:
            if generation != self._generation:
                self._cache = _Cache(
                    [
                        LedgerRow(
                            q,
                            title,
                            normalise(q.quote)[0],
                            frozenset(tokenize(q.quote)),
                            words(q.quote),
                        )
                        for q, title in self.index.iter_quotes()
                    ]
                )
                self._generation = generation
            return self._cache

    def rows(self, article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        rows = self._current().rows
        if article_ids:
            wanted = set(article_ids)
            return [r for r in rows if r.quote.article_id in wanted]
        return list(rows)

    def quotes(self, speaker: str = "", article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows, optionally of one speaker (any name variant), by date then position; a
        partial quotation held whole by a statement of the same speaker is in the statement."""
        rows = self._current().listed
        if article_ids:
            wanted = set(article_ids)
            rows = [r for r in rows if r.quote.article_id in wanted]
        if speaker:
            names = set(self.find_speaker(speaker, article_ids))
            rows = [r for r in rows if r.quote.speaker in names]
        return list(rows)

    def count_articles(self) -> int:
        """How many articles the rows ``quotes()`` lists come from."""
        return self._current().articles

    def sharing(
        self, tokens: set[str], min_share: float, article_ids: Sequence[str] = ()
    ) -> list[LedgerRow]:
        """The rows ``quotes()`` lists that hold at least ``min_share`` of ``tokens`` (and at
        least one), in its order: looked up in the words' postings, not row by row."""
        if not tokens:
            return []
        cache = self._current()
        counts: Counter[int] = Counter()
        for token in tokens:
            counts.update(cache.postings.get(token, ()))
        hits = sorted(i for i, c in counts.items() if c / len(tokens) >= min_share)
        rows = [cache.listed[i] for i in hits]
        if article_ids:
            wanted = set(article_ids)
            rows = [r for r in rows if r.quote.article_id in wanted]
        return rows

    def speakers(self, article_ids: Sequence[str] = ()) -> list[Speaker]:
        """People and sources with their quote counts, most quoted first; a count is the
        number of rows ``quotes()`` lists for them (a fragment held by a statement is not
        counted apart)."""
        if not article_ids:
            return [s.copy() for s in self._current().speakers]
        return _speakers(self.quotes(article_ids=article_ids))

    def find_speaker(self, name: str, article_ids: Sequence[str] = ()) -> list[str]:
        """The ledger's speaker names that ``name`` refers to (rag.ledger.people.refers_to),
        with every name merged into the same person's."""
        if not strip_titles(name):
            return []
        if article_ids:
            candidates = self.speakers(article_ids)
        else:
            cache = self._current()
            candidates = [cache.speakers[i] for i in sorted(cache.last_words.near(name))]
        matches: list[str] = []
        for s in candidates:
            if any(refers_to(name, n, sorted(s.mentions)) for n in sorted(s.names)):
                matches.extend(n for n in sorted(s.names) if n not in matches)
        return matches

    def speaker_pages(self, name: str, article_ids: Sequence[str] = ()) -> list[SpeakerPage]:
        """Each person ``name`` refers to, with their quotations by date."""
        names = set(self.find_speaker(name, article_ids))
        listed = self.quotes(article_ids=article_ids)
        return [
            SpeakerPage(s, [r for r in listed if r.quote.speaker in s.names])
            for s in self.speakers(article_ids)
            if s.names & names
        ]

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


class _Cache:
    """The rows of one generation of the index, and what is derived from them."""

    def __init__(self, rows: list[LedgerRow]) -> None:
        self.rows = rows
        self.listed = sorted(
            _without_held_fragments(rows),
            key=lambda r: (r.quote.date, r.quote.article_id, r.quote.start),
        )
        self.postings: dict[str, list[int]] = {}
        for i, row in enumerate(self.listed):
            for token in row.tokens:
                self.postings.setdefault(token, []).append(i)
        self.speakers = _speakers(self.listed)
        self.articles = len({r.quote.article_id for r in self.listed})
        self.last_words = LastWords(
            (i, n) for i, s in enumerate(self.speakers) for n in (*s.names, *s.mentions)
        )


def _speakers(rows: Sequence[LedgerRow]) -> list[Speaker]:
    """The speakers of ``rows``, one per person: the names of one person merged across
    articles (rag.ledger.people.merge_names), most quoted first."""
    found: dict[str, Speaker] = {}
    for row in rows:
        q = row.quote
        if not q.speaker:
            continue  # a quotation the extractor could not attribute
        s = found.setdefault(q.speaker, Speaker(q.speaker, names={q.speaker}))
        s.quotes += 1
        s.articles.add(q.article_id)
        s.roles.update((q.speaker_role, q.speaker_appositive))
        if q.speaker_mention and q.speaker_mention.lower() not in SPEAKER_PRONOUNS:
            s.mentions.add(q.speaker_mention)
    by_count = sorted(found.values(), key=lambda s: (-s.quotes, s.name))
    merged: dict[str, Speaker] = {}
    written = {s.name: s.mentions for s in by_count}
    for name, into in merge_names([s.name for s in by_count], written).items():
        part, whole = found[name], merged.setdefault(into, Speaker(into))
        whole.quotes += part.quotes
        whole.articles |= part.articles
        whole.roles |= part.roles
        whole.mentions |= part.mentions | ({name} if name != into else set())
        whole.names |= part.names
    return sorted(merged.values(), key=lambda s: (-s.quotes, s.name))


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
