"""Following feeds: RSS/Atom (feedparser), sitemaps, and the feed a page links to; polled
politely (conditional requests, robots.txt, a pause between requests to one host, back-off
after errors), indexing only items that are new or changed."""

from __future__ import annotations

import io
import re
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

from rag.backends.feed_state import FeedState
from rag.backends.store import Index
from rag.errors import InputError
from rag.ingest.fetch import HTML_TYPES, PAGE_TYPES, XML_TYPES, FetchError, Page, fetch
from rag.ingest.pipeline import IngestReport, ingest_urls
from rag.settings import Settings
from rag.types import Feed

FEED_TYPES = XML_TYPES | HTML_TYPES | {"text/plain"}  # servers label feeds loosely
ROBOTS_AGENT = "rag-news"
MAX_BACKOFF = 24 * 3600.0
_FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml")
# Fetch errors worth trying the item again at the next poll (the rest are the page itself).
_TRANSIENT = re.compile(r"^(HTTP 5|HTTP 429|timed out|could not connect|the connection broke)")


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


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# --- reading feeds ---------------------------------------------------------------------


def read_feed(page: Page, settings: Settings) -> tuple[str, Literal["feed", "sitemap"], list[Item]]:
    """The title, kind and items of a fetched feed or sitemap."""
    head = page.text.lstrip()[:4000]
    if re.search(r"<(\w+:)?(urlset|sitemapindex)\b", head):
        return "", "sitemap", _sitemap_items(page, settings, depth=0)
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
        items.append(Item(urljoin(page.final_url, link), str(stamp)))
    title = str(parsed.feed.get("title", ""))
    return title, "feed", items


def _sitemap_items(page: Page, settings: Settings, depth: int) -> list[Item]:
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
        children = [str(loc.text).strip() for loc in locs if (loc.text or "").strip()]
        for child_url in children[: settings.watch_max_items]:
            child = fetch(urljoin(page.final_url, child_url), settings, accept=FEED_TYPES)
            items.extend(_sitemap_items(child, settings, depth + 1))
        return items
    found = []
    for loc in locs:
        if not loc.text or not loc.text.strip():
            continue
        lastmod = loc.getparent().xpath("./*[local-name()='lastmod']/text()")
        found.append(
            Item(
                urljoin(page.final_url, loc.text.strip()),
                str(lastmod[0]).strip() if lastmod else "",
            )
        )
    # Newest first when the sitemap says when each changed.
    return sorted(found, key=lambda i: i.stamp, reverse=True)


def discover(
    url: str, settings: Settings
) -> tuple[Page, str, Literal["feed", "sitemap"], list[Item]]:
    """The feed at ``url``, or the one the page at ``url`` links to."""
    page = fetch(url, settings, accept=FEED_TYPES)
    if page.content_type in HTML_TYPES and not re.match(
        r"\s*<\?xml|\s*<(rss|feed|urlset|sitemapindex)\b", page.text
    ):
        link = _feed_link(page)
        if not link:
            raise FetchError(url, "a web page that links to no RSS or Atom feed")
        page = fetch(link, settings, accept=FEED_TYPES)
    title, kind, items = read_feed(page, settings)
    return page, title, kind, items


def _feed_link(page: Page) -> str:
    from lxml import html as lxml_html

    try:
        doc = lxml_html.fromstring(page.text)
    except Exception:  # lxml raises several types on hopeless input
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
    """robots.txt per host (RFC 9309: a 4xx means no rules, anything else failing means
    keep out for now; kept a day, or a minute after a failure) and a pause between two
    requests to one host. One lives as long as the poller."""

    ROBOTS_TTL = 24 * 3600.0
    FAILED_TTL = 60.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules: dict[str, tuple[urllib.robotparser.RobotFileParser | None, float]] = {}
        self.last: dict[str, float] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        cached = self.rules.get(host)
        if cached is None or cached[1] < time.monotonic():
            rules, ttl = self._robots(host)
            self.rules[host] = (rules, time.monotonic() + ttl)
        rules = self.rules[host][0]
        return True if rules is None else rules.can_fetch(ROBOTS_AGENT, url)

    def _robots(self, host: str) -> tuple[urllib.robotparser.RobotFileParser | None, float]:
        parser = urllib.robotparser.RobotFileParser()
        try:
            self.wait(host + "/")
            page = fetch(host + "/robots.txt", self.settings, accept=PAGE_TYPES | XML_TYPES)
        except FetchError as e:
            if re.match(r"HTTP 4\d\d", e.problem):
                return None, self.ROBOTS_TTL
            parser.parse(["User-agent: *", "Disallow: /"])
            return parser, self.FAILED_TTL
        parser.parse(page.text.splitlines())
        return parser, self.ROBOTS_TTL

    def delay(self, url: str) -> float:
        parts = urlsplit(url)
        rules = self.rules.get(f"{parts.scheme}://{parts.netloc}", (None, 0.0))[0]
        asked = rules.crawl_delay(ROBOTS_AGENT) if rules is not None else None
        return max(self.settings.watch_host_delay, float(asked or 0))

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc
        pause = self.last.get(host, -1e9) + self.delay(url) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last[host] = time.monotonic()


# --- polling ---------------------------------------------------------------------------


def add_feed(url: str, state: FeedState, settings: Settings) -> Feed:
    """Follow the feed or sitemap at ``url`` (or the feed its page links to)."""
    page, title, kind, _ = discover(url, settings)
    feed_url = page.final_url
    known = state.get(feed_url)
    if known is not None:
        return known
    feed = Feed(url=feed_url, kind=kind, title=title, added=_now())
    state.save(feed)
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
    feed = feed.model_copy(update={"last_poll": _now()})
    try:
        if not polite.allowed(feed.url):
            raise FetchError(feed.url, "robots.txt disallows this feed")
        polite.wait(feed.url)
        page = fetch(
            feed.url, settings, accept=FEED_TYPES, etag=feed.etag, last_modified=feed.last_modified
        )
        items = [] if page.not_modified else read_feed(page, settings)[2]
    except InputError as e:
        failures = feed.failures + 1
        feed = feed.model_copy(
            update={
                "last_error": e.problem,
                "failures": failures,
                "new_items": 0,
                "next_poll": started + min(every * 2**failures, max(every, MAX_BACKOFF)),
            }
        )
        state.save(feed)
        return PollResult(feed, error=e.problem)
    seen = state.stamps(feed.url)
    todo = [i for i in dict((i.url, i) for i in items).values() if seen.get(i.url) != i.stamp]
    todo = todo[: settings.watch_max_items]
    allowed = [i for i in todo if polite.allowed(i.url)]

    def get(url: str) -> Page:
        polite.wait(url)
        return fetch(url, settings)

    report = ingest_urls(index, [i.url for i in allowed], settings, progress, fetcher=get)
    failed = {e.path: e.problem for e in report.errors}
    for item in allowed:
        if item.url in report.from_url:
            state.mark(feed.url, item.url, item.stamp, report.from_url[item.url])
        elif not _TRANSIENT.match(failed.get(item.url, "")):
            state.mark(feed.url, item.url, item.stamp, "")  # a refused page: not asked again
    new = len(report.added) + len(report.replaced)
    feed = feed.model_copy(
        update={
            "etag": page.etag or feed.etag,
            "last_modified": page.last_modified or feed.last_modified,
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
        feed, report, not_modified=page.not_modified, skipped=len(todo) - len(allowed)
    )


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
    return [
        poll(feed, index, state, settings, every, polite, progress)
        for feed in state.feeds()
        if force or feed.next_poll <= now
    ]
