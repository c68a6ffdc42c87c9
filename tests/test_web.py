"""`rag ingest URL`: fetching real pages from a real HTTP server on 127.0.0.1, and every way a
fetch can fail, with nothing already indexed lost."""

from __future__ import annotations

import gzip
import re
import socket
import time
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.answer.check_answer import carrier_lines
from rag.api import Engine
from rag.cli import cli
from rag.errors import InputError
from rag.ingest import fetch as fetch_module
from rag.ingest.fetch import FetchError, decode, fetch
from rag.ingest.web import canonical_url, web_id
from rag.settings import Settings
from tests.web import (
    PARAGRAPHS,
    Route,
    WebServer,
    article_html,
    cli_environment,
    index_html,
    paywall_html,
)

ARTICLE = "/news/2026/11/harbour-board-split.html"


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as web:
        web.routes[ARTICLE] = Route(article_html(canonical=ARTICLE).encode())
        yield web


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """The test server is on loopback, which is refused unless allowed."""
    return settings.model_copy(update={"fetch_allow_private": True, "fetch_timeout": 5.0})


def _engine(settings: Settings) -> Engine:
    return Engine(settings)


def test_a_page_is_indexed_with_its_metadata_and_answers_from_the_ledger(
    server: WebServer, web_settings: Settings
) -> None:
    engine = _engine(web_settings)
    report = engine.ingest([server.url(ARTICLE)])
    assert report.ok and report.pages == 1 and len(report.added) == 1
    article = engine.get_article(report.added[0])
    assert article.url == server.url(ARTICLE)
    assert article.title == "Harbour board split over the old ferry terminal"
    assert (article.author, article.date) == ("Ines Maalouf", "2026-11-20")
    assert article.source == "The Lindqvist Courier"
    assert article.fetched.startswith("20") and article.fetched.endswith("+00:00")
    assert article.path == ""
    assert "Home" not in article.text and "All rights reserved" not in article.text
    quotes = {q.speaker: q for q in engine.quotes(article_id=article.id)}
    assert "Marta Okonjo" in quotes and "Tomas Reyes" in quotes
    q = quotes["Tomas Reyes"]
    assert article.text[q.start : q.end] == q.quote
    assert engine.list_articles()[0].fetched == article.fetched
    # The request named the tool.
    assert server.hits[-1].headers["User-Agent"].startswith("rag-news/")


def test_the_id_is_stable_per_canonical_url(server: WebServer, web_settings: Settings) -> None:
    server.routes["/go/harbour"] = Route(status=301, headers={"Location": ARTICLE})
    server.routes[ARTICLE + "?utm_source=chat&utm_medium=share"] = server.routes[ARTICLE]
    engine = _engine(web_settings)
    first = engine.ingest([server.url(ARTICLE)])
    again = engine.ingest(
        [server.url("/go/harbour"), server.url(ARTICLE + "?utm_source=chat&utm_medium=share")]
    )
    assert again.ok and again.unchanged == first.added * 2
    assert engine.index.count_articles() == 1


def test_canonical_url_is_only_trusted_on_the_pages_own_site() -> None:
    fetched = "https://www.courier.example.com/news/a.html?utm_campaign=x"
    assert canonical_url("/news/a.html", fetched) == "https://www.courier.example.com/news/a.html"
    assert canonical_url("https://courier.example.com/a", fetched).endswith("courier.example.com/a")
    # Another site cannot take over that site's article id.
    assert canonical_url("https://rival.example.org/a", fetched) == (
        "https://www.courier.example.com/news/a.html"
    )
    assert web_id("https://www.courier.example.com/news/a.html").startswith(
        "courier.example.com-a-"
    )


