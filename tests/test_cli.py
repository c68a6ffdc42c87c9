"""The rag command, in-process (fakes registered) and as a real subprocess for errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.api import Engine
from rag.cli import cli
from rag.settings import get_settings
from tests.conftest import ROOT, SEEDS
from tests.fakes import QueuedChatModel


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_LLM", "fake")
    monkeypatch.setenv("RAG_LEDGER_MODEL", "0")  # the model step is tested in test_model_step
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_ingest_list_remove(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["ingest", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output and "23 chunks" in result.output
    again = runner.invoke(cli, ["ingest", "-q", str(SEEDS)])
    assert "1 unchanged" in again.output and "0 chunks" in again.output

    listed = runner.invoke(cli, ["list", "--json"])
    (row,) = json.loads(listed.output)
    assert (row["id"], row["source"], row["chunks"]) == ("000_054a51117a7b1a50", "The National", 23)
    table = runner.invoke(cli, ["list"])
    assert "000_054a51117a7b1a50" in table.output and "The National" in table.output

    removed = runner.invoke(cli, ["remove", "000_054a51117a7b1a50"])
    assert removed.exit_code == 0
    assert "empty" in runner.invoke(cli, ["list"]).output


def test_ingest_reports_bad_files_and_exits_non_zero(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    result = runner.invoke(cli, ["ingest", "-q", str(SEEDS), str(tmp_path / "empty.txt")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'empty.txt'}: empty file" in result.output
    assert "1 added" in result.output


def test_ask_json_shape(runner: CliRunner, fake_llm: QueuedChatModel) -> None:
    fake_llm.enqueue("Jean-Noël Barrot said “Peace cannot mean capitulation.” [1]")
    result = runner.invoke(cli, ["ask", "--json", 'Who said "Peace cannot mean capitulation"?'])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert set(data) >= {"answer", "abstained", "citations"}
    assert data["abstained"] is False and "Barrot" in data["answer"]
    (c,) = data["citations"]
    assert set(c) >= {"n", "article_id", "title", "start", "end", "quote"}
    assert data["source"] == "ledger" and c["speaker"] == "Jean-Noël Barrot"
    text = (SEEDS / "000_054a51117a7b1a50.txt").read_text(encoding="utf-8")
    assert text[c["start"] : c["end"]] == c["quote"]


def test_ask_prints_answer_then_cited_passages(
    runner: CliRunner, fake_llm: QueuedChatModel
) -> None:
    result = runner.invoke(cli, ["ask", 'Who said "Peace cannot mean capitulation"?'])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "France’s Foreign Minister Jean-Noël Barrot stated: “Peace" in out
    assert "[1] European military leaders" in out and "chars 1565–1685" in out
    assert "Peace cannot mean capitulation" in out.split("[1] European", 1)[1]
    assert fake_llm.calls == []  # composed from the ledger


def test_ask_prints_where_the_speaker_is_named_and_what_was_removed(
    runner: CliRunner, fake_llm: QueuedChatModel
) -> None:
    said = runner.invoke(cli, ["ask", 'Who said "Not that I know of"?'])
    assert "speaker named as “Kaja Kallas” at chars 1110–1121" in said.output, said.output
    question = "What does the US want Germany to do in Nato?"
    passages = Engine(get_settings()).retriever.search(question)
    n = next(n for n, p in enumerate(passages, 1) if "Mr Whitaker said" in p.chunk.text)
    fake_llm.enqueue(
        f"Whitaker, the former mayor of Denver, said the US wants Germany to lead [{n}]."
    )
    result = runner.invoke(cli, ["ask", question])
    assert result.exit_code == 0, result.output
    assert "former mayor of Denver" not in result.output.split("removed")[0]
    assert "removed (not in the articles): “former mayor of Denver”" in result.output


def test_bad_date_filter_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "--since", "yesterday-ish", "Who?"])
    assert result.exit_code == 2 and "not a date" in result.output


def test_user_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_HOME": str(tmp_path / "home"), "RAG_EMBEDDER": "minilm"}
    proc = subprocess.run(
        [sys.executable, "-m", "rag.cli", "remove", "no-such-id"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"Error: no article with id 'no-such-id' in {tmp_path / 'home' / 'chroma'}"
    ]
    assert "Traceback" not in proc.stderr


def test_speaker_lists_one_persons_quotations_by_date_with_their_spans(
    runner: CliRunner, tmp_path: Path
) -> None:
    later = tmp_path / "later.json"
    later.write_text(
        json.dumps(
            {
                "id": "later",
                "title": "Barrons on Nato",
                "source": "The Example",
                "date": "2030-01-05",
                "text": "Barrons on Nato\n\n“Nato must wake up,” Gen Barrons said on Monday.",
            }
        ),
        encoding="utf-8",
    )
    assert runner.invoke(cli, ["ingest", "-q", str(SEEDS), str(later)]).exit_code == 0
    result = runner.invoke(cli, ["speaker", "Gen Sir Richard Barrons", "--json"])
    assert result.exit_code == 0, result.output
    (page,) = json.loads(result.output)
    assert page["name"] == "Richard Barrons" and "Barrons" in page["names"]
    quotations = page["quotations"]
    assert [q["n"] for q in quotations] == list(range(1, len(quotations) + 1))
    assert quotations[-1]["article_id"] == "later"  # dated last; the seed is undated
    assert (
        quotations[-1]["source"] == "The Example" and quotations[-1]["title"] == "Barrons on Nato"
    )
    human = runner.invoke(cli, ["speaker", "Barrons"]).output
    assert "2030-01-05 · The Example · Barrons on Nato" in human
    assert "“Nato must wake up,”" in human and "[1] 000_054a51117a7b1a50 chars" in human
    missing = runner.invoke(cli, ["speaker", "Ada Nobody"])
    assert missing.exit_code == 1 and "no one called 'Ada Nobody'" in missing.output


def test_quotes_and_speakers_commands(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["ingest", "-q", str(SEEDS)]).exit_code == 0
    listed = runner.invoke(cli, ["speakers", "--json"])
    assert listed.exit_code == 0, listed.output
    people = {s["name"]: s for s in json.loads(listed.output)}
    assert people["Kaja Kallas"]["quotes"] >= 4
    assert "EU’s foreign affairs chief" in people["Kaja Kallas"]["roles"]
    table = runner.invoke(cli, ["speakers"]).output
    assert "Richard Barrons — retired General" in table

    rows = json.loads(runner.invoke(cli, ["quotes", "--speaker", "Gen Barrons", "--json"]).output)
    assert rows and {r["speaker"] for r in rows} == {"Richard Barrons"}
    text = (SEEDS / "000_054a51117a7b1a50.txt").read_text(encoding="utf-8")
    assert all(text[r["start"] : r["end"]] == r["quote"] for r in rows)
    human = runner.invoke(cli, ["quotes", "--speaker", "Barrot"]).output
    barrot = "Jean-Noël Barrot (France’s Foreign Minister) — stated [direct; rule, confidence 0.95]"
    assert barrot in human
    every = runner.invoke(cli, ["quotes"]).output  # unattributed quotations are listed too
    assert "(no speaker the ledger could tell) [partial]" in every
    none = runner.invoke(cli, ["quotes", "--speaker", "Nobody Atall"]).output
    assert "No quotes found" in none


def test_bench_without_textacy_says_what_to_install(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "textacy" else real(name, *a)
    )
    cases = tmp_path / "cases.jsonl"
    cases.write_text("")
    args = ["bench", "--cases", str(cases), "--variants", "project,textacy", "--synthetic", "0"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "textacy variant needs: pip install -e '.[compare]'" in result.output


def test_bench_names_the_gold_set_it_needs(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["bench", "--synthetic", "0"])
    assert result.exit_code == 2
    assert "--cases" in result.output


@pytest.mark.parametrize(
    ("args", "auth", "message"),
    [
        (["--host", "0.0.0.0"], None, "serving on 0.0.0.0 exposes your index"),
        (["--share"], None, "with a public link exposes your index"),
        (["--host", "0.0.0.0"], "admin", "RAG_UI_AUTH must be 'user:password'"),
    ],
)
def test_ui_beyond_localhost_needs_auth(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args, auth, message
) -> None:
    from rag.errors import ConfigError

    if auth is not None:
        monkeypatch.setenv("RAG_UI_AUTH", auth)
        get_settings.cache_clear()
    result = runner.invoke(cli, ["ui", *args])
    assert isinstance(result.exception, ConfigError), result.output
    assert message in str(result.exception)
    assert "Serving on" not in result.output  # refused before anything is served


def test_ingest_says_which_articles_the_model_step_could_not_settle(
    runner: CliRunner, fake_llm: QueuedChatModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_LEDGER_MODEL", "1")
    get_settings.cache_clear()
    (tmp_path / "talks.txt").write_text(
        "Budget talks\n\nJane Porter and Tom Reyes met in Albany on Monday to talk about the "
        "budget.\n“We will not back down on this bill, whatever the cost.”\n",
        encoding="utf-8",
    )
    fake_llm.enqueue(TimeoutError("the model timed out"))
    result = runner.invoke(cli, ["ingest", "-q", str(tmp_path / "talks.txt")])
    assert result.exit_code == 0, result.output  # indexed: the rules' speakers stand
    assert "1 added" in result.output
    assert (
        "the model step could not settle 1 article(s), first talks (TimeoutError: the model "
        "timed out)" in result.output
    )
    assert "the next ingest asks the model again" in result.output


def test_check_prints_the_verdict_and_its_evidence(runner: CliRunner) -> None:
    claim = "Peace cannot mean capitulation"
    shown = runner.invoke(cli, ["check", claim, "--speaker", "Kallas"])
    assert shown.exit_code == 0, shown.output
    assert "misattributed" in shown.output and "someone else" in shown.output
    assert "000_054a51117a7b1a50 chars" in shown.output
    out = runner.invoke(cli, ["check", "--json", claim]).output
    data = json.loads(out[out.index("{") :])
    assert data["verdict"] == "verbatim" and data["evidence"][0]["speaker"] == "Jean-Noël Barrot"
    empty = runner.invoke(cli, ["check", "  "])
    assert empty.exit_code != 0 and "the quotation is empty" in empty.output
