"""Before asking the model: are the people and places the question names in the passages?

"What did Boris Johnson say about Nato?" over passages that never mention Johnson has no
answer there; asking a small model anyway invites a guess. Names are runs of capitalised
words outside quotation marks; a name counts as present when any of its words (fuzzily,
for spelling variants like Zelensky/Zelenskyy) appears in a passage or the text before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from rag.ledger.intent import WORD, parse_question
from rag.lexicon import NAME_SIMILARITY_MIN_SCORE
from rag.types import Passage


def absent_names(question: str, passages: Sequence[Passage]) -> list[str]:
    """Names in the question that no passage mentions."""
    names = parse_question(question).names
    if not names or not passages:
        return names if not passages else []
    vocabulary = {
        w.lower().strip("'’")
        for p in passages
        for w in WORD.findall(p.context_before + " " + p.chunk.text + " " + p.title)
    }
    missing = []
    for name in names:
        words = [w.lower().strip("'’") for w in name.split() if len(w) >= 3]
        if not words:
            continue
        if not any(_known(w, vocabulary) for w in words):
            missing.append(name)
    return missing


def _known(word: str, vocabulary: set[str]) -> bool:
    if word in vocabulary:
        return True
    if len(word) < 5:
        return False
    return any(
        abs(len(v) - len(word)) <= 2 and fuzz.ratio(word, v) >= NAME_SIMILARITY_MIN_SCORE
        for v in vocabulary
    )