def test_a_changed_page_replaces_the_old_version_and_keeps_it(
    server: WebServer, web_settings: Settings
) -> None:
    engine = _engine(web_settings)
    aid = engine.ingest([server.url(ARTICLE)]).added[0]
    assert engine.versions(aid) == []
    edited = [p.replace("given up", "lost its nerve") for p in PARAGRAPHS]
    server.routes[ARTICLE] = Route(article_html(canonical=ARTICLE, paragraphs=edited).encode())
    report = engine.ingest([server.url(ARTICLE)])
    assert report.replaced == [aid]
    assert "lost its nerve" in engine.get_article(aid).text
    [old] = engine.versions(aid)
    assert "given up" in old.text and "lost its nerve" not in old.text
    assert old.url == server.url(ARTICLE)
    assert datetime.fromisoformat(old.replaced) >= datetime.fromisoformat(old.fetched)
    reyes = [q.quote for q in engine.quotes(speaker="Tomas Reyes", article_id=aid)]
    assert any("lost its nerve" in q for q in reyes)
    # The same text again keeps no new version; a text that changes back and forth keeps
    # every replaced text, oldest first.
    engine.ingest([server.url(ARTICLE)])
    assert len(engine.versions(aid)) == 1
    server.routes[ARTICLE] = Route(article_html(canonical=ARTICLE).encode())
    engine.ingest([server.url(ARTICLE)])
    server.routes[ARTICLE] = Route(article_html(canonical=ARTICLE, paragraphs=edited).encode())
    engine.ingest([server.url(ARTICLE)])
    history = [("given up" in v.text, "lost its nerve" in v.text) for v in engine.versions(aid)]
    assert history == [(True, False), (False, True), (True, False)]
    engine.remove(aid)
    assert engine.versions(aid) == []


def test_a_quotation_edited_after_publication_shows_how_it_first_read(
    server: WebServer, web_settings: Settings
) -> None:
    engine = _engine(web_settings)
    aid = engine.ingest([server.url(ARTICLE)]).added[0]
    edited = [p.replace("given up", "lost its nerve") for p in PARAGRAPHS]
    server.routes[ARTICLE] = Route(article_html(canonical=ARTICLE, paragraphs=edited).encode())
    engine.ingest([server.url(ARTICLE)])
    verdict = engine.check("Letting it go would tell them the town has lost its nerve")
    assert verdict.verdict == "verbatim"
    [carrier] = verdict.carriers
    [edit] = carrier.edits
    assert edit.earlier == "Letting it go would tell them the town has given up"
    assert edit.diff is not None
    assert [(c.claimed, c.original) for c in edit.diff.changes] == [("lost its nerve", "given up")]
    assert edit.replaced == engine.versions(aid)[0].replaced
    assert carrier_lines(verdict)[-1] == (
        f"  edited: the version replaced {edit.replaced} printed “{edit.earlier}”"
    )
    # A quotation the edit left alone has no edits.
    [same] = engine.check("The terminal is the first thing visitors see").carriers
    assert same.edits == ()


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        (Route(b"gone", status=404, content_type="text/plain"), "HTTP 404 Not Found"),
        (Route(b"oops", status=500, content_type="text/plain"), "HTTP 500"),
        (Route(b"%PDF-1.7", content_type="application/pdf"), "sent application/pdf, not"),
        (Route(paywall_html().encode()), "behind a paywall"),
        (Route(index_html().encode()), "mostly links"),
        (Route(b"   \n", content_type="text/html"), "empty page"),
        (Route(status=302), "redirect without a Location"),
    ],
    ids=["404", "500", "pdf", "paywall", "index", "empty", "no-location"],
)
def test_a_bad_page_is_refused_by_url_and_loses_nothing(
    server: WebServer, web_settings: Settings, route: Route, problem: str
) -> None:
    engine = _engine(web_settings)
    kept = engine.ingest([server.url(ARTICLE)]).added
    server.routes["/bad"] = route
    report = engine.ingest([server.url("/bad"), server.url(ARTICLE)])
    [error] = report.errors
    assert error.path == server.url("/bad") and problem in error.problem
    assert report.unchanged == kept
    assert [a.id for a in engine.list_articles()] == kept


