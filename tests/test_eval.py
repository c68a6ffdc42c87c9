"""Scoring on hand-made cases, and the eval / bench commands end to end with fakes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.backends.store import Index
from rag.cli import cli
from rag.evaluation import faithfulness
from rag.evaluation.bench import format_bench
from rag.evaluation.eval import Case, Prediction, Span, load_cases, report, score, summarize
from rag.evaluation.extraction import extraction_f1
from rag.ingest.pipeline import ingest_paths
from rag.settings import Settings, get_settings
from tests.conftest import SEED_FILE, SEEDS
from tests.fakes import QueuedChatModel

SEED_ID = SEED_FILE.stem
SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
BARROT_SPAN = (1565, 1685)

WHO = Case(
    id="w1",
    article_id=SEED_ID,
    type="who_said",
    question='Who said: "Peace cannot mean capitulation."?',
    answer="Jean-Noël Barrot",
    answer_aliases=["Barrot"],
    evidence_spans=[BARROT_SPAN],
    gold={
        "source": "France’s Foreign Minister Jean-Noël Barrot",
        "cue": "stated",
        "content": "“Peace cannot mean capitulation.”",
        "event_id": "E1",
    },
)
WHAT = Case(
    id="q1",
    article_id=SEED_ID,
    type="what_did_say",
    question="What did Kaja Kallas say?",
    answer="",
    answers=[
        "for any plan to work it needs Ukrainians and Europeans on board",
        "Not that I know of.",
    ],
    evidence_spans=[(959, 1198), (1199, 1564)],
)
NONE = Case(id="u1", type="unanswerable", question="What did Merkel say?")


def pred(
    text: str,
    cites: list[tuple[int, int]] = (),
    passages: list[tuple[int, int]] = (),
    abstained: bool = False,
    latency: float = 1.0,
) -> Prediction:
    return Prediction(
        text=text,
        abstained=abstained,
        latency=latency,
        support=[SEED_TEXT[a:b] for a, b in cites],
        citations=[Span(article_id=SEED_ID, start=a, end=b) for a, b in cites],
        passages=[Span(article_id=SEED_ID, start=a, end=b) for a, b in passages],
    )


def test_right_answer_right_citation() -> None:
    r = score(
        WHO,
        pred(
            "France’s Foreign Minister Jean-Noël Barrot said it [1].",
            cites=[BARROT_SPAN],
            passages=[BARROT_SPAN, (0, 183)],
        ),
    )
    assert (r.correct, r.hit_at_1, r.hit_at_k, r.citation_ok, r.citation_precision) == (
        1.0,
        True,
        True,
        True,
        1.0,
    )


def test_alias_counts_but_not_a_substring_of_another_word() -> None:
    assert score(WHO, pred("It was Barrot.")).correct == 1.0
    assert score(WHO, pred("It was Barroton.")).correct == 0.0


def test_wrong_speaker_and_wrong_citation() -> None:
    r = score(
        WHO, pred("Kaja Kallas said it [1].", cites=[(0, 183)], passages=[(0, 183), BARROT_SPAN])
    )
    assert (r.correct, r.hit_at_1, r.hit_at_k, r.citation_ok, r.citation_precision) == (
        0.0,
        False,
        True,
        False,
        0.0,
    )


def test_partial_quote_recall_and_citation_precision() -> None:
    r = score(
        WHAT,
        pred(
            "Kallas said “for any plan to work it needs Ukrainians and Europeans on board” [1][2].",
            cites=[(959, 1198), (2959, 3180)],
        ),
    )
    assert r.correct == 0.5
    assert r.citation_ok and r.citation_precision == 0.5


def test_abstention_scores_zero_unless_the_case_is_unanswerable() -> None:
    assert score(WHO, pred("The articles do not say.", abstained=True)).correct == 0.0
    r = score(NONE, pred("The articles do not say.", abstained=True))
    assert r.correct == 1.0 and r.citation_ok is None  # no evidence to cite


def test_summary_and_report_shape() -> None:
    results = [
        score(WHO, pred("Barrot [1]", cites=[BARROT_SPAN], passages=[BARROT_SPAN], latency=1.0)),
        score(WHO, pred("The articles do not say.", abstained=True, latency=3.0)),
        score(NONE, pred("The articles do not say.", abstained=True, latency=2.0)),
    ]
    s = summarize(results)
    assert s["n"] == 3 and s["answer_accuracy"] == pytest.approx(0.667, abs=0.001)
    assert s["abstention_rate"] == pytest.approx(0.667, abs=0.001)
    assert s["correct_abstentions"] == 1.0
    assert s["latency_p50"] == 2.0 and s["latency_p95"] == 3.0
    data = report(results)
    assert set(data) == {"n", "overall", "by_type", "failures", "unsupported"}
    assert s["unsupported_rate"] == 0.0 and s["role_ok"] is None
    assert set(data["by_type"]) == {"who_said", "unanswerable"}
    assert [f["id"] for f in data["failures"]] == ["w1"]


def test_a_description_the_article_does_not_use_is_unsupported_and_not_correct() -> None:
    words = faithfulness.lowercase_vocabulary([SEED_TEXT])
    wrong = score(
        WHO,
        pred("Jean-Noël Barrot, the European military leader, said it [1].", cites=[BARROT_SPAN]),
        SEED_TEXT,
        words,
    )
    assert "European military leader" in wrong.unsupported and wrong.role_ok is False
    assert wrong.correct == 0.0  # the right name does not save a false description
    right = score(
        WHO,
        pred("Jean-Noël Barrot, France’s Foreign Minister, stated it [1].", cites=[BARROT_SPAN]),
        SEED_TEXT,
        words,
    )
    assert (right.unsupported, right.role_ok, right.correct) == ([], True, 1.0)
    summary = summarize([wrong, right])
    assert summary["unsupported_rate"] == 0.5 and summary["role_ok"] == 0.5


def test_a_description_holding_a_quotation_is_looked_for_with_its_quoted_words() -> None:
    article = "Springfield, called the “Gem City” by its people, voted for the mayor again."
    found = faithfulness.check(
        "Springfield, called the “Gem City” by its people, voted for the mayor again [1].",
        [article],
        article,
    )
    assert (found.unsupported, found.role_ok) == ([], True)
    wrong = faithfulness.check(
        "Springfield, called the “Old Town” by its people, voted for the mayor [1].",
        [article],
        article,
    )
    assert wrong.unsupported == ["called the “Old Town” by its people"]


def test_names_and_numbers_outside_quotes_must_be_in_the_cited_text() -> None:
    r = score(
        WHO,
        pred(
            "Barrot said “Peace cannot mean capitulation” in 2024 with Angela Merkel [1]. "
            "Her view was echoed by France’s minister [1].",
            cites=[BARROT_SPAN],
        ),
        SEED_TEXT,
        faithfulness.lowercase_vocabulary([SEED_TEXT]),
    )
    assert r.unsupported == ["2024", "Angela", "Merkel"]
    # Words inside quotation marks and a sentence's common first word are not claims.
    clean = faithfulness.check("Her view: “Angela Merkel 2024” [1].", [SEED_TEXT], SEED_TEXT)
    assert clean.unsupported == []


def test_bad_case_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(WHO.model_dump_json() + '\n{"id": 3}\n')
    with pytest.raises(Exception, match="line 2"):
        load_cases(path)


@pytest.fixture
def gold_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny gold set in the polnear layout: cases.jsonl, articles/, metadata.tsv."""
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_LLM", "fake")
    monkeypatch.setenv("RAG_LEDGER_MODEL", "0")  # the model step is tested in test_model_step
    get_settings.cache_clear()
    root = tmp_path / "gold"
    (root / "articles").mkdir(parents=True)
    shutil.copy(SEED_FILE, root / "articles")
    (root / "metadata.tsv").write_text(
        f"filename\tpublisher\tpublication_date\n{SEED_ID}\tThe National\t2025-11-20\n"
    )
    (root / "cases.jsonl").write_text(WHO.model_dump_json() + "\n" + WHAT.model_dump_json())
    yield root
    get_settings.cache_clear()


