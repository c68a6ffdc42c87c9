"""Which way a word leans: its valence in VADER's sentiment lexicon (C.J. Hutto, MIT
licence), read from the vaderSentiment package's data file, so that a quote check sees
'triumph' put in place of 'disaster' as turning the sense around."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from rag.errors import ConfigError
from rag.lexicon import SENSE_MIN_VALENCE, SENSE_NEGATIONS

LEXICON_PACKAGE = "vaderSentiment"


@lru_cache(maxsize=1)
def valences() -> dict[str, float]:
    """Word → mean valence, -4 (most negative) to +4 (most positive)."""
    try:
        data = resources.files(LEXICON_PACKAGE).joinpath("vader_lexicon.txt").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as e:
        raise ConfigError(
            f"the quote check needs {LEXICON_PACKAGE}'s lexicon: "
            "pip install 'vaderSentiment==3.3.2'"
        ) from e
    out: dict[str, float] = {}
    for line in data.splitlines():
        word, _, rest = line.partition("\t")
        if word and rest:
            out[word] = float(rest.split("\t", 1)[0])
    return out


def leaning(word: str) -> float:
    """The valence of a word (as rag.text.wording.wording_words gives it) that leans
    strongly one way (at least SENSE_MIN_VALENCE), else 0. Not of a negation ('no' is
    weighed as one) nor of a number (the lexicon rates some as slang)."""
    if not word.isalpha() or word in SENSE_NEGATIONS:
        return 0.0
    value = valences().get(word, 0.0)
    return value if abs(value) >= SENSE_MIN_VALENCE else 0.0