def test_redirect_loops_and_chains_are_cut(server: WebServer, web_settings: Settings) -> None:
    server.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    server.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match=r"redirect loop: .*/a → .*/b → .*/a"):
        fetch(server.url("/a"), web_settings)
    for n in range(3):
        server.routes[f"/hop{n}"] = Route(status=307, headers={"Location": f"/hop{n + 1}"})
    server.routes["/hop3"] = Route(article_html().encode())
    short = web_settings.model_copy(update={"fetch_max_redirects": 2})
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(server.url("/hop0"), short)
    page = fetch(server.url("/hop0"), web_settings)
    assert page.final_url == server.url("/hop3") and page.url == server.url("/hop0")


def test_a_slow_response_times_out(server: WebServer, web_settings: Settings) -> None:
    body = article_html().encode()
    server.routes["/slow"] = Route(body, chunks=20, delay=0.2)  # 4 s in all, each part fast
    quick = web_settings.model_copy(update={"fetch_timeout": 1.0})
    with pytest.raises(FetchError, match=r"timed out after 1 s"):
        fetch(server.url("/slow"), quick)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_huge_response_is_refused_while_streaming(
    server: WebServer, web_settings: Settings, declared: bool
) -> None:
    huge = b"<html><body>" + b"<p>word </p>" * 450_000 + b"</body></html>"  # 5.4 MB
    server.routes["/huge"] = Route(huge, chunks=0 if declared else 50)
    with pytest.raises(FetchError, match=r"over the 5 MB limit \(RAG_FETCH_MAX_MB\)"):
        fetch(server.url("/huge"), web_settings)


def test_urls_that_differ_by_a_parameter_are_different_articles(
    server: WebServer, web_settings: Settings
) -> None:
    one = article_html(title="Story one", paragraphs=[p + " One." for p in PARAGRAPHS])
    two = article_html(title="Story two", paragraphs=[p + " Two." for p in PARAGRAPHS])
    server.routes["/story.php?nid=101"] = Route(one.encode())
    server.routes["/story.php?nid=102&utm_source=feed"] = Route(two.encode())
    # A page whose canonical names the front page is identified by its own URL.
    front = article_html(canonical="/", paragraphs=[p + " Three." for p in PARAGRAPHS])
    server.routes["/news/three.html"] = Route(front.encode())
    engine = _engine(web_settings)
    report = engine.ingest(
        [
            server.url("/story.php?nid=101"),
            server.url("/story.php?nid=102&utm_source=feed"),
            server.url("/news/three.html"),
        ]
    )
    assert report.ok and len(report.added) == 3
    urls = sorted(a.url for a in engine.list_articles())
    assert urls == sorted(
        [
            server.url("/news/three.html"),
            server.url("/story.php?nid=101"),
            server.url("/story.php?nid=102"),
        ]
    )
    assert canonical_url("", "https://user:pw@example.com/a") == "https://example.com/a"


def test_stalled_headers_and_slow_redirects_meet_one_deadline(
    server: WebServer, web_settings: Settings
) -> None:
    many = {f"X-Slow-{n}": "1" for n in range(20)}
    server.routes["/stall"] = Route(article_html().encode(), headers=many, header_delay=0.3)
    quick = web_settings.model_copy(update={"fetch_timeout": 1.0})
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1 s"):
        fetch(server.url("/stall"), quick)
    assert time.monotonic() - started < 3  # not 20 × 0.3 s
    for n in range(4):
        server.routes[f"/slow{n}"] = Route(
            status=302, headers={"Location": f"/slow{n + 1}"}, header_delay=0.4
        )
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 1 s"):
        fetch(server.url("/slow0"), quick)
    assert time.monotonic() - started < 3


