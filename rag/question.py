"""What a question points at: quoted words, an article named by its title, people's names.

Who said "Peace cannot mean capitulation"?          → quotes
According to the article "Plan alarms Europe", …    → titles
What did Boris Johnson say about Nato?              → names
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_QUOTE = re.compile(r"“([^”]+)”|\"([^\"]+)\"|''(.+?)''|‘([^’]+)’")
_TITLE_CUE = re.compile(
    r"\b(?:article|story|piece|report|headline)\s*(?:titled|called|entitled)?\s*$", re.IGNORECASE
)
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w’'\-]*")
_NOT_NAMES = frozenset(
    """
    who what when where why how which whom whose did does do is are was were has have had
    according said say says i the a an in on of and or to for about monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august
    september october november december
    """.split()
)


@dataclass(frozen=True)
class Question:
    text: str
    quotes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def parse_question(text: str) -> Question:
    quotes: list[str] = []
    titles: list[str] = []
    for m in _QUOTE.finditer(text):
        inner = next(g for g in m.groups() if g is not None).strip()
        if _TITLE_CUE.search(text[: m.start()]):
            titles.append(inner)
        elif len(inner.split()) >= 2 or len(inner) >= 6:
            quotes.append(inner.strip(" .,;:!?"))
    return Question(text, quotes, titles, _names(_QUOTE.sub(" | ", text)))


def _names(text: str) -> list[str]:
    """Runs of capitalised words that do not start a sentence and are not question words."""
    names: list[list[str]] = []
    last_end = -1
    for m in WORD.finditer(text):
        word = m.group(0)
        before = text[: m.start()].rstrip()
        sentence_start = not before or before[-1] in ".?!|:"
        if not word[0].isupper() or sentence_start or word.lower() in _NOT_NAMES:
            last_end = -1
            continue
        if last_end >= 0 and not text[last_end : m.start()].strip():
            names[-1].append(word)
        else:
            names.append([word])
        last_end = m.end()
    return [" ".join(n) for n in names if len(" ".join(n)) >= 3]
