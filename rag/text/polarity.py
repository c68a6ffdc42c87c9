"""Which way a word leans: its valence in VADER's sentiment lexicon (C.J. Hutto, MIT
licence), read from the vaderSentiment package's data file, so that a quote check sees
'triumph' put in place of 'disaster' as turning the sense around."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from rag.errors import ConfigError
from rag.lexicon import SENSE_MIN_VALENCE

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


def leaning(words: Sequence[str], negated: bool = False) -> float:
    """The summed valence of the strongly leaning ``words`` (each at least
    SENSE_MIN_VALENCE either way), turned round when ``negated``."""
    table = valences()
    total = sum(v for w in words if abs(v := table.get(w, 0.0)) >= SENSE_MIN_VALENCE)
    return -total if negated else total


def strongest(words: Sequence[str]) -> str:
    """The word of ``words`` that leans most strongly either way ('' when none does)."""
    table = valences()
    best = max(words, key=lambda w: abs(table.get(w, 0.0)), default="")
    return best if abs(table.get(best, 0.0)) >= SENSE_MIN_VALENCE else ""
