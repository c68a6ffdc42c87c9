"""RAG_CHROMA_URL switches the store to a Chroma server (`chroma run`, started here on
localhost) with the same behaviour: ingest, the ledger, the core questions with the real
model, remove."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.api import Engine
from rag.settings import Settings
from tests.conftest import SEED_FILE, SEEDS

pytestmark = pytest.mark.integration

SEED_ID = SEED_FILE.stem


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    data = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not come up")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def engine(chroma_url: str, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    home = tmp_path_factory.mktemp("client") / "home"
    engine = Engine(Settings(home=home, chroma_url=chroma_url), on_status=print)
    report = engine.ingest([SEEDS])
    assert report.added == [SEED_ID]
    assert not (home / "chroma").exists()  # nothing stored in the embedded path
    return engine


def test_the_index_lives_on_the_server(engine: Engine, chroma_url: str) -> None:
    assert engine.index.location == chroma_url
    (info,) = engine.list_articles()
    assert info.chunks == 23 and info.quotes >= 20


def test_core_questions_against_the_server(engine: Engine) -> None:
    who = engine.ask('Who said "Peace cannot mean capitulation"?')
    assert "Barrot" in who.text and who.source == "ledger" and not who.error
    missing = engine.ask("What did Angela Merkel say about the peace plan?")
    assert missing.abstained
    plain = engine.ask("What did the US suggest about Germany and Nato?")
    assert not plain.abstained and plain.citations and not plain.error, plain.error


def test_a_second_client_finds_a_new_article_by_keyword_without_restarting(
    engine: Engine, chroma_url: str, tmp_path: Path
) -> None:
    """Each client keeps its own keyword copy (in its RAG_HOME), caught up from the server."""
    other = Engine(Settings(home=tmp_path / "other", chroma_url=chroma_url))
    keyword = other.retriever.keyword
    assert keyword.search("capitulation", 5)
    assert keyword.path.is_relative_to(tmp_path / "other")
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "ferry.txt").write_text(
        "Ferry talks\nThe ferry board met. “The ferry sails at dawn,” said Ola Lind.\n"
    )
    engine.ingest([folder])
    assert [c.chunk.article_id for c, _ in keyword.search("ferry dawn", 5)] == ["ferry"]
    engine.remove("ferry")
    assert keyword.search("ferry dawn", 5) == []


def test_a_second_client_sees_the_same_index_and_removal(
    engine: Engine, chroma_url: str, tmp_path: Path
) -> None:
    other = Engine(Settings(home=tmp_path / "other", chroma_url=chroma_url))
    assert [a.id for a in other.list_articles()] == [SEED_ID]
    assert other.speakers()[0].name == "Richard Barrons"
    other.remove(SEED_ID)
    assert engine.list_articles() == []
    assert engine.retriever.search("Peace cannot mean capitulation") == []
