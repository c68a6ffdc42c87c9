"""An article's fields besides its text (sidecars, metadata tables, ids, dates) and the
content hash that says when it must be indexed again.

A sidecar ``NAME.meta.json`` beside ``NAME.txt`` (or .md/.html) adds or overrides fields
(title, source, url, date, author, id); a folder's ``metadata.tsv`` does it for many files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.ingest.chunk import CHUNKER_VERSION
from rag.ledger.extract import EXTRACTOR_VERSION
from rag.types import Article

log = logging.getLogger(__name__)

META_SUFFIX = ".meta.json"
ARTICLE_FIELDS = ("id", "title", "text", "source", "url", "date", "author")

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


def article_suffixes() -> set[str]:
    """The suffixes of article files (which the readers define)."""
    from rag.ingest.readers import suffixes

    return suffixes()


def read_metadata_table(path: Path) -> dict[str, dict[str, str]]:
    """Per-file metadata from a .tsv/.csv table keyed by file stem (a ``filename`` or ``id``
    column), with columns such as title, source/publisher, date/publication_date, author."""

    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows: dict[str, dict[str, str]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter=delimiter):
                key = (row.get("filename") or row.get("id") or "").strip()
                if not key:
                    continue
                if Path(key).suffix.lower() in article_suffixes():
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


def sidecar(path: Path) -> dict[str, Any]:
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


def derived_id(path: Path, fields: dict[str, Any]) -> str:
    key = str(fields.get("url") or fields.get("title") or fields["text"][:200])
    return f"{path.stem}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def make_article(
    fields: dict[str, Any], path: Path | None, where: str = "", *, origin: str = ""
) -> Article:
    """Validate and normalise fields into an Article with its content hash. ``path`` is the
    file it was read from; errors name ``origin`` (a URL) instead when there is none."""
    label = f"{path or origin} {where}".strip()
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
        path=str(path) if path else "",
        fetched=str(fields.get("fetched", "")),
    )
    return article.model_copy(update={"content_hash": content_hash(article)})


def clean_id(raw: str) -> str:
    """Ids are kept readable but safe in Chroma ids and URLs."""
    return re.sub(r"[^\w.\-]+", "_", raw.strip()).strip("_")[:200]


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
