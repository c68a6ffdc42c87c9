"""The index: Chroma collections of articles, chunks, the quote ledger and the earlier
texts of articles that changed, written with a crash-safe protocol.

Commit protocol for a batch of articles (no step leaves a half-indexed article visible):
1. mark each article record ``pending_hash = new`` (creating a hidden record if new);
2. add the new chunks and ledger rows, ids ``{article_id}::{hash}::{i}`` / ``::q{i}``,
   tagged with the new hash;
3. write the records with the new text and ``content_hash = new`` (the commit point);
4. delete the rows of the versions just replaced.
Before step 3, the text of each article whose text changed is kept as a version
(:meth:`Index.versions`): what was published before an edit.
Readers only trust rows whose hash equals their article's committed hash, and
:meth:`Index.repair` removes what an interrupted write left behind.

Each record carries ``committed``, the time of its last commit or removal, never below the
newest one already in the store (the collection keeps it as ``stamp``), so that a writer
whose clock is late still stamps after what readers have seen. A removed article stays as a
record without text or hash (a tombstone). A reader keeping a copy (the keyword index) asks
:meth:`Index.changes_since` instead of reading everything.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function
from filelock import FileLock

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Include

from rag.backends.embed import Embedder, LangChainEmbeddings, get_embedder
from rag.errors import ConfigError, NotFoundError
from rag.settings import Settings, get_settings
from rag.types import (
    Article,
    ArticleInfo,
    ArticleVersion,
    Chunk,
    Quote,
    SearchFilter,
    date_number,
)

log = logging.getLogger(__name__)

_PAGE = 2000
_COMMITTED = {"content_hash": {"$ne": ""}}  # records of articles not removed nor pending
_ADD_BATCH = 1000
_IN_BATCH = _PAGE // 10  # ids in one "$in" filter


def text_digest(text: str) -> str:
    """Identity of an article's words (whitespace ignored): the same story saved twice."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the index holds it, with the article fields copied onto it."""

    id: str
    chunk: Chunk
    content_hash: str
    title: str
    source: str
    date: str
    url: str


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (cosine by dot product, whatever the embedder returns)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _article_vectors(chunk_vectors: np.ndarray, counts: Sequence[int]) -> np.ndarray:
    """Each article's record vector: the normalised mean of its chunks' vectors."""
    bounds = np.cumsum([0, *counts])
    sums = [chunk_vectors[lo:hi].sum(axis=0) for lo, hi in itertools.pairwise(bounds)]
    return _unit(np.stack(sums) if sums else chunk_vectors[:0])


def _of_version(meta: dict[str, Any], versions: dict[str, str]) -> bool:
    """Whether a chunk or ledger row belongs to its article's version in ``versions``."""
    return versions.get(str(meta["article_id"])) == meta.get("content_hash")


def _chunk_id_at(article: Article, starts: Sequence[int], offset: int) -> str:
    """The id of the chunk holding ``offset`` of the article: the last one starting at or
    before it (``starts``: the chunks' starts, in order)."""
    index = max(bisect.bisect_right(starts, offset) - 1, 0)
    return f"{article.id}::{article.content_hash}::{index}"


