"""The answer chain, a LangChain runnable: retriever → prompt → chat model → citation checker.

Input: a question string, or ``{"question": str, "filters": SearchFilter | dict}``.
Streaming yields ``AnswerDelta`` pieces as the model writes, then the checked ``Answer``;
``invoke`` returns the ``Answer``. ``batch`` works as for any runnable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import (
    Runnable,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
)

from rag import attribution
from rag.attribution import LedgerMatch
from rag.cite import build_answer, citation_for
from rag.errors import LLMError
from rag.gate import absent_names
from rag.keyword import tokenize
from rag.ledger import Ledger
from rag.prompts import load_prompt
from rag.retrieve import Retriever, SearchFilter
from rag.sanitize import mask_instructions
from rag.types import Answer, AnswerChunk, AnswerDelta, Passage

log = logging.getLogger(__name__)


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
        context = mask_instructions(context)
        blocks.append(
            passage_prompt.format(
                n=n,
                context=context_prompt.format(context=context) + "\n" if context else "",
                text=mask_instructions(p.chunk.text),
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


@dataclass
class Route:
    """Where the answer comes from: ledger rows (as passages) or searched passages."""

    passages: list[Passage]
    found: LedgerMatch | None = None

    @property
    def from_ledger(self) -> bool:
        return self.found is not None and bool(self.found.rows)


def build_chain(
    retriever: Retriever,
    llm: BaseChatModel,
    ledger: Ledger | None = None,
    ledger_answers: str = "llm",
) -> Runnable[Any, AnswerChunk]:
    """The runnable behind ``ask()``; compose it like any LangChain runnable.

    Attribution questions go to the quote ledger first; everything else (and attribution
    questions the ledger cannot answer) to hybrid passage retrieval."""

    def route(request: dict[str, Any]) -> Route:
        question, filters = request["question"], request["filters"]
        found = None
        if ledger is not None:
            _, scoped = retriever.scope_by_title(question, filters)
            allowed = retriever.articles_matching(scoped)
            if allowed != []:  # [] = the filters allow no article at all
                found = attribution.match(ledger, question, allowed or [])
            if found is not None and found.rows:
                return Route(attribution.row_passages(retriever.index, found.rows), found)
        return Route(retriever.search(question, filters), found)

    def prompt(request: dict[str, Any]) -> list[BaseMessage]:
        r: Route = request["route"]
        if r.from_ledger:
            return attribution.build_ledger_messages(request["question"], r.found.rows)
        return build_messages(request["question"], r.passages)

    def generate(request: dict[str, Any]) -> Runnable | str:
        r: Route = request["route"]
        if r.from_ledger:
            if ledger_answers == "template" or r.found.intent.kind == "did_say":
                return ""  # the ledger states it; no model needed
        elif not r.passages or absent_names(request["question"], r.passages):
            return ""  # nothing relevant: do not ask the model to guess
        return RunnableLambda(lambda req: req["messages"]) | RunnableGenerator(guarded(llm))

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
        except LLMError as e:
            r = request.get("route")
            if r is not None and r.from_ledger:  # the records still answer; say the model failed
                answer = ledger_answer(request["question"], "", r)
                answer.error = type(e.__cause__ or e).__name__
                answer.notes.append(
                    f"The language model did not answer ({e}); the ledger "
                    "records are stated directly."
                )
                yield answer
            else:
                yield llm_failure_answer(request, e)
            return
        log.info("model reply: %r", "".join(raw))
        r: Route = request["route"]
        if r.from_ledger:
            yield ledger_answer(request["question"], "".join(raw), r)
            return
        question, passages = request["question"], r.passages
        answer = build_answer(
            question,
            "".join(raw),
            passages,
            abstain_phrase=load_prompt("abstain").template,
            abstain_text=abstain_text(
                question, passages, request["filters"], absent_names(question, passages)
            ),
        )
        if ledger is not None:
            flag_misattributions(answer, ledger)
        if unsupported(answer, passages):
            yield unsupported_answer(request, answer)
            return
        if r.found is not None and r.found.note:
            answer.notes.append(r.found.note)
        yield answer

    return (
        RunnableLambda(_as_request).with_config(run_name="request")
        | RunnablePassthrough.assign(route=RunnableLambda(route)).with_config(run_name="retrieve")
        | RunnablePassthrough.assign(messages=RunnableLambda(prompt)).with_config(run_name="prompt")
        | RunnablePassthrough.assign(raw=RunnableLambda(generate)).with_config(run_name="generate")
        | RunnableGenerator(check).with_config(run_name="check_citations")
    )


def guarded(llm: BaseChatModel) -> Any:
    """The model's text, streamed; any failure of the endpoint (unreachable, timed out, an
    error status, a reply that is not a completion) becomes one LLMError, so the answer can
    fall back to the passages instead of failing."""

    def stream(inputs: Iterator[list[BaseMessage]]) -> Iterator[str]:
        messages: list[BaseMessage] = []
        for item in inputs:
            messages = item
        produced = False
        try:
            for chunk in llm.stream(messages):
                text = str(chunk.content)
                if text:
                    produced = True
                    yield text
        except Exception as e:  # the endpoint's failure modes are many; all mean the same
            raise LLMError(f"{type(e).__name__}: {e}") from e
        if not produced:
            raise LLMError("the model returned no text")

    return stream


def ledger_answer(question: str, raw: str, route: Route) -> Answer:
    """The model's wording of the ledger rows if it names the speaker and quotes truly;
    else the rows stated plainly. Citations carry speaker, role, cue and kind."""
    found = route.found
    assert found is not None
    abstain = load_prompt("abstain").template

    def checked(text: str) -> Answer:
        return build_answer(
            question, text, route.passages, abstain_phrase=abstain, abstain_text=text
        )

    answer = checked(raw) if raw.strip() else None
    ok = (
        answer is not None
        and not answer.abstained
        and bool(answer.citations)
        and all(q.status != "unverified" for q in answer.quotes)
        and (found.intent.kind == "what_said" or attribution.names_speaker(answer.text, found.rows))
        and (
            found.intent.kind != "what_said" or any(q.status != "unverified" for q in answer.quotes)
        )
    )
    if not ok:
        note = (
            "The model's wording did not name the speaker with verified quotes; the "
            "ledger records are stated directly."
            if raw.strip()
            else ""
        )
        answer = checked(attribution.template_answer(found))
        if note:
            answer.notes.append(note)
    elif found.intent.kind == "what_said":
        # "What did X say?" wants all of it: records the wording left out are added as they are.
        quoted = [(q.article_id, q.start) for q in answer.quotes if q.start is not None]
        topic = set(tokenize(found.intent.topic, query=True))
        missing = [
            n
            for n, row in enumerate(found.rows, 1)
            if not any(
                a == row.quote.article_id and row.quote.start <= at < row.quote.end
                for a, at in quoted
            )
            and (not topic or topic & row.tokens)  # about a topic: only rows that are
        ]
        if missing:
            extra = " ".join(attribution.statement(found.rows[n - 1], n) for n in missing)
            answer = checked(f"{raw.strip()} Also recorded: {extra}")
    for c in answer.citations:
        row = found.rows[c.n - 1].quote
        c.speaker, c.speaker_role, c.cue, c.kind = row.speaker, row.speaker_role, row.cue, row.kind
    if found.note:
        answer.notes.append(found.note)
    answer.source = "ledger"
    return answer


def flag_misattributions(answer: Answer, ledger: Ledger) -> None:
    """Flag a verified quote whose sentence in the answer names someone other than the
    person the ledger records as saying it."""
    for check in answer.quotes:
        if check.status == "unverified" or check.start is None:
            continue
        rows = [r.quote for r in ledger.rows([check.article_id])]
        owners = [q for q in rows if q.start < (check.end or 0) and check.start < q.end]
        if not owners:
            continue
        sentence = _sentence_with(answer.text, check.text)
        named = {
            q.speaker
            for q in rows
            if _surname(q.speaker) and _surname(q.speaker) in sentence.lower()
        }
        right = {q.speaker for q in owners}
        if named and not named & right:
            who = " / ".join(sorted(right))
            answer.notes.append(
                f"“{check.text}” is attributed to {who} in the article, not "
                f"to {' / '.join(sorted(named))}."
            )
            check.status = "misattributed"
            answer.text = answer.text.replace(
                check.text, f"{check.text} [the article attributes these words to {who}]", 1
            )


def _surname(name: str) -> str:
    parts = name.split()
    return parts[-1].lower() if parts and name[:1].isupper() else ""


def _sentence_with(text: str, fragment: str) -> str:
    i = text.find(fragment)
    if i < 0:
        return text
    start = max(text.rfind(". ", 0, i), text.rfind("\n", 0, i)) + 1
    end = text.find(". ", i + len(fragment))
    return text[start : end if end >= 0 else len(text)]


def unsupported(answer: Answer, passages: list[Passage]) -> bool:
    """An answer whose every quotation is invented, or that names people no passage
    mentions: the model was not reading the passages (small models echo the prompt's
    examples when lost)."""
    if answer.abstained or answer.error or any(q.status == "misattributed" for q in answer.quotes):
        return False  # a flagged misattribution is shown, with the flag
    quotes = answer.quotes
    if quotes and all(q.status == "unverified" for q in quotes):
        return True
    return bool(absent_names(answer.text, passages))


def unsupported_answer(request: dict[str, Any], answer: Answer) -> Answer:
    passages: list[Passage] = request["route"].passages[:3]
    text = (
        "The model's answer could not be checked against the articles (it named people or "
        "quoted words that are not in them), so it is not shown. The most relevant "
        "passages are cited: " + " ".join(f"[{i}]" for i in range(1, len(passages) + 1))
    )
    return Answer(
        question=answer.question,
        text=text,
        citations=[citation_for(i, p, False) for i, p in enumerate(passages, 1)],
        notes=[f"Withheld answer: {answer.text[:300]}"],
        passages=request["route"].passages,
        abstained=True,
        withheld=True,
    )


def llm_failure_answer(request: dict[str, Any], error: BaseException) -> Answer:
    """When the model cannot be reached: say so, and give the best passages, cited."""
    route: Route | None = request.get("route")
    passages: list[Passage] = route.passages if route is not None else []
    log.warning("LLM request failed: %s", error)
    reason = type(error.__cause__ or error).__name__
    text = f"The language model did not answer ({reason})."
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