def test_compressed_bodies_are_limited_after_decompression(
    server: WebServer, web_settings: Settings
) -> None:
    page = article_html().encode()
    server.routes["/gz"] = Route(gzip.compress(page), headers={"Content-Encoding": "gzip"})
    deflated = zlib.compress(page)
    server.routes["/deflate"] = Route(deflated, headers={"Content-Encoding": "deflate"})
    assert "ferry terminal" in fetch(server.url("/gz"), web_settings).text
    assert "ferry terminal" in fetch(server.url("/deflate"), web_settings).text
    bomb = gzip.compress(b"<html><body>" + b" " * 50_000_000)  # 50 MB in about 50 KB
    server.routes["/bomb"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match=r"over the 5 MB limit"):
        fetch(server.url("/bomb"), web_settings)
    server.routes["/br"] = Route(b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="encoded as 'br', which was not asked for"):
        fetch(server.url("/br"), web_settings)
    assert server.hits[-1].headers["Accept-Encoding"] == "gzip, deflate"


def test_a_consent_redirect_back_to_the_page_is_followed(
    server: WebServer, web_settings: Settings
) -> None:
    def story_or_consent(headers: dict[str, str]) -> Route:
        if "consent=yes" in headers.get("Cookie", ""):
            return Route(article_html().encode())
        return Route(status=302, headers={"Location": "/consent"})

    server.routes["/story"] = story_or_consent
    server.routes["/consent"] = Route(
        status=302, headers={"Location": "/story", "Set-Cookie": "consent=yes; Path=/"}
    )
    page = fetch(server.url("/story"), web_settings)
    assert "ferry terminal" in page.text
    assert [h.path for h in server.hits] == ["/story", "/consent", "/story"]


def test_urls_that_cannot_be_fetched_are_named_not_crashed_on(
    server: WebServer, web_settings: Settings
) -> None:
    for url, problem in [
        ("http://[::1/", "not a valid URL"),
        ("http://bücher.invalid/", "cannot resolve"),
        ("ftp://example.com/a", "only http:// and https://"),
    ]:
        with pytest.raises(FetchError, match=re.escape(problem)):
            fetch(url, web_settings)
    engine = _engine(web_settings)
    report = engine.ingest(["http://[::1/", server.url(ARTICLE)])
    assert len(report.added) == 1 and [e.path for e in report.errors] == ["http://[::1/"]


def test_charsets_wrong_missing_or_declared(server: WebServer, web_settings: Settings) -> None:
    text = article_html(title="Café society: Zoë Müller’s harbour").replace(
        '<meta charset="utf-8">', ""
    )
    # Declared UTF-8 in the header, written in Windows-1252.
    server.routes["/wrong"] = Route(text.encode("cp1252"), content_type="text/html; charset=utf-8")
    # No header charset; the page's <meta> says so.
    meta = article_html(title="Café society", charset="iso-8859-1").encode("cp1252")
    server.routes["/meta"] = Route(meta, content_type="text/html")
    # An unknown charset name.
    server.routes["/unknown"] = Route(
        article_html(title="Café society").encode(), content_type="text/html; charset=x-nonsense"
    )
    assert "Zoë Müller’s" in fetch(server.url("/wrong"), web_settings).text
    assert "Café society" in fetch(server.url("/meta"), web_settings).text
    assert "Café society" in fetch(server.url("/unknown"), web_settings).text
    # Not a text encoding at all (Python's codecs would take it).
    server.routes["/hex"] = Route(
        article_html(title="Café society").encode(), content_type="text/html; charset=hex"
    )
    assert "Café society" in fetch(server.url("/hex"), web_settings).text


def test_decode_prefers_the_bom_then_the_declaration() -> None:
    assert decode("\ufeffnaïve".encode(), "cp1252", "u") == "naïve"
    assert decode("\ufeffnaïve".encode("utf-16-le"), "", "u") == "naïve"
    utf16_label = b'<meta charset="utf-16"><p>plain</p>'  # HTML reads it as UTF-8
    assert decode(utf16_label, "", "u") == utf16_label.decode()
    assert decode("naïve\r\n".encode("utf-16-le"), "utf-16-le", "u") == "naïve\n"
    assert decode(b"caf\xe9", "", "u") == "café"


