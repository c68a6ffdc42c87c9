"""Read article files (.txt .md .html .json .jsonl) into Articles, and index them.

A sidecar ``NAME.meta.json`` beside ``NAME.txt`` (or .md/.html) adds or overrides fields
(title, source, url, date, author, id). Errors name the file and the problem; one bad
file or record never stops the rest of a batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.backends.store import Index, IndexedArticle, text_digest
from rag.errors import InputError, RagError
from rag.ingest.chunk import CHUNKER_VERSION, chunk_text
from rag.ledger.extract import EXTRACTOR_VERSION
from rag.settings import Settings
from rag.types import Article, Chunk, Quote

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
RECORD_SUFFIXES = {".json", ".jsonl"}
SUFFIXES = TEXT_SUFFIXES | RECORD_SUFFIXES
META_SUFFIX = ".meta.json"
ARTICLE_FIELDS = ("id", "title", "text", "source", "url", "date", "author")


# --- finding files -----------------------------------------------------------------------


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[InputError]]:
    """Article files under ``paths`` (folders are walked), and errors for bad paths."""
    files: list[Path] = []
    errors: list[InputError] = []
    for path in paths:
        if not path.exists():
            errors.append(InputError(str(path), "no such file or folder"))
        elif path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and _is_article_file(p) and not _hidden(p.relative_to(path))
            )
        elif path.name.endswith(META_SUFFIX):
            errors.append(InputError(str(path), "a metadata sidecar, not an article"))
        elif path.suffix.lower() not in SUFFIXES:
            supported = " ".join(sorted(SUFFIXES))
            errors.append(InputError(str(path), f"unsupported file type (supported: {supported})"))
        else:
            files.append(path)
    return list(dict.fromkeys(files)), errors


def _is_article_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.endswith(META_SUFFIX)


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


# --- reading -----------------------------------------------------------------------------


def read_text_file(path: Path, max_bytes: int) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else Windows-1252/Latin-1."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            str(path),
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
            "(RAG_MAX_FILE_MB)",
        )
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise InputError(str(path), "binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        log.warning("%s: not valid UTF-8; read as Windows-1252", path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise InputError(str(path), "binary file, not text")
    if not text.strip():
        raise InputError(str(path), "empty file" if not text else "file holds only whitespace")
    return text


def load_file(
    path: Path, max_bytes: int, metadata: dict[str, dict[str, str]] | None = None
) -> tuple[list[Article], list[InputError]]:
    """Articles in one file, and errors for bad records in it (file-level errors raise).
    Metadata precedence: the file itself < its folder's table < ``metadata`` < its sidecar."""
    suffix = path.suffix.lower()
    if suffix in RECORD_SUFFIXES:
        return _load_records(path, read_text_file(path, max_bytes))
    text = read_text_file(path, max_bytes)
    if suffix in {".html", ".htm"}:
        fields = _html_fields(path, text)
    elif suffix in {".md", ".markdown"}:
        fields = {"title": _markdown_title(text), "text": text}
    else:
        fields = {"title": _first_line(text), "text": text}
    fields = {
        **fields,
        **folder_metadata(path.parent).get(path.stem, {}),
        **(metadata or {}).get(path.stem, {}),
        **_sidecar(path),
    }
    fields.setdefault("id", path.stem)
    return [make_article(fields, path)], []


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _markdown_title(text: str) -> str:
    for line in text.splitlines():
        m = re.match(r"#{1,2}\s+(.+?)\s*#*\s*$", line)
        if m:
            return m.group(1)
        if line.strip():
            return re.sub(r"^[#>*\-\s]+", "", line).strip()
    return ""


