"""Feeds and sitemaps polled from a real HTTP server on 127.0.0.1: new and changed items
indexed, conditional requests, robots.txt, back-off, and a failing feed that never stops
the others."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from rag.api import Engine
from rag.cli import cli
from rag.errors import InputError, NotFoundError
from rag.ingest.feeds import parse_duration
from rag.settings import Settings
from tests.fakes import QueuedChatModel
from tests.web import (
    Route,
    WebServer,
    article_html,
    cli_environment,
    rss_xml,
    sitemap_index_xml,
    sitemap_xml,
    story,
)

DATES = ["Mon, 23 Nov 2026 08:00:00 GMT", "Tue, 24 Nov 2026 08:00:00 GMT"]


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as web:
        yield web


@pytest.fixture
def engine(settings: Settings, fake_llm: QueuedChatModel) -> Engine:
    return Engine(
        settings.model_copy(
            update={"fetch_allow_private": True, "fetch_timeout": 5.0, "watch_host_delay": 0.0}
        )
    )


def _publish(server: WebServer, n: int, **kw: str) -> str:
    path = f"/news/story-{n}.html"
    server.routes[path] = Route(
        article_html(title=f"Story {n}", paragraphs=story(n, **kw)).encode()
    )
    return server.url(path)


def _feed(server: WebServer, items: list[tuple[str, str]], etag: str = "") -> None:
    server.routes["/feed.xml"] = Route(
        rss_xml(items).encode(), content_type="application/rss+xml", etag=etag
    )


def _fetched(server: WebServer, path: str) -> int:
    return sum(1 for h in server.hits if h.path == path)


def test_a_new_feed_item_is_answerable_with_a_cited_quote_after_one_poll(
    server: WebServer, engine: Engine
) -> None:
    first = _publish(server, 1)
    _feed(server, [(first, DATES[0])])
    feed = engine.add_feed(server.url("/feed.xml"))
    assert (feed.kind, feed.title) == ("feed", "Lindqvist Courier: News")
    [result] = engine.poll_feeds(every=900, force=True)
    assert result.error == "" and len(result.report.added) == 1
    # A new item appears; one poll later it answers "who said" with the exact span.
    second = _publish(server, 2, speaker="Tomas Reyes", words="The ferry must sail again")
    _feed(server, [(second, DATES[1]), (first, DATES[0])])
    [result] = engine.poll_feeds(every=900, force=True)
    assert result.report.added == [result.report.from_url[second]]
    assert _fetched(server, "/news/story-1.html") == 1  # the old item is not fetched again
    answer = engine.ask("Who said “The ferry must sail again”?")
    assert "Tomas Reyes" in answer.text and answer.citations
    cite = answer.citations[0]
    article = engine.get_article(cite.article_id)
    assert article.text[cite.start : cite.end] == cite.quote
    assert "ferry must sail again" in cite.quote
    [listed] = engine.feeds()
    assert listed.new_items == 1 and listed.total_items == 2 and listed.last_error == ""


def test_an_unchanged_feed_answers_304_and_nothing_is_fetched(
    server: WebServer, engine: Engine
) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])], etag='"feed-v1"')
    engine.add_feed(server.url("/feed.xml"))
    engine.poll_feeds(every=900, force=True)
    hits = len(server.hits)
    [result] = engine.poll_feeds(every=900, force=True)
    assert result.not_modified and result.report.pages == 0
    assert [h.path for h in server.hits[hits:]] == ["/feed.xml"]
    assert server.hits[-1].headers["If-None-Match"] == '"feed-v1"'


def test_a_changed_item_is_indexed_again_and_its_old_text_kept(
    server: WebServer, engine: Engine
) -> None:
    url = _publish(server, 1, words="We will rebuild the pier")
    _feed(server, [(url, DATES[0])])
    engine.add_feed(server.url("/feed.xml"))
    aid = engine.poll_feeds(every=900, force=True)[0].report.added[0]
    _publish(server, 1, words="We will repair the pier")
    _feed(server, [(url, DATES[1])])  # the feed says the item was updated
    [result] = engine.poll_feeds(every=900, force=True)
    assert result.report.replaced == [aid]
    [old] = engine.versions(aid)
    assert "rebuild the pier" in old.text and "repair the pier" in engine.get_article(aid).text


def test_sitemaps_and_sitemap_indexes(server: WebServer, engine: Engine) -> None:
    one, two = _publish(server, 1), _publish(server, 2)
    server.routes["/sitemap-news.xml"] = Route(
        sitemap_xml([(one, "2026-11-23"), (two, "2026-11-24")]).encode(),
        content_type="application/xml",
    )
    server.routes["/sitemap.xml"] = Route(
        sitemap_index_xml([server.url("/sitemap-news.xml")]).encode(),
        content_type="application/xml",
    )
    feed = engine.add_feed(server.url("/sitemap.xml"))
    assert feed.kind == "sitemap"
    [result] = engine.poll_feeds(every=900, force=True)
    assert sorted(result.report.from_url) == sorted([one, two])
    assert len(result.report.added) == 2


def test_a_page_that_links_a_feed_is_followed_by_its_feed(
    server: WebServer, engine: Engine
) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])])
    link = '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    server.routes["/"] = Route(article_html(extra_head=link).encode())
    feed = engine.add_feed(server.url("/"))
    assert feed.url == server.url("/feed.xml")
    assert engine.add_feed(server.url("/feed.xml")) == feed  # followed once
    assert len(engine.feeds()) == 1


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        (Route(b"<html><body>No feed here</body></html>"), "links to no RSS or Atom feed"),
        (Route(b"just text, not xml", content_type="application/rss+xml"), "not an RSS or Atom"),
        (Route(b"<urlset><url><loc>x</loc>", content_type="application/xml"), "not well-formed"),
        (Route(b"{}", content_type="application/json"), "sent application/json"),
    ],
    ids=["html-no-link", "not-xml", "broken-sitemap", "json"],
)
def test_what_is_not_a_feed_is_refused_by_url(
    server: WebServer, engine: Engine, route: Route, problem: str
) -> None:
    server.routes["/bad"] = route
    with pytest.raises(InputError, match=problem) as caught:
        engine.add_feed(server.url("/bad"))
    assert caught.value.path.startswith(server.url("/bad"))
    assert engine.feeds() == []


def test_a_feed_failing_every_poll_backs_off_and_the_others_go_on(
    server: WebServer, engine: Engine
) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])])
    server.routes["/broken.xml"] = Route(rss_xml([]).encode(), content_type="application/rss+xml")
    engine.add_feed(server.url("/broken.xml"))
    engine.add_feed(server.url("/feed.xml"))
    server.routes["/broken.xml"] = Route(b"down", status=503, content_type="text/plain")
    delays = []
    for _ in range(3):
        before = time.time()
        results = {r.feed.url: r for r in engine.poll_feeds(every=60, force=True)}
        broken = results[server.url("/broken.xml")]
        assert broken.error == "HTTP 503 Service Unavailable"
        assert results[server.url("/feed.xml")].error == ""
        delays.append(broken.feed.next_poll - before)
    assert [round(d / 60) for d in delays] == [2, 4, 8]  # doubling after each failure
    assert len(engine.list_articles()) == 1
    # Not due yet: a poll that is not forced leaves the broken feed alone.
    assert server.url("/broken.xml") not in {r.feed.url for r in engine.poll_feeds(every=60)}
    [state] = [f for f in engine.feeds() if f.url.endswith("/broken.xml")]
    assert state.failures == 3 and state.last_error.startswith("HTTP 503")


def test_items_that_fail_are_reported_and_refused_pages_not_asked_again(
    server: WebServer, engine: Engine
) -> None:
    good = _publish(server, 1)
    server.routes["/news/paywalled.html"] = Route(b"<html><body><p>Subscribe</p></body></html>")
    server.routes["/news/flaky.html"] = Route(b"busy", status=500, content_type="text/plain")
    flaky, paywalled = server.url("/news/flaky.html"), server.url("/news/paywalled.html")
    _feed(server, [(good, DATES[0]), (paywalled, DATES[0]), (flaky, DATES[0])])
    engine.add_feed(server.url("/feed.xml"))
    [result] = engine.poll_feeds(every=900, force=True)
    assert sorted(e.path for e in result.report.errors) == sorted([paywalled, flaky])
    assert result.feed.last_error.startswith("2 item(s) failed")
    engine.poll_feeds(every=900, force=True)
    assert _fetched(server, "/news/paywalled.html") == 1  # refused: not fetched again
    assert _fetched(server, "/news/flaky.html") == 2  # a server error: tried again


def test_robots_txt_is_respected(server: WebServer, engine: Engine) -> None:
    allowed, private = _publish(server, 1), _publish(server, 2)
    server.routes["/robots.txt"] = Route(
        b"User-agent: rag-news\nDisallow: /news/story-2.html\n", content_type="text/plain"
    )
    _feed(server, [(allowed, DATES[0]), (private, DATES[0])])
    engine.add_feed(server.url("/feed.xml"))
    [result] = engine.poll_feeds(every=900, force=True)
    assert list(result.report.from_url) == [allowed] and result.skipped == 1
    assert _fetched(server, "/news/story-2.html") == 0
    assert _fetched(server, "/robots.txt") == 1


def test_a_robots_txt_that_errors_keeps_the_poller_out(server: WebServer, engine: Engine) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])])
    engine.add_feed(server.url("/feed.xml"))
    server.routes["/robots.txt"] = Route(b"oops", status=500, content_type="text/plain")
    [result] = engine.poll_feeds(every=900, force=True)
    assert "robots.txt disallows" in result.error
    assert _fetched(server, "/news/story-1.html") == 0


def test_durations() -> None:
    assert [parse_duration(d) for d in ("30s", "15m", "1h", "1h30m", "90")] == [
        30,
        900,
        3600,
        5400,
        90,
    ]
    for bad in ("soon", "15x", "m15", ""):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)


def test_removing_an_unknown_feed_says_so(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="no feed"):
        engine.remove_feed("http://127.0.0.1:1/feed.xml")


@pytest.fixture
def cli_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with cli_environment(monkeypatch, engine.settings.home):
        yield


@pytest.mark.usefixtures("cli_env")
def test_cli_feeds_and_watch_once(server: WebServer) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])])
    server.routes["/down.xml"] = Route(rss_xml([]).encode(), content_type="application/rss+xml")
    runner = CliRunner()
    assert "No feeds followed" in runner.invoke(cli, ["watch", "--once"]).output
    for path in ("/feed.xml", "/down.xml"):
        added = runner.invoke(cli, ["feeds", "add", server.url(path)])
        assert added.exit_code == 0 and f"Following feed {server.url(path)}" in added.output
    server.routes["/down.xml"] = Route(b"gone", status=404, content_type="text/plain")
    watched = runner.invoke(cli, ["watch", "--once", "-q"])
    assert watched.exit_code == 1  # one feed failed; the other was indexed
    assert f"{server.url('/feed.xml')}  [feed]  last poll" in watched.output
    assert "1 new, ok" in watched.output and "error: HTTP 404 Not Found" in watched.output
    listed = runner.invoke(cli, ["feeds", "list"])
    assert listed.output.count("last poll") == 2
    assert runner.invoke(cli, ["feeds", "remove", server.url("/down.xml")]).exit_code == 0
    assert runner.invoke(cli, ["watch", "--once", "-q"]).exit_code == 0
    assert "not a duration" in runner.invoke(cli, ["watch", "--every", "soon"]).output


def test_a_dropped_connection_is_tried_again_and_a_malformed_link_skipped(
    server: WebServer, engine: Engine
) -> None:
    good = _publish(server, 1)
    server.routes["/news/dropped.html"] = Route(drop=True)
    dropped = server.url("/news/dropped.html")
    server.routes["/feed.xml"] = Route(
        rss_xml([(good, DATES[0]), ("http://[oops/x", DATES[0]), (dropped, DATES[0])]).encode(),
        content_type="application/rss+xml",
        etag='"v1"',
    )
    engine.add_feed(server.url("/feed.xml"))
    [result] = engine.poll_feeds(every=900, force=True)
    assert list(result.report.from_url) == [good]
    assert [e.path for e in result.report.errors] == [dropped]
    assert "the connection failed" in result.report.errors[0].problem
    # An item left to retry: the next poll reads the feed in full (no 304) and asks again.
    server.routes["/news/dropped.html"] = Route(article_html(paragraphs=story(3)).encode())
    [result] = engine.poll_feeds(every=900, force=True)
    assert not result.not_modified and list(result.report.from_url) == [dropped]
    assert (
        _fetched(server, "/news/dropped.html") == 2 and _fetched(server, "/news/story-1.html") == 1
    )


def test_items_over_the_limit_wait_for_the_next_poll_even_with_an_etag(
    server: WebServer, engine: Engine
) -> None:
    urls = [_publish(server, n) for n in range(3)]
    _feed(server, [(u, DATES[0]) for u in urls], etag='"v1"')
    small = Engine(engine.settings.model_copy(update={"watch_max_items": 2}))
    small.add_feed(server.url("/feed.xml"))
    first = small.poll_feeds(every=900, force=True)[0].report
    second = small.poll_feeds(every=900, force=True)[0].report
    assert len(first.added) == 2 and len(second.added) == 1
    assert sorted([*first.from_url, *second.from_url]) == sorted(urls)
    [result] = small.poll_feeds(every=900, force=True)  # all fetched: now a 304
    assert result.not_modified


def test_robots_rules_are_read_the_way_rfc_9309_says(server: WebServer, engine: Engine) -> None:
    """Wildcards, the longest rule winning, and disallowed items that never crowd out the
    allowed ones under the per-poll limit."""
    server.routes["/robots.txt"] = Route(
        b"User-agent: *\nDisallow: /\nAllow: /news/\nAllow: /feed.xml\n"
        b"Disallow: /news/*-amp.html$\n",
        content_type="application/octet-stream",  # served oddly: still read
    )
    blocked = []
    for n in range(3):
        path = f"/news/story-{n}-amp.html"
        server.routes[path] = Route(article_html(paragraphs=story(n)).encode())
        blocked.append(server.url(path))
    allowed = _publish(server, 9)
    _feed(server, [*((u, DATES[0]) for u in blocked), (allowed, DATES[0])])
    small = Engine(engine.settings.model_copy(update={"watch_max_items": 2}))
    small.add_feed(server.url("/feed.xml"))
    [result] = small.poll_feeds(every=900, force=True)
    assert list(result.report.from_url) == [allowed] and result.skipped == 3
    assert not any(h.path.endswith("-amp.html") for h in server.hits)


def test_a_broken_sitemap_child_does_not_sink_the_others(server: WebServer, engine: Engine) -> None:
    one = _publish(server, 1)
    server.routes["/sitemap-a.xml"] = Route(
        sitemap_xml([(one, "2026-11-23")]).encode(), content_type="application/xml"
    )
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n")
    server.routes["/sitemap.xml"] = Route(
        sitemap_index_xml(
            [server.url("/sitemap-a.xml"), server.url("/gone.xml"), server.url("/private/s.xml")]
        ).encode(),
        content_type="application/xml",
    )
    engine.add_feed(server.url("/sitemap.xml"))
    [result] = engine.poll_feeds(every=900, force=True)
    assert result.error == "" and list(result.report.from_url) == [one]
    assert _fetched(server, "/private/s.xml") == 0  # robots.txt keeps it out
    assert _fetched(server, "/gone.xml") == 2  # once by add_feed, once by the poll


def test_a_feed_that_failed_a_thousand_times_is_still_polled_and_a_removed_one_stays_gone(
    server: WebServer, engine: Engine
) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])])
    feed = engine.add_feed(server.url("/feed.xml"))
    engine.feed_state.save(feed.model_copy(update={"failures": 1000}))
    server.routes["/feed.xml"] = Route(b"down", status=503, content_type="text/plain")
    [result] = engine.poll_feeds(every=900.0, force=True)
    assert result.error.startswith("HTTP 503") and result.feed.failures == 1001
    assert result.feed.next_poll - time.time() <= 24 * 3600 + 5
    engine.remove_feed(feed.url)
    engine.feed_state.save(result.feed)  # a poll that was under way when it was removed
    assert engine.feeds() == []


def test_two_pollers_on_one_home_poll_a_due_feed_once(server: WebServer, engine: Engine) -> None:
    _feed(server, [(_publish(server, 1), DATES[0])])
    engine.add_feed(server.url("/feed.xml"))
    other = Engine(engine.settings)  # another process on the same RAG_HOME
    first = engine.poll_feeds(every=900)
    second = other.poll_feeds(every=900)
    assert len(first) == 1 and second == []
    assert _fetched(server, "/feed.xml") == 2  # add_feed's read and one poll
