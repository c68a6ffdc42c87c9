"""The LLM endpoint down, slow, failing or talking nonsense: the real openai client against
real local HTTP servers. Every case ends in a clear, cited, retrieval-only answer."""

from __future__ import annotations

import http.server
import logging
import threading
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from rag.api import Engine
from rag.settings import Settings
from rag.types import LLMFailure


class Endpoint(http.server.BaseHTTPRequestHandler):
    mode = "down"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if Endpoint.mode == "slow":
            time.sleep(5)
            return
        if Endpoint.mode == "500":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "boom"}}')
            return
        self.send_response(200)
        if Endpoint.mode == "garbage":
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"data: {not json at all\n\n")
        else:  # "html": a proxy's error page with status 200
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>Service temporarily unavailable</body></html>")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def engine_for(settings: Settings, url: str, ledger: bool = False) -> Engine:
    s = settings.model_copy(
        update={
            "llm": "openai",
            "llm_base_url": url,
            "llm_timeout": 1.5,
            "llm_max_retries": 1,
            "ledger": ledger,
        }
    )
    engine = Engine(s, on_status=lambda _: None)
    engine.ensure_corpus()
    return engine


@pytest.mark.parametrize("mode", ["slow", "500", "garbage", "html"])
def test_a_failing_endpoint_gives_the_passages_instead(
    settings: Settings, server_url: str, mode: str
) -> None:
    Endpoint.mode = mode
    engine = engine_for(settings, server_url)
    start = time.monotonic()
    answer = engine.ask("What did the US suggest about Germany and Nato?")
    assert time.monotonic() - start < 30, "the timeout and retries must bound the wait"
    assert answer.error and "did not answer" in answer.text
    assert answer.citations and all(
        engine.get_article(c.article_id).text[c.start : c.end] == c.quote for c in answer.citations
    )


def test_an_unreachable_endpoint_is_reported(settings: Settings) -> None:
    engine = engine_for(settings, "http://127.0.0.1:9/v1")  # nothing listens on port 9
    answer = engine.ask("What did the US suggest about Germany and Nato?")
    assert answer.error is LLMFailure.UNREACHABLE and answer.citations
    assert "did not answer: its endpoint could not be reached" in answer.text


def test_ledger_answers_survive_a_dead_endpoint(settings: Settings) -> None:
    engine = engine_for(settings, "http://127.0.0.1:9/v1", ledger=True)
    answer = engine.ask('Who said "Peace cannot mean capitulation"?')
    # Composed from the records: the model is never asked, so its endpoint does not matter.
    assert not answer.error and answer.source == "ledger" and not answer.notes
    assert answer.text.startswith("France’s Foreign Minister Jean-Noël Barrot stated")
    # "What has X said about Z" asks the model for a summary; without it, the records stand.
    about = engine.ask("What did Gen Barrons say about Germany?")
    assert about.source == "ledger" and len(about.citations) > 1 and not about.error
    assert any("did not answer" in n and "no summary" in n for n in about.notes)


def test_the_api_key_never_reaches_the_logs_or_the_answer(
    settings: Settings, server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-test-0123456789abcdef-secret"
    Endpoint.mode = "500"
    engine = engine_for(settings.model_copy(update={"llm_api_key": SecretStr(secret)}), server_url)
    with caplog.at_level(logging.DEBUG):  # openai and httpx log requests at DEBUG
        answer = engine.ask("What did the US suggest about Germany and Nato?")
        described = engine.describe()
    assert answer.error  # the request was made (with the key) and failed
    assert caplog.records, "nothing was logged: the check below would prove nothing"
    assert secret not in caplog.text
    assert secret not in answer.model_dump_json() and secret not in str(described)