def _chunk_from_record(cid: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    chunk = Chunk(
        article_id=str(meta["article_id"]),
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
    )
    return StoredChunk(
        id=cid,
        chunk=chunk,
        content_hash=str(meta.get("content_hash", "")),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        date=str(meta.get("date", "")),
        url=str(meta.get("url", "")),
    )


def make_client(settings: Settings) -> Any:
    """An embedded Chroma under RAG_HOME, or a client of the server at RAG_CHROMA_URL."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise ConfigError(f"RAG_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.home / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@dataclass(frozen=True)
class ArticleState:
    """An article record as a copy of the index needs it: no hash once removed."""

    id: str
    content_hash: str
    committed: float
    title: str
    source: str
    date_num: int


@dataclass(frozen=True)
class IndexedArticle:
    """What one article adds to the index."""

    article: Article
    chunks: Sequence[Chunk]
    quotes: Sequence[Quote] = ()
    vectors: np.ndarray | None = None  # the chunks' embeddings, if computed ahead


class Index:
    """Articles, chunks and ledger rows in Chroma; the one place that writes or reads them."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        ef = ChromaEmbeddingFunction(settings.embedder, self.embedder)
        meta = {"embedder": self.embedder.name, "dim": self.embedder.dim}
        config = {"hnsw": {"space": "cosine"}}
        # Two processes opening a new embedded index at once would both create its tables.
        with self._open_lock():
            self.client = make_client(settings)
            self.chunks, self.articles, self.quotes, self.earlier = (
                self.client.get_or_create_collection(
                    f"{settings.collection}_{kind}",
                    embedding_function=ef,
                    configuration=config,
                    metadata=meta,
                )
                for kind in ("chunks", "articles", "quotes", "versions")
            )
        built_with = (self.chunks.metadata or {}).get("embedder")
        if built_with and built_with != self.embedder.name:
            raise ConfigError(
                f"the index at {settings.home} was built with embedder {built_with!r}, "
                f"not {self.embedder.name!r}: set RAG_EMBEDDER={built_with} or use a new RAG_HOME"
            )

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.home / "chroma")

    # --- reading -------------------------------------------------------------------------

    def generation(self) -> str:
        """Changes whenever an article is committed or removed (by any process)."""
        col = self.client.get_collection(self.articles.name)
        return str((col.metadata or {}).get("generation", ""))

    def count_articles(self) -> int:
        return len(self._committed_records(include=[])[0])

    def list_articles(self) -> list[ArticleInfo]:
        ids, metas = self._committed_records(include=["metadatas"])
        infos = [_info(i, m) for i, m in zip(ids, metas, strict=True)]
        return sorted(infos, key=lambda a: (a.date, a.id))

    def committed_hashes(self) -> dict[str, str]:
        ids, metas = self._committed_records(include=["metadatas"])
        return {i: str(m["content_hash"]) for i, m in zip(ids, metas, strict=True)}

    def _committed_records(
        self, include: Include, where: dict[str, Any] | None = None
    ) -> tuple[list[str], list[dict]]:
        """Ids and metadata of the article records matching ``where`` (default: committed)."""
        ids: list[str] = []
        metas: list[dict] = []
        for page in self._pages(self.articles, where or _COMMITTED, include or ["metadatas"]):
            ids.extend(page["ids"])
            metas.extend(page["metadatas"] or [{}] * len(page["ids"]))
        return ids, metas

    def changes_since(self, since: float | None = None) -> list[ArticleState]:
        """Every committed article (``since`` None), or every record committed or removed at
        or after ``since``: removed ones, and new ones not yet committed, have no hash."""
        where = None if since is None else {"committed": {"$gte": since}}
        ids, metas = self._committed_records(["metadatas"], where)
        return [_state(i, m) for i, m in zip(ids, metas, strict=True)]

    def chunks_of(self, versions: dict[str, str]) -> list[StoredChunk]:
        """The chunks of these article versions (article id -> content hash)."""
        ids = sorted(versions)
        step = _PAGE // 10
        return [
            _chunk_from_record(cid, text, meta)
            for lo in range(0, len(ids), step)
            for cid, text, meta in self._committed_rows(
                self.chunks, {"article_id": {"$in": ids[lo : lo + step]}}, versions
            )
        ]

    def get_articles(self, ids: Sequence[str]) -> dict[str, Article]:
        """Committed articles by id (missing ids are left out)."""
        if not ids:
            return {}
        page = self.articles.get(ids=list(dict.fromkeys(ids)), include=["metadatas", "documents"])
        out: dict[str, Article] = {}
        for aid, meta, text in zip(page["ids"], page["metadatas"], page["documents"], strict=True):
            if meta.get("content_hash"):
                out[aid] = _article(aid, meta, text or "")
        return out

    def get_article(self, article_id: str) -> Article:
        found = self.get_articles([article_id]).get(article_id)
        if found is None:
            raise NotFoundError(f"no article with id {article_id!r} in {self.location}")
        return found

    def stored_hash(self, article_id: str) -> str | None:
        page = self.articles.get(ids=[article_id], include=["metadatas"])
        if not page["ids"]:
            return None
        return str(page["metadatas"][0].get("content_hash", "")) or None

    def ids_with_text(self, digest: str) -> list[str]:
        """Committed articles whose text has this :func:`text_digest`."""
        page = self.articles.get(where={"$and": [{"text_hash": digest}, _COMMITTED]}, include=[])
        return list(page["ids"])

    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        """Chunks by id (ids no longer in the index are left out)."""
        if not ids:
            return {}
        page = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return {
            cid: _chunk_from_record(cid, text or "", meta)
            for cid, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            )
        }

    def iter_chunks(self, versions: dict[str, str] | None = None) -> Iterator[StoredChunk]:
        """Every committed chunk, or those of these article versions (id -> content hash)."""
        for cid, text, meta in self._committed_rows(self.chunks, versions=versions):
            yield _chunk_from_record(cid, text, meta)

    def iter_quotes(self, article_ids: Sequence[str] = ()) -> Iterator[tuple[Quote, str]]:
        """Every committed ledger row (and its article title), in article order."""
        where = {"article_id": {"$in": list(article_ids)}} if article_ids else None
        for _, text, meta in self._committed_rows(self.quotes, where):
            yield quote_from_record(text, meta), str(meta.get("title", ""))

    def _committed_rows(
        self, collection: Any, where: dict | None = None, versions: dict[str, str] | None = None
    ) -> Iterator[tuple[str, str, dict]]:
        """(id, document, metadata) of the rows whose article version is committed (or is
        one of ``versions``), paged."""
        committed = self.committed_hashes() if versions is None else versions
        for page in self._pages(collection, where, ["documents", "metadatas"]):
            for row_id, text, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                if _of_version(meta, committed):
                    yield row_id, text or "", meta

    @staticmethod
    def _pages(collection: Collection, where: dict | None, include: Include) -> Iterator[Any]:
        """A collection's rows matching ``where``, a page at a time."""
        offset = 0
        while True:
            page = collection.get(where=where, include=include, limit=_PAGE, offset=offset)
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def dense_search(
        self, query_vector: np.ndarray, k: int, filters: SearchFilter | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks by cosine similarity (1 - distance), best first. (No count first:
        an empty collection answers with nothing, and counting 800k chunks on a server took
        70 ms, most of a query.)"""
        result = self.chunks.query(
            query_embeddings=[query_vector.tolist()],
            n_results=k,
            where=_where(filters or SearchFilter()),
            include=["documents", "metadatas", "distances"],
        )
        return [
            (_chunk_from_record(cid, text or "", meta), 1.0 - float(dist))
            for cid, text, meta, dist in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        ]

    def quote_similarity(
        self, text: str, speakers: Sequence[str], article_ids: Sequence[str]
    ) -> dict[tuple[str, int], float]:
        """Cosine similarity of ``text`` to the passage holding each of the speakers'
        committed ledger rows, by (article id, quote start); quotes in one passage score
        alike. A row written before rows named their passage is compared by its own
        stored vector."""
        where: dict[str, Any] = {"speaker": {"$in": list(speakers)}}
        if article_ids:
            where = {"$and": [where, {"article_id": {"$in": list(article_ids)}}]}
        rows = [
            (row_id, meta)
            for page in self._pages(self.quotes, where, ["metadatas"])
            for row_id, meta in zip(page["ids"], page["metadatas"], strict=True)
        ]
        committed = self._hashes_of({str(meta["article_id"]) for _, meta in rows})
        by_chunk: dict[str, list[tuple[str, int]]] = {}
        by_row: dict[str, list[tuple[str, int]]] = {}
        for row_id, meta in rows:
            if not _of_version(meta, committed):
                continue
            key = (str(meta["article_id"]), int(meta["start"]))
            chunk_id = str(meta.get("chunk_id", ""))
            if chunk_id:
                by_chunk.setdefault(chunk_id, []).append(key)
            else:
                by_row.setdefault(row_id, []).append(key)
        query = _unit(self.embedder.embed([text]))[0]
        found: dict[tuple[str, int], float] = {}
        for collection, wanted in ((self.chunks, by_chunk), (self.quotes, by_row)):
            ids = list(wanted)
            for lo in range(0, len(ids), _PAGE):
                page = collection.get(ids=ids[lo : lo + _PAGE], include=["embeddings"])
                vectors = _unit(np.asarray(page["embeddings"], dtype=np.float32))
                for vid, vector in zip(page["ids"], vectors, strict=True):
                    for key in wanted[vid]:
                        found[key] = float(vector @ query)
        return found

    def _hashes_of(self, article_ids: set[str]) -> dict[str, str]:
        """The committed content hash of each of these articles that has one."""
        ids, hashes = sorted(article_ids), {}
        for lo in range(0, len(ids), _PAGE):
            page = self.articles.get(ids=ids[lo : lo + _PAGE], include=["metadatas"])
            for aid, meta in zip(page["ids"], page["metadatas"], strict=True):
                if meta.get("content_hash"):
                    hashes[aid] = str(meta["content_hash"])
        return hashes

    def vectorstore(self) -> Any:
        """The chunks as a LangChain ``Chroma`` vector store (same collection, same embedder)."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self.client,
            collection_name=self.chunks.name,
            embedding_function=LangChainEmbeddings(self.embedder),
        )

    # --- writing -------------------------------------------------------------------------

    def upsert(
        self, article: Article, chunks: Sequence[Chunk], quotes: Sequence[Quote] = ()
    ) -> None:
        """Index ``article`` (replacing an older version) atomically."""
        self.upsert_many([IndexedArticle(article, chunks, quotes)])

    def _open_lock(self) -> contextlib.AbstractContextManager[object]:
        """Serialises opening (and, the first time, creating) an embedded index."""
        if self.settings.chroma_url:
            return contextlib.nullcontext()
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.settings.home / "open.lock"), timeout=600)

    def write_lock(self) -> contextlib.AbstractContextManager[object]:
        """Serialises writers of an embedded index across processes (a CLI ingest while the
        page serves). A Chroma server orders its own writes."""
        if self.settings.chroma_url:
            return contextlib.nullcontext()
        return FileLock(str(self.settings.home / "write.lock"), timeout=600)

    def upsert_many(self, items: Sequence[IndexedArticle]) -> None:
        """Index several articles with a fixed number of Chroma writes (each write costs a
        commit, so batching is what makes large ingests fast). See the module docstring."""
        with self.write_lock():
            self._upsert_many(items)

    def _upsert_many(self, items: Sequence[IndexedArticle]) -> None:
        items = list({i.article.id: i for i in items}.values())  # the last version wins
        if not items:
            return
        if any(not i.article.content_hash for i in items):
            raise ValueError("article.content_hash must be set before indexing")
        ids = [i.article.id for i in items]
        existing = self.articles.get(ids=ids, include=["metadatas"])
        old = dict(zip(existing["ids"], existing["metadatas"], strict=True))
        # 1. Mark every article pending (new ones get a hidden placeholder record).
        pending_old = [
            (i.article.id, {**old[i.article.id], "pending_hash": i.article.content_hash})
            for i in items
            if i.article.id in old
        ]
        if pending_old:
            self.articles.update(
                ids=[i for i, _ in pending_old], metadatas=[m for _, m in pending_old]
            )
        fresh = [i.article for i in items if i.article.id not in old]
        if fresh:
            self.articles.add(
                ids=[a.id for a in fresh],
                embeddings=self._zeros(len(fresh)).tolist(),
                metadatas=[
                    _article_meta(a, content_hash="", pending=a.content_hash) for a in fresh
                ],
                documents=[""] * len(fresh),
            )
        earlier = self._earlier_texts(items, old)
        # 2. Add the new chunks and ledger rows.
        metas = {
            i.article.id: _article_meta(
                i.article,
                content_hash=i.article.content_hash,
                pending="",
                chunks=len(i.chunks),
                quotes=len(i.quotes),
            )
            for i in items
        }
        chunk_rows = [
            (
                f"{i.article.id}::{i.article.content_hash}::{c.index}",
                c.text,
                _chunk_meta(metas[i.article.id], c),
            )
            for i in items
            for c in i.chunks
        ]
        starts = {i.article.id: [c.start for c in i.chunks] for i in items}
        quote_rows = [
            (
                f"{i.article.id}::{i.article.content_hash}::q{n}",
                q.quote,
                _quote_meta(metas[i.article.id], q)
                | {"chunk_id": _chunk_id_at(i.article, starts[i.article.id], q.start)},
            )
            for i in items
            for n, q in enumerate(i.quotes)
        ]
        vectors = self._chunk_vectors(items)
        self._add_rows(self.chunks, chunk_rows, vectors)
        # A ledger row is compared by its passage's vector (quote_similarity), so its own
        # is not computed (that was a third of the ingest time); it is stored with the
        # passage's, which Chroma indexes faster than rows of zeros.
        row_of = {cid: n for n, (cid, _, _) in enumerate(chunk_rows)}
        passages = [row_of[str(meta["chunk_id"])] for _, _, meta in quote_rows]
        self._add_rows(self.quotes, quote_rows, vectors[passages])
        # 3. Commit: the records with the new text and hash (stamped last thing before).
        summaries = _article_vectors(vectors, [len(i.chunks) for i in items])
        committed = self._next_stamp()
        for meta in metas.values():
            meta["committed"] = committed
        self.articles.upsert(
            ids=ids,
            embeddings=summaries.tolist(),
            metadatas=[metas[i] for i in ids],
            documents=[i.article.text for i in items],
        )
        self._keep_versions(earlier)
        # 4. Drop the rows of the versions just replaced.
        written = {cid for cid, _, _ in chunk_rows} | {qid for qid, _, _ in quote_rows}
        for collection, count_key, prefix in (
            (self.chunks, "chunks", ""),
            (self.quotes, "quotes", "q"),
        ):
            stale = [
                f"{aid}::{meta.get('content_hash')}::{prefix}{n}"
                for aid, meta in old.items()
                if meta.get("content_hash")
                for n in range(int(meta.get(count_key, 0)))
            ]
            stale = [row_id for row_id in stale if row_id not in written]
            if stale:
                collection.delete(ids=stale)
        self._bump_generation(committed)

    def _earlier_texts(
        self, items: Sequence[IndexedArticle], old: dict[str, dict]
    ) -> list[tuple[str, str, dict]]:
        """The committed text of each article whose text is about to change, as rows of
        the versions collection (written once the new text is committed)."""
        changed = [
            i.article.id
            for i in items
            if i.article.id in old
            and old[i.article.id].get("content_hash")
            and old[i.article.id].get("text_hash") != text_digest(i.article.text)
        ]
        if not changed:
            return []
        page = self.articles.get(ids=changed, include=["metadatas", "documents"])
        replaced = _now()
        return [
            (
                f"{aid}@{meta['content_hash']}@{replaced}",
                text,
                {
                    "article_id": aid,
                    "content_hash": str(meta["content_hash"]),
                    "title": str(meta.get("title", "")),
                    "url": str(meta.get("url", "")),
                    "fetched": str(meta.get("fetched", "")),
                    "replaced": replaced,
                },
            )
            for aid, meta, text in zip(
                page["ids"], page["metadatas"], page["documents"], strict=True
            )
        ]

    def _keep_versions(self, rows: list[tuple[str, str, dict]]) -> None:
        if not rows:
            return
        self.earlier.upsert(
            ids=[r[0] for r in rows],
            embeddings=self._zeros(len(rows)).tolist(),
            documents=[r[1] for r in rows],
            metadatas=[r[2] for r in rows],
        )

    def versions(self, article_id: str) -> list[ArticleVersion]:
        """The earlier texts of an article, oldest first (empty when it never changed)."""
        return self.versions_of([article_id]).get(article_id, [])

    def versions_of(self, article_ids: Sequence[str]) -> dict[str, list[ArticleVersion]]:
        """The earlier texts of each of some articles that changed, oldest first."""
        ids = sorted(set(article_ids)) if self.earlier.count() else []  # most never change
        metas: list[Any] = []
        texts: list[str] = []
        for lo in range(0, len(ids), _IN_BATCH):
            batch = ids[lo : lo + _IN_BATCH]
            where = {"article_id": batch[0]} if len(batch) == 1 else {"article_id": {"$in": batch}}
            page = self.earlier.get(where=where, include=["metadatas", "documents"])
            metas += page["metadatas"] or []
            texts += page["documents"] or []
        found: dict[str, list[ArticleVersion]] = {}
        for meta, text in zip(metas, texts, strict=True):
            version = ArticleVersion(
                article_id=str(meta.get("article_id", "")),
                content_hash=str(meta.get("content_hash", "")),
                title=str(meta.get("title", "")),
                url=str(meta.get("url", "")),
                fetched=str(meta.get("fetched", "")),
                replaced=str(meta.get("replaced", "")),
                text=text,
            )
            found.setdefault(version.article_id, []).append(version)
        return {aid: sorted(vs, key=lambda v: v.replaced) for aid, vs in found.items()}

    def meaning_similarity(self, text: str, others: Sequence[str]) -> list[float]:
        """Cosine similarity of ``text`` to each of ``others`` by this index's embedder."""
        vectors = _unit(self.embedder.embed([text, *others]))
        return [float(v) for v in vectors[1:] @ vectors[0]]

    def embed_chunks(self, chunks: Sequence[Chunk]) -> np.ndarray:
        """The chunks' vectors, for an :class:`IndexedArticle` prepared ahead of its write."""
        return self.embedder.embed([c.text for c in chunks])

    def _chunk_vectors(self, items: Sequence[IndexedArticle]) -> np.ndarray:
        """The chunks' vectors in write order: those computed ahead, the rest now (in one
        call, so that short articles share batches)."""
        lacking = [c for i in items if i.vectors is None for c in i.chunks]
        computed = self.embed_chunks(lacking) if lacking else self._zeros(0)
        parts, at = [], 0
        for item in items:
            vectors = item.vectors
            if vectors is None:
                vectors, at = computed[at : at + len(item.chunks)], at + len(item.chunks)
            if len(vectors) != len(item.chunks):
                raise ValueError(f"{item.article.id}: one vector per chunk is needed")
            parts.append(vectors)
        return np.concatenate(parts) if parts else self._zeros(0)

    def _zeros(self, n: int) -> np.ndarray:
        return np.zeros((n, self.embedder.dim), dtype=np.float32)

    def _add_rows(
        self, collection: Any, rows: list[tuple[str, str, dict]], vectors: np.ndarray
    ) -> None:
        if not rows:
            return
        for lo in range(0, len(rows), _ADD_BATCH):
            batch = rows[lo : lo + _ADD_BATCH]
            collection.upsert(
                ids=[row_id for row_id, _, _ in batch],
                embeddings=vectors[lo : lo + _ADD_BATCH].tolist(),
                documents=[text for _, text, _ in batch],
                metadatas=[meta for _, _, meta in batch],
            )

    def collections(self) -> tuple[Any, ...]:
        return (self.chunks, self.articles, self.quotes, self.earlier)

    def drop(self) -> None:
        """Delete every collection of this index (a benchmark's scratch index)."""
        for collection in self.collections():
            self.client.delete_collection(collection.name)

    def remove(self, article_id: str) -> None:
        with self.write_lock():
            self._remove(article_id)

    def _remove(self, article_id: str) -> None:
        page = self.articles.get(ids=[article_id], include=["metadatas"])
        if not page["ids"] or not (page["metadatas"][0] or {}).get("content_hash"):
            raise NotFoundError(f"no article with id {article_id!r} in {self.location}")
        # Hide the article first, then drop its chunks; the record stays as a tombstone.
        stamp = self._next_stamp()
        self.articles.update(
            ids=[article_id],
            embeddings=self._zeros(1).tolist(),
            metadatas=[{"content_hash": "", "pending_hash": "", "committed": stamp}],
            documents=[""],
        )
        self.chunks.delete(where={"article_id": article_id})
        self.quotes.delete(where={"article_id": article_id})
        self.earlier.delete(where={"article_id": article_id})
        self._bump_generation(stamp)

    def repair(self) -> int:
        """Remove what interrupted writes left behind; returns how many articles it fixed."""
        with self.write_lock():
            return self._repair()

    def _repair(self) -> int:
        page = self.articles.get(where={"pending_hash": {"$ne": ""}}, include=["metadatas"])
        fixed = 0
        for aid, meta in zip(page["ids"], page["metadatas"], strict=True):
            pending = str(meta.get("pending_hash", ""))
            committed = str(meta.get("content_hash", ""))
            if pending and pending != committed:
                where = {"$and": [{"article_id": aid}, {"content_hash": pending}]}
                self.chunks.delete(where=where)
                self.quotes.delete(where=where)
            if committed or "committed" in meta:  # a committed article, or a tombstone
                self.articles.update(ids=[aid], metadatas=[{**meta, "pending_hash": ""}])
            else:  # the placeholder of an article never committed
                self.articles.delete(ids=[aid])
            fixed += 1
        if fixed:
            self._bump_generation()
        return fixed

    def _next_stamp(self) -> float:
        """Now, or just after the newest commit stamp in the store if this clock is late."""
        col = self.client.get_collection(self.articles.name)
        return max(time.time(), float((col.metadata or {}).get("stamp", 0.0)) + 1e-3)

    def _bump_generation(self, stamp: float = 0.0) -> None:
        for _ in range(3):  # two writers of a server at once: the later modify wins, so check
            col = self.client.get_collection(self.articles.name)
            meta = dict(col.metadata or {})
            meta["generation"] = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}"
            meta["stamp"] = max(stamp, float(meta.get("stamp", 0.0)))
            # Chroma refuses to modify the hnsw keys; pass only ours.
            col.modify(metadata={k: v for k, v in meta.items() if not k.startswith("hnsw:")})
            now = self.client.get_collection(self.articles.name).metadata or {}
            if float(now.get("stamp", 0.0)) >= meta["stamp"]:
                return


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="microseconds")


