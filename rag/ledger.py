"""Reading the quote ledger: speakers, a speaker's quotes, and who said given words."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from rag.keyword import tokenize
from rag.quotes import strip_titles
from rag.store import Index
from rag.text import normalise
from rag.types import Quote

FRAGMENT_MIN_SCORE = 90.0
CONTENT_MIN_OVERLAP = 0.6


@dataclass
class LedgerRow:
    """A ledger row with what matching needs precomputed."""

    quote: Quote
    title: str
    norm: str
    tokens: frozenset[str]


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
                    LedgerRow(q, title, normalise(q.quote)[0], frozenset(tokenize(q.quote)))
                    for q, title in self.index.iter_quotes()
                ]
                self._generation = generation
            rows = self._rows
        if article_ids:
            wanted = set(article_ids)
            rows = [r for r in rows if r.quote.article_id in wanted]
        return rows

    def quotes(self, speaker: str = "", article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows, optionally of one speaker (any name variant), by date then position."""
        rows = self.rows(article_ids)
        if speaker:
            names = set(self.find_speaker(speaker, article_ids))
            rows = [r for r in rows if r.quote.speaker in names]
        return sorted(rows, key=lambda r: (r.quote.date, r.quote.article_id, r.quote.start))

    def speakers(self, article_ids: Sequence[str] = ()) -> list[Speaker]:
        """People and sources with their quote counts, most quoted first."""
        found: dict[str, Speaker] = {}
        for row in self.rows(article_ids):
            q = row.quote
            s = found.setdefault(q.speaker, Speaker(q.speaker))
            s.quotes += 1
            s.articles.add(q.article_id)
            s.roles.add(q.speaker_role)
            if q.speaker_mention.lower() not in ("he", "she", "they", "i", "we", ""):
                s.mentions.add(q.speaker_mention)
        return sorted(found.values(), key=lambda s: (-s.quotes, s.name))

    def find_speaker(self, name: str, article_ids: Sequence[str] = ()) -> list[str]:
        """Ledger speakers the name refers to: same surname, a close spelling, or (for an
        unnamed source) the same description."""
        query = strip_titles(name).lower()
        if not query:
            return []
        surname = query.split()[-1]
        matches = []
        for s in self.speakers(article_ids):
            candidate = s.name.lower()
            variants = {candidate, *(strip_titles(m).lower() for m in s.mentions)}
            if any(
                v == query
                or (v.split() and v.split()[-1] == surname and len(surname) > 2)
                or fuzz.ratio(v, query) >= 90
                for v in variants
            ):
                matches.append(s.name)
        return matches

    def who_said(self, fragment: str, article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows holding the quoted words (verbatim after normalisation, else ≥ 90 % fuzzy),
        best match first."""
        target = normalise(fragment)[0].strip(" .,;:!?\"'")
        if len(target) < 3:
            return []
        scored: list[tuple[float, LedgerRow]] = []
        for row in self.rows(article_ids):
            if target in row.norm or (len(row.norm) >= 12 and row.norm.strip(" .,") in target):
                scored.append((100.0, row))
            elif len(target) >= 15:
                score = fuzz.partial_ratio(target, row.norm)
                if score >= FRAGMENT_MIN_SCORE:
                    scored.append((score, row))
        return _best_first(scored)

    def who_said_content(self, content: str, article_ids: Sequence[str] = ()) -> list[LedgerRow]:
        """Rows whose words cover most of ``content`` (reported speech asked without quotes)."""
        wanted = set(tokenize(content, query=True))
        if len(wanted) < 2:
            return []
        scored = []
        for row in self.rows(article_ids):
            overlap = len(wanted & row.tokens) / len(wanted)
            if overlap >= CONTENT_MIN_OVERLAP:
                scored.append((overlap, row))
        return _best_first(scored)

    def said_about(
        self, names: Sequence[str], topic: str, article_ids: Sequence[str] = (), k: int = 6
    ) -> list[LedgerRow]:
        """A speaker's rows, the ones most about ``topic`` first: rows sharing the topic's
        words, then by the similarity of their stored vectors (all of them, by date and
        position, when there is no topic)."""
        rows = [r for r in self.quotes(article_ids=article_ids) if r.quote.speaker in names]
        if not topic.strip() or len(rows) <= 1:
            return rows[:k] if topic.strip() else rows
        similarity = self._similarity(names, topic, article_ids, len(rows))
        words = set(tokenize(topic, query=True))

        def rank(row: LedgerRow) -> tuple[int, float]:
            key = (row.quote.article_id, row.quote.start)
            return -len(words & row.tokens), -similarity.get(key, -1.0)

        return sorted(rows, key=rank)[:k]

    def _similarity(
        self, names: Sequence[str], topic: str, article_ids: Sequence[str], n: int
    ) -> dict[tuple[str, int], float]:
        """Cosine similarity of the topic to the speaker's quotes, from the quote vectors
        stored at ingest (one nearest-neighbour query, whatever the number of quotes)."""
        where: dict = {"speaker": {"$in": list(names)}}
        if article_ids:
            where = {"$and": [where, {"article_id": {"$in": list(article_ids)}}]}
        result = self.index.quotes.query(
            query_embeddings=[self.index.embedder.embed([topic])[0].tolist()],
            n_results=n,
            where=where,
            include=["metadatas", "distances"],
        )
        return {
            (str(m["article_id"]), int(m["start"])): 1.0 - float(d)
            for m, d in zip(result["metadatas"][0], result["distances"][0], strict=True)
        }


def _best_first(scored: list[tuple[float, LedgerRow]]) -> list[LedgerRow]:
    if not scored:
        return []
    top = max(score for score, _ in scored)
    best = [row for score, row in scored if score >= top - 1e-9]
    return sorted(best, key=lambda r: (r.quote.date, r.quote.article_id, r.quote.start))
