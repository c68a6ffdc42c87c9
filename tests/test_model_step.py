"""The ledger's optional model step: the chat model picks who said a quotation the rules
could not attribute, among the names near it; asked twice, cached, never fatal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage

from rag.api import Engine
from rag.backends.kv_cache import KeyValueCache
from rag.backends.nlp import load_nlp
from rag.ledger.confidence import CONFIDENCE
from rag.ledger.extract import extract_quotes
from rag.ledger.hard_cases import find_hard_cases
from rag.ledger.model_step import NONE_OF_THEM, settle
from rag.settings import Settings
from rag.types import Article
from tests.fakes import QueuedChatModel

TEXT = (
    "Budget talks\n\n"
    "Jane Porter and Tom Reyes met in Albany on Monday to talk about the budget.\n"
    "“We will not back down on this bill, whatever the cost.”\n"
)


def article() -> Article:
    return Article(id="talks", title="Budget talks", text=TEXT)


def letter_of(name: str, messages: list[BaseMessage]) -> str:
    """The letter the question gives ``name``."""
    found = re.search(rf"^([A-Z])\. {re.escape(name)}$", str(messages[-1].content), re.M)
    assert found is not None, messages[-1].content
    return found.group(1)


def test_the_rules_leave_the_quotation_unattributed_with_both_names_as_candidates() -> None:
    doc = load_nlp()(TEXT)
    rows = extract_quotes(article(), doc=doc)
    ((row, case),) = [(rows[c.row], c) for c in find_hard_cases(TEXT, doc, rows)]
    assert row.method == "unattributed"
    # The people named near it, nearest first.
    assert [c.name for c in case.candidates] == ["Tom Reyes", "Jane Porter"]
    for c in case.candidates:
        assert TEXT[c.start : c.end] == c.name


def settled(ask, cache: KeyValueCache | None = None):
    doc = load_nlp()(TEXT)
    rows = extract_quotes(article(), doc=doc)
    cases = find_hard_cases(TEXT, doc, rows)
    return settle(article(), rows, cases, ask, cache, "test-model").rows


def test_an_answer_given_in_both_orders_names_the_speaker(tmp_path: Path) -> None:
    asked: list[list[BaseMessage]] = []

    def ask(messages: list[BaseMessage]) -> str:
        asked.append(messages)
        return letter_of("Jane Porter", messages) + "."

    (row,) = settled(ask, KeyValueCache(tmp_path / "cache.sqlite"))
    assert (row.speaker, row.method, row.confidence) == (
        "Jane Porter",
        "model",
        CONFIDENCE["model"],
    )
    assert TEXT[row.speaker_start : row.speaker_end] == "Jane Porter"
    # Asked twice, the options reversed, "none of them" last both times.
    first, second = (str(m[-1].content) for m in asked)
    for question in (first, second):
        assert "We will not back down on this bill" in question
        assert question.rstrip().splitlines()[-2].endswith(NONE_OF_THEM)
    assert letter_of("Jane Porter", asked[0]) != letter_of("Jane Porter", asked[1])
    assert letter_of("Jane Porter", asked[0]) > letter_of("Tom Reyes", asked[0])
    assert letter_of("Jane Porter", asked[1]) < letter_of("Tom Reyes", asked[1])

    # Asking again costs nothing: the answers are cached by what was asked.
    def fail(messages: list[BaseMessage]) -> str:
        raise AssertionError("asked again")

    (again,) = settled(fail, KeyValueCache(tmp_path / "cache.sqlite"))
    assert again.speaker == "Jane Porter"


@pytest.mark.parametrize(
    "replies",
    [
        ["A", "A"],  # the same letter is a different name once the options are reversed
        ["C", "C"],  # none of them
        ["I cannot tell.", "I cannot tell."],
    ],
)
def test_no_consistent_answer_leaves_the_quotation_unattributed(replies: list[str]) -> None:
    queue = list(replies)
    (row,) = settled(lambda messages: queue.pop(0))
    assert (row.speaker, row.method) == ("", "unattributed")


def test_a_failing_model_costs_nothing_but_the_step() -> None:
    def ask(messages: list[BaseMessage]) -> str:
        raise TimeoutError("the model timed out")

    doc = load_nlp()(TEXT)
    rows = extract_quotes(article(), doc=doc)
    result = settle(article(), rows, find_hard_cases(TEXT, doc, rows), ask)
    ((row,), failed) = result.rows, result.failed
    assert row.method == "unattributed"
    assert failed == "TimeoutError: the model timed out"


def test_a_failed_question_leaves_the_other_cases_of_the_article_to_the_model() -> None:
    text = TEXT + (
        "\nAda Lind and Sam Ortiz spoke to reporters in Troy after the vote.\n"
        "“The budget will pass by Friday, and nobody here doubts it.”\n"
    )
    doc = load_nlp()(text)
    story = Article(id="talks", title="Budget talks", text=text)
    rows = extract_quotes(story, doc=doc)
    cases = find_hard_cases(text, doc, rows)
    assert len(cases) == 2

    def ask(messages: list[BaseMessage]) -> str:
        if "back down" in str(messages[-1].content):
            raise ValueError("the request was too long")
        return letter_of("Ada Lind", messages)

    result = settle(story, rows, cases, ask)
    assert result.failed == "ValueError: the request was too long"
    speakers = {r.quote[:10]: (r.speaker, r.method) for r in result.rows}
    assert speakers == {"We will no": ("", "unattributed"), "The budget": ("Ada Lind", "model")}


def with_model_step(settings: Settings) -> Engine:
    return Engine(settings.model_copy(update={"ledger_model": True}), on_status=lambda _: None)


def two_articles(tmp_path: Path) -> Path:
    """A folder of two articles, each with one quotation the rules leave to the model."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a-talks.txt").write_text(TEXT, encoding="utf-8")
    other = TEXT.replace("Jane Porter", "Ada Lind").replace("Tom Reyes", "Sam Ortiz")
    (folder / "b-talks.txt").write_text(other, encoding="utf-8")
    return folder