def _article_meta(
    article: Article, *, content_hash: str, pending: str, chunks: int = 0, quotes: int = 0
) -> dict:
    return {
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "date": article.date,
        "date_num": date_number(article.date),
        "author": article.author,
        "path": article.path,
        "fetched": article.fetched,
        "chunks": chunks,
        "quotes": quotes,
        "text_hash": text_digest(article.text),
        "content_hash": content_hash,
        "pending_hash": pending,
    }


def _chunk_meta(base: dict, chunk: Chunk) -> dict:
    return {
        "article_id": chunk.article_id,
        "content_hash": base["content_hash"],
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "title": base["title"],
        "source": base["source"],
        "date": base["date"],
        "date_num": base["date_num"],
        "url": base["url"],
    }


def _quote_meta(base: dict, quote: Quote) -> dict:
    measured = {} if quote.confidence is None else {"confidence": quote.confidence}
    return measured | {
        "article_id": quote.article_id,
        "content_hash": base["content_hash"],
        "title": base["title"],
        "speaker": quote.speaker,
        "speaker_mention": quote.speaker_mention,
        "speaker_role": quote.speaker_role,
        "speaker_start": quote.speaker_start,
        "speaker_end": quote.speaker_end,
        "role_start": quote.role_start,
        "role_end": quote.role_end,
        "speaker_appositive": quote.speaker_appositive,
        "appositive_start": quote.appositive_start,
        "appositive_end": quote.appositive_end,
        "cue": quote.cue,
        "via": quote.via,
        "via_start": quote.via_start,
        "via_end": quote.via_end,
        "kind": quote.kind,
        "method": quote.method,
        "start": quote.start,
        "end": quote.end,
        "span_start": quote.span_start,
        "span_end": quote.span_end,
        "source": base["source"],
        "date": base["date"],
        "date_num": base["date_num"],
    }


