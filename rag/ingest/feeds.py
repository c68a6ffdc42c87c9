"""Following feeds: RSS/Atom (feedparser), sitemaps, and the feed a page links to; polled
politely (conditional requests, robots.txt, a pause between requests to one host, back-off
after errors), indexing only items that are new or changed."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from rag.backends.feed_state import FeedState
from rag.backends.store import Index
from rag.errors import InputError
from rag.ingest.fetch import (
    ANY_TYPE,
    HTML_TYPES,
    PAGE_TYPES,
    XML_TYPES,
    FetchError,
    Page,
    fetch,
    utc_now,
)
from rag.ingest.pipeline import IngestReport, ingest_urls
from rag.ingest.readers import parse_html
from rag.settings import Settings
from rag.types import Feed

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from protego import Protego

FEED_TYPES = XML_TYPES | HTML_TYPES | {"text/plain"}  # servers label feeds loosely
ROBOTS_AGENT = "rag-news"
MAX_BACKOFF = 24 * 3600.0
# A document that is a feed or sitemap, whatever its Content-Type says.
_FEED_START = re.compile(
    r"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(\w+:)?(rss|feed|RDF|urlset|sitemapindex)\b", re.S
)
_FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml")
# Fetch errors worth trying the item again at the next poll (the rest are the page itself).
_TRANSIENT = re.compile(
    r"^(HTTP 5|HTTP 429|HTTP 408|timed out|the connection failed|cannot resolve|resolving"
    r"|robots.txt disallows)"
)


@dataclass(frozen=True)
class Item:
    """One entry of a feed or sitemap: its page, and a stamp that changes when it does."""

    url: str
    stamp: str = ""


@dataclass
class PollResult:
    """What one poll of one feed did."""

    feed: Feed
    report: IngestReport = field(default_factory=IngestReport)
    error: str = ""  # why the feed itself could not be read
    not_modified: bool = False
    skipped: int = 0  # items robots.txt disallows


def parse_duration(text: str) -> float:
    """Seconds in '30s', '15m', '1h', '1h30m' or a bare number of seconds."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return float(raw)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", raw)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([smhd])", "", raw).strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 1h, 1h30m)")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return sum(float(n) * unit[u] for n, u in parts)


# --- reading feeds ---------------------------------------------------------------------


Getter = Callable[[str], Page]