def _html_fields(path: Path, html: str) -> dict[str, Any]:
    import trafilatura

    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        with_metadata=False,
    )
    if not text or not text.strip():
        text = _html_fallback_text(html)
    if not text.strip():
        raise InputError(str(path), "no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    fields: dict[str, Any] = {"text": text.strip() + "\n"}
    if meta is not None:
        fields.update(
            {
                "title": meta.title or "",
                "source": meta.sitename or "",
                "url": meta.url or "",
                "date": meta.date or "",
                "author": meta.author or "",
            }
        )
    if not fields.get("title"):
        fields["title"] = _first_line(fields["text"])
    return {k: v for k, v in fields.items() if v}


def _html_fallback_text(html: str) -> str:
    """Visible text of small pages trafilatura declines; scripts and styles dropped."""
    from lxml import html as lxml_html

    try:
        doc = lxml_html.fromstring(html)
    except Exception:  # lxml raises several types on hopeless input
        return ""
    for bad in doc.xpath("//script|//style|//nav|//header|//footer|//noscript"):
        bad.drop_tree()
    lines = [line.strip() for line in doc.text_content().splitlines()]
    return "\n".join(line for line in lines if line)


# Column names accepted in a folder's metadata.tsv / metadata.csv, and the field each fills.
_METADATA_COLUMNS = {
    "title": "title",
    "headline": "title",
    "source": "source",
    "publisher": "source",
    "url": "url",
    "date": "date",
    "publication_date": "date",
    "published": "date",
    "author": "author",
    "byline": "author",
}


def read_metadata_table(path: Path) -> dict[str, dict[str, str]]:
    """Per-file metadata from a .tsv/.csv table keyed by file stem (a ``filename`` or ``id``
    column), with columns such as title, source/publisher, date/publication_date, author."""
    import csv

    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows: dict[str, dict[str, str]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter=delimiter):
                key = (row.get("filename") or row.get("id") or "").strip()
                if not key:
                    continue
                if Path(key).suffix.lower() in SUFFIXES:
                    key = Path(key).stem
                rows[key] = {
                    field: value.strip()
                    for column, field in _METADATA_COLUMNS.items()
                    if (value := row.get(column) or "").strip() and value.strip() != "None"
                }
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(str(path), f"cannot read the metadata table: {e}") from e
    return rows


@lru_cache(maxsize=32)
def _folder_table(folder: Path, mtime_ns: int) -> dict[str, dict[str, str]]:
    for name in ("metadata.tsv", "metadata.csv"):
        if (folder / name).exists():
            return read_metadata_table(folder / name)
    return {}


def folder_metadata(folder: Path) -> dict[str, dict[str, str]]:
    """The table in ``folder``'s own metadata.tsv (or .csv), if it has one."""
    stamps = [
        (folder / n).stat().st_mtime_ns
        for n in ("metadata.tsv", "metadata.csv")
        if (folder / n).exists()
    ]
    return _folder_table(folder, max(stamps)) if stamps else {}


def _sidecar(path: Path) -> dict[str, Any]:
    meta_path = path.with_name(path.stem + META_SUFFIX)
    if not meta_path.exists():
        return {}
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(str(meta_path), f"invalid JSON metadata: {e}") from e
    if not isinstance(data, dict):
        raise InputError(str(meta_path), "metadata must be a JSON object")
    unknown = set(data) - (set(ARTICLE_FIELDS) - {"text"})
    if unknown:
        log.warning("%s: ignoring unknown fields %s", meta_path, sorted(unknown))
    return {k: v for k, v in data.items() if k in ARTICLE_FIELDS and k != "text"}


def _load_records(path: Path, raw: str) -> tuple[list[Article], list[InputError]]:
    articles: list[Article] = []
    errors: list[InputError] = []
    for where, record in _records(path, raw, errors):
        try:
            if not isinstance(record, dict):
                raise InputError(f"{path} {where}", "record is not a JSON object")
            if not isinstance(record.get("text"), str) or not record["text"].strip():
                raise InputError(f"{path} {where}", "record has no 'text'")
            fields = {k: record[k] for k in ARTICLE_FIELDS if record.get(k) not in (None, "")}
            fields.setdefault("title", _first_line(fields["text"]))
            fields.setdefault("id", _derived_id(path, fields))
            articles.append(make_article(fields, path, where=where))
        except InputError as e:
            errors.append(e)
    return articles, errors


def _records(path: Path, raw: str, errors: list[InputError]) -> Iterator[tuple[str, Any]]:
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield f"line {n}", json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(InputError(f"{path} line {n}", f"invalid JSON: {e.msg}"))
        return
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(str(path), f"invalid JSON at line {e.lineno}: {e.msg}") from e
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, list):
        for n, record in enumerate(data):
            yield f"record {n}", record
    else:
        yield "record 0", data


