"""A verified quote given to the wrong person: the answer names someone the ledger does not
record as saying it."""

from __future__ import annotations

from rag.ledger.read import Ledger
from rag.text.names import surname
from rag.text.sentences import answer_sentences
from rag.types import Answer


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
            if q.speaker[:1].isupper() and surname(q.speaker).lower() in sentence.lower()
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


def _sentence_with(text: str, fragment: str) -> str:
    """The answer's sentence that holds ``fragment`` (the whole text when none does)."""
    i = text.find(fragment)
    for a, b in answer_sentences(text):
        if a <= i < b:
            return text[a:b]
    return text
