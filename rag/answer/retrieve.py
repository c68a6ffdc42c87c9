"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, with filters.

``Retriever.search`` returns typed passages; ``Retriever`` is also a LangChain
``BaseRetriever`` (Documents whose metadata carries the exact span) for composition.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field
from rapidfuzz import fuzz

from rag.backends.keyword import KeywordIndex
from rag.backends.store import Index, StoredChunk
from rag.ledger.intent import parse_question
from rag.lexicon import CHECK_PASSAGES, NEAR_VERBATIM_MIN_CHARS, NEAR_VERBATIM_MIN_SCORE
from rag.settings import Settings
from rag.text.normalise import normalise
from rag.text.sentences import split_sentences
from rag.types import Article, Passage, SearchFilter


def context_start(text: str, start: int, max_chars: int) -> int:
    """Where the last sentence before ``start`` begins (looking back at most ``max_chars``),
    so a passage like '"…," she added.' can come with the sentence that names 'she'."""
    if max_chars <= 0 or start <= 0:
        return start
    begin = max(0, start - max_chars)
    sentences = split_sentences(text, begin, start)
    if not sentences:
        return start
    first = sentences[-1][0]
    if first == begin and begin > 0:  # the sentence began before the window: cut at a word
        space = text.find(" ", begin, start)
        first = space + 1 if space >= 0 else start
    return first


class Retriever(BaseRetriever):
    """Dense, BM25 or hybrid retrieval over an :class:`Index`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    keyword: KeywordIndex
    settings: Settings
    filters: SearchFilter = Field(default_factory=SearchFilter)

    @classmethod
    def for_index(cls, index: Index, keyword: KeywordIndex | None = None) -> Retriever:
        return cls(index=index, keyword=keyword or KeywordIndex(index), settings=index.settings)

    def search(
        self,
        query: str,
        filters: SearchFilter | None = None,
        k: int | None = None,
        mode: str | None = None,
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first; [] when nothing is relevant."""
        filters = filters or self.filters
        k = k or self.settings.top_k
        mode = mode or self.settings.retrieval
        n = max(self.settings.candidates, k)
        if not any(ch.isalnum() for ch in query):
            return []  # no words: nothing to search for
        parsed = parse_question(query)
        query, filters = self.scope_by_title(query, filters)
        dense: list[tuple[StoredChunk, float]] = []
        keyword: list[tuple[StoredChunk, float]] = []
        if mode in ("dense", "hybrid"):
            vector = self.index.embedder.embed([query])[0]
            dense = self.index.dense_search(vector, n, filters)
        if mode in ("bm25", "hybrid"):
            keyword = self.keyword.search(query, n, **filters.keyword_args())
        keyword_ids = {c.id for c, _ in keyword}
        # A dense hit that is neither similar enough nor shares a keyword is noise.
        dense = [
            (c, s) for c, s in dense if s >= self.settings.min_similarity or c.id in keyword_ids
        ]
        ranked = _fuse([dense, keyword], self.settings.rrf_k)
        if parsed.quotes:
            ranked = self._anchor_on_quotes(ranked, parsed.quotes, n, filters)
        articles = self.index.get_articles([c.chunk.article_id for c, _ in ranked])
        passages: list[Passage] = []
        for chunk, score in ranked:
            article = articles.get(chunk.chunk.article_id)
            if article is None or article.content_hash != chunk.content_hash:
                continue  # a stale chunk from an unfinished write
            passages.append(_passage(chunk, score, article, self.settings.context_chars))
            if len(passages) == k:
                break
        return passages

    def printing(self, words: str, filters: SearchFilter) -> list[Passage]:
        """The passages most likely to print ``words``, by their keywords (the quote check's
        search for words the ledger does not hold)."""
        return self.search(words, filters, k=CHECK_PASSAGES, mode="bm25")

    def articles_matching(self, filters: SearchFilter) -> list[str] | None:
        """Ids of the articles the filters allow; None when they allow every article."""
        if not (filters.sources or filters.date_from or filters.date_to):
            return filters.article_ids or None
        return self.keyword.articles_within(**filters.keyword_args())

    def scope_by_title(self, query: str, filters: SearchFilter) -> tuple[str, SearchFilter]:
        """'According to the article "T", …': the filters narrowed to that article, and the
        query without T's words. Unchanged when the question names no known title."""
        titles = parse_question(query).titles
        if not titles:
            return query, filters
        ids = self.keyword.articles_titled(titles)
        if filters.article_ids:
            ids = [i for i in ids if i in filters.article_ids]
        if not ids:
            return query, filters
        for title in titles:
            query = query.replace(title, " ")
        return query, filters.model_copy(update={"article_ids": ids})

    def _anchor_on_quotes(
        self,
        ranked: list[tuple[StoredChunk, float]],
        quotes: list[str],
        n: int,
        filters: SearchFilter,
    ) -> list[tuple[StoredChunk, float]]:
        """Passages holding the question's quoted words, best match first; all of the
        ranking when no passage holds them."""
        candidates = dict((c.id, (c, s)) for c, s in ranked)
        for quote in quotes:
            for chunk, score in self.keyword.search(quote, n, **filters.keyword_args()):
                candidates.setdefault(chunk.id, (chunk, score))
        scored = []
        for order, (chunk, score) in enumerate(candidates.values()):
            match = max(quote_match(q, chunk.chunk.text) for q in quotes)
            if match >= NEAR_VERBATIM_MIN_SCORE:
                scored.append((-match, order, chunk, score))
        if not scored:
            return ranked
        return [(chunk, score) for _, _, chunk, score in sorted(scored, key=lambda t: t[:2])]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [passage_to_document(p) for p in self.search(query)]


