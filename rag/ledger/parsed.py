"""What the ledger reads from a parsed article more than once, computed once per doc.

spaCy rebuilds ``doc.text`` and ``doc.sents`` on every access, each a walk over the whole
article; the extractor asks for them per quotation and per cue.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from rag.text.quotations import article_quotations

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span


def text_of(doc: Doc) -> str:
    """``doc.text``, computed once."""
    cached: str | None = doc.user_data.get("rag_text")
    if cached is None:
        cached = doc.user_data["rag_text"] = doc.text
    return cached


def sentences_of(doc: Doc) -> list[Span]:
    """The doc's sentences, computed once (spaCy recomputes them on every ``token.sent``)."""
    cached = doc.user_data.get("rag_sentences")
    if cached is None:
        sents = list(doc.sents)
        cached = doc.user_data["rag_sentences"] = (sents, [s.start for s in sents])
    return cached[0]


def sentence_of(doc: Doc, token_index: int) -> Span:
    """The sentence holding token ``token_index``."""
    sents = sentences_of(doc)
    starts = doc.user_data["rag_sentences"][1]
    return sents[bisect.bisect_right(starts, token_index) - 1]


def quotations_of(doc: Doc) -> list[tuple[int, int]]:
    """The article's quotations (``article_quotations`` of its text), computed once per doc."""
    cached: list[tuple[int, int]] | None = doc.user_data.get("rag_quotations")
    if cached is None:
        cached = doc.user_data["rag_quotations"] = article_quotations(text_of(doc))
    return cached
