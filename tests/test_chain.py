"""The chain with a queued fake chat model (registered as RAG_LLM=fake) and a real Chroma."""

from __future__ import annotations

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from rag.answer.messages import build_messages, needs_context
from rag.api import Engine
from rag.settings import Settings
from rag.types import Answer, AnswerDelta, LLMFailure, SearchFilter
from tests.fakes import QueuedChatModel

BARROT_Q = 'Who said "Peace cannot mean capitulation"?'


@pytest.fixture
def engine(settings: Settings) -> Engine:
    """The passage path: the ledger is off here (tests/test_ledger.py covers it)."""
    engine = Engine(settings.model_copy(update={"ledger": False}), on_status=lambda _: None)
    engine.ensure_corpus()
    return engine


def test_invoke_returns_a_checked_answer(engine: Engine, fake_llm: QueuedChatModel) -> None:
    fake_llm.enqueue("Jean-Noël Barrot said “Peace cannot mean capitulation.” [1]")
    answer = engine.chain.invoke(BARROT_Q)
    assert isinstance(answer, Answer)
    assert not answer.abstained
    (citation,) = answer.citations
    article = engine.get_article(citation.article_id)
    assert article.text[citation.start : citation.end] == citation.quote
    assert "Peace cannot mean capitulation" in citation.quote
    assert answer.quotes[0].status == "verified"


def test_prompt_holds_numbered_passages_as_data(engine: Engine, fake_llm: QueuedChatModel) -> None:
    fake_llm.enqueue("Barrot [1]")
    engine.ask(BARROT_Q)
    system, user = fake_llm.calls[0]
    assert isinstance(system, SystemMessage) and isinstance(user, HumanMessage)
    assert "The articles do not say." in system.content
    assert "<passages>" in user.content and f"Question: {BARROT_Q}" in user.content
    assert "[1]\n" in user.content and "Peace cannot mean capitulation" in user.content
    # The question's quote is found: only the passage holding it is shown.
    assert "[2]" not in user.content


def test_stream_yields_checked_sentences_then_the_answer(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.enqueue(
        "Jean-Noël Barrot stated it [1]. France’s Foreign Minister was blunt [1]. "
        "Angela Merkel agreed [1]."
    )
    chunks = list(engine.stream(BARROT_Q))
    deltas = [c.text for c in chunks if isinstance(c, AnswerDelta)]
    # Sentence by sentence, each checked before it is shown: Merkel is in no passage.
    assert deltas == [
        "Jean-Noël Barrot stated it [1].",
        " France’s Foreign Minister was blunt [1].",
    ]
    answer = chunks[-1]
    assert isinstance(answer, Answer) and answer.text == "".join(deltas)
    assert [(u.kind, u.text, u.action) for u in answer.unsupported] == [
        ("name", "Angela Merkel", "sentence removed")
    ]


def test_batch_answers_each_question(engine: Engine, fake_llm: QueuedChatModel) -> None:
    fake_llm.enqueue("Barrot [1].", "The articles do not say.")
    answers = engine.chain.batch(
        [BARROT_Q, "Who is the Kellogg envoy to Ukraine?"], config={"max_concurrency": 1}
    )
    assert [a.abstained for a in answers] == [False, True]


def test_person_absent_from_passages_abstains_without_asking(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    answer = engine.ask("What did Boris Johnson say about Nato?")
    assert answer.abstained
    assert "Boris Johnson" in answer.text and "searched" in answer.text.lower()
    assert fake_llm.calls == []


def test_filters_that_match_nothing_abstain(engine: Engine, fake_llm: QueuedChatModel) -> None:
    answer = engine.ask(BARROT_Q, SearchFilter(sources=["Breitbart"]))
    assert answer.abstained and "no relevant passage" in answer.text
    assert "sources Breitbart" in answer.text
    assert fake_llm.calls == []


def test_model_abstention_is_reported(engine: Engine, fake_llm: QueuedChatModel) -> None:
    fake_llm.enqueue("The articles do not say.")
    answer = engine.ask("What did Barrot say about the budget of the Vatican?")
    assert answer.abstained and answer.citations == []
    assert answer.text.startswith("The articles do not say.")


def test_unreachable_llm_gives_a_retrieval_only_answer(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.enqueue(openai.APIConnectionError(request=None))  # type: ignore[arg-type]
    answer = engine.ask(BARROT_Q)
    assert answer.error is LLMFailure.UNREACHABLE
    assert "did not answer" in answer.text
    assert answer.citations and "Peace cannot mean capitulation" in answer.citations[0].quote


def test_context_is_shown_only_where_a_pronoun_speaks() -> None:
    assert needs_context("“Also, we have to understand,” she added.")
    assert needs_context("He added that the US was disconnecting.")
    assert not needs_context("Mr Whitaker said it was a long-term US goal.")


def test_messages_format_with_prompt_files(engine: Engine) -> None:
    passages = engine.retriever.search(BARROT_Q)
    system, user = build_messages(BARROT_Q, passages)
    assert "{" not in system.content  # every field filled
    assert user.content.count("\n[") >= len(passages)


def test_chunks_are_a_langchain_vector_store(engine: Engine) -> None:
    docs = engine.vectorstore().similarity_search("Peace cannot mean capitulation", k=2)
    assert any("Peace cannot mean capitulation" in d.page_content for d in docs)
    meta = docs[0].metadata
    article = engine.get_article(meta["article_id"])
    assert article.text[meta["start"] : meta["end"]] == docs[0].page_content


def test_an_answer_echoing_the_prompt_example_is_withheld(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.enqueue("Mayor Ana Ruiz said “This is a great day.” [1]")
    answer = engine.ask("What did the US suggest about Germany and Nato?")
    assert answer.abstained and answer.withheld and "is not shown" in answer.text
    assert "Ana Ruiz" not in answer.text and "Ana Ruiz" not in " ".join(answer.notes)
    # Instead: the best passage's own sentence, quoted and cited exactly.
    (c,) = answer.citations
    article = engine.get_article(c.article_id)
    assert article.text[c.start : c.end] == c.quote and f"“{c.quote}” [1]" in answer.text


def test_retriever_documents_round_trip_to_passages(engine: Engine) -> None:
    from rag.answer.retrieve import document_to_passage

    docs = engine.retriever.invoke("What did Barrot say?")
    passages = [document_to_passage(d) for d in docs]
    assert passages and passages == engine.retriever.search("What did Barrot say?")
