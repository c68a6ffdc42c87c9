"""A fetched page as an Article: its main text and metadata, its canonical URL, and an id
that stays the same for that URL however it was reached."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from rag.errors import InputError
from rag.ingest.fetch import TEXT_TYPES, Page
from rag.ingest.metadata import clean_id, make_article
from rag.ingest.readers import first_line, html_fields, parse_html
from rag.lexicon import WEB_ARTICLE_MIN_WORDS, WEB_LINK_TEXT_MAX_SHARE
from rag.types import Article

# schema.org's paywall markup (what publishers give search engines).
_PAYWALLED = re.compile(r'"isAccessibleForFree"\s*:\s*"?false"?', re.I)


def article_from_page(page: Page) -> Article:
    """The article a fetched page holds; refuses pages without enough article text."""
    if page.content_type in TEXT_TYPES:
        fields: dict[str, Any] = {"text": page.text, "title": first_line(page.text)}
    else:
        try:
            fields = html_fields(page.url, page.text, fallback=False)
        except InputError:
            fields = {"text": ""}
    words = len(fields["text"].split())
    if words < WEB_ARTICLE_MIN_WORDS:
        raise InputError(page.url, _no_article(page, words))
    if (
        page.content_type not in TEXT_TYPES
        and _link_share(page.text, fields["text"]) > WEB_LINK_TEXT_MAX_SHARE
    ):
        raise InputError(page.url, "the page is mostly links: an index or section page?")
    url = canonical_url(str(fields.get("url", "")), page.final_url)
    fields.update(url=url, id=web_id(url), fetched=page.fetched)
    fields.setdefault("source", _site(url))
    return make_article(fields, None, origin=page.url)


def _no_article(page: Page, words: int) -> str:
    found = f"{words} word(s) of article text" if words else "no article text"
    if _PAYWALLED.search(page.text):
        return f"{found}: the page marks itself as behind a paywall"
    return (
        f"{found} (fewer than {WEB_ARTICLE_MIN_WORDS}): an index page, a paywall, or a page "
        "whose text is filled in by scripts?"
    )


def _link_share(html: str, text: str) -> float:
    """The share of the text's words on lines that are the text of a link."""
    doc = parse_html(html)
    if doc is None:
        return 0.0
    anchors = {" ".join(a.text_content().split()) for a in doc.iter("a")} - {""}
    lines = [" ".join(line.split()) for line in text.splitlines()]
    total = sum(len(line.split()) for line in lines)
    linked = sum(len(line.split()) for line in lines if line in anchors)
    return linked / total if total else 0.0


def canonical_url(declared: str, final_url: str) -> str:
    """The page's own canonical URL when it declares one on its own site, else the URL it
    was fetched from; normalised (no fragment, no tracking parameters)."""
    from courlan import normalize_url

    candidate = urljoin(final_url, declared) if declared else ""
    if not candidate or not _same_site(candidate, final_url) or _is_front(candidate, final_url):
        candidate = final_url
    try:
        url = normalize_url(candidate)  # drops tracking parameters, keeps the rest
    except ValueError:  # courlan gives up on odd URLs; the URL as fetched still identifies it
        url = candidate
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]  # never keep credentials
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _is_front(candidate: str, final_url: str) -> bool:
    """A canonical that names the site's front page for a page that is not it: a common
    CMS mistake that would give every article one id."""
    return urlsplit(candidate).path.strip("/") == "" and urlsplit(final_url).path.strip("/") != ""


def _same_site(a: str, b: str) -> bool:
    from courlan import extract_domain

    pa, pb = urlsplit(a), urlsplit(b)
    if pa.scheme not in ("http", "https"):
        return False
    da, db = extract_domain(a), extract_domain(b)
    if da and db:
        return bool(da == db)
    return pa.hostname == pb.hostname  # addresses and single-label hosts


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def web_id(url: str) -> str:
    """A readable id, stable per canonical URL: site, last path segment, and a hash."""
    parts = urlsplit(url)
    slug = [p for p in parts.path.split("/") if p]
    tail = re.sub(r"\.(s?html?|php|aspx?)$", "", slug[-1], flags=re.I) if slug else ""
    digest = hashlib.sha1(url.encode()).hexdigest()[:10]
    return clean_id("-".join(p for p in (_site(url), tail[:60], digest) if p))
