"""Where the quotations are, the one definition for the whole pipeline.

- ``quoted_spans``: in answers and questions, balanced marks on one line (the pairs in
  ``lexicon.QUOTE_PAIRS``; a single ‘…’ only where it cannot be an apostrophe, and in an
  answer only around a phrase: a single word in single quotes is a term, not a quotation;
  in a question the user's marks are meant, ``single_words``).
- ``article_quotations``: in article text, news style: “…” (closed by ” or, in sloppy copy,
  by " or by a “ after the last word), a “ left open at a paragraph's end that runs on to
  the next paragraph's quotation, "…" and ''…''. Single ‘…’ in an article is a quotation
  inside a quotation, not a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.lexicon import QUOTE_MARKS, QUOTE_PAIRS

# Marks and punctuation around a quotation's words.
EDGE_CHARS = " \t\n.,;:!?…-—–" + QUOTE_MARKS
# Fewer characters than this inside the marks is not a quotation.
MIN_QUOTE_CHARS = 3


@dataclass(frozen=True)
class Quoted:
    """A quotation's inner text and where it is: ``text[start:end]``, marks excluded;
    ``outer`` includes the marks."""

    start: int
    end: int
    text: str
    outer: tuple[int, int]


_SINGLE_PHRASE = re.compile(r"(?<!\w)‘([^’\n]*\s[^’\n]*?)’(?!\w)")
_SINGLE_ANY = re.compile(r"(?<!\w)‘([^’\n]+?)’(?!\w)")


def _pair_pattern(opening: str, closing: str) -> re.Pattern[str]:
    if opening == "‘":
        return _SINGLE_PHRASE
    o, c = re.escape(opening), re.escape(closing)
    body = r"[^'\n]" if closing == "''" else f"[^{c}\\n]"
    return re.compile(f"{o}({body}+?){c}")


_PATTERNS = [_pair_pattern(o, c) for o, c in QUOTE_PAIRS]
# Around a quotation's words in an article, and the marks that close one.
_ARTICLE_MARKS = "“”\"' "
_CLOSING = "”\"'"
# A “ typed for ” closes a quotation when it follows a word and no word follows it ('the
# best in the world“ and').
_ARTICLE_QUOTE = re.compile(
    r"“[^“”\"]*(?:[”\"]|(?<=\w)“(?![\w“]))|“[^“”\"\n]*(?=\n)|\"[^\"\n“”]*[\"”]|"
    r"''[^'\n](?:[^'\n]|'(?!'))*''"
)


def strip_edges(text: str) -> str:
    """The quotation's words without the marks and punctuation around them."""
    return text.strip(EDGE_CHARS)


def quoted_spans(text: str, min_chars: int = 1, single_words: bool = False) -> list[Quoted]:
    """Quotations in an answer or a question, in order, without overlaps; ``min_chars``: the
    fewest characters of words inside the marks; ``single_words``: a single word in single
    quotes counts too (questions)."""
    found: list[Quoted] = []
    taken: list[tuple[int, int]] = []
    patterns = [_SINGLE_ANY if p is _SINGLE_PHRASE and single_words else p for p in _PATTERNS]
    for pattern in patterns:
        for m in pattern.finditer(text):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken) or len(strip_edges(m.group(1))) < min_chars:
                continue
            taken.append((a, b))
            found.append(Quoted(m.start(1), m.end(1), m.group(1), (a, b)))
    return sorted(found, key=lambda q: q.start)


def without_quotations(text: str, fill: str = " ", single_words: bool = False) -> str:
    """``text`` with every quotation (marks included) replaced by ``fill``."""
    out, last = [], 0
    for q in quoted_spans(text, single_words=single_words):
        a, b = q.outer
        out.append(text[last:a])
        out.append(fill)
        last = b
    out.append(text[last:])
    return "".join(out)


def article_quotations(text: str) -> list[tuple[int, int]]:
    """Spans of the quotations in article text, marks included."""
    spans: list[tuple[int, int]] = []
    for m in _ARTICLE_QUOTE.finditer(text):
        start, end = m.span()
        if spans and _runs_on(text, spans[-1], start):
            spans[-1] = (spans[-1][0], end)
            continue
        spans.append((start, end))
    return [s for s in spans if len(text[slice(*inner_span(text, s))].strip()) >= MIN_QUOTE_CHARS]


def article_quotation_rule() -> str:
    """What decides a quotation in article text, for the extractor's version check."""
    return f"{_ARTICLE_QUOTE.pattern}|{MIN_QUOTE_CHARS}|{_ARTICLE_MARKS}|{_CLOSING}"


def inner_span(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The words of the quotation at ``span``, without its marks and outer spaces."""
    a, b = span
    while a < b and text[a] in _ARTICLE_MARKS:
        a += 1
    while b > a and text[b - 1] in _ARTICLE_MARKS + "\n":
        b -= 1
    return a, b


def _runs_on(text: str, previous: tuple[int, int], start: int) -> bool:
    """True when ``previous`` is an unclosed “ quote and the next paragraph opens with “."""
    last = text[previous[1] - 1 : previous[1]]
    if last in _CLOSING or (last == "“" and previous[1] - previous[0] > 1):
        return False  # closed, by a closing mark or by a “ typed for one
    between = text[previous[1] : start]
    return "\n" in between and not between.strip()
