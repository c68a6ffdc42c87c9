"""The optional model step: the chat model settles the ledger's hard cases (``hard_cases``).

For each, the model answers a multiple-choice question: which of the candidate mentions said
the quotation, or none of them. It is asked twice, with the options in reverse order; only an
answer it gives both times counts, and the row then gets that speaker (method ``model``).
Answers are cached by what was asked, so re-ingesting an article costs nothing. Answers say
when a speaker came from the model (``rag.answer.compose``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.backends.kv_cache import KeyValueCache
from rag.backends.prompts import load_prompt
from rag.ledger.confidence import CONFIDENCE
from rag.ledger.hard_cases import Candidate, HardCase, find_hard_cases
from rag.settings import Settings
from rag.types import Article, Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

Ask = Callable[[list[BaseMessage]], str]

NONE_OF_THEM = "none of them: the passage does not say"


def messages(
    article: Article, case: HardCase, quote: Quote, order: Sequence[str]
) -> list[BaseMessage]:
    """The multiple-choice question for one hard case, options in ``order``."""
    passage = article.text[case.context[0] : case.context[1]]
    letters = string.ascii_uppercase[: len(order)]
    options = "\n".join(f"{x}. {name}" for x, name in zip(letters, order, strict=True))
    user = load_prompt("speaker_question").format(
        passage=passage, quote=quote.quote, options=options
    )
    return [SystemMessage(load_prompt("speaker_system").template), HumanMessage(user)]


def choice(reply: str, order: Sequence[str]) -> str | None:
    """The option a reply picks ('B', 'B.', 'B. Name'), or ``None`` when it picks none."""
    match = re.match(r"\s*\(?([A-Z])\b", reply)
    if match is None:
        return None
    index = string.ascii_uppercase.index(match.group(1))
    return order[index] if index < len(order) else None


@dataclass(frozen=True)
class Settled:
    """An article's rows after the model step; ``failed`` says why the model could not be
    asked (the rules' answers then stand for the cases it did not settle)."""

    rows: list[Quote]
    failed: str = ""


def settle(
    article: Article,
    rows: list[Quote],
    cases: Sequence[HardCase],
    ask: Ask,
    cache: KeyValueCache | None = None,
    model_name: str = "",
) -> Settled:
    """``rows`` with the hard cases the model settles given a speaker (method ``model``)."""
    out = list(rows)
    failed = ""
    for case in cases:
        row = rows[case.row]
        names = [c.name for c in case.candidates]
        answers: list[str | None] = []
        for order in ([*names, NONE_OF_THEM], [*reversed(names), NONE_OF_THEM]):
            asked = messages(article, case, row, order)
            key = _key(model_name, asked)
            reply = cache.get(key) if cache is not None else None
            if reply is None:
                try:
                    reply = ask(asked)
                except Exception as e:  # the model step must never cost the article
                    failed = failed or _reason(e)
                    break  # the next cases may still have cached answers
                if cache is not None:
                    cache.put(key, reply)
            answers.append(choice(reply, order))
        if len(answers) < 2:
            continue
        picked = answers[0] if answers[0] == answers[1] else None
        chosen = next((c for c in case.candidates if c.name == picked), None)
        if chosen is not None and chosen.name != row.speaker:
            out[case.row] = _given(row, chosen)
    if failed:
        log.warning("%s: the model step failed (%s); the rules' answers stay", article.id, failed)
    return Settled(out, failed)


def _reason(error: Exception) -> str:
    """An error as one short line ('ConnectionError: Connection error.')."""
    text = " ".join(str(error).split())
    text = text if len(text) <= 160 else text[:159] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class ModelUnreachable(Exception):
    """The chat model could not be reached earlier in this run; it is not asked again."""


def unreachable(error: Exception) -> bool:
    """True for an error that says the model cannot be reached at all (refused, timed out),
    as opposed to one request it could not answer."""
    import openai  # imported here: ingest without the model step never needs it

    unreachable_errors = (ConnectionError, TimeoutError, ModelUnreachable)
    return isinstance(error, (*unreachable_errors, openai.APIConnectionError))  # + timeouts


def _given(row: Quote, who: Candidate) -> Quote:
    return row.model_copy(
        update={
            "speaker": who.name,
            "speaker_start": who.start,
            "speaker_end": who.end,
            "speaker_mention": "",
            "speaker_role": "",
            "role_start": 0,
            "role_end": 0,
            "speaker_appositive": "",
            "appositive_start": 0,
            "appositive_end": 0,
            "kind": "direct" if row.kind == "anonymous" else row.kind,
            "method": "model",
            "confidence": CONFIDENCE["model"],
        }
    )


def _key(model_name: str, asked: Sequence[BaseMessage]) -> str:
    digest = hashlib.sha256(model_name.encode())
    for message in asked:
        digest.update(b"\0" + str(message.content).encode())
    return digest.hexdigest()


ModelStep = Callable[[Article, "Doc", list[Quote]], Settled]


def model_step_for(settings: Settings) -> ModelStep | None:
    """The model step the settings ask for (``None`` when off): the configured chat model,
    reached on the first hard case, with its answers cached in the home folder. Once the
    model cannot be reached, it is not asked again in this run (a server that is down would
    cost each later article its timeout); cached answers still apply."""
    if not settings.ledger_model or settings.ledger_extractor != "rules":
        return None
    from rag.backends.llm import chat_model, describe_llm

    model: Any = None
    down = ""  # why the model could not be reached, once it could not
    cache = KeyValueCache(settings.home / "ledger-model-cache.sqlite")

    def ask(asked: list[BaseMessage]) -> str:
        nonlocal model, down
        if down:
            raise ModelUnreachable(down)
        try:
            if model is None:
                model = chat_model(settings).bind(max_tokens=4)
            return str(model.invoke(asked).content)
        except Exception as e:
            if unreachable(e):
                down = _reason(e)
            raise

    def step(article: Article, doc: Doc, rows: list[Quote]) -> Settled:
        cases = find_hard_cases(article.text, doc, rows)
        if not cases:
            return Settled(rows)
        return settle(article, rows, cases, ask, cache, describe_llm(settings))

    return step
