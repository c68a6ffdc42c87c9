"""A real HTTP server on 127.0.0.1 for the web tests, and invented article pages for it
(no real outlet's page is copied here)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


@contextlib.contextmanager
def cli_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[None]:
    """The `rag` command's settings for the web tests: a fresh home, the fakes, and the
    test server's loopback address allowed."""
    from rag.settings import get_settings

    for name, value in {
        "RAG_HOME": str(home),
        "RAG_EMBEDDER": "hash",
        "RAG_LLM": "fake",
        "RAG_LEDGER_MODEL": "0",
        "RAG_FETCH_ALLOW_PRIVATE": "1",
        "RAG_WATCH_HOST_DELAY": "0",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()


@dataclass
class Route:
    """What one path answers. ``body`` may be bytes or a callable run per request (to
    change between polls); ``chunks`` streams the body without a Content-Length, with
    ``delay`` seconds before each chunk."""

    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""  # answer If-None-Match with 304
    chunks: int = 0
    delay: float = 0.0
    header_delay: float = 0.0  # seconds before each header line: a server that stalls
    drop: bool = False  # close the connection without answering


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


class WebServer:
    """``routes`` maps a path (with its query) to a Route; every request is logged."""

    def __init__(self) -> None:
        # a path's Route, or a function of the request's headers that picks one
        self.routes: dict[str, Route | Callable[[dict[str, str]], Route]] = {}
        self.hits: list[Hit] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.hits.append(Hit(self.path, dict(self.headers.items())))
                found = server.routes.get(self.path)
                route = found(dict(self.headers.items())) if callable(found) else found
                if route is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                if route.drop:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                body = route.body() if callable(route.body) else route.body
                headers = {"Content-Type": route.content_type, **route.headers}
                if route.etag:
                    headers["ETag"] = route.etag
                    if self.headers.get("If-None-Match") == route.etag:
                        self._send(304, headers, b"")
                        return
                if route.chunks:
                    self._stream(route, headers, body)
                else:
                    self._send(route.status, headers, body, route.header_delay)

            def _send(
                self, status: int, headers: dict[str, str], body: bytes, delay: float = 0.0
            ) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    time.sleep(delay)
                    self.send_header(k, v)
                    if delay:
                        self.flush_headers()
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, route: Route, headers: dict[str, str], body: bytes) -> None:
                self.send_response(route.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                size = max(1, len(body) // route.chunks)
                try:
                    for start in range(0, len(body), size):
                        time.sleep(route.delay)
                        part = body[start : start + size]
                        self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should on a slow or huge response

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up mid-response (as it should on a huge one)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> WebServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


PARAGRAPHS = [
    "The harbour board of Lindqvist met on Tuesday to decide the future of the old ferry "
    "terminal, which has stood empty since the spring floods damaged its pilings.",
    "“We cannot keep paying to patch a building that nobody uses,” said Marta Okonjo, the "
    "board's chair. “The honest choice is to rebuild it or to let it go.”",
    "Her deputy, Tomas Reyes, disagreed. “The terminal is the first thing visitors see,” "
    "Reyes said. “Letting it go would tell them the town has given up.”",
    "The board will publish an engineering survey next month and vote in the autumn, after "
    "a public meeting at the town library where residents can put their questions.",
]


def article_html(
    *,
    title: str = "Harbour board split over the old ferry terminal",
    paragraphs: list[str] | None = None,
    canonical: str = "",
    author: str = "Ines Maalouf",
    date: str = "2026-11-20",
    site: str = "The Lindqvist Courier",
    charset: str = "utf-8",
    extra_head: str = "",
) -> str:
    """An invented news article page with a byline, a date and site chrome around it."""
    body = "\n".join(f"<p>{p}</p>" for p in (paragraphs or PARAGRAPHS))
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="{charset}">
<title>{title} | {site}</title>
{link}
<meta property="og:site_name" content="{site}">
<meta property="og:title" content="{title}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T08:00:00Z">
{extra_head}
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {author}, {date}</p>
{body}
</article></main>
<footer><p>© {site}. All rights reserved.</p></footer>
</body></html>
"""


def paywall_html() -> str:
    """A subscription stub: a headline, one teaser line, and the paywall markup."""
    return """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Budget talks stall | The Lindqvist Courier</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Budget talks stall",
 "isAccessibleForFree": false}
</script></head><body>
<article><h1>Budget talks stall</h1>
<p>The council's budget talks broke down late on Monday.</p>
<div class="paywall">Subscribe to keep reading.</div></article>
</body></html>
"""


def index_html() -> str:
    """A section front: headlines and links, no article."""
    links = "\n".join(
        f'<li><a href="/news/story-{n}">Headline number {n} about the harbour</a></li>'
        for n in range(12)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>News</title></head>
<body><nav><a href="/">Home</a></nav><h1>News</h1><ul>{links}</ul></body></html>
"""


def story(n: int, speaker: str = "Marta Okonjo", words: str = "") -> list[str]:
    """The paragraphs of invented story number ``n``: one quotation by ``speaker``."""
    said = words or f"Item {n} of the harbour plan is ready for the vote"
    return [
        f"Story {n}. The harbour board of Lindqvist took up the {n}th part of its plan for "
        "the old ferry terminal on Tuesday, in a meeting that ran late into the evening.",
        f"“{said},” said {speaker}, the board's chair, as the meeting closed.",
        "Residents will be able to put their questions at a public meeting at the town "
        "library next month, before the board votes in the autumn on the whole plan.",
    ]


def rss_xml(items: list[tuple[str, str]], title: str = "Lindqvist Courier: News") -> str:
    """An RSS 2.0 feed of (link, pubDate) items."""
    entries = "\n".join(
        f"<item><title>Story {n}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate></item>"
        for n, (link, date) in enumerate(items)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{title}</title><link>http://example.invalid/</link>
<description>Invented test feed</description>
{entries}
</channel></rss>
"""


def sitemap_xml(urls: list[tuple[str, str]]) -> str:
    """A sitemap of (loc, lastmod) entries."""
    entries = "\n".join(f"<url><loc>{loc}</loc><lastmod>{mod}</lastmod></url>" for loc, mod in urls)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</urlset>
"""


def sitemap_index_xml(locs: list[str]) -> str:
    entries = "\n".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>
"""
