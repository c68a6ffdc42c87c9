"""The page in a real headless Chromium (Debian's, driven by Playwright) against the app
served by `rag ui` on a free localhost port, with the real embedded model."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAST_BOT = "[data-testid='bot'] >> nth=-1"
# The answer is final when a new bot bubble exists and no longer shows the streaming text.
# Polled on every animation frame; meanwhile it records the lengths the bubble's text had
# while still streaming, so a test can tell a streamed answer from one that came whole.
ANSWER_DONE = """(before) => {
  const bots = [...document.querySelectorAll('[data-testid="bot"]')];
  const last = bots[bots.length - 1];
  const fresh = bots.length > before && !!last;
  if (fresh && last.querySelector('.streaming')) {
    window.__streamed = window.__streamed || [];
    const n = last.innerText.trim().length;
    if (n && !window.__streamed.includes(n)) window.__streamed.push(n);
  }
  return fresh && !last.querySelector('.streaming');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_app(tmp_path_factory: pytest.TempPathFactory, **env_extra: str) -> Iterator[str]:
    """`rag ui` on a free port with a fresh index; yields its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "RAG_HOME": str(tmp_path_factory.mktemp("ui") / "home"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        **env_extra,
    }
    log = (tmp_path_factory.mktemp("ui-log") / "ui.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the page did not come up")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)
        page.wait_for_selector("#question textarea")
        yield page
        browser.close()


def ask(page: object, question: str) -> str:
    before = page.locator("[data-testid='bot']").count()
    page.evaluate("window.__streamed = []")
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(ANSWER_DONE, arg=before, timeout=240_000)
    return page.locator(LAST_BOT).inner_text()


def _open_first_citation(page: object, answer: object) -> None:
    """Click the answer's first [n]: its source opens, outlined, with Barrot's words marked."""
    marker = answer.locator("a.cite").first
    target = marker.get_attribute("href")[1:]
    marker.click()
    source = page.locator(f"#{target}")
    assert source.evaluate("el => el.open && el.classList.contains('flash')")
    assert "Peace cannot mean capitulation" in source.locator("mark").first.inner_text()
    assert "Jean-Noël Barrot" in source.inner_text()


def test_seed_question_gets_a_composed_answer_with_clickable_citations(page) -> None:
    text = ask(page, 'Who said "Peace cannot mean capitulation"?')
    assert "France’s Foreign Minister Jean-Noël Barrot stated" in text
    assert "From the quote ledger" in text
    _open_first_citation(page, page.locator(LAST_BOT))
    page.screenshot(path=str(ARTIFACTS / "chat.png"))


def test_a_model_answer_streams_checked_sentences(page) -> None:
    text = ask(page, "What did the US suggest about Germany and Nato?")
    assert "Germany" in text
    partial = page.evaluate("window.__streamed")
    # The waiting line, then the model's sentences as each passes the claim check.
    assert len(partial) >= 2, f"the answer did not stream (text lengths seen: {partial})"


def test_a_follow_up_is_rewritten_and_the_searched_question_shown(page) -> None:
    ask(page, "What did Kaja Kallas say?")
    text = ask(page, "and what did she say about concessions?")
    caption = page.locator("#rewritten").inner_text()
    assert "What did Kaja Kallas say about concessions?" in caption
    assert "concessions" in text and "Kallas" in text
    page.screenshot(path=str(ARTIFACTS / "follow-up.png"))


def test_uploaded_article_is_listed_and_can_be_asked_about(page, tmp_path: Path) -> None:
    story = tmp_path / "harbour-vote.txt"
    story.write_text(
        "Harbour plan approved after long night\n"
        "The council approved the harbour expansion on Tuesday after a six-hour debate.\n"
        "“This harbour will feed the town for fifty years,” said councillor Maren Solberg, "
        "who chairs the planning committee.\n"
    )
    page.get_by_role("tab", name="Articles").click()
    page.wait_for_function(  # the page's first load (which indexes seeds/) has finished
        "() => document.querySelector('#articles').innerText.includes('000_054a51117a7b1a50')",
        timeout=180_000,
    )
    page.set_input_files("#upload input[type=file]", str(story))
    page.wait_for_selector("#upload :text('harbour-vote.txt')")
    page.click("#ingest")
    page.wait_for_function(
        "() => document.querySelector('#ingest-report').innerText.includes('1 added')",
        timeout=120_000,
    )
    assert "harbour-vote" in page.locator("#articles").inner_text()
    page.screenshot(path=str(ARTIFACTS / "articles.png"))
    page.get_by_role("tab", name="Speakers").click()  # the ledger shows the new speaker
    page.wait_for_function(
        "() => document.querySelector('#speakers').innerText.includes('Maren Solberg')",
        timeout=30_000,
    )
    page.get_by_role("tab", name="Chat").click()
    text = ask(page, 'Who said "This harbour will feed the town for fifty years"?')
    assert "Solberg" in text


def test_speakers_tab_lists_kallas_and_her_quotes(page) -> None:
    page.get_by_role("tab", name="Speakers").click()
    speakers = page.locator("#speakers")
    speakers.get_by_text("Kaja Kallas", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#quotes').innerText.includes('Not that I know of')",
        timeout=30_000,
    )
    page.locator("#quotes").get_by_text("Not that I know of.", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#quote-view mark') !== null", timeout=30_000
    )
    assert "Kaja Kallas" in page.locator("#quote-view").inner_text()
    page.screenshot(path=str(ARTIFACTS / "speakers.png"))


def test_settings_tab_shows_the_active_model_and_index(page) -> None:
    page.get_by_role("tab", name="Settings").click()
    shown = page.locator("#settings").inner_text()
    assert "qwen2.5-coder-1.5b-instruct" in shown and "all-MiniLM-L6-v2" in shown
    assert "/home/chroma" in shown and "Quote ledger" in shown


def test_an_article_is_found_opened_with_its_quotes_and_removed(page) -> None:
    page.get_by_role("tab", name="Articles").click()
    page.fill("#article-search textarea, #article-search input", "harbour")
    page.wait_for_function(
        "() => !document.querySelector('#articles').innerText.includes('000_054a51117a7b1a50')",
        timeout=30_000,
    )
    page.locator("#articles").get_by_text("harbour-vote", exact=True).filter(
        visible=True
    ).first.click()
    page.wait_for_function(
        "() => document.querySelector('#article-view mark') !== null", timeout=30_000
    )
    mark = page.locator("#article-view mark").first
    assert "This harbour will feed the town for fifty years" in mark.inner_text()
    assert "Maren Solberg" in (mark.get_attribute("title") or "")
    page.screenshot(path=str(ARTIFACTS / "article.png"))
    page.click("#remove")
    page.wait_for_function(
        "() => document.querySelector('#removed').innerText.includes('Removed')",
        timeout=60_000,
    )
    assert "harbour-vote" not in page.locator("#articles").inner_text()


def test_adding_from_the_web_is_off_without_a_password(page) -> None:
    page.get_by_role("tab", name="Articles").click()
    page.get_by_text("Add from URL / feed").click()  # closed when it is off
    page.wait_for_selector("#web-report :text('Adding from the web is off')")
    assert page.locator("#web-url textarea, #web-url input").first.is_disabled()
    assert page.locator("#add-page").is_disabled() and page.locator("#add-feed").is_disabled()


def _check(page: object, claim: str, speaker: str, label: str) -> object:
    page.fill("#check-claim textarea", claim)
    page.fill("#check-speaker textarea", speaker)
    page.click("#check-run")
    page.wait_for_function(
        "(label) => document.querySelector('#check-verdict .verdict')?.innerText === label",
        arg=label,
        timeout=60_000,
    )
    return page.locator("#check-verdict")


def test_the_check_tab_gives_the_verdict_the_diff_and_the_exact_source(page) -> None:
    page.get_by_role("tab", name="Check a quote").click()
    verdict = _check(page, "Peace can never mean surrender", "Barrot", "Said in other words")
    text = verdict.inner_text()
    assert text.count("Not in those words; the closest in meaning:") == 1, text
    assert "“surrender” for “capitulation”" in text and "meaning similarity 0.7" in text
    _open_first_citation(page, verdict)
    page.screenshot(path=str(ARTIFACTS / "check.png"))
    _check(page, "Peace cannot mean capitulation", "Kallas", "Someone else said it")
    assert "Jean-Noël Barrot" in page.locator("#check-sources").inner_text()
    _check(page, "the plan would be a catastrophe", "Richard Barrons", "Not found")
    assert "would be a disaster" in page.locator("#check-sources mark").first.inner_text()
