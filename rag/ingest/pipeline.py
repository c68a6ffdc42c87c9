"""The ingest pipeline: files and web pages → Articles → chunks and ledger rows → the
index, skipping articles whose content hash is unchanged."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.backends.nlp import doc_from_bytes, start_parse
from rag.backends.store import Index, IndexedArticle, text_digest
from rag.errors import InputError, RagError
from rag.ingest.chunk import chunk_text
from rag.ingest.readers import discover, load_file
from rag.ledger.model_step import model_step_for
from rag.ledger.rule_rows import RuleRows, rule_rows
from rag.settings import Settings
from rag.types import Article, Chunk, Quote

if TYPE_CHECKING:
    from rag.ingest.fetch import Page

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest run did."""

    files: int = 0
    pages: int = 0  # URLs fetched
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (skipped, same text as)
    # article id → why its model step failed: indexed with the rules' speakers, and asked
    # again the next time the article is ingested
    unsettled: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    errors: list[InputError] = field(default_factory=list)
    from_url: dict[str, str] = field(default_factory=dict)  # URL fetched → its article id

    @property
    def ok(self) -> bool:
        return not self.errors

    def absorb(self, other: IngestReport) -> None:
        """Add what a later run did to this report."""
        self.files += other.files
        self.pages += other.pages
        for name in ("added", "replaced", "unchanged", "duplicates", "errors"):
            getattr(self, name).extend(getattr(other, name))
        self.unsettled.update(other.unsettled)
        self.chunks += other.chunks
        self.from_url.update(other.from_url)

    def unsettled_note(self) -> str:
        """One line on the articles the model step could not settle ('' when none)."""
        if not self.unsettled:
            return ""
        first, why = next(iter(self.unsettled.items()))
        return (
            f"the model step could not settle {len(self.unsettled)} article(s), first "
            f"{first} ({why}): their quotes keep the rules' speakers, and the next ingest "
            "asks the model again"
        )


def is_url(source: str) -> bool:
    """Whether an ingest argument names a web page rather than a file."""
    return bool(re.match(r"https?://", source.strip(), re.I))


# (the file or URL just read, how many are done, how many in all, the report so far)
ProgressFn = Callable[[str, int, int, "IngestReport"], None]


def ingest_paths(
    index: Index,
    paths: Sequence[Path],
    settings: Settings,
    progress: ProgressFn | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
) -> IngestReport:
    """Index every article under ``paths``; unchanged articles are skipped by content hash.
    ``metadata`` (see :func:`read_metadata_table`) adds fields to files by stem."""
    report = IngestReport()
    index.repair()
    files, report.errors = discover(paths)
    max_bytes = int(settings.max_file_mb * 1e6)
    batch = _Batch(index, settings, report)
    for n, path in enumerate(files, 1):
        report.files += 1
        try:
            articles, record_errors = load_file(path, max_bytes, metadata)
            report.errors.extend(record_errors)
            for article in articles:
                batch.add(article)
        except InputError as e:
            report.errors.append(e)
        if progress:
            progress(str(path), n, len(files), report)
    batch.flush()
    if progress and files:
        progress(str(files[-1]), len(files), len(files), report)
    return report


def ingest_urls(
    index: Index,
    urls: Sequence[str],
    settings: Settings,
    progress: ProgressFn | None = None,
    fetcher: Callable[[str], Page] | None = None,
) -> IngestReport:
    """Fetch each web page (one at a time, with ``fetcher`` when given) and index the
    article it holds; a page that fails is reported by its URL and the rest go on."""
    from rag.ingest.fetch import fetch
    from rag.ingest.web import article_from_page

    get = fetcher or (lambda url: fetch(url, settings))
    report = IngestReport()
    index.repair()
    batch = _Batch(index, settings, report)
    urls = list(dict.fromkeys(u.strip() for u in urls))
    for n, url in enumerate(urls, 1):
        report.pages += 1
        try:
            article = article_from_page(get(url))
            batch.add(article)
            report.from_url[url] = article.id
        except InputError as e:
            report.errors.append(e)
        except Exception as e:  # a bug must not cost the pages already fetched in this run
            log.exception("%s: unexpected error", url)
            report.errors.append(InputError(url, f"unexpected error ({type(e).__name__}: {e})"))
        if progress:
            progress(url, n, len(urls), report)
    batch.flush()
    if progress and urls:
        progress(urls[-1], len(urls), len(urls), report)
    return report


def ingest_articles(index: Index, articles: Iterable[Article], settings: Settings) -> IngestReport:
    """Index articles already in memory (written in batches, as files are)."""
    report = IngestReport()
    batch = _Batch(index, settings, report)
    for article in articles:
        batch.add(article)
    batch.flush()
    return report


Queued = tuple[Article, list[Chunk], bool]  # the article, its chunks, whether it replaces one


