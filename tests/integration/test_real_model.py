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
from rag.backends.llm import EmbeddedServer, embedded_server
from rag.evaluation import faithfulness
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
    assert not answer.abstained and answer.source == "ledger", answer.text
    assert not answer.error and not answer.notes, (answer.error, answer.notes)
    assert answer.text.startswith("France’s Foreign Minister Jean-Noël Barrot stated: “")
    assert any("Peace cannot mean capitulation" in c.quote for c in answer.citations)
    for c in answer.citations:
        assert SEED_TEXT[c.start : c.end] == c.quote
    assert all(q.status == "verified" for q in answer.quotes), answer.quotes


def test_a_passage_question_is_answered_by_the_model_with_citations(engine: Engine) -> None:
    answer = engine.ask("What did the US suggest about Germany and Nato?")
    assert answer.source == "passages" and not answer.error, answer.error
    assert not answer.abstained and answer.citations, answer.text
    assert "Germany" in answer.text
    for c in answer.citations:
        assert SEED_TEXT[c.start : c.end] == c.quote
    assert faithful(answer), answer.text


# Questions a new user asks of the seed: who said, what did X say (about Z), did X say, and
# questions about the events, which go to the passages and the model.
SEED_QUESTIONS = [
    BARROT_Q,
    'Who said "would be a disaster"?',
    'Who said "It would essentially set the conditions for Russia to come again at Ukraine"?',
    'Who said "Not that I know of"?',
    'Who said "It would not exist as a functioning, independent, sovereign state"?',
    'Who said "In five years Germany will be the pre-eminent army in Europe"?',
    "What did Kaja Kallas say?",
    "What did Jean-Noël Barrot say?",
    "What did Matthew Whitaker say?",
    "What did Gen Barrons say about Germany?",
    'Did Kallas say "Peace cannot mean capitulation"?',
    "What did the US suggest about Germany and Nato?",
    "Why did Keith Kellogg step down?",
    "Who is Steve Witkoff?",
]


def faithful(answer) -> bool:
    """The evaluation's own check: nothing outside quotes that the cited texts lack, and
    every description of a person in the article near their name."""
    verdict = faithfulness.check(
        answer.text,
        [t for c in answer.citations for t in (c.quote, c.speaker_text)],
        SEED_TEXT,
        faithfulness.lowercase_vocabulary([SEED_TEXT]),
    )
    return not verdict.unsupported and verdict.role_ok is not False


def test_seed_answers_say_nothing_the_article_does_not(engine: Engine) -> None:
    unfaithful = []
    for question in SEED_QUESTIONS:
        answer = engine.ask(question)
        assert not answer.error, (question, answer.error)
        if not answer.abstained and not faithful(answer):
            unfaithful.append((question, answer.text))
    assert unfaithful == []


def test_a_summary_over_records_is_written_by_the_model_and_checked(engine: Engine) -> None:
    answer = engine.ask("What did Gen Barrons say about Germany?")
    assert answer.source == "ledger" and len(answer.citations) > 1 and not answer.error
    records, _, summary = answer.text.partition("\n")
    assert records.startswith("Richard Barrons")
    # The model wrote a sentence; whatever it said is either kept (and faithful) or removed.
    assert summary or answer.unsupported, answer
    assert faithful(answer), answer.text


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


