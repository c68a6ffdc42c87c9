"""Answers without the model's words: the passages' own sentences when the model's answer
failed the checks, and the best passages when the model could not be reached."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from rag.answer.cite import citation_for
from rag.text.normalise import tokenize
from rag.text.sentences import split_sentences
from rag.types import Answer, LLMFailure, Passage, QuoteCheck, Unsupported

log = logging.getLogger(__name__)


def extractive_answer(
    question: str,
    passages: list[Passage],
    withheld: Answer,
    reason: str,
    removed: Sequence[Unsupported] = (),
) -> Answer:
    """Instead of a model answer that failed its checks: the sentence of the best passages
    that shares most words with the question, quoted as it stands and cited."""
    log.info("withheld model answer: %r", withheld.text)
    wanted = set(tokenize(question, query=True))
    best: tuple[int, int, Passage, int, int] | None = None
    for rank, p in enumerate(passages[:3]):
        for a, b in split_sentences(p.chunk.text):
            score = len(wanted & set(tokenize(p.chunk.text[a:b])))
            if best is None or (score, -rank) > (best[0], -best[1]):
                best = (score, rank, p, a, b)
    assert best is not None
    _, _, p, a, b = best
    sentence = p.chunk.text[a:b]
    start = p.chunk.start + a
    cited = citation_for(1, p, False)
    cited.start, cited.end, cited.quote = start, start + len(sentence), sentence
    return Answer(
        question=question,
        text=(
            f"The model's answer is not shown: it {reason}. The most relevant passage "
            f"says: “{sentence}” [1]"
        ),
        citations=[cited],
        quotes=[
            QuoteCheck(
                text=sentence,
                original=sentence,
                status="verified",
                citation=1,
                article_id=p.article_id,
                start=start,
                end=start + len(sentence),
            )
        ],
        passages=passages,
        abstained=True,
        withheld=True,
        unsupported=list(removed),
    )


def llm_failure_answer(question: str, passages: list[Passage], error: BaseException) -> Answer:
    """When the model cannot be reached: say so, and give the best passages, cited."""
    log.warning("LLM request failed: %s", error)
    reason = LLMFailure.of(error)
    text = f"The language model did not answer: {reason.reason}."
    if passages:
        text += " The most relevant passages are cited below: " + " ".join(
            f"[{i}]" for i in range(1, min(3, len(passages)) + 1)
        )
    return Answer(
        question=question,
        text=text,
        citations=[citation_for(i, p, False) for i, p in enumerate(passages[:3], 1)],
        notes=[f"LLM error: {error}"],
        passages=passages,
        error=reason,
    )