def test_conditional_requests_get_304(server: WebServer, web_settings: Settings) -> None:
    server.routes[ARTICLE].etag = '"v1"'
    first = fetch(server.url(ARTICLE), web_settings)
    assert first.etag == '"v1"' and not first.not_modified
    again = fetch(server.url(ARTICLE), web_settings, etag=first.etag)
    assert again.not_modified and again.text == ""
    assert server.hits[-1].headers["If-None-Match"] == '"v1"'


def test_private_addresses_are_refused_by_default(server: WebServer, settings: Settings) -> None:
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(
            FetchError, match=r"loopback address: refused .*RAG_FETCH_ALLOW_PRIVATE"
        ):
            fetch(server.url(ARTICLE, host=host), settings)
    for url in ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://[::1]/"):
        with pytest.raises(FetchError, match=r"(link-local|private|loopback) address: refused"):
            fetch(url, settings)
    with pytest.raises(FetchError, match="only http:// and https://"):
        fetch("file:///etc/passwd", settings)
    assert server.hits == []  # refused before any connection


def test_every_redirect_is_checked_after_dns(
    server: WebServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only 127.0.0.1 counts as public here, so the first hop goes through and the redirect
    to another loopback address is refused before it is followed."""
    real = fetch_module._non_public
    monkeypatch.setattr(
        fetch_module, "_non_public", lambda ip: "" if str(ip) == "127.0.0.1" else real(ip)
    )
    server.routes["/out"] = Route(
        status=302, headers={"Location": f"http://127.0.0.2:{server.port}/"}
    )
    with pytest.raises(FetchError, match=r"127\.0\.0\.2 is a loopback address") as refused:
        fetch(server.url("/out"), settings)
    assert refused.value.path == server.url("/out")  # the URL asked for, not the hop
    assert [h.path for h in server.hits] == ["/out"]


def test_the_connection_goes_to_the_checked_address_with_the_host_named(
    server: WebServer, web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the checker's own lookup knows this host: the connection must use the address
    it checked, and the request still names the host."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def lookup(host: str, *args: object, **kw: object) -> list:
        asked.append(host)
        return real("127.0.0.1" if host == "courier.test" else host, *args, **kw)

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", lookup)
    page = fetch(server.url(ARTICLE, host="courier.test"), web_settings)
    assert page.final_url == server.url(ARTICLE, host="courier.test")
    assert server.hits[-1].headers["Host"] == f"courier.test:{server.port}"
    # The name was looked up once; the connection only turned the checked address into a
    # socket address (monkeypatch replaced getaddrinfo for the whole process).
    assert asked[0] == "courier.test" and set(asked[1:]) <= {"127.0.0.1"}
    with pytest.raises(FetchError, match="loopback address: refused"):
        fetch(
            server.url(ARTICLE, host="courier.test"),
            web_settings.model_copy(update={"fetch_allow_private": False}),
        )


@pytest.fixture
def cli_env(web_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with cli_environment(monkeypatch, web_settings.home):
        yield


@pytest.mark.usefixtures("cli_env")
def test_cli_ingests_files_and_urls_together(server: WebServer, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("A short local note about the harbour board and its vote.\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", "-q", str(note), server.url(ARTICLE)])
    assert result.exit_code == 0, result.output
    assert "1 file(s), 1 page(s): 2 added" in result.output
    result = runner.invoke(cli, ["ingest", "-q", server.url("/missing")])
    assert result.exit_code == 1
    assert f"error: {server.url('/missing')}: HTTP 404 Not Found" in result.output
    assert "0 added" in result.output


def test_fetch_errors_are_input_errors() -> None:
    """The ingest report and the CLI treat a URL that fails like a file that fails."""
    assert issubclass(FetchError, InputError)
