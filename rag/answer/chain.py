"""The answer chain, a LangChain runnable: request → route (ledger or retriever) → answer.

Input: a question string, or ``{"question": str, "filters": SearchFilter | dict}``.
Streaming yields ``AnswerDelta`` pieces, then the checked ``Answer``; ``invoke`` returns the
``Answer``. ``batch`` works as for any runnable.

- Attribution questions the quote ledger can answer are composed from its records at once,
  without the model (``rag.answer.compose``); "what has X said about Z" adds one model-written
  sentence, claim-checked before it is shown.
- Other questions go to the passages and the model. Its text streams sentence by sentence,
  each claim-checked first; the finished answer has its quotes verified, its citations
  validated, and anything outside quotation marks that the cited passages do not hold
  removed (``Answer.unsupported``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from rag.answer import attribution
from rag.answer.attribution import LedgerMatch
from rag.answer.check import CheckThresholds, Meaning, QuoteVerdict, check_quote
from rag.answer.check_answer import compose_check, verdict_answer
from rag.answer.cite import MARKER, build_answer
from rag.answer.claims import Evidence, check_claims
from rag.answer.compose import compose
from rag.answer.fallbacks import extractive_answer, llm_failure_answer
from rag.answer.gate import absent_names
from rag.answer.messages import abstain_text, build_messages
from rag.answer.misattribution import flag_misattributions
from rag.answer.retrieve import Retriever
from rag.backends.prompts import load_prompt
from rag.errors import LLMError
from rag.ledger.intent import parse_intent
from rag.ledger.read import Ledger
from rag.lexicon import CHECK_MIN_CLAIM_WORDS
from rag.text.sentences import answer_sentences
from rag.types import (
    Answer,
    AnswerChunk,
    AnswerDelta,
    Article,
    Citation,
    Passage,
    SearchFilter,
    Unsupported,
)

log = logging.getLogger(__name__)

ChatModelSource = BaseChatModel | Callable[[], BaseChatModel]
"""A chat model, or a function that returns one when first needed (a model that has to be
started is then started only by questions that need it)."""


@dataclass(frozen=True)
class Request:
    """What the chain is asked."""

    question: str
    filters: SearchFilter = field(default_factory=SearchFilter)


@dataclass
class Route:
    """Where the answer comes from: ledger records (with their articles) or passages."""

    request: Request
    passages: list[Passage]
    found: LedgerMatch | None = None
    articles: Mapping[str, Article] = field(default_factory=dict)
    checked: QuoteVerdict | None = None  # "did X say …": the quote check's verdict
    earliest_first: bool = False  # "who first said …"

    @property
    def from_ledger(self) -> bool:
        return self.found is not None and bool(self.found.rows)

    @property
    def not_found(self) -> bool:
        return self.checked is not None and self.checked.verdict == "not_found"


def as_request(value: Any) -> Request:
    if isinstance(value, Request):
        return value
    if isinstance(value, str):
        return Request(value)
    if isinstance(value, dict) and isinstance(value.get("question"), str):
        filters = value.get("filters") or SearchFilter()
        if isinstance(filters, dict):
            filters = SearchFilter(**filters)
        return Request(value["question"], filters)
    raise TypeError("the chain takes a question string or {'question': ..., 'filters': ...}")


# --- prompts -------------------------------------------------------------------------------


# --- the chain -----------------------------------------------------------------------------


def build_chain(
    retriever: Retriever,
    llm: ChatModelSource,
    ledger: Ledger | None = None,
    summaries: bool = True,
    check: CheckThresholds | None = None,
    meaning: Meaning | None = None,
) -> Runnable[Any, AnswerChunk]:
    """The runnable behind ``ask()``; compose it like any LangChain runnable.

    Attribution questions go to the quote ledger first; everything else (and attribution
    questions the ledger cannot answer) to hybrid passage retrieval. ``summaries``: add a
    checked model sentence to "what has X said about Z" answers. ``check``: answer "did X
    say “…”", "is it true that X said “…”" and "who first said “…”" with the quote check's
    verdict (rag.answer.check), with these thresholds (and ``meaning`` to compare claims
    by meaning)."""
    model = _ModelHandle(llm)

    def route(request: Request) -> Route:
        question, filters = request.question, request.filters
        found = None
        if ledger is not None:
            _, scoped = retriever.scope_by_title(question, filters)
            allowed = retriever.articles_matching(scoped)
            checked = None
            if allowed != [] and check is not None:
                checked = _check_route(request, ledger, allowed or [], check, meaning, retriever)
                if checked is not None and not checked.not_found:
                    return checked
            if allowed != []:  # [] = the filters allow no article at all
                found = attribution.match(ledger, question, allowed or [])
            if found is not None and found.rows:
                ids = sorted({r.quote.article_id for r in found.rows})
                articles = retriever.index.get_articles(ids)
                passages = attribution.row_passages(articles, found.rows)
                return Route(request, passages, found, articles)
            if checked is not None:  # reported words no record holds: not found, said so
                return checked
        return Route(request, retriever.search(question, filters), found)

    def respond(routes: Iterator[Route]) -> Iterator[AnswerChunk]:
        r: Route | None = None
        for item in routes:  # one item: the route of this request
            r = item
        if r is None:
            return
        if r.checked is not None:
            yield from check_answer(r)
        elif r.from_ledger:
            yield from ledger_answer(r, model if summaries else None)
        else:
            yield from passage_answer(r, model, ledger)

    return (
        RunnableLambda(as_request).with_config(run_name="request")
        | RunnableLambda(route).with_config(run_name="retrieve")
        | RunnableGenerator(respond).with_config(run_name="answer")
    )


class _ModelHandle:
    """The chat model, resolved on first use when given as a function."""

    def __init__(self, source: ChatModelSource) -> None:
        self._source = source
        self._model: BaseChatModel | None = source if isinstance(source, BaseChatModel) else None

    def get(self) -> BaseChatModel:
        if self._model is None:
            assert callable(self._source)
            self._model = self._source()
        return self._model

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]:
        """The model's text, streamed; any failure of the endpoint (unreachable, timed out,
        an error status, a reply that is not a completion) becomes one LLMError, so the
        answer can fall back instead of failing. Starting a local model that is not
        installed stays a ModelError/ConfigError the user can act on."""
        llm = self.get()
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


# --- quote checks ---------------------------------------------------------------------------


def _check_route(
    request: Request,
    ledger: Ledger,
    scope: Sequence[str],
    thresholds: CheckThresholds,
    meaning: Meaning | None,
    retriever: Retriever,
) -> Route | None:
    """The quote check's route for a did- or who-first question over one quotation of a few
    words, or a did-question over reported words, when the ledger knows the speaker of a
    did-question. A not-found verdict routes reported words, and quoted words an article
    prints outside quotation marks; other quoted words go on to the records (which come
    first) and the passages. None sends the question the earlier way."""
    intent = parse_intent(request.question)
    if len(intent.fragments) > 1:
        return None  # several quotations: the records answer each
    claim = intent.fragments[0] if intent.fragments else intent.content
    if len(claim.split()) < CHECK_MIN_CLAIM_WORDS:
        return None
    within = request.filters.model_copy(update={"article_ids": list(scope)} if scope else {})
    if intent.kind == "did_say" and (intent.fragments or intent.reports_words):
        if not ledger.find_speaker(intent.speaker, scope):
            return None
        speaker, first = intent.speaker, False
    elif intent.kind == "who_said" and intent.first and intent.fragments:
        speaker, first = "", True
    else:
        return None
    verdict = check_quote(
        ledger, claim, speaker, thresholds, scope, meaning, lambda w: retriever.printing(w, within)
    )
    if verdict.verdict == "not_found" and not intent.reports_words and not verdict.printed:
        return None
    articles = ledger.index.get_articles(verdict.article_ids)
    stated = [e.row for e in verdict.shown]
    stated += [c.row for c in verdict.carriers[:1] if all(c.row is not r for r in stated)]
    passages = attribution.row_passages(articles, stated)
    return Route(request, passages, articles=articles, checked=verdict, earliest_first=first)


def check_answer(route: Route) -> Iterator[AnswerChunk]:
    """The verdict stated, with the quotations it rests on, streamed at once."""
    verdict = route.checked
    assert verdict is not None
    composed = compose_check(verdict, route.articles, route.earliest_first)
    for n, sentence in enumerate(composed.sentences):
        yield AnswerDelta(text=sentence if n == 0 else " " + sentence)
    yield verdict_answer(route.request.question, verdict, composed, route.passages)


# --- answers from the ledger ---------------------------------------------------------------


def ledger_answer(route: Route, model: _ModelHandle | None) -> Iterator[AnswerChunk]:
    """The matched records stated, streamed at once; for "what has X said about Z", one
    model sentence over them, shown only when it passes the checks."""
    found = route.found
    assert found is not None
    composed = compose(found.intent, found.rows, found.speakers, route.articles)
    for n, sentence in enumerate(composed.sentences):
        yield AnswerDelta(text=sentence if n == 0 else " " + sentence)
    answer = Answer(
        question=route.request.question,
        text=composed.text,
        citations=composed.citations,
        quotes=composed.quotes,
        passages=route.passages,
        source="ledger",
        notes=[found.note] if found.note else [],
    )
    numbered_alike = len(composed.citations) == len(route.passages)  # [n] means the same
    if model is not None and numbered_alike and attribution.wants_summary(found):
        summary = _summary(route, composed.citations, model, answer)
        if summary:
            yield AnswerDelta(text="\n" + summary)
            answer.text += "\n" + summary
    yield answer


def _summary(route: Route, citations: list[Citation], model: _ModelHandle, answer: Answer) -> str:
    """The model's one-sentence summary of the records, checked; '' when it fails a check
    (what was removed is recorded on ``answer``)."""
    found = route.found
    assert found is not None
    try:
        raw = "".join(
            model.stream(attribution.summary_messages(route.request.question, found.rows))
        )
    except LLMError as e:
        log.warning("summary failed: %s", e)
        answer.notes.append(f"The language model did not answer ({e}); no summary.")
        return ""
    checked = build_answer(
        route.request.question,
        raw,
        route.passages,
        abstain_phrase=load_prompt("abstain").template,
        abstain_text="",
    )
    if checked.abstained or not checked.citations:
        return ""
    if any(q.status == "unverified" for q in checked.quotes):
        answer.notes.append(
            "The model's summary quoted words that are not in the records; omitted."
        )
        return ""
    report = check_claims(
        checked.text, _evidence([c.n for c in checked.citations], route.passages, citations)
    )
    answer.unsupported.extend(report.removed)
    text = report.text
    if not _has_content(text):
        return ""
    answer.quotes.extend(q for q in checked.quotes if q.text in text)
    return text


# --- answers from passages -----------------------------------------------------------------


def passage_answer(
    route: Route, model: _ModelHandle, ledger: Ledger | None
) -> Iterator[AnswerChunk]:
    """The model's answer from the passages, previewed sentence by sentence (each one
    claim-checked first), then the checked Answer."""
    request, passages = route.request, route.passages
    note = route.found.note if route.found is not None else ""
    missing = absent_names(request.question, passages)
    if not passages or missing:  # nothing relevant: do not ask the model to guess
        answer = Answer(
            question=request.question,
            text=abstain_text(request.question, passages, request.filters, missing),
            abstained=True,
            passages=passages,
            notes=[note] if note else [],
        )
        yield answer
        return
    raw: list[str] = []
    preview = _Preview(passages)
    try:
        for piece in model.stream(build_messages(request.question, passages)):
            raw.append(piece)
            yield from preview.feed(piece)
    except LLMError as e:
        yield llm_failure_answer(request.question, passages, e)
        return
    yield from preview.flush()
    log.info("model reply: %r", "".join(raw))
    answer = checked_answer(request, "".join(raw), passages, ledger)
    if note:
        answer.notes.append(note)
    yield answer


def checked_answer(
    request: Request, raw: str, passages: list[Passage], ledger: Ledger | None
) -> Answer:
    """The model's reply checked: quotes verified or repaired, citations validated, claims
    outside quotes kept only when the cited passages hold them, misattributed quotes
    flagged. A reply that fails outright is replaced by the passages' own words."""
    question = request.question

    def build(text: str) -> Answer:
        return build_answer(
            question,
            text,
            passages,
            abstain_phrase=load_prompt("abstain").template,
            abstain_text=abstain_text(
                question, passages, request.filters, absent_names(question, passages)
            ),
        )

    answer = build(raw)
    if answer.abstained:
        return answer
    if answer.quotes and all(q.status == "unverified" for q in answer.quotes):
        return extractive_answer(
            question, passages, answer, "quoted words that are not in the articles"
        )
    removed: list[Unsupported] = []
    for _ in range(2):  # a second pass checks what the first one's edits left
        report = check_claims(answer.text, _evidence([c.n for c in answer.citations], passages))
        removed.extend(report.removed)
        if not (report.removed or report.cited):
            break
        if not _has_content(report.text):
            for u in removed:
                u.action = "answer replaced"
            return extractive_answer(
                question,
                passages,
                answer,
                "named people, numbers or dates that are not in the passages",
                removed,
            )
        notes = answer.notes
        answer = build(report.text)
        answer.notes = list(dict.fromkeys([*notes, *answer.notes]))
    answer.unsupported = removed
    _widen(answer.citations, report.widen, passages)
    if ledger is not None:
        flag_misattributions(answer, ledger)
    return answer