def _terminal(engine: Engine, question: str, env: dict[str, str]) -> tuple[str, list[bytes]]:
    """``rag ask`` in a pseudo-terminal: its output, and the pieces as they were read."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ask", question],
        stdout=secondary,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "RAG_HOME": str(engine.settings.home), **env},
    )
    os.close(secondary)
    reads: list[bytes] = []
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
        reads.append(data)
    proc.wait(timeout=60)
    os.close(primary)
    out = b"".join(reads).decode().replace("\r\n", "\n")
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else out
    return out, reads


def test_cli_answers_who_said_without_the_model(engine: Engine) -> None:
    # Nothing listens on port 9: a who-said answer does not need the model at all.
    out, _ = _terminal(engine, BARROT_Q, {"RAG_LLM_BASE_URL": "http://127.0.0.1:9/v1"})
    assert out.startswith("France’s Foreign Minister Jean-Noël Barrot stated")
    assert "chars 1565–1685" in out and "did not answer" not in out


def test_cli_streams_a_model_answer_to_a_terminal(engine: Engine) -> None:
    out, reads = _terminal(engine, "What did the US suggest about Germany and Nato?", {})
    assert "Germany" in out.splitlines()[0] and "chars" in out
    first = next(i for i, d in enumerate(reads) if d.strip())
    assert b"chars" not in reads[first], "the answer came with its sources, not before them"


def test_a_dead_model_server_is_restarted_by_the_next_question(engine: Engine) -> None:
    server = embedded_server(engine.settings)
    state = json.loads(server.state_path.read_text())
    os.kill(int(state["pid"]), 9)
    time.sleep(0.5)
    assert server.running() is None
    answer = engine.ask("What did the US suggest about Germany and Nato?")
    assert "Germany" in answer.text and not answer.error
    assert server.running() is not None


def test_a_server_restarted_by_another_process_is_used(engine: Engine) -> None:
    question = "What did the US suggest about Germany and Nato?"
    assert not engine.ask(question).error  # the engine holds a client of the running server
    server = embedded_server(engine.settings)
    os.kill(int(json.loads(server.state_path.read_text())["pid"]), 9)
    time.sleep(0.5)
    # Someone else (as another process would) starts the shared server again, on a new port.
    EmbeddedServer(engine.settings.model_copy(update={"server_port": 0})).ensure(print)
    assert engine._server_died()  # the engine's client points at the old port
    answer = engine.ask(question)
    assert "Germany" in answer.text and not answer.error, answer.error


def test_the_model_step_names_the_only_person_who_can_have_said_it(
    engine: Engine, tmp_path: Path
) -> None:
    """A quotation with no cue, after a paragraph about one person: the rules leave it
    unattributed; the embedded model, asked at ingest, names her."""
    path = tmp_path / "porter.txt"
    path.write_text(
        "Budget talks\n\n"
        "Senator Jane Porter spoke to reporters in Albany on Monday about the budget.\n\n"
        "“We will not back down on this bill, whatever the cost.”\n",
        encoding="utf-8",
    )
    engine.ingest([path])
    (row,) = engine.quotes(article_id="porter")
    assert (row.speaker, row.method) == ("Jane Porter", "model"), row
    assert path.read_text(encoding="utf-8")[row.speaker_start : row.speaker_end] == "Jane Porter"


def test_the_three_seed_check_questions_get_their_verdicts(engine: Engine) -> None:
    kallas = engine.ask("Did Kallas say “Peace cannot mean capitulation”?")
    assert kallas.text.startswith("No: the articles give these words to someone else.")
    assert kallas.citations[0].speaker == "Jean-Noël Barrot"
    barrot = engine.ask("Did Barrot say “Peace can never mean surrender”?")
    assert barrot.text.startswith("Not in those words; the closest in meaning:"), barrot.text
    assert "“surrender” for “capitulation”" in barrot.text
    (c,) = barrot.citations
    assert SEED_TEXT[c.start : c.end] == c.quote and "Peace cannot mean capitulation" in c.quote
    check = engine.check("Peace can never mean surrender", "Barrot")
    meaning = check.evidence[0].meaning
    assert meaning is not None and meaning >= engine.settings.check_min_meaning
    # Reported words the articles do not give him: not found, with his nearest quotation
    # (the lede's "would be a disaster"), never a paraphrase of someone else's passage.
    barrons = engine.ask("Did Richard Barrons say the plan would be a catastrophe?")
    assert barrons.source == "ledger", barrons.text
    assert barrons.text.startswith("No quotation in the "), barrons.text
    assert "matches these words" in barrons.text
    (c,) = barrons.citations
    assert c.speaker == "Richard Barrons" and "“would be a disaster”" in barrons.text
    assert SEED_TEXT[c.start : c.end] == c.quote
