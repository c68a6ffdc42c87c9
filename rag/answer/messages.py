"""The messages put in front of the model: the numbered passages (with the sentence before
a passage whose speaker is a pronoun), the system prompt, and the wording of an abstention."""

from __future__ import annotations

import re

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.answer.sanitize import mask_instructions
from rag.backends.prompts import load_prompt
from rag.lexicon import CONTEXT_PRONOUNS, CONTEXT_VERBS, alternation
from rag.types import Passage, SearchFilter


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
_SPEECH_VERBS = alternation(CONTEXT_VERBS)
_PRONOUN = alternation(CONTEXT_PRONOUNS)

_NEEDS_CONTEXT = re.compile(
    r"^\s*[“\"'‘]"
    rf"|\b{_PRONOUN}\s+(?:\w+\s+){{0,2}}{_SPEECH_VERBS}\b"
    rf"|\b{_SPEECH_VERBS}\s+{_PRONOUN}\b",
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
