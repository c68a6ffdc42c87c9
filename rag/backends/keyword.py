"""BM25 keyword search over the committed chunks: a tantivy index on local disk, kept in step
with the store by applying only the articles committed or removed since it last looked.

Beside it, a small SQLite table of the articles it holds (hash, title, source, date) answers
the filters and title matches, and records the store generation the copy reflects. Any
process may bring the copy up to date (one at a time, under a file lock); the others see the
new commit on their next query. A copy is per machine (``RAG_HOME``), so clients of one Chroma
server each keep their own, all from the same store.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from rag.backends.sqlite import connect
from rag.backends.store import ArticleState, Index, StoredChunk, index_dir
from rag.lexicon import TITLE_MATCH_MIN_SCORE
from rag.text.normalise import tokenize
from rag.types import date_number

if TYPE_CHECKING:
    import tantivy

log = logging.getLogger(__name__)

# Bump when the fields or the tokens change: the copy is then built again, once.
_FORMAT = 1
# Records stamped this long before the newest one seen are read again: two writers at once
# can make their commits visible in the other order (stamps never go back, see store.py).
_SLACK_S = 120.0
_WRITER_HEAP = 64_000_000
_BUILD_HEAP = 256_000_000

_IN_JSON = "IN (SELECT value FROM json_each(?))"  # a list of any length, as one JSON parameter
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, title TEXT NOT NULL,
    source TEXT NOT NULL, date_num INTEGER NOT NULL
);
"""


