"""Finding article files and reading them: a suffix → reader registry (.txt .md .html) and
records in .json / .jsonl. Errors name the file and the problem; one bad file or record
never stops the rest of a batch."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import InputError
from rag.ingest.metadata import (
    ARTICLE_FIELDS,
    META_SUFFIX,
    derived_id,
    folder_metadata,
    make_article,
    sidecar,
)
from rag.types import Article

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

# A file of one article: its suffix → a reader of (path, decoded text) → the article's fields
# (at least "text"; "title" when the format has one). A new format is one register_reader.
TextReader = Callable[[Path, str], dict[str, Any]]
TEXT_READERS: dict[str, TextReader] = {}
# Files of many articles: JSON (an object or a list of objects) and JSON Lines.
RECORD_SUFFIXES = {".json", ".jsonl"}


def register_reader(suffixes: Iterable[str], reader: TextReader) -> None:
    """Read files with these suffixes (".txt") with ``reader``."""
    for suffix in suffixes:
        TEXT_READERS[suffix.lower()] = reader


def suffixes() -> set[str]:
    """Every suffix an article file may have."""
    return set(TEXT_READERS) | RECORD_SUFFIXES


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
        elif path.suffix.lower() not in suffixes():
            supported = " ".join(sorted(suffixes()))
            errors.append(InputError(str(path), f"unsupported file type (supported: {supported})"))
        else:
            files.append(path)
    return list(dict.fromkeys(files)), errors


def _is_article_file(path: Path) -> bool:
    return path.suffix.lower() in suffixes() and not path.name.endswith(META_SUFFIX)


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


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
    fields = TEXT_READERS[suffix](path, read_text_file(path, max_bytes))
    fields = {
        **fields,
        **folder_metadata(path.parent).get(path.stem, {}),
        **(metadata or {}).get(path.stem, {}),
        **sidecar(path),
    }
    fields.setdefault("id", path.stem)
    return [make_article(fields, path)], []


def first_line(text: str) -> str:
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
    return html_fields(str(path), html)


def html_fields(label: str, html: str, *, fallback: bool = True) -> dict[str, Any]:
    """An HTML page's main text and metadata (title, source, url, date, author). Pages
    trafilatura finds no article in are read whole when ``fallback``, else refused."""
    import trafilatura

    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        with_metadata=False,
    )
    if (not text or not text.strip()) and fallback:
        text = _html_fallback_text(html)
    if not text or not text.strip():
        raise InputError(label, "no article text found in the HTML")
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
        fields["title"] = first_line(fields["text"])
    return {k: v for k, v in fields.items() if v}


def parse_html(html: str) -> HtmlElement | None:
    """The page as an lxml element tree, or None when lxml cannot read it at all."""
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except Exception:  # lxml raises several types on hopeless input
        return None


def _html_fallback_text(html: str) -> str:
    """Visible text of small pages trafilatura declines; scripts and styles dropped."""
    doc = parse_html(html)
    if doc is None:
        return ""
    for bad in doc.xpath("//script|//style|//nav|//header|//footer|//noscript"):
        bad.drop_tree()
    lines = [line.strip() for line in doc.text_content().splitlines()]
    return "\n".join(line for line in lines if line)


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
            fields.setdefault("title", first_line(fields["text"]))
            fields.setdefault("id", derived_id(path, fields))
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


def _plain(path: Path, text: str) -> dict[str, Any]:
    return {"title": first_line(text), "text": text}


def _markdown(path: Path, text: str) -> dict[str, Any]:
    return {"title": _markdown_title(text), "text": text}


register_reader([".txt"], _plain)
register_reader([".md", ".markdown"], _markdown)
register_reader([".html", ".htm"], _html_fields)
