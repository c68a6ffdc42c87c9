"""The page's "Add from URL / feed" box in a real headless Chromium, behind the page's
password, fetching from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, serve_app
from tests.web import Route, WebServer, article_html, rss_xml, story

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def web() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    env = {
        "RAG_UI_AUTH": "editor:harbour-light-7",
        "RAG_FETCH_ALLOW_PRIVATE": "1",  # the test server is on loopback
        "RAG_WATCH_HOST_DELAY": "0",
        "RAG_LLM_BASE_URL": "http://127.0.0.1:9/v1",  # no model: this page only indexes
        "RAG_LEDGER_MODEL": "0",
    }
    with serve_app(tmp_path_factory, **env) as url, sync_playwright() as p:
        ARTIFACTS.mkdir(exist_ok=True)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_label("username").fill("editor")
        page.get_by_label("password").fill("harbour-light-7")
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#question textarea", timeout=60_000)
        yield page
        browser.close()


def _wait_report(page: object, text: str) -> str:
    page.wait_for_function(
        "(t) => document.querySelector('#web-report').innerText.includes(t)",
        arg=text,
        timeout=120_000,
    )
    return page.locator("#web-report").inner_text()


def test_a_page_and_a_feed_are_added_from_the_articles_tab(page, web: WebServer) -> None:
    web.routes["/news/pier.html"] = Route(
        article_html(title="Pier plan", paragraphs=story(1, speaker="Tomas Reyes")).encode()
    )
    web.routes["/news/story-2.html"] = Route(
        article_html(title="Vote", paragraphs=story(2)).encode()
    )
    web.routes["/feed.xml"] = Route(
        rss_xml([(web.url("/news/story-2.html"), "Tue, 24 Nov 2026 08:00:00 GMT")]).encode(),
        content_type="application/rss+xml",
    )
    page.get_by_role("tab", name="Articles").click()
    box = page.locator("#web-url textarea, #web-url input").first
    box.fill(web.url("/missing.html"))
    page.click("#add-page")
    assert "HTTP 404 Not Found" in _wait_report(page, "404")
    box.fill(web.url("/news/pier.html"))
    page.click("#add-page")
    assert "1 page(s)" in _wait_report(page, "1 added")
    page.wait_for_function(
        "() => document.querySelector('#articles').innerText.includes('Pier plan')",
        timeout=30_000,
    )
    box.fill(web.url("/feed.xml"))
    page.click("#add-feed")
    report = _wait_report(page, "Following feed")
    assert "1 new, 0 changed, 0 failed" in report
    feeds = page.locator("#feeds").inner_text()
    assert web.url("/feed.xml") in feeds and "⚠" not in feeds
    page.screenshot(path=str(ARTIFACTS / "web.png"), full_page=True)
    page.click("#poll")  # the feed sends no ETag: read again, nothing new in it
    assert "0 new, 0 changed, 0 failed" in _wait_report(page, "Polled every feed")