class _Batch:
    """Changed articles waiting to be written together (see Index.upsert_many).

    A full batch is launched: its ledger parse starts in a worker, and it is written when
    the next batch is launched (or at the end), so that the worker parses one batch while
    this process embeds, extracts and writes the one before."""

    MAX_ARTICLES = 64
    MAX_CHUNKS = 512

    def __init__(self, index: Index, settings: Settings, report: IngestReport) -> None:
        self.index, self.settings, self.report = index, settings, report
        self.items: dict[str, Queued] = {}
        self.launched: dict[str, Queued] = {}
        self.parsed: Callable[[], list[RuleRows]] | None = None
        self.model_step = model_step_for(settings) if settings.ledger else None

    def add(self, article: Article) -> None:
        queued = self.items.get(article.id) or self.launched.get(article.id)
        if queued is not None:
            unchanged, replaced = queued[0].content_hash == article.content_hash, queued[2]
        else:
            stored = self.index.stored_hash(article.id)
            unchanged, replaced = stored == article.content_hash, stored is not None
        if unchanged:
            self.report.unchanged.append(article.id)
            return
        if not replaced:
            twin = self._twin(article)
            if twin:
                self.report.duplicates.append((article.id, twin))
                return
        chunks = chunk_text(article.id, article.text, self.settings.chunk_max_chars)
        if not chunks:
            raise InputError(article.path or article.id, "no text to index")
        self.items[article.id] = (article, chunks, replaced)
        queued_chunks = sum(len(c) for _, c, _ in self.items.values())
        if len(self.items) >= self.MAX_ARTICLES or queued_chunks >= self.MAX_CHUNKS:
            self._launch()

    def flush(self) -> None:
        """Write everything queued."""
        self._launch()
        self._launch()  # writes the batch just launched

    def _launch(self) -> None:
        """Start the queued batch's parse, then write the batch launched before it. If
        that write fails, its articles are queued again (the error goes on up)."""
        queued, self.items = self.items, {}
        parsed = None
        if queued and self.settings.ledger:
            task = partial(
                rule_rows,
                extractor=self.settings.ledger_extractor,
                keep_doc=self.model_step is not None,
            )
            articles = [a for a, _, _ in queued.values()]
            parsed = start_parse(articles, task, self.settings.parse_workers)
        previous, previous_parsed = self.launched, self.parsed
        self.launched, self.parsed = queued, parsed
        try:
            self._write(previous, previous_parsed, superseded=queued)
        except BaseException:
            kept = {aid: item for aid, item in previous.items() if aid not in queued}
            self.items, self.launched, self.parsed = {**kept, **queued}, {}, None
            raise

    def _twin(self, article: Article) -> str:
        """Another article (indexed or queued) with exactly this text, if any."""
        digest = text_digest(article.text)
        for other, _, _ in [*self.launched.values(), *self.items.values()]:
            if other.id != article.id and text_digest(other.text) == digest:
                return other.id
        return next((i for i in self.index.ids_with_text(digest) if i != article.id), "")

    def _quotes(self, article: Article, rules: RuleRows) -> tuple[list[Quote], str]:
        """The article's ledger rows (the rules', then the model step's), with why the
        model step could not settle it ('' when it could, or did not run)."""
        if rules.failed:
            log.warning(
                "%s: quote extraction failed (%s); indexed without ledger rows",
                article.path or article.id,
                rules.failed,
            )
            return [], ""
        if self.model_step is not None:
            return self._settled(article, rules)
        return rules.quotes, ""

    def _settled(self, article: Article, rules: RuleRows) -> tuple[list[Quote], str]:
        """The rules' rows with the model step's answers (the rules' alone if it breaks)."""
        assert self.model_step is not None
        try:
            settled = self.model_step(article, doc_from_bytes(rules.doc), rules.quotes)
            return settled.rows, settled.failed
        except RagError:
            raise
        except Exception as e:  # a bug in it must not cost the article its rows
            log.warning("%s: the model step failed (%s)", article.path or article.id, e)
            return rules.quotes, ""

    def _write(
        self,
        batch: dict[str, Queued],
        parsed: Callable[[], list[RuleRows]] | None,
        superseded: Container[str],
    ) -> None:
        """Embed, extract and write a launched batch, but for the articles that a later
        batch holds a newer version of. The chunks are embedded before waiting for the
        worker's parse, so that the first batch's parse overlaps its embedding too."""
        wanted = [item[0].id not in superseded for item in batch.values()]
        if not any(wanted):
            return
        items = [item for item, w in zip(batch.values(), wanted, strict=True) if w]
        vectors = self.index.embed_chunks([c for _, chunks, _ in items for c in chunks])
        found = parsed() if parsed else [RuleRows() for _ in batch]
        kept = [
            (item, rules) for item, rules, w in zip(batch.values(), found, wanted, strict=True) if w
        ]
        quotes = [self._quotes(article, rules) for (article, _, _), rules in kept]
        bounds = np.cumsum([0] + [len(c) for (_, c, _), _ in kept])
        self.index.upsert_many(
            [
                IndexedArticle(_to_retry(a) if failed else a, c, q, vectors[lo:hi])
                for ((a, c, _), _), (q, failed), lo, hi in zip(
                    kept, quotes, bounds[:-1], bounds[1:], strict=True
                )
            ]
        )
        for ((article, chunks, replaced), _), (_, failed) in zip(kept, quotes, strict=True):
            if failed:
                self.report.unsettled[article.id] = failed
            else:  # a later version of it in this run settled
                self.report.unsettled.pop(article.id, None)
            self.report.chunks += len(chunks)
            (self.report.replaced if replaced else self.report.added).append(article.id)


RETRY = "+retry"


def _to_retry(article: Article) -> Article:
    """The article as stored when the model step could not settle it: under a content hash
    that no file has, so the next ingest indexes it again (asking the model only what it
    has not answered yet; answers are cached)."""
    if not article.content_hash:
        return article  # Index.upsert_many refuses it, as it would the article itself
    return article.model_copy(update={"content_hash": article.content_hash + RETRY})