def _tantivy_schema() -> tantivy.Schema:
    import tantivy

    builder = tantivy.SchemaBuilder()
    # Our own tokens (rag.text.normalise.tokenize), joined by spaces.
    builder.add_text_field("tokens", stored=False, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("article_id", stored=False, tokenizer_name="raw")
    builder.add_text_field("source", stored=False, tokenizer_name="raw")
    builder.add_integer_field("date", fast=True, indexed=True)
    return builder.build()


class KeywordIndex:
    """BM25 over every committed chunk, brought up to date before each use."""

    def __init__(self, index: Index, path: Path | None = None) -> None:
        self.index = index
        self._root = path or index_dir(index.settings) / "keyword"
        self._lock = threading.Lock()
        self._seen: str | None = None  # the store generation this process last caught up with
        self._engine: tantivy.Index | None = None
        self._searcher: tantivy.Searcher | None = None
        self._schema: tantivy.Schema | None = None

    @property
    def path(self) -> Path:
        return self._root / f"v{_FORMAT}"

    @property
    def _db_path(self) -> Path:
        return self.path / "articles.sqlite"

    # --- keeping up with the store ------------------------------------------------------------

    def refresh(self) -> None:
        """Apply what the store committed or removed since this copy last looked (nothing to
        do, and one store call, when nothing changed)."""
        generation = self.index.generation()
        with self._lock:
            deleted = not (self.path / "meta.json").exists() or not self._db_path.exists()
            if generation == self._seen and self._searcher is not None and not deleted:
                return
            if deleted:  # a new copy, or one deleted under this process: build it (again)
                self._engine = self._searcher = None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.path.parent / "update.lock"), timeout=600):
                engine = self._open()
                with connect(self._db_path) as db:
                    state = dict(db.execute("SELECT key, value FROM state").fetchall())
                if "generation" not in state:
                    self._rebuild(engine, generation)
                elif state["generation"] != generation:
                    self._catch_up(engine, generation, float(state["since"]))
            engine.reload()
            self._searcher = engine.searcher()
            self._seen = generation

    def _open(self) -> tantivy.Index:
        if self._engine is None:
            import tantivy

            # The in-memory BM25 of earlier releases cached itself here. (Copies in an earlier
            # format, v1…, are left alone: a process not yet upgraded may still be using one.)
            shutil.rmtree(self._root.parent / "bm25", ignore_errors=True)
            self.path.mkdir(parents=True, exist_ok=True)
            with connect(self._db_path) as db:
                db.executescript(_SCHEMA)
            self._schema = _tantivy_schema()
            self._engine = tantivy.Index(self._schema, path=str(self.path), reuse=True)
        return self._engine

    def _rebuild(self, engine: tantivy.Index, generation: str) -> None:
        """Every committed article, from scratch (a new copy, or a new format)."""
        states = self.index.changes_since(None)
        log.info("building the keyword index over %d articles", len(states))
        with _writing(engine, _BUILD_HEAP, threads=2) as writer:
            writer.delete_all_documents()
            self._add(writer, self.index.iter_chunks({s.id: s.content_hash for s in states}))
        since = max((s.committed for s in states), default=0.0)
        with connect(self._db_path) as db:
            db.execute("DELETE FROM articles")
            _record(db, states, generation, since)

    def _catch_up(self, engine: tantivy.Index, generation: str, since: float) -> None:
        changes = self.index.changes_since(since - _SLACK_S)
        with connect(self._db_path) as db:
            held = dict(
                db.execute(
                    f"SELECT id, content_hash FROM articles WHERE id {_IN_JSON}",
                    (json.dumps([c.id for c in changes]),),
                ).fetchall()
            )
        todo = [c for c in changes if held.get(c.id, "") != c.content_hash]
        if todo:
            log.info("keyword index: %d article(s) changed", len(todo))
            chunks = self.index.chunks_of({c.id: c.content_hash for c in todo if c.content_hash})
            with _writing(engine, _WRITER_HEAP, threads=1) as writer:
                for change in todo:
                    writer.delete_documents_by_term("article_id", change.id)
                self._add(writer, chunks)
        since = max([since, *(c.committed for c in changes)])
        with connect(self._db_path) as db:
            db.executemany("DELETE FROM articles WHERE id = ?", [(c.id,) for c in todo])
            _record(db, [c for c in todo if c.content_hash], generation, since)

    def _add(self, writer: tantivy.IndexWriter, chunks: Iterable[StoredChunk]) -> None:
        import tantivy

        for c in chunks:  # texts are tokenised and let go, page by page
            writer.add_document(
                tantivy.Document(
                    tokens=" ".join(tokenize(c.chunk.text)),
                    chunk_id=c.id,
                    article_id=c.chunk.article_id,
                    source=c.source,
                    date=date_number(c.date),
                )
            )

    # --- reading --------------------------------------------------------------------------------

    def articles_titled(self, titles: list[str]) -> list[str]:
        """Ids of articles whose title matches one of ``titles`` (exactly, else closely)."""
        from rapidfuzz import fuzz

        self.refresh()
        wanted = [" ".join(t.lower().split()) for t in titles]
        with connect(self._db_path) as db:
            known = db.execute("SELECT id, title FROM articles ORDER BY id").fetchall()
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
        self.refresh()
        clauses: list[str] = []
        args: list[object] = []
        for column, values in (("id", article_ids), ("source", sources)):
            if values:
                clauses.append(f"{column} {_IN_JSON}")
                args.append(json.dumps(values))
        if date_from:
            clauses.append("date_num >= ?")
            args.append(date_from)
        if date_to:
            clauses.append("date_num BETWEEN 1 AND ?")
            args.append(date_to)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with connect(self._db_path) as db:
            rows = db.execute(f"SELECT id FROM articles {where} ORDER BY id", args).fetchall()
        return [r[0] for r in rows]

    def search(
        self,
        query: str,
        k: int,
        article_ids: list[str] | None = None,
        sources: list[str] | None = None,
        date_from: int = 0,
        date_to: int = 0,
    ) -> list[tuple[StoredChunk, float]]:
        """Top ``k`` chunks by BM25 score, best first, within the filters."""
        import tantivy

        self.refresh()
        tokens = list(dict.fromkeys(tokenize(query, query=True)))
        searcher, schema = self._searcher, self._schema
        if not tokens or k <= 0 or searcher is None or schema is None:
            return []
        should = tantivy.Occur.Should
        must = tantivy.Occur.Must
        words = tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(schema, "tokens", t)) for t in tokens]
        )
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = [(must, words)]
        for field, values in (("article_id", article_ids), ("source", sources)):
            if values:
                parts.append((must, tantivy.Query.term_set_query(schema, field, values)))
        if date_from or date_to:
            lower = date_from or 1  # an undated article (0) is outside any range that ends
            dates = tantivy.Query.range_query(
                schema, "date", tantivy.FieldType.Integer, lower, date_to or None
            )
            parts.append((must, dates))
        query_obj = words if len(parts) == 1 else tantivy.Query.boolean_query(parts)
        hits = searcher.search(query_obj, k, count=False).hits
        ids = [(searcher.doc(address)["chunk_id"][0], float(score)) for score, address in hits]
        found = self.index.get_chunks([cid for cid, _ in ids])
        return [(found[cid], score) for cid, score in ids if cid in found]


@contextlib.contextmanager
def _writing(engine: tantivy.Index, heap: int, threads: int) -> Iterator[tantivy.IndexWriter]:
    """tantivy's writer: committed if the block ends well, rolled back if not, and let go of
    either way (waiting for its merges is what releases its lock)."""
    writer = engine.writer(heap_size=heap, num_threads=threads)
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()


def _record(
    db: sqlite3.Connection, states: Sequence[ArticleState], generation: str, since: float
) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)",
        [(s.id, s.content_hash, s.title, s.source, s.date_num) for s in states],
    )
    db.executemany(
        "INSERT OR REPLACE INTO state VALUES (?, ?)",
        [("generation", generation), ("since", repr(since))],
    )
