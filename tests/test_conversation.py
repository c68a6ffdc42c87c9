"""Follow-up questions made standalone."""

from __future__ import annotations

from rag.answer.conversation import Turn, standalone_question
from rag.types import Answer, Citation
from tests.fakes import QueuedChatModel


def kallas_turn() -> Turn:
    cited = Citation(
        n=1, article_id="a", title="t", start=0, end=1, quote="q", speaker="Kaja Kallas"
    )
    return Turn("What did Kaja Kallas say?", Answer(question="q", text="…", citations=[cited]))


def test_first_question_is_left_alone() -> None:
    assert standalone_question("and what did she say?", []) == "and what did she say?"


def test_pronoun_for_the_previous_speaker_is_replaced_without_the_model() -> None:
    llm = QueuedChatModel(replies=[], calls=[])
    out = standalone_question("and what did she say about Germany?", [kallas_turn()], llm)
    assert out == "What did Kaja Kallas say about Germany?"
    assert llm.calls == []


def test_a_question_that_stands_alone_is_not_rewritten() -> None:
    assert standalone_question("What did Barrot say?", [kallas_turn()]) == "What did Barrot say?"


def test_other_follow_ups_are_rewritten_by_the_model() -> None:
    llm = QueuedChatModel(replies=["What did the US propose about Nato's leadership?"], calls=[])
    said = Answer(question="q", text="The US proposed that Germany lead Nato [1].")
    history = [Turn("What did the US propose?", said)]
    out = standalone_question("And what about that?", history, llm)
    assert out == "What did the US propose about Nato's leadership?"
    assert "What did the US propose?" in llm.calls[0][0].content


def test_a_rewrite_that_drops_the_quoted_words_is_refused() -> None:
    llm = QueuedChatModel(replies=["Who said it?"], calls=[])
    question = 'And who said "a bit squirmy" about that?'
    assert standalone_question(question, [Turn("What did Gen Barrons say?")], llm) == question


def test_a_failing_model_leaves_the_question_as_asked() -> None:
    llm = QueuedChatModel(replies=[RuntimeError("down")], calls=[])
    assert standalone_question("And that?", [Turn("Who is Whitaker?")], llm) == "And that?"


def test_words_inside_quotes_do_not_make_a_follow_up() -> None:
    llm = QueuedChatModel(replies=[], calls=[])
    question = 'Who said "This harbour will feed the town for fifty years"?'
    assert standalone_question(question, [kallas_turn()], llm) == question
    assert llm.calls == []


def test_a_rewrite_that_invents_a_person_or_is_no_question_is_refused() -> None:
    history = [Turn("What did the council decide?", None)]
    for reply in (
        "What did John Doe say about that decision?",
        "The council decided that the harbour would expand.",
    ):
        llm = QueuedChatModel(replies=[reply], calls=[])
        assert standalone_question("And why that?", history, llm) == "And why that?"
