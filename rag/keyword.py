"""BM25 keyword search over the committed chunks (bm25s), cached on disk per index generation."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from rag.store import Index, StoredChunk, date_number, index_dir
from rag.types import Chunk

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+", re.UNICODE)
_CACHE_FORMAT = 1


# Words that carry no topic: dropped from documents (a short list, as Lucene does) and,
# with the wording of questions ("who said", "according to the article"), from queries.
_DOC_STOPWORDS = frozenset(
    """
    a an and are as at be but by for if in into is it no not of on or such that the their
    then there these they this to was will with
    """.split()
)
_QUERY_STOPWORDS = _DOC_STOPWORDS | frozenset(
    """
    about after all also am any been before being both can could did do does doing during
    each from had has have having he her here hers him his how i its just me more most my
    now only other our out over own same she should so some than them those through too
    under until up very we were what when where which while who whom why would you your say
    says said saying tell told according article articles quote quoted mention mentioned
    describe described
    """.split()
)


def _bm25s() -> Any:
    """Import bm25s, which sets its own logger to DEBUG on import; quiet it again."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def tokenize(text: str, *, query: bool = False) -> list[str]:
    """Lower-cased word tokens, accents folded, stopwords (and question wording) dropped."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    stop = _QUERY_STOPWORDS if query else _DOC_STOPWORDS
    return [t for t in _TOKEN.findall(text) if t not in stop]


class KeywordIndex:
    """A BM25 index of every committed chunk, rebuilt when the index generation changes."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._bm25 = None
        self._chunks: list[StoredChunk] = []
        self._article_ids = np.array([], dtype=object)
        self._sources = np.array([], dtype=object)
        self._dates = np.array([], dtype=np.int64)

    @property
    def cache_dir(self) -> Path:
        return index_dir(self.index.settings) / "bm25"

    def _ensure_fresh(self) -> None:
        generation = self.index.generation()
        with self._lock:
            if generation == self._generation and self._bm25 is not None:
                return
            if not self._load_cache(generation):
                self._build(generation)
            self._generation = generation

    def _build(self, generation: str) -> None:
        bm25s = _bm25s()
        chunks = list(self.index.iter_chunks())
        log.info("building the keyword index over %d chunks", len(chunks))
        bm25 = bm25s.BM25()
        if chunks:
            bm25.index([tokenize(c.chunk.text) for c in chunks], show_progress=False)
        self._set(bm25 if chunks else None, chunks)
        self._save_cache(generation, bm25 if chunks else None, chunks)

    def _set(self, bm25: object, chunks: list[StoredChunk]) -> None:
        self._bm25 = bm25
        self._chunks = chunks
        self._article_ids = np.array([c.chunk.article_id for c in chunks], dtype=object)
        self._sources = np.array([c.source for c in chunks], dtype=object)
        self._dates = np.array([date_number(c.date) for c in chunks], dtype=np.int64)

    def _save_cache(self, generation: str, bm25: object, chunks: list[StoredChunk]) -> None:
        tmp = self.cache_dir.with_name(f"bm25.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if bm25 is not None:
            bm25.save(str(tmp / "bm25"), show_progress=False)
        rows = [
            {
                "id": c.id,
                "article_id": c.chunk.article_id,
                "index": c.chunk.index,
                "start": c.chunk.start,
                "end": c.chunk.end,
                "text": c.chunk.text,
                "content_hash": c.content_hash,
                "title": c.title,
                "source": c.source,
                "date": c.date,
                "url": c.url,
            }
            for c in chunks
        ]
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        (tmp / "state.json").write_text(
            json.dumps({"generation": generation, "format": _CACHE_FORMAT, "n": len(rows)})
        )
        shutil.rmtree(self.cache_dir, ignore_errors=True)
        try:
            tmp.rename(self.cache_dir)
        except OSError:  # another process saved the same generation first
            shutil.rmtree(tmp, ignore_errors=True)

    def _load_cache(self, generation: str) -> bool:
        state_path = self.cache_dir / "state.json"
        try:
            state = json.loads(state_path.read_text())
            if state.get("generation") != generation or state.get("format") != _CACHE_FORMAT:
                return False
            chunks = []
            with (self.cache_dir / "chunks.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    chunk = Chunk(
                        article_id=r["article_id"],
                        index=r["index"],
                        start=r["start"],
                        end=r["end"],
                        text=r["text"],
                    )
                    chunks.append(
                        StoredChunk(
                            id=r["id"],
                            chunk=chunk,
                            content_hash=r["content_hash"],
                            title=r["title"],
                            source=r["source"],
                            date=r["date"],
                            url=r["url"],
                        )
                    )
            bm25 = None
            if chunks:
                bm25 = _bm25s().BM25.load(str(self.cache_dir / "bm25"), show_progress=False)
            if len(chunks) != state.get("n"):
                return False
        except (OSError, ValueError, KeyError):
            return False
        self._set(bm25, chunks)
        return True

    def articles_titled(self, titles: list[str]) -> list[str]:
        """Ids of articles whose title matches one of ``titles`` (exactly, else closely)."""
        from rapidfuzz import fuzz

        self._ensure_fresh()
        known = {c.chunk.article_id: c.title for c in self._chunks}
        wanted = [" ".join(t.lower().split()) for t in titles]
        exact = [aid for aid, t in known.items() if " ".join(t.lower().split()) in wanted]
        if exact:
            return exact
        return [
            aid
            for aid, t in known.items()
            if any(fuzz.token_set_ratio(w, t.lower()) >= 90 for w in wanted)
        ]

    def search(
        self,
        query: str,
        k: int,
        article_ids: list[str] | None = None,
        sources: list[str] | None = None,
        date_from: int = 0,
        date_to: int = 0,
    ) -> list[tuple[StoredChunk, float]]:
        """Top ``k`` chunks by BM25 score (> 0), best first, within the filters."""
        self._ensure_fresh()
        tokens = tokenize(query, query=True)
        if self._bm25 is None or not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
        mask = np.ones(len(self._chunks), dtype=bool)
        if article_ids:
            mask &= np.isin(self._article_ids, article_ids)
        if sources:
            mask &= np.isin(self._sources, sources)
        if date_from:
            mask &= self._dates >= date_from
        if date_to:
            mask &= (self._dates <= date_to) & (self._dates > 0)
        scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self._chunks[i], float(scores[i])) for i in top]
