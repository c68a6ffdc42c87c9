"""Sentences and paragraphs of article or answer text, as (start, end) offsets."""

from __future__ import annotations

import re

from rag.lexicon import ABBREVIATIONS
from rag.text.quotations import MIN_QUOTE_CHARS, quoted_spans

# End of sentence: . ! ? or … then closing quotes/brackets, then space(s).
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_TERMINAL = re.compile(r"[.!?…:;\"'”’)\]]\s*$")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) inside ``text[start:end]``, trimmed of outer whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if _is_abbreviation(text, match.start()) or not _next_starts_sentence(text, stop, end):
            continue
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    return [s for s in (trim(text, a, b) for a, b in spans) if s[0] < s[1]]


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot]
    if not word:
        return False
    # Initials ("J. Smith") and dotted abbreviations ("U.S.") are not sentence ends.
    initial = len(word) == 1 and word.isupper()
    return word.lower() in ABBREVIATIONS or initial or ("." in word and len(word) <= 5)


def _next_starts_sentence(text: str, pos: int, end: int) -> bool:
    while pos < end and text[pos].isspace():
        pos += 1
    if pos >= end:
        return True
    ch = text[pos]
    return ch.isupper() or ch.isdigit() or ch in "\"'“‘([—-"


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: one per line, with wrapped lines and headings joined to what follows."""
    lines = [m.span() for m in re.finditer(r"[^\n]+", text)]
    lines = [s for s in (trim(text, a, b) for a, b in lines) if s[0] < s[1]]
    paragraphs: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None  # a heading or a wrapped line waiting for more
    for start, end in lines:
        if pending is not None:
            start = pending[0]
            pending = None
        line = text[start:end]
        if not _TERMINAL.search(line):  # a heading, or a line wrapped mid-sentence
            pending = (start, end)
            continue
        paragraphs.append((start, end))
    if pending is not None:
        paragraphs.append(pending)
    return paragraphs


def answer_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of an answer: a quotation is never split, and the [n] markers after a
    sentence's end belong to it."""
    quoted = [(q.start, q.end) for q in quoted_spans(text, MIN_QUOTE_CHARS)]
    spans: list[tuple[int, int]] = []
    for a, b in split_sentences(text):
        if spans and any(x < a <= y for x, y in quoted):  # the cut fell inside a quotation
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        lead = re.match(r"(?:\[\d+\]\s*)+", text[a:b])
        if lead and out:
            cut = a + len(lead.group(0).rstrip())
            out[-1] = (out[-1][0], cut)
            a = a + len(lead.group(0))
        if a < b:
            out.append((a, b))
    return out