def test_an_article_the_model_could_not_settle_is_asked_again_on_the_next_ingest(
    settings: Settings, fake_llm: QueuedChatModel, tmp_path: Path
) -> None:
    folder = two_articles(tmp_path)
    engine = with_model_step(settings)
    fake_llm.enqueue(ConnectionError("Connection error."))
    report = engine.ingest([folder])
    # Both articles are indexed; once the model has failed, it is not asked again this run.
    assert sorted(report.added) == ["a-talks", "b-talks"]
    assert len(fake_llm.calls) == 1
    assert list(report.unsettled) == ["a-talks", "b-talks"]
    assert "ConnectionError: Connection error." in report.unsettled_note()
    assert {r.quote.method for r in engine.ledger.rows()} == {"unattributed"}
    # The next ingest asks again, though no file changed.
    fake_llm.enqueue("B", "A", "B", "A")
    again = engine.ingest([folder])
    assert sorted(again.replaced) == ["a-talks", "b-talks"] and not again.unsettled
    assert len(fake_llm.calls) == 5
    assert {r.quote.speaker for r in engine.ledger.rows()} == {"Jane Porter", "Ada Lind"}
    # Settled now: a third ingest changes nothing and asks nothing.
    third = engine.ingest([folder])
    assert sorted(third.unchanged) == ["a-talks", "b-talks"] and len(fake_llm.calls) == 5


def test_ingest_runs_the_step_through_the_configured_chat_model(
    settings: Settings, fake_llm: QueuedChatModel, tmp_path: Path
) -> None:
    path = tmp_path / "talks.txt"
    path.write_text(TEXT, encoding="utf-8")
    engine = with_model_step(settings)
    # Nearest name first (Tom Reyes, Jane Porter), then reversed.
    fake_llm.enqueue("B", "A")
    engine.ingest([path])
    assert len(fake_llm.calls) == 2
    answer = engine.ask('Who said "We will not back down on this bill"?')
    assert answer.source == "ledger" and answer.text.startswith(
        "The article does not say clearly who said this; the model reads the passage as "
        "Jane Porter: “We will"
    )
    assert answer.citations[0].speaker_text == "Jane Porter"
    # Re-ingesting the article (removed, then added again) asks the model nothing.
    engine.remove("talks")
    engine.ingest([path])
    assert len(fake_llm.calls) == 2
    (row,) = engine.ledger.quotes(speaker="Jane Porter")
    assert row.quote.method == "model"


def test_one_request_the_model_cannot_answer_does_not_switch_it_off(
    settings: Settings, fake_llm: QueuedChatModel, tmp_path: Path
) -> None:
    folder = two_articles(tmp_path)
    engine = with_model_step(settings)
    fake_llm.enqueue(ValueError("the request was too long"), "B", "A")
    report = engine.ingest([folder])
    assert list(report.unsettled) == ["a-talks"] and len(fake_llm.calls) == 3
    (row,) = engine.ledger.quotes(speaker="Ada Lind")
    assert row.quote.method == "model"
