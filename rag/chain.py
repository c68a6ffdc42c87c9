"""The answer chain, a LangChain runnable: retriever → prompt → chat model → citation checker.

Input: a question string, or ``{"question": str, "filters": SearchFilter | dict}``.
Streaming yields ``AnswerDelta`` pieces as the model writes, then the checked ``Answer``;
``invoke`` returns the ``Answer``. ``batch`` works as for any runnable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import openai
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import (
    Runnable,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
)

from rag.cite import build_answer, citation_for
from rag.gate import absent_names
from rag.prompts import load_prompt
from rag.retrieve import Retriever, SearchFilter
from rag.types import Answer, AnswerChunk, AnswerDelta, Passage

log = logging.getLogger(__name__)

LLM_ERRORS = (openai.APIError, httpx.HTTPError, ConnectionError, TimeoutError)


def _as_request(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"question": value, "filters": SearchFilter()}
    if isinstance(value, dict) and isinstance(value.get("question"), str):
        filters = value.get("filters") or SearchFilter()
        if isinstance(filters, dict):
            filters = SearchFilter(**filters)
        return {"question": value["question"], "filters": filters}
    raise TypeError("the chain takes a question string or {'question': ..., 'filters': ...}")


def format_passages(passages: list[Passage]) -> str:
    """The passages block of the prompt, numbered from 1."""
    passage_prompt = load_prompt("passage")
    context_prompt = load_prompt("context")
    blocks = []
    for n, p in enumerate(passages, 1):
        context = " ".join(p.context_before.split()) if needs_context(p.chunk.text) else ""
        blocks.append(
            passage_prompt.format(
                n=n,
                context=context_prompt.format(context=context) + "\n" if context else "",
                text=p.chunk.text,
            )
        )
    return "\n\n".join(blocks)


# A passage that quotes someone by pronoun ("she added") or opens with a quotation needs the
# text before it to say who is speaking.
_SPEECH_VERBS = (
    r"(?:said|says|added|adds|told|tells|stated|states|argued|argues|agreed|noted|continued|"
    r"responded|replied|warned|explained|insisted|wrote|asked|claimed|suggested|believes|"
    r"believed|thinks|thought|considered|called|described)"
)
_NEEDS_CONTEXT = re.compile(
    r"^\s*[“\"'‘]"
    rf"|\b(?:he|she|they)\s+(?:\w+\s+){{0,2}}{_SPEECH_VERBS}\b"
    rf"|\b{_SPEECH_VERBS}\s+(?:he|she|they)\b",
    re.IGNORECASE,
)


def needs_context(text: str) -> bool:
    return bool(_NEEDS_CONTEXT.search(text))


def build_messages(question: str, passages: list[Passage]) -> list[BaseMessage]:
    abstain = load_prompt("abstain").template
    system = load_prompt("system").format(abstain=abstain)
    user = load_prompt("question").format(passages=format_passages(passages), question=question)
    return [SystemMessage(system), HumanMessage(user)]


def abstain_text(
    question: str, passages: list[Passage], filters: SearchFilter, missing: list[str]
) -> str:
    """The plain 'the articles don't say', with what was searched (and who is not there)."""
    articles = {p.chunk.article_id for p in passages}
    if passages:
        searched = f"{len(passages)} passage(s) from {len(articles)} article(s)"
    else:
        searched = "the index: no relevant passage found"
    if filters.describe():
        searched += f" (limited to {filters.describe()})"
    if missing and passages:
        searched += "; none mentions " + " or ".join(missing)
    return load_prompt("abstain_answer").format(searched=searched, question=question)


def build_chain(retriever: Retriever, llm: BaseChatModel) -> Runnable[Any, AnswerChunk]:
    """The runnable behind ``ask()``; compose it like any LangChain runnable."""

    def retrieve(request: dict[str, Any]) -> list[Passage]:
        return retriever.search(request["question"], request["filters"])

    def prompt(request: dict[str, Any]) -> list[BaseMessage]:
        return build_messages(request["question"], request["passages"])

    def generate(request: dict[str, Any]) -> Runnable | str:
        if not request["passages"] or absent_names(request["question"], request["passages"]):
            return ""  # nothing relevant: do not ask the model to guess
        return RunnableLambda(lambda r: r["messages"]) | llm | StrOutputParser()

    def check(chunks: Iterator[dict[str, Any]]) -> Iterator[AnswerChunk]:
        request: dict[str, Any] = {}
        raw: list[str] = []
        try:
            for chunk in chunks:
                piece = chunk.get("raw")
                if piece:
                    raw.append(piece)
                    yield AnswerDelta(text=piece)
                request.update({k: v for k, v in chunk.items() if k != "raw"})
        except LLM_ERRORS as e:
            yield llm_failure_answer(request, e)
            return
        question, passages = request["question"], request["passages"]
        log.info("model reply: %r", "".join(raw))
        yield build_answer(
            question,
            "".join(raw),
            passages,
            abstain_phrase=load_prompt("abstain").template,
            abstain_text=abstain_text(
                question, passages, request["filters"], absent_names(question, passages)
            ),
        )

    return (
        RunnableLambda(_as_request).with_config(run_name="request")
        | RunnablePassthrough.assign(passages=RunnableLambda(retrieve)).with_config(
            run_name="retrieve"
        )
        | RunnablePassthrough.assign(messages=RunnableLambda(prompt)).with_config(run_name="prompt")
        | RunnablePassthrough.assign(raw=RunnableLambda(generate)).with_config(run_name="generate")
        | RunnableGenerator(check).with_config(run_name="check_citations")
    )


def llm_failure_answer(request: dict[str, Any], error: BaseException) -> Answer:
    """When the model cannot be reached: say so, and give the best passages, cited."""
    passages: list[Passage] = request.get("passages") or []
    log.warning("LLM request failed: %s", error)
    reason = type(error).__name__
    text = f"The language model could not be reached ({reason})."
    if passages:
        text += " The most relevant passages are cited below: " + " ".join(
            f"[{i}]" for i in range(1, min(3, len(passages)) + 1)
        )
    return Answer(
        question=request.get("question", ""),
        text=text,
        citations=[citation_for(i, p, False) for i, p in enumerate(passages[:3], 1)],
        notes=[f"LLM error: {error}"],
        passages=passages,
        error=reason,
    )