def quote_from_record(text: str, meta: dict) -> Quote:
    return Quote(
        article_id=str(meta["article_id"]),
        speaker=str(meta.get("speaker", "")),
        speaker_mention=str(meta.get("speaker_mention", "")),
        speaker_role=str(meta.get("speaker_role", "")),
        speaker_start=int(meta.get("speaker_start", 0)),
        speaker_end=int(meta.get("speaker_end", 0)),
        role_start=int(meta.get("role_start", 0)),
        role_end=int(meta.get("role_end", 0)),
        speaker_appositive=str(meta.get("speaker_appositive", "")),
        appositive_start=int(meta.get("appositive_start", 0)),
        appositive_end=int(meta.get("appositive_end", 0)),
        cue=str(meta.get("cue", "")),
        via=str(meta.get("via", "")),
        via_start=int(meta.get("via_start", 0)),
        via_end=int(meta.get("via_end", 0)),
        quote=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        kind=meta.get("kind", "direct"),
        method=meta.get("method", "rule"),
        confidence=float(meta["confidence"]) if "confidence" in meta else None,
        date=str(meta.get("date", "")),
        source=str(meta.get("source", "")),
        span_start=int(meta.get("span_start", meta["start"])),
        span_end=int(meta.get("span_end", meta["end"])),
    )