def test_eval_command_json_and_rows(
    gold_set: Path, fake_llm: QueuedChatModel, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.jsonl"
    result = CliRunner().invoke(
        cli, ["eval", str(gold_set / "cases.jsonl"), "--json", "--out", str(rows)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{\n") :])
    assert data["n"] == 2
    assert data["by_type"]["who_said"]["answer_accuracy"] == 1.0
    # Both are answered from the ledger's records, without the model.
    assert data["by_type"]["what_did_say"]["answer_accuracy"] == 1.0
    assert data["overall"]["citation_accuracy"] == 1.0
    assert data["overall"]["unsupported_rate"] == 0.0 and data["unsupported"] == []
    assert fake_llm.calls == []
    assert [json.loads(line)["id"] for line in rows.read_text().splitlines()] == ["w1", "q1"]
    # The isolated index carries the table's metadata and is reused on a second run.
    home = tmp_path / "home" / "eval"
    (index_dir,) = list(home.iterdir())
    again = CliRunner().invoke(cli, ["eval", str(gold_set / "cases.jsonl"), "--limit", "1"])
    assert again.exit_code == 0 and "Indexing" not in again.output
    assert list(home.iterdir()) == [index_dir]
    assert not (tmp_path / "home" / "chroma").exists()  # the main index was never touched


def test_bench_command_runs_every_variant(gold_set: Path, fake_llm: QueuedChatModel) -> None:
    fake_llm.default = "Jean-Noël Barrot said “Peace cannot mean capitulation.” [1]"
    result = CliRunner().invoke(
        cli, ["bench", "--cases", str(gold_set / "cases.jsonl"), "--synthetic", "40", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{\n") :])
    assert list(data["variants"]) == ["project", "plain", "textacy", "naive"]
    assert all(v["n"] == 2 for v in data["variants"].values())
    assert data["variants"]["project"]["by_type"]["who_said"]["answer_accuracy"] == 1.0
    assert [r["mode"] for r in data["retrieval"]] == ["dense", "hybrid", "bm25"]
    assert data["ingest"]["articles"] == 1 and data["ingest"]["chunks"] == 23
    scale = data["scale"]
    assert scale["articles"] == 40 and scale["chunks"] > 200
    assert (
        scale["keyword_index_mb"] > 0
        and 0 <= scale["keyword_catch_up_s"] <= scale["add_one_article_s"]
    )
    rules, textacy = data["extraction"]["rules"], data["extraction"]["textacy"]
    assert rules["who_said"]["speaker_recall"] == 1.0
    assert textacy["rows"] > 0
    f1 = rules["f1"]
    assert f1["counts"] == {"gold": 1, "rows_in_annotated_paragraphs": 1}
    assert f1["quote_exact"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert f1["speaker_overlap"]["recall"] == 1.0 and f1["cue_exact"]["recall"] == 1.0
    assert "Extraction F1 per attribution" in format_bench(data) and "CofeNet" in format_bench(data)
    table = format_bench(data)
    assert "naive LangChain" in table and "hybrid" in table and "Peak RSS" in table
    assert "latency p50:" in table and "vs naive" in table
    assert "Faithfulness by type" in table
    assert data["variants"]["project"]["overall"]["unsupported_rate"] == 0.0
    assert "Scale (40 synthetic articles" in table and "hashing embedder" in table


def test_sample_spreads_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(
            Case(id=f"c{i}", type="a" if i < 50 else "b", question="q").model_dump_json()
            for i in range(100)
        )
    )
    picked = load_cases(path, sample=10)
    assert [c.id for c in picked] == [f"c{i}" for i in range(0, 100, 10)]
    assert {c.type for c in picked} == {"a", "b"}
    only_b = load_cases(path, types=["b"], sample=5)
    assert [c.id for c in only_b] == [f"c{i}" for i in range(50, 100, 10)]
    assert [c.id for c in load_cases(path, limit=3)] == ["c0", "c1", "c2"]


def test_half_splits_the_articles_not_the_cases(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "cases.jsonl"
    path.write_text(
        "\n".join(
            Case(
                id=f"c{i}", article_id=f"art{i // 3}", type="who_said", question="q"
            ).model_dump_json()
            for i in range(60)
        )
    )
    a, b = load_cases(path, half="a"), load_cases(path, half="b")
    assert a and b and len(a) + len(b) == 60
    articles_a, articles_b = {c.article_id for c in a}, {c.article_id for c in b}
    assert not articles_a & articles_b  # an article's cases stay together
    first_digit = {x: hashlib.sha1(x.encode()).hexdigest()[0] for x in articles_a | articles_b}
    assert all(first_digit[x] in "01234567" for x in articles_a)
    assert all(first_digit[x] in "89abcdef" for x in articles_b)


def test_what_the_claim_check_removed_is_counted() -> None:
    from rag.types import Answer, Unsupported

    removed = Unsupported(kind="name", text="Merkel", sentence="Merkel agreed.", action="dropped")
    answer = Answer(question="q", text="Barrot said it.", unsupported=[removed])
    result = score(WHO, Prediction.of(answer, 1.0, 0.1))
    assert result.removed == 1 and summarize([result])["claims_removed"] == 1


def test_a_description_after_a_plural_possessive_name_is_found() -> None:
    article = "Supporters of Sen. Bernie Sanders’ (I-Vt.) campaign gathered."
    assert faithfulness.described_near(article, "Bernie Sanders’", "I-Vt.")


def test_extraction_f1_scores_spans_against_the_gold(settings: Settings) -> None:
    index = Index(settings)
    ingest_paths(index, [SEEDS], settings)
    right = extraction_f1(index, [WHO])
    assert right["speaker_overlap"]["recall"] == 1.0 and right["quote_exact"]["f1"] == 1.0
    # The same row against a gold that names another speaker ("Her view"): not right.
    wrong_gold = {**WHO.gold, "source": "Her", "cue": "echoed"}
    wrong = extraction_f1(index, [WHO.model_copy(update={"gold": wrong_gold})])
    assert wrong["speaker_overlap"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert wrong["cue_overlap"]["recall"] == 0.0 and wrong["quote_exact"]["recall"] == 1.0
