"""End to end with the real parts: MiniLM on onnxruntime, Chroma on disk, and the embedded
Qwen2.5-Coder-1.5B served by llama.cpp. Slow; runs in CI, never skipped."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.api import Engine
from rag.llm import embedded_server
from rag.settings import Settings
from tests.conftest import ROOT, SEED_FILE, SEEDS

pytestmark = pytest.mark.integration

SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
BARROT_Q = 'Who said "Peace cannot mean capitulation"?'


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = Settings(home=tmp_path_factory.mktemp("real") / "home", seeds_dir=SEEDS)
    engine = Engine(settings, on_status=print)
    embedded_server(settings).ensure(print)  # joined, verified, started (or reused)
    return engine


def test_who_said_names_barrot_and_cites_the_quote(engine: Engine) -> None:
    answer = engine.ask(BARROT_Q)
    assert not answer.abstained, answer.text
    # Worded by the model (not the records stated directly after an error or a bad reply).
    assert not answer.error and not answer.notes, (answer.error, answer.notes)
    assert "Barrot" in answer.text
    assert any("Peace cannot mean capitulation" in c.quote for c in answer.citations)
    for c in answer.citations:
        assert SEED_TEXT[c.start : c.end] == c.quote
    assert all(q.status != "unverified" for q in answer.quotes), answer.quotes


def test_a_passage_question_is_answered_by_the_model_with_citations(engine: Engine) -> None:
    answer = engine.ask("What did the US suggest about Germany and Nato?")
    assert answer.source == "passages" and not answer.error, answer.error
    assert not answer.abstained and answer.citations, answer.text
    assert "Germany" in answer.text
    for c in answer.citations:
        assert SEED_TEXT[c.start : c.end] == c.quote


def test_person_not_in_the_article_abstains(engine: Engine) -> None:
    answer = engine.ask("What did Angela Merkel say about the peace plan?")
    assert answer.abstained, answer.text
    assert answer.citations == []


def test_ask_in_a_fresh_interpreter_indexes_the_seeds_first(tmp_path: Path) -> None:
    script = (
        "from rag import ask\n"
        "a = ask('Who said \"Peace cannot mean capitulation\"?')\n"
        "import json; print(json.dumps(a.to_public_dict()))\n"
    )
    env = {**os.environ, "RAG_HOME": str(tmp_path / "fresh")}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "Barrot" in data["answer"] and not data["error"], data
    assert "indexing the default corpus" in proc.stderr


def test_cli_streams_the_answer_to_a_terminal(engine: Engine) -> None:
    env = {**os.environ, "RAG_HOME": str(engine.settings.home)}
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ask", BARROT_Q],
        stdout=secondary,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    os.close(secondary)
    reads: list[tuple[float, bytes]] = []
    while True:
        ready, _, _ = select.select([primary], [], [], 300)
        if not ready:
            break
        try:
            data = os.read(primary, 4096)
        except OSError:
            break
        if not data:
            break
        reads.append((time.monotonic(), data))
    proc.wait(timeout=60)
    os.close(primary)
    out = b"".join(d for _, d in reads).decode()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else out
    assert "Barrot" in out and "chars 1565–1685" in out
    answer_reads = [t for t, d in reads if d.strip() and b"chars" not in d]
    assert len(answer_reads) >= 3, "the answer arrived in one piece, not streamed"


def test_a_dead_model_server_is_restarted_by_the_next_question(engine: Engine) -> None:
    server = embedded_server(engine.settings)
    state = json.loads(server.state_path.read_text())
    os.kill(int(state["pid"]), 9)
    time.sleep(0.5)
    assert server.running() is None
    answer = engine.ask(BARROT_Q)
    assert "Barrot" in answer.text and not answer.error
    assert server.running() is not None
