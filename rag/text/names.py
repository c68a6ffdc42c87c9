"""People's names as articles write them: titles dropped, the surname, name offsets."""

from __future__ import annotations

import re

from rag.lexicon import HONORIFICS


def surname(name: str) -> str:
    """The last word of a name, as written ('Richard Barrons' → 'Barrons'); '' for ''."""
    words = name.split()
    return words[-1] if words else ""


_NAME_SUFFIXES = frozenset({"jr.", "sr."})  # last words of a name that end in a full stop


def strip_titles(name: str) -> str:
    """'Gen Sir Richard Barrons' → 'Richard Barrons'; possessive 's dropped."""
    return name_span(name, 0, len(name))[0]


def name_span(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The name written in ``text[start:end]`` without leading titles, a possessive 's or a
    full stop after it, and where it is: (name, a, b) with the name's words as ``text[a:b]``
    writes them."""
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    if words:
        a, b = words[-1]
        if b - a > 2 and re.search(r"[’']s$", text[a:b]):
            words[-1] = (a, b - 2)
        elif b - a > 3 and text[b - 1] == "." and text[a:b].lower() not in _NAME_SUFFIXES:
            words[-1] = (a, b - 1)  # the sentence's full stop ('wrote Hale.')
    while len(words) > 1 and text[words[0][0] : words[0][1]].lower().rstrip(".") in HONORIFICS:
        words.pop(0)
    if not words:
        return "", start, start
    return " ".join(text[a:b] for a, b in words), words[0][0], words[-1][1]
