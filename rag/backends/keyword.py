"""BM25 keyword search over the committed chunks (bm25s), cached on disk per index generation."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np

from rag.backends.store import Index, StoredChunk, index_dir
from rag.lexicon import TITLE_MATCH_MIN_SCORE
from rag.text.normalise import tokenize
from rag.types import date_number

log = logging.getLogger(__name__)

_CACHE_FORMAT = 2


def _bm25s() -> Any:
    """Import bm25s, which sets its own logger to DEBUG on import; quiet it again."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class KeywordIndex:
    """A BM25 index of every committed chunk, rebuilt when the index generation changes.

    Only the BM25 matrix and a few compact columns (chunk id, article, source, date) stay in
    memory; the texts of the top hits are read back from the store per query."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._bm25: Any = None  # a bm25s.BM25 once built
        self._ids: list[str] = []
        self._article_ids = np.array([], dtype=object)
        self._sources = np.array([], dtype=object)
        self._dates = np.array([], dtype=np.int64)
        self._titles: dict[str, str] = {}

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
        tokens: list[list[str]] = []
        rows: list[dict] = []
        titles: dict[str, str] = {}
        for c in self.index.iter_chunks():  # texts are tokenised and let go, page by page
            tokens.append(tokenize(c.chunk.text))
            rows.append(
                {
                    "id": c.id,
                    "article_id": c.chunk.article_id,
                    "source": c.source,
                    "date": date_number(c.date),
                }
            )
            titles[c.chunk.article_id] = c.title
        log.info("building the keyword index over %d chunks", len(rows))
        bm25 = None
        if rows:
            bm25 = _bm25s().BM25()
            bm25.index(tokens, show_progress=False)
        del tokens
        self._set(bm25, rows, titles)
        self._save_cache(generation, bm25, rows, titles)

    def _set(self, bm25: Any, rows: list[dict], titles: dict[str, str]) -> None:
        self._bm25 = bm25
        self._ids = [r["id"] for r in rows]
        self._article_ids = np.array([r["article_id"] for r in rows], dtype=object)
        self._sources = np.array([r["source"] for r in rows], dtype=object)
        self._dates = np.array([r["date"] for r in rows], dtype=np.int64)
        self._titles = titles

    def _save_cache(
        self, generation: str, bm25: Any, rows: list[dict], titles: dict[str, str]
    ) -> None:
        tmp = self.cache_dir.with_name(f"bm25.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if bm25 is not None:
            bm25.save(str(tmp / "bm25"), show_progress=False)
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        (tmp / "titles.json").write_text(json.dumps(titles, ensure_ascii=False))
        (tmp / "state.json").write_text(
            json.dumps({"generation": generation, "format": _CACHE_FORMAT, "n": len(rows)})
        )
        shutil.rmtree(self.cache_dir, ignore_errors=True)
        try:
            tmp.rename(self.cache_dir)
        except OSError:  # another process saved the same generation first
            shutil.rmtree(tmp, ignore_errors=True)

    def _load_cache(self, generation: str) -> bool:
        try:
            state = json.loads((self.cache_dir / "state.json").read_text())
            if state.get("generation") != generation or state.get("format") != _CACHE_FORMAT:
                return False
            with (self.cache_dir / "chunks.jsonl").open(encoding="utf-8") as f:
                rows = [json.loads(line) for line in f]
            titles = json.loads((self.cache_dir / "titles.json").read_text())
            if len(rows) != state.get("n"):
                return False
            bm25 = None
            if rows:
                bm25 = _bm25s().BM25.load(str(self.cache_dir / "bm25"), show_progress=False)
        except (OSError, ValueError, KeyError):
            return False
        self._set(bm25, rows, titles)
        return True

    def articles_titled(self, titles: list[str]) -> list[str]:
        """Ids of articles whose title matches one of ``titles`` (exactly, else closely)."""
        from rapidfuzz import fuzz

        self._ensure_fresh()
        wanted = [" ".join(t.lower().split()) for t in titles]
        known = self._titles.items()
        exact = [aid for aid, t in known if " ".join(t.lower().split()) in wanted]
        if exact:
            return exact
        return [
            aid
            for aid, t in known
            if any(fuzz.token_set_ratio(w, t.lower()) >= TITLE_MATCH_MIN_SCORE for w in wanted)
        ]

    def articles_within(
        self,
        article_ids: list[str] | None = None,
        sources: list[str] | None = None,
        date_from: int = 0,
        date_to: int = 0,
    ) -> list[str]:
        """Ids of the indexed articles that pass the filters (same rules as ``search``)."""
        self._ensure_fresh()
        mask = self._mask(article_ids, sources, date_from, date_to)
        return sorted(set(self._article_ids[mask].tolist()))

    def _mask(
        self,
        article_ids: list[str] | None,
        sources: list[str] | None,
        date_from: int,
        date_to: int,
    ) -> np.ndarray:
        mask = np.ones(len(self._ids), dtype=bool)
        if article_ids:
            mask &= np.isin(self._article_ids, article_ids)
        if sources:
            mask &= np.isin(self._sources, sources)
        if date_from:
            mask &= self._dates >= date_from
        if date_to:
            mask &= (self._dates <= date_to) & (self._dates > 0)
        return mask

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
        mask = self._mask(article_ids, sources, date_from, date_to)
        scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        found = self.index.get_chunks([self._ids[i] for i in top])
        return [(found[self._ids[i]], float(scores[i])) for i in top if self._ids[i] in found]