def read_feed(
    page: Page, settings: Settings, get: Getter | None = None
) -> tuple[str, Literal["feed", "sitemap"], list[Item]]:
    """The title, kind and items of a fetched feed or sitemap; ``get`` fetches the
    sitemaps a sitemap index lists."""
    head = page.text.lstrip()[:4000]
    if re.match(r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(\w+:)?(urlset|sitemapindex)\b", head, re.S):
        get = get or (lambda url: fetch(url, settings, accept=FEED_TYPES))
        return "", "sitemap", _sitemap_items(page, settings, get, depth=0)
    import feedparser

    parsed = feedparser.parse(io.BytesIO(page.body or page.text.encode()))
    if not parsed.version and not parsed.entries:
        why = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        raise FetchError(page.url, f"not an RSS or Atom feed{why}")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        stamp = entry.get("updated") or entry.get("published") or entry.get("id") or ""
        url = _item_url(page, link)
        if url:
            items.append(Item(url, str(stamp)))
    title = str(parsed.feed.get("title", ""))
    return title, "feed", items


def _item_url(page: Page, link: str) -> str:
    """An item's absolute http(s) URL ('' for one that is malformed: skipped, logged)."""
    if not link.strip():
        return ""
    try:
        url = urljoin(page.final_url, link.strip())
    except ValueError:
        log.warning("%s: skipped a malformed item URL %r", page.url, link)
        return ""
    return url if re.match(r"https?://", url) else ""


def _sitemap_items(page: Page, settings: Settings, get: Getter, depth: int) -> list[Item]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(page.body or page.text.encode(), parser)
    except etree.XMLSyntaxError as e:
        raise FetchError(page.url, f"the sitemap is not well-formed XML: {e}") from e
    locs = root.xpath("//*[local-name()='loc']")
    if etree.QName(root).localname == "sitemapindex":
        if depth:
            return []  # an index of indexes: one level is enough
        items: list[Item] = []
        children = [_item_url(page, str(loc.text or "")) for loc in locs]
        errors: list[InputError] = []
        for child_url in [c for c in children if c][: settings.watch_max_items]:
            try:
                items.extend(_sitemap_items(get(child_url), settings, get, depth + 1))
            except InputError as e:  # one broken child does not sink the others
                log.warning("%s", e)
                errors.append(e)
        if errors and not items:
            raise errors[0]
        return items
    found = []
    for loc in locs:
        url = _item_url(page, str(loc.text or ""))
        if not url:
            continue
        lastmod = loc.getparent().xpath("./*[local-name()='lastmod']/text()")
        found.append(Item(url, str(lastmod[0]).strip() if lastmod else ""))
    # Newest first when the sitemap says when each changed.
    return sorted(found, key=lambda i: i.stamp, reverse=True)


def discover(
    url: str, settings: Settings
) -> tuple[Page, str, Literal["feed", "sitemap"], list[Item]]:
    """The feed at ``url``, or the one the page at ``url`` links to (what it links to is
    fetched as a polite poller would)."""
    polite = Politeness(settings)
    page = fetch(url, settings, accept=FEED_TYPES)
    if page.content_type in HTML_TYPES and not _FEED_START.match(page.text):
        link = _feed_link(page)
        if not link:
            raise FetchError(url, "a web page that links to no RSS or Atom feed")
        page = polite.fetch(link, accept=FEED_TYPES)
    title, kind, items = read_feed(page, settings, lambda u: polite.fetch(u, accept=FEED_TYPES))
    return page, title, kind, items


def _feed_link(page: Page) -> str:
    doc = parse_html(page.text)
    if doc is None:
        return ""
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower() in _FEED_LINK_TYPES:
            href = (link.get("href") or "").strip()
            if href:
                return urljoin(page.final_url, href)
    return ""


# --- politeness ------------------------------------------------------------------------


class Politeness:
    """robots.txt per host, read as RFC 9309 says (protego: wildcards, the longest rule
    wins; a 4xx means no rules, anything else failing means keep out for now; kept a day,
    or a minute after a failure), and a pause between two requests to one host (the
    robots.txt crawl delay when longer, up to a minute). One lives as long as the poller."""

    ROBOTS_TTL = 24 * 3600.0
    FAILED_TTL = 60.0
    MAX_CRAWL_DELAY = 60.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules: dict[str, tuple[Protego | None, float]] = {}
        self.last: dict[str, float] = {}

    def allowed(self, url: str) -> bool:
        host = _origin(url)
        cached = self.rules.get(host)
        if cached is None or cached[1] < time.monotonic():
            rules, ttl = self._robots(host)
            self.rules[host] = (rules, time.monotonic() + ttl)
        rules = self.rules[host][0]
        return True if rules is None else bool(rules.can_fetch(url, ROBOTS_AGENT))

    def _robots(self, host: str) -> tuple[Protego | None, float]:
        from protego import Protego

        try:
            self.wait(host + "/")
            page = fetch(host + "/robots.txt", self.settings, accept={ANY_TYPE})
        except FetchError as e:
            if re.match(r"HTTP 4\d\d", e.problem):
                return None, self.ROBOTS_TTL
            return Protego.parse("User-agent: *\nDisallow: /\n"), self.FAILED_TTL
        return Protego.parse(page.text), self.ROBOTS_TTL

    def delay(self, url: str) -> float:
        rules = self.rules.get(_origin(url), (None, 0.0))[0]
        asked = rules.crawl_delay(ROBOTS_AGENT) if rules is not None else None
        return max(self.settings.watch_host_delay, min(float(asked or 0), self.MAX_CRAWL_DELAY))

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        pause = self.last.get(host, -1e9) + self.delay(url) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last[host] = time.monotonic()

    def fetch(
        self,
        url: str,
        accept: Iterable[str] = PAGE_TYPES,
        etag: str = "",
        last_modified: str = "",
    ) -> Page:
        """``fetch`` as a polite poller does it: robots.txt first, then the pause."""
        if not self.allowed(url):
            raise FetchError(url, "robots.txt disallows it")
        self.wait(url)
        return fetch(url, self.settings, accept=accept, etag=etag, last_modified=last_modified)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- polling ---------------------------------------------------------------------------


def add_feed(url: str, state: FeedState, settings: Settings) -> Feed:
    """Follow the feed or sitemap at ``url`` (or the feed its page links to)."""
    page, title, kind, _ = discover(url, settings)
    feed_url = page.final_url
    known = state.get(feed_url)
    if known is not None:
        return known
    feed = Feed(url=feed_url, kind=kind, title=title, added=utc_now())
    state.add(feed)
    return feed


def poll(
    feed: Feed,
    index: Index,
    state: FeedState,
    settings: Settings,
    every: float,
    polite: Politeness | None = None,
    progress: Callable[[str, int, int, IngestReport], None] | None = None,
) -> PollResult:
    """Poll one feed: index its new and changed items; record how it went."""
    polite = polite or Politeness(settings)
    started = time.time()
    feed = feed.model_copy(update={"last_poll": utc_now()})
    try:
        page = polite.fetch(
            feed.url, accept=FEED_TYPES, etag=feed.etag, last_modified=feed.last_modified
        )
        get: Getter = lambda url: polite.fetch(url, accept=FEED_TYPES)  # noqa: E731
        items = [] if page.not_modified else read_feed(page, settings, get)[2]
    except InputError as e:
        return _failed(feed, state, e.problem, started, every)
    seen = state.stamps(feed.url)
    changed = [i for i in dict((i.url, i) for i in items).values() if seen.get(i.url) != i.stamp]
    allowed = [i for i in changed if polite.allowed(i.url)]
    todo = allowed[: settings.watch_max_items]
    report = ingest_urls(index, [i.url for i in todo], settings, progress, fetcher=polite.fetch)
    failed = {e.path: e.problem for e in report.errors}
    retry = len(allowed) > len(todo)  # items left for the next poll
    for item in todo:
        if item.url in report.from_url:
            state.mark(feed.url, item.url, item.stamp, report.from_url[item.url])
        elif _TRANSIENT.match(failed.get(item.url, "")):
            retry = True
        else:
            state.mark(feed.url, item.url, item.stamp, "")  # a refused page: not asked again
    new = len(report.added) + len(report.replaced)
    # With items still to fetch, the next poll must read the feed again, not get a 304.
    validators = {
        "etag": "" if retry else page.etag or feed.etag,
        "last_modified": "" if retry else page.last_modified or feed.last_modified,
    }
    feed = feed.model_copy(
        update={
            **validators,
            "last_ok": feed.last_poll,
            "last_error": f"{len(report.errors)} item(s) failed, first: {report.errors[0]}"
            if report.errors
            else "",
            "failures": 0,
            "next_poll": started + every,
            "new_items": new,
            "total_items": feed.total_items + new,
        }
    )
    state.save(feed)
    return PollResult(
        feed, report, not_modified=page.not_modified, skipped=len(changed) - len(allowed)
    )


def _failed(feed: Feed, state: FeedState, problem: str, started: float, every: float) -> PollResult:
    """Record a poll that could not read the feed: the next waits 2, 4, 8… intervals."""
    failures = feed.failures + 1
    wait = min(every * 2.0 ** min(failures, 20), max(every, MAX_BACKOFF))
    feed = feed.model_copy(
        update={
            "last_error": problem,
            "failures": failures,
            "new_items": 0,
            "next_poll": started + wait,
        }
    )
    state.save(feed)
    return PollResult(feed, error=problem)


def poll_due(
    index: Index,
    state: FeedState,
    settings: Settings,
    every: float,
    force: bool = False,
    progress: Callable[[str, int, int, IngestReport], None] | None = None,
    polite: Politeness | None = None,
) -> list[PollResult]:
    """Poll every feed whose time has come (all of them when ``force``), one at a time;
    one feed failing never stops the others."""
    polite = polite or Politeness(settings)
    now = time.time()
    results = []
    for feed in state.feeds():
        if not force and not state.claim(feed.url, due_by=now, until=now + every):
            continue  # not due, or another poller has just taken it
        try:
            results.append(poll(feed, index, state, settings, every, polite, progress))
        except Exception as e:  # a bug in one feed's poll must not stop the others
            log.exception("%s: poll failed", feed.url)
            problem = f"unexpected error ({type(e).__name__}: {e})"
            results.append(_failed(feed, state, problem, now, every))
    return results