def _info(aid: str, meta: dict) -> ArticleInfo:
    return ArticleInfo(
        id=aid,
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        date=str(meta.get("date", "")),
        author=str(meta.get("author", "")),
        path=str(meta.get("path", "")),
        fetched=str(meta.get("fetched", "")),
        content_hash=str(meta.get("content_hash", "")),
        chunks=int(meta.get("chunks", 0)),
        quotes=int(meta.get("quotes", 0)),
    )


def _state(aid: str, meta: dict) -> ArticleState:
    return ArticleState(
        id=aid,
        content_hash=str(meta.get("content_hash", "")),
        committed=float(meta.get("committed", 0.0)),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        date_num=int(meta.get("date_num", 0)),
    )


def _article(aid: str, meta: dict, text: str) -> Article:
    info = _info(aid, meta)
    return Article(text=text, **info.model_dump(exclude={"chunks", "quotes"}))


@register_embedding_function
class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma view of an :class:`Embedder`; rebuilt by name when a collection is reopened."""

    def __init__(self, embedder: str = "minilm", embedder_obj: Embedder | None = None) -> None:
        self.embedder_name = embedder
        self._embedder = embedder_obj

    def _get(self) -> Embedder:
        if self._embedder is None:
            settings = get_settings().model_copy(update={"embedder": self.embedder_name})
            self._embedder = get_embedder(settings)
        return self._embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._get().embed(list(input)))

    @staticmethod
    def name() -> str:
        return "rag_news"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def supported_spaces(self) -> list[str]:  # type: ignore[override]
        return ["cosine"]

    def get_config(self) -> dict[str, Any]:
        return {"embedder": self.embedder_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(embedder=config.get("embedder", "minilm"))


def _where(filters: SearchFilter) -> dict[str, Any] | None:
    """The filters as a Chroma ``where`` clause over chunk metadata."""
    clauses: list[dict[str, Any]] = []
    if filters.article_ids:
        clauses.append({"article_id": {"$in": list(filters.article_ids)}})
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.date_from:
        clauses.append({"date_num": {"$gte": date_number(filters.date_from)}})
    if filters.date_to:
        clauses.append({"date_num": {"$lte": date_number(filters.date_to)}})
        clauses.append({"date_num": {"$gt": 0}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def plain_vectorstore(path: Path, name: str, embedder: Embedder) -> Any:
    """A LangChain ``Chroma`` store of its own at ``path`` (the naive baseline's), cosine."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    client = chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return Chroma(
        client=client,
        collection_name=name,
        embedding_function=LangChainEmbeddings(embedder),
        collection_metadata={"hnsw:space": "cosine"},
    )


def index_dir(settings: Settings) -> Path:
    """Local folder for caches of this index (the keyword index, server state)."""
    path = settings.home / "cache" / settings.collection
    path.mkdir(parents=True, exist_ok=True)
    return path
