"""Articles are data. Besides delimiting passages in the prompt, sentences in them that read
like instructions to an AI ("SYSTEM: ignore all previous instructions…", an HTML comment
addressed to the assistant) are left out of what the model sees. The index and every
citation keep the article's exact text; only the model's view is masked."""

from __future__ import annotations

import re

from rag.text.sentences import split_sentences

MASK = "[a sentence that reads like an instruction to an AI is left out]"

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_INSTRUCTION = re.compile(
    r"^\s*(?:system|assistant|user|developer|instruction|instructions)\s*[:>\]]"
    r"|\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|these\s+)*"
    r"(?:previous\s+|prior\s+|above\s+|earlier\s+|preceding\s+|following\s+)?"
    r"(?:instructions?|prompts?|rules|guidelines|question)\b"
    r"|\b(?:reveal|print|show|repeat)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+)?"
    r"(?:prompt|instructions)\b"
    r"|\bfrom now on,?\s+(?:you|answer|reply|respond)\b"
    r"|\byou are (?:now )?(?:an?|the) (?:ai|assistant|language model|chatbot)\b"
    r"|\b(?:answer|reply|respond)\s+(?:every|all|each)\s+questions?\s+with\b",
    re.IGNORECASE,
)


def mask_instructions(text: str) -> str:
    """``text`` with instruction-like sentences (and HTML comments) replaced by MASK."""
    text = _COMMENT.sub(MASK, text)
    out: list[str] = []
    cursor = 0
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if sentence != MASK and _INSTRUCTION.search(sentence):
            out.append(text[cursor:start] + MASK)
        else:
            out.append(text[cursor:end])
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
