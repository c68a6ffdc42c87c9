"""Text normalisation: casefolded text with a map back to offsets, and word tokens."""

from __future__ import annotations

import re
import unicodedata

from rag.lexicon import DOC_STOPWORDS, QUERY_STOPWORDS

_TOKEN = re.compile(r"\w+", re.UNICODE)

_TABLE = {"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}


def normalise(text: str) -> tuple[str, list[int]]:
    """Casefolded text with quotes, dashes and spaces unified, and the map back to offsets."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        ch = _TABLE.get(ch, ch)
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        lower = ch.lower()
        out.append(lower if len(lower) == 1 else ch)  # keep one char per offset
        where.append(i)
    return "".join(out), where


def tokenize(text: str, *, query: bool = False) -> list[str]:
    """Lower-cased word tokens, accents folded, stopwords (and question wording) dropped."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    stop = QUERY_STOPWORDS if query else DOC_STOPWORDS
    return [t for t in _TOKEN.findall(text) if t not in stop]


def words(text: str) -> str:
    """Words only, casefolded, marks and punctuation dropped ("U.S." stays "u s")."""
    return " ".join(_TOKEN.findall(normalise(text)[0]))