def _derived_id(path: Path, fields: dict[str, Any]) -> str:
    key = str(fields.get("url") or fields.get("title") or fields["text"][:200])
    return f"{path.stem}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def make_article(fields: dict[str, Any], path: Path, where: str = "") -> Article:
    """Validate and normalise fields into an Article with its content hash."""
    label = f"{path} {where}".strip()
    for key in ARTICLE_FIELDS:
        if key in fields and not isinstance(fields[key], str | int | float):
            raise InputError(label, f"field {key!r} must be a string")
    article_id = clean_id(str(fields["id"]))
    if not article_id:
        raise InputError(label, "empty article id")
    text = str(fields["text"])
    if not text.strip():
        raise InputError(label, "article has no text")
    date = normalise_date(str(fields.get("date", "")))
    if fields.get("date") and not date:
        log.warning("%s: unrecognised date %r ignored", label, fields["date"])
    article = Article(
        id=article_id,
        title=" ".join(str(fields.get("title", "")).split())[:500],
        text=text,
        source=str(fields.get("source", "")).strip(),
        url=str(fields.get("url", "")).strip(),
        date=date,
        author=str(fields.get("author", "")).strip(),
        path=str(path),
    )
    return article.model_copy(update={"content_hash": content_hash(article)})


def clean_id(raw: str) -> str:
    """Ids are kept readable but safe in Chroma ids and URLs."""
    return re.sub(r"[^\w.\-]+", "_", raw.strip()).strip("_")[:200]


# What an article's index entries were made with: when the chunker or the extractor changes,
# every article is re-indexed the next time it is ingested (its content hash no longer matches).
INDEX_VERSION = f"{CHUNKER_VERSION}.{EXTRACTOR_VERSION}"


def content_hash(article: Article) -> str:
    """Hash of everything that changes what the index holds (not the file path)."""
    payload = json.dumps(
        [
            INDEX_VERSION,
            article.title,
            article.text,
            article.source,
            article.url,
            article.date,
            article.author,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def normalise_date(raw: str) -> str:
    """ISO date (YYYY-MM-DD) from common news formats, or '' when unrecognised."""
    raw = raw.strip()
    if not raw:
        return ""
    m = re.match(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", raw)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        try:
            return datetime(y, mo, d).date().isoformat()
        except ValueError:
            return ""
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError):
        pass
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y%m%d"):
        try:
            return datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


# --- indexing ----------------------------------------------------------------------------


@dataclass
class IngestReport:
    """What an ingest run did."""

    files: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (skipped, same text as)
    chunks: int = 0
    errors: list[InputError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


ProgressFn = Callable[[Path, int, int, "IngestReport"], None]


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
            progress(path, n, len(files), report)
    batch.flush()
    if progress and files:
        progress(files[-1], len(files), len(files), report)
    return report


def ingest_articles(index: Index, articles: Iterable[Article], settings: Settings) -> IngestReport:
    """Index articles already in memory (written in batches, as files are)."""
    report = IngestReport()
    batch = _Batch(index, settings, report)
    for article in articles:
        batch.add(article)
    batch.flush()
    return report


class _Batch:
    """Changed articles waiting to be written together (see Index.upsert_many)."""

    MAX_ARTICLES = 64
    MAX_CHUNKS = 512

    def __init__(self, index: Index, settings: Settings, report: IngestReport) -> None:
        self.index, self.settings, self.report = index, settings, report
        self.items: dict[str, tuple[Article, list[Chunk], bool]] = {}

    def add(self, article: Article) -> None:
        queued = self.items.get(article.id)
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
            self.flush()

    def _twin(self, article: Article) -> str:
        """Another article (indexed or queued) with exactly this text, if any."""
        digest = text_digest(article.text)
        for other, _, _ in self.items.values():
            if other.id != article.id and text_digest(other.text) == digest:
                return other.id
        return next((i for i in self.index.ids_with_text(digest) if i != article.id), "")

    def _quotes(self, articles: list[Article]) -> list[list[Quote]]:
        """Ledger rows of each article (parsed together); [] for all when the ledger is off."""
        if not self.settings.ledger:
            return [[] for _ in articles]
        from rag.ledger.extract import EXTRACTORS, parse_many

        extract = EXTRACTORS[self.settings.ledger_extractor]
        rows = []
        for article, doc in zip(articles, parse_many(articles), strict=True):
            try:
                rows.append(extract(article, doc=doc))
            except RagError:
                raise
            except Exception as e:  # a ledger bug must never cost the user the article itself
                log.warning(
                    "%s: quote extraction failed (%s); indexed without ledger rows",
                    article.path or article.id,
                    e,
                )
                rows.append([])
        return rows

    def flush(self) -> None:
        if not self.items:
            return
        queued = list(self.items.values())
        quotes = self._quotes([a for a, _, _ in queued])
        self.index.upsert_many(
            [IndexedArticle(a, c, q) for (a, c, _), q in zip(queued, quotes, strict=True)]
        )
        for article, chunks, replaced in self.items.values():
            self.report.chunks += len(chunks)
            (self.report.replaced if replaced else self.report.added).append(article.id)
        self.items = {}
