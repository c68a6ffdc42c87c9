"""textacy's quotation extractor over the same spaCy parse, kept to compare the ledger with
(``rag bench``; needs the ``compare`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.backends.nlp import load_nlp
from rag.errors import ConfigError
from rag.ledger.cues import sentence_bounds
from rag.ledger.extract import dedupe
from rag.text.quotations import MIN_QUOTE_CHARS, inner_span
from rag.types import Article, Quote

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


def extract_quotes_textacy(
    article: Article, nlp: Language | None = None, doc: Doc | None = None
) -> list[Quote]:
    """textacy's ``direct_quotations`` as a ledger extractor: its speaker tokens as written
    (pronouns and all), no name merging, no indirect speech. Kept to measure the rules
    against (``RAG_LEDGER_EXTRACTOR=textacy``)."""
    try:
        from textacy.extract import direct_quotations
    except ImportError as e:
        raise ConfigError("the textacy extractor needs: pip install -e '.[compare]'") from e
    doc = doc if doc is not None else (nlp or load_nlp())(article.text)
    rows = []
    for dq in direct_quotations(doc):
        if not dq.speaker or not dq.content:
            continue
        a, b = inner_span(article.text, (dq.content.start_char, dq.content.end_char))
        if b - a < MIN_QUOTE_CHARS:
            continue
        speaker = " ".join(t.text for t in dq.speaker)
        sa, sb = sentence_bounds(doc, min(a, dq.speaker[0].idx), max(b, dq.speaker[-1].idx))
        rows.append(
            Quote(
                method="textacy",
                article_id=article.id,
                speaker=speaker,
                speaker_mention=speaker,
                speaker_role="",
                cue=" ".join(t.text for t in dq.cue),
                quote=article.text[a:b],
                start=a,
                end=b,
                kind="direct",
                date=article.date,
                source=article.source,
                span_start=sa,
                span_end=sb,
            )
        )
    return dedupe(rows)