def quote_match(quote: str, text: str) -> float:
    """100 when ``text`` holds ``quote`` verbatim (ignoring case, quote marks, spacing);
    else a fuzzy partial-match score for quotes long enough to be matched fuzzily."""
    q = normalise(quote)[0].strip(" .,;:!?\"'")
    t = normalise(text)[0]
    if not q:
        return 0.0
    if q in t:
        return 100.0
    if len(q) < NEAR_VERBATIM_MIN_CHARS:
        return 0.0
    return float(fuzz.partial_ratio(q, t))


def _fuse(
    rankings: list[list[tuple[StoredChunk, float]]], rrf_k: int
) -> list[tuple[StoredChunk, float]]:
    """Reciprocal rank fusion of several best-first lists."""
    scores: dict[str, float] = {}
    chunks: dict[str, StoredChunk] = {}
    for ranking in rankings:
        for rank, (chunk, _) in enumerate(ranking):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (rrf_k + rank + 1)
            chunks[chunk.id] = chunk
    order = sorted(scores, key=lambda cid: -scores[cid])
    return [(chunks[cid], scores[cid]) for cid in order]


def _passage(chunk: StoredChunk, score: float, article: Article, context_chars: int) -> Passage:
    begin = context_start(article.text, chunk.chunk.start, context_chars)
    return Passage(
        chunk=chunk.chunk,
        title=article.title,
        source=article.source,
        date=article.date,
        url=article.url,
        score=score,
        context_start=begin,
        context_before=article.text[begin : chunk.chunk.start],
    )


def passage_to_document(p: Passage) -> Document:
    meta: dict[str, Any] = {
        "article_id": p.chunk.article_id,
        "chunk_index": p.chunk.index,
        "start": p.chunk.start,
        "end": p.chunk.end,
        "title": p.title,
        "source": p.source,
        "date": p.date,
        "url": p.url,
        "score": p.score,
        "context_before": p.context_before,
        "context_start": p.context_start,
    }
    return Document(page_content=p.chunk.text, metadata=meta)


def document_to_passage(doc: Document) -> Passage:
    from rag.types import Chunk

    m = doc.metadata
    chunk = Chunk(
        article_id=m["article_id"],
        index=m["chunk_index"],
        start=m["start"],
        end=m["end"],
        text=doc.page_content,
    )
    return Passage(
        chunk=chunk,
        title=m.get("title", ""),
        source=m.get("source", ""),
        date=m.get("date", ""),
        url=m.get("url", ""),
        score=m.get("score", 0.0),
        context_before=m.get("context_before", ""),
        context_start=m.get("context_start", m["start"]),
    )
