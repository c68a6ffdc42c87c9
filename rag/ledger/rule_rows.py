"""The rules' ledger rows of one parsed article: the ingest's task for a parse worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rag.backends.nlp import doc_bytes
from rag.errors import RagError
from rag.ledger.extract import EXTRACTORS
from rag.types import Article, Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc


@dataclass(frozen=True)
class RuleRows:
    """What the rules found in one article (sent back from a worker)."""

    quotes: list[Quote] = field(default_factory=list)
    failed: str = ""  # why extraction failed: the article is indexed without ledger rows
    doc: bytes = b""  # the parse, when a later step (the model step) needs it


def rule_rows(
    article: Article, doc: Doc, extractor: Literal["rules", "textacy"], keep_doc: bool
) -> RuleRows:
    """The article's ledger rows by ``extractor``; a bug in it costs only those rows."""
    kept = doc_bytes(doc) if keep_doc else b""
    try:
        return RuleRows(EXTRACTORS[extractor](article, doc=doc), doc=kept)
    except RagError:
        raise
    except Exception as e:  # a ledger bug must never cost the user the article itself
        return RuleRows(failed=f"{type(e).__name__}: {e}", doc=kept)
