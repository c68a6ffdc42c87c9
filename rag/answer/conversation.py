"""Follow-up questions in a chat: rewritten into standalone questions before searching.

"and what did she say about Germany?" after an answer about Kaja Kallas becomes "What did
Kaja Kallas say about Germany?". A pronoun that can only mean the person the previous turn
was about is replaced directly; anything else is rewritten by the LLM with the recent
history, and the rewrite is kept only if it keeps the question's quoted words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag.backends.prompts import load_prompt
from rag.ledger.intent import parse_question
from rag.lexicon import FOLLOW_UP_WORDS, PERSON_PRONOUNS
from rag.text.quotations import without_quotations
from rag.types import Answer

log = logging.getLogger(__name__)

_PERSON_PRONOUNS = re.compile(rf"\b({'|'.join(sorted(PERSON_PRONOUNS))})\b", re.IGNORECASE)
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|but|also|so|then|what about|how about)\b"
    rf"|\b(?:{'|'.join(sorted(FOLLOW_UP_WORDS))}|the same)\b",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^\s*(?:and|but|also|so|then)\s*,?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation."""

    question: str
    answer: Answer | None = None


def needs_rewrite(question: str, history: Sequence[Turn]) -> bool:
    """A follow-up: it points back ("she", "that", "and what about…") outside its quotes."""
    return bool(history) and bool(
        _FOLLOW_UP.search(without_quotations(question, single_words=True))
    )


def subject_of(turn: Turn) -> str:
    """The one person a turn was about: the speaker its answer cites, or the single name
    its question gives; '' when it was about several people or none."""
    if turn.answer is not None:
        speakers = {c.speaker for c in turn.answer.citations if c.speaker}
        if len(speakers) == 1:
            return speakers.pop()
    names = parse_question(turn.question).names
    return names[0] if len(names) == 1 else ""


def standalone_question(
    question: str, history: Sequence[Turn], llm: BaseChatModel | None = None
) -> str:
    """``question`` made independent of ``history`` (returned unchanged when it already is)."""
    if not needs_rewrite(question, history):
        return question
    person = subject_of(history[-1])
    pronouns = _PERSON_PRONOUNS.findall(question)
    if person and pronouns and not re.search(r"\b(?:they|them|their)\b", question, re.I):
        rewritten = _PERSON_PRONOUNS.sub(lambda m: _possessive(person, m.group(1)), question)
        return _tidy(rewritten)
    if llm is None:
        return question
    return _rewrite_with_llm(question, history, llm)


def _possessive(person: str, pronoun: str) -> str:
    return f"{person}’s" if pronoun.lower() in ("his", "hers") else person


def _tidy(question: str) -> str:
    question = _LEAD.sub("", question).strip()
    return question[:1].upper() + question[1:] if question else question


def _rewrite_with_llm(question: str, history: Sequence[Turn], llm: BaseChatModel) -> str:
    lines = []
    for turn in history[-3:]:
        lines.append(f"User: {turn.question}")
        if turn.answer is not None:
            lines.append(f"Assistant: {turn.answer.text[:400]}")
    prompt = load_prompt("rewrite")
    messages = [
        SystemMessage(prompt.format(history="\n".join(lines), question=question)),
        HumanMessage(question),
    ]
    try:
        reply = str(llm.invoke(messages).content).strip().splitlines()[0].strip()
    except Exception as e:  # the rewrite is a convenience; the question itself still works
        log.warning("could not rewrite the follow-up question: %s", e)
        return question
    reply = re.sub(r"^(?:standalone question|question)\s*:\s*", "", reply, flags=re.I).strip()
    kept_quotes = all(q.lower() in reply.lower() for q in parse_question(question).quotes)
    known = (question + " " + " ".join(lines)).lower()
    invented = [
        name
        for name in parse_question(reply).names
        if re.sub(r"[’']s$", "", name).lower() not in known
    ]
    still_a_question = reply.endswith("?") or not question.rstrip().endswith("?")
    if (
        not reply
        or not kept_quotes
        or invented
        or not still_a_question
        or len(reply) > 3 * len(question) + 80
    ):
        log.info("rewrite %r of %r not used", reply, question)
        return question
    return reply
