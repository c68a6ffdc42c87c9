"""`rag check` at scale: the scale figures' synthetic articles, with their quotations written
as ledger rows by construction (the generator knows who says what), and the seconds a check
takes on them, claims of each kind in turn, with MiniLM comparing meaning."""

from __future__ import annotations

import contextlib
import itertools
import random
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rag.answer.check import CheckThresholds, Meaning, check_quote
from rag.answer.retrieve import Retriever
from rag.backends.embed import Embedder, get_embedder
from rag.backends.store import Index, IndexedArticle
from rag.evaluation import eval as ev
from rag.ingest.chunk import chunk_text
from rag.ledger.read import Ledger
from rag.settings import Settings
from rag.types import Article, Passage, Quote, SearchFilter

# "Amara Brandt, the mayor, spoke on day 3 about the budget. “The budget would collapse,”
# Brandt said, adding that talks on the trade deal was a mistake." (bench.synthetic_articles)
_PARAGRAPH = re.compile(
    r"(?P<name>\w+ (?P<surname>\w+)), (?P<role>[^,]+), spoke on day \d+ about [^.]+\. "
    r"“(?P<quote>[^”]+),” (?P=surname) (?P<cue>said|told reporters|added|warned|argued), "
    r"adding that (?P<content>[^.]+)\."
)
WRITE_BATCH = 64  # articles per store write, as ingest batches them
INVENTED = [
    "the harbour project needs a new referendum before any money is spent",
    "nobody in this government has read the tariff report",
    "we will never sign a deal that closes the rail yards",
    "the school reform was written by lobbyists",
]


def synthetic_quotes(article: Article) -> list[Quote]:
    """The ledger rows of a synthetic article: each paragraph's quotation and the reported
    words after it, given to the paragraph's speaker, at their exact spans."""
    rows = []
    for m in _PARAGRAPH.finditer(article.text):
        for group, kind in (("quote", "direct"), ("content", "indirect")):
            rows.append(
                Quote(
                    article_id=article.id,
                    speaker=m.group("name"),
                    speaker_start=m.start("name"),
                    speaker_end=m.end("name"),
                    speaker_mention=m.group("surname"),
                    speaker_role=m.group("role"),
                    role_start=m.start("role"),
                    role_end=m.end("role"),
                    cue=m.group("cue"),
                    quote=m.group(group),
                    start=m.start(group),
                    end=m.end(group),
                    kind=kind,
                    date=article.date,
                    source=article.source,
                    span_start=m.start("quote") - 1,
                    span_end=m.end(),
                    method="rule",
                )
            )
    return rows


def meaning_by(embedder: Embedder) -> Meaning:
    """The check's meaning comparison, by ``embedder``'s cosine."""

    def meaning(text: str, others: Sequence[str]) -> list[float]:
        vectors = embedder.embed([text, *others])
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        return [float(v) for v in vectors[1:] @ vectors[0]]

    return meaning


def check_scale_figures(
    articles: Iterable[Article], settings: Settings, fast: Embedder, claims: int = 100
) -> dict:
    """Seconds per check over ``articles`` (stored with ``fast`` vectors, their rows written
    by construction): reading the ledger from the store and building the keyword index,
    then the p50 and p95 of ``claims`` checks of each kind, passages searched as
    ``Engine.check`` searches them."""
    settings.home.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="check-scale-", dir=settings.home))
    s = settings.model_copy(
        update={"home": home, "collection": f"checkscale{uuid.uuid4().hex[:8]}"}
    )
    index = Index(s, embedder=fast)
    try:
        start, written, pending = time.perf_counter(), 0, iter(articles)
        while batch := list(itertools.islice(pending, WRITE_BATCH)):
            index.upsert_many([_indexed(a, s) for a in batch])
            written += len(batch)
        build_s = time.perf_counter() - start
        ledger = Ledger(index)
        start = time.perf_counter()
        rows = len(ledger.rows())  # read from the store once, then cached
        read_s = time.perf_counter() - start
        thresholds = CheckThresholds.of(settings)
        meaning = meaning_by(get_embedder(settings))
        retriever = Retriever.for_index(index)
        start = time.perf_counter()
        retriever.keyword.refresh()  # the keyword index's first build, once per client
        keyword_s = time.perf_counter() - start

        def passages(claim: str) -> list[Passage]:  # as Engine.check searches them
            return retriever.printing(claim, SearchFilter())

        cases = _claims(ledger, claims)
        check_quote(ledger, *cases[0][1:], thresholds, (), meaning, passages)  # MiniLM loaded
        times: dict[str, list[float]] = {}
        for kind, claim, speaker in cases:
            t = time.perf_counter()
            check_quote(ledger, claim, speaker, thresholds, (), meaning, passages)
            times.setdefault(kind, []).append(time.perf_counter() - t)
    finally:
        with contextlib.suppress(Exception):
            index.drop()
        shutil.rmtree(home, ignore_errors=True)
    every = [t for ts in times.values() for t in ts]
    return {
        "articles": written,
        "rows": rows,
        "build_s": round(build_s, 1),
        "ledger_read_s": round(read_s, 2),
        "keyword_build_s": round(keyword_s, 2),
        "check_p50_s": round(ev._percentile(every, 0.5) or 0.0, 3),
        "check_p95_s": round(ev._percentile(every, 0.95) or 0.0, 3),
        "p50_s_by_kind": {k: round(ev._percentile(v, 0.5) or 0.0, 3) for k, v in times.items()},
    }


def _indexed(article: Article, settings: Settings) -> IndexedArticle:
    chunks = chunk_text(article.id, article.text, settings.chunk_max_chars)
    return IndexedArticle(article, chunks, synthetic_quotes(article))


def _claims(ledger: Ledger, n: int) -> list[tuple[str, str, str]]:
    """``n`` claims of each kind (kind, claim, speaker) from the ledger's own rows."""
    rng = random.Random(7)
    rows = [r for r in ledger.rows() if r.quote.kind == "direct"]
    names = sorted({r.quote.speaker for r in rows})
    out = []
    for _ in range(n):
        row = rng.choice(rows)
        said, who = row.quote.quote, row.quote.speaker
        other = rng.choice([x for x in names if x != who])
        out += [
            ("verbatim", said, who),
            ("reworded", said.replace(" would ", " could ").replace(" must ", " should "), who),
            ("misattributed", said, other),
            ("not_found", rng.choice(INVENTED), who),
        ]
    return out