def _evidence(
    cited: Sequence[int],
    passages: Sequence[Passage],
    named: Sequence[Citation] = (),
) -> list[Evidence]:
    """What a claim may lean on: every passage the model was shown, with the text before
    it and its article's title, shown with its citation (those the answer ``cited``
    first), and where the article names a ledger citation's speaker (``named``)."""
    out = []
    for n, p in enumerate(passages, 1):
        gap = p.chunk.start - p.context_start
        context = p.context_before if len(p.context_before) == gap else ""
        out.append(Evidence(n, context + p.chunk.text, len(context), n in cited))
        out.append(Evidence(n, p.title, 0, n in cited))
    out.extend(Evidence(c.n, c.speaker_text) for c in named if c.speaker_text)
    return out


def _widen(citations: list[Citation], numbers: set[int], passages: list[Passage]) -> None:
    """Citations whose claim was held by the text before the passage now cover it."""
    for c in citations:
        p = passages[c.n - 1]
        if c.n in numbers and len(p.context_before) == p.chunk.start - p.context_start:
            c.start = min(c.start, p.context_start)
            c.quote = p.context_before[c.start - p.context_start :] + p.chunk.text


def _has_content(text: str) -> bool:
    return len(re.findall(r"\w+", MARKER.sub("", text))) >= 3


class _Preview:
    """The model's text as it streams, released a sentence at a time once the sentence's
    names, numbers and descriptions are found in the passages. The finished Answer is
    checked again as a whole."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.buffer = ""
        self.shown = False

    def feed(self, piece: str) -> Iterator[AnswerDelta]:
        self.buffer += piece
        spans = answer_sentences(self.buffer)
        if len(spans) < 2:
            return
        done, self.buffer = self.buffer[: spans[-1][0]], self.buffer[spans[-1][0] :]
        yield from self._release(done)

    def flush(self) -> Iterator[AnswerDelta]:
        done, self.buffer = self.buffer, ""
        yield from self._release(done)

    def _release(self, text: str) -> Iterator[AnswerDelta]:
        for a, b in answer_sentences(text):
            sentence = text[a:b]
            cited = [int(n) for m in MARKER.finditer(sentence) for n in re.findall(r"\d+", m[1])]
            if check_claims(sentence, _evidence(cited, self.passages)).removed:
                continue
            yield AnswerDelta(text=(" " if self.shown else "") + sentence)
            self.shown = True
