"""Turn the model's raw text into a checked Answer.

- ``[n]`` markers must name a passage that was in the prompt (numbered from 1); others are
  dropped (and noted). Citations keep the prompt's numbers, listed in order of first use.
- Words in quotation marks are looked up in the passages: verbatim → verified (and cited);
  nearly verbatim → repaired to the source's exact words; otherwise marked as unverified.
- An answer with no citation gets the passage(s) that best match its sentences, marked as
  inferred, and a note saying so.
- An answer that declines (the abstain wording, or a plain paraphrase of it) is an abstention.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from rag.lexicon import ABSTAIN_MATCH_MIN_SCORE, NEAR_VERBATIM_MIN_SCORE
from rag.text.normalise import normalise, tokenize
from rag.text.quotations import MIN_QUOTE_CHARS, Quoted, quoted_spans, strip_edges
from rag.text.sentences import split_sentences
from rag.types import Answer, Citation, Passage, QuoteCheck

log = logging.getLogger(__name__)

Span = tuple[int, int]

MARKER = re.compile(
    r"\[\s*(?:passages?\s*|source\s*)?(\d+(?:\s*(?:,|;|and|-|–)\s*\d+)*)\s*\]", re.IGNORECASE
)
_DECLINE = re.compile(
    r"\b(?:do(?:es)?\s*n[o']t|do(?:es)? not|did not|didn't|cannot|can't|can not)\s+"
    r"(?:say|mention|state|specify|provide|contain|include|answer|tell|indicate|know)"
    r"|\bno (?:information|mention|answer|passage)\b|\bnot (?:mentioned|stated|specified|"
    r"provided|found|available)\b",
    re.IGNORECASE,
)
UNVERIFIED_MARK = " [unverified quote: not found in the sources]"
INFER_MIN_OVERLAP = 0.34


@dataclass
class _Source:
    """A passage as citable text: the context before it plus the chunk itself."""

    n: int
    passage: Passage
    text: str
    start: int  # article offset of text[0]
    norm: str
    where: list[int]

    @classmethod
    def of(cls, n: int, p: Passage) -> _Source:
        gap = p.chunk.start - p.context_start
        text = p.context_before + p.chunk.text if len(p.context_before) == gap else p.chunk.text
        start = p.context_start if len(p.context_before) == gap else p.chunk.start
        norm, where = normalise(text)
        return cls(n, p, text, start, norm, where)

    def find(self, quote_norm: str) -> tuple[int, int] | None:
        """Article offsets of the normalised quote in this source, if present verbatim."""
        i = self.norm.find(quote_norm)
        if i < 0:
            return None
        return self.start + self.where[i], self.start + self.where[i + len(quote_norm) - 1] + 1


def find_quotes(text: str) -> list[Quoted]:
    """Quotations in ``text`` long enough to check, in order (inner text offsets)."""
    return quoted_spans(text, MIN_QUOTE_CHARS)


def is_abstention(raw: str, abstain_phrase: str) -> bool:
    """True when the model declined: its abstain wording, or a plain 'the articles don't say'."""
    text = raw.strip()
    if not text:
        return True
    head = normalise(text[:200])[0]
    phrase = normalise(abstain_phrase)[0].strip(" .")
    if phrase and (
        phrase in head
        or fuzz.partial_ratio(phrase, head[: len(phrase) + 20]) >= ABSTAIN_MATCH_MIN_SCORE
    ):
        return True
    first = text[: split_sentences(text)[0][1]] if split_sentences(text) else text
    return bool(_DECLINE.search(first)) and not MARKER.search(first)


def build_answer(
    question: str,
    raw: str,
    passages: Sequence[Passage],
    *,
    abstain_phrase: str,
    abstain_text: str,
) -> Answer:
    """The checked Answer for the model's ``raw`` text about ``passages``."""
    notes: list[str] = []
    text = raw.strip()
    if not passages or is_abstention(text, abstain_phrase):
        return Answer(question=question, text=abstain_text, abstained=True, passages=list(passages))
    sources = [_Source.of(n, p) for n, p in enumerate(passages, 1)]
    text, quotes = _check_quotes(text, sources, notes)
    text, order = _validate_markers(text, len(passages), notes)
    inferred = False
    if not order:
        text, order = _infer_citations(text, sources)
        inferred = bool(order)
        if inferred:
            numbers = " ".join(f"[{n}]" for n in order)
            notes.append(
                f"The model gave no citations; attached {numbers} by matching the "
                "answer's sentences to the passages."
            )
        else:
            notes.append("The model gave no citations and no passage matches the answer.")
    citations = [citation_for(n, sources[n - 1].passage, inferred) for n in order]
    for c in citations:
        # A quote found in the text just before the passage: widen the span to include it.
        source = sources[c.n - 1]
        if any(q.citation == c.n and q.start is not None and q.start < c.start for q in quotes):
            c.start, c.quote = source.start, source.text
    return Answer(
        question=question,
        text=text,
        citations=citations,
        quotes=quotes,
        notes=notes,
        passages=list(passages),
    )


def citation_for(n: int, p: Passage, inferred: bool) -> Citation:
    return Citation(
        n=n,
        article_id=p.chunk.article_id,
        title=p.title,
        start=p.chunk.start,
        end=p.chunk.end,
        quote=p.chunk.text,
        source=p.source,
        date=p.date,
        url=p.url,
        inferred=inferred,
    )


def _check_quotes(
    text: str, sources: list[_Source], notes: list[str]
) -> tuple[str, list[QuoteCheck]]:
    """Verify, repair or mark every quotation; cite the passage that holds it."""
    cited = {int(n) for m in MARKER.finditer(text) for n in re.findall(r"\d+", m.group(1))}
    checks: list[QuoteCheck] = []
    # Work from the end so earlier offsets stay valid while the text changes.
    for q in reversed(find_quotes(text)):
        core = strip_edges(q.text)
        core_norm = normalise(core)[0]
        lead = q.text.index(core) if core in q.text else 0
        a, b = q.start + lead, q.start + lead + len(core)
        parts = [p for p in re.split(r"\s*(?:\.\.\.|…)\s*", core_norm) if p]
        hit = _find_verbatim(parts, sources, cited)
        if hit is not None:
            source, (qa, qb) = hit
            exact = source.text[qa - source.start : qb - source.start] if len(parts) == 1 else core
            text = text[:a] + exact + text[b:]  # same words; the source's case and marks
            checks.append(_found(exact, core, "verified", source, (qa, qb)))
        else:
            repaired = _repair(core_norm, sources, cited)
            if repaired is not None:
                source, (qa, qb) = repaired
                exact = source.text[qa - source.start : qb - source.start]
                text = text[:a] + exact + text[b:]
                checks.append(_found(exact, core, "repaired", source, (qa, qb)))
                notes.append(f"Quote repaired to the source's exact words: “{exact}”.")
            else:
                close = _closing_quote_end(text, q.end)
                text = text[:close] + UNVERIFIED_MARK + text[close:]
                checks.append(QuoteCheck(text=core, original=core, status="unverified"))
                notes.append(f"Not found in the sources, shown as unverified: “{core}”.")
                continue
        if source.n not in cited:
            close = _closing_quote_end(text, q.end + (len(checks[-1].text) - len(core)))
            text = text[:close] + f" [{source.n}]" + text[close:]
            cited.add(source.n)
    checks.reverse()
    return text, checks


def _closing_quote_end(text: str, inner_end: int) -> int:
    """Offset just after the closing quotation mark that follows ``inner_end``."""
    end = inner_end
    while end < len(text) and text[end] in "”\"'’":
        end += 1
    return end


def _find_verbatim(
    parts: list[str], sources: list[_Source], cited: set[int]
) -> tuple[_Source, tuple[int, int]] | None:
    """The source holding every part of the quote verbatim (cited ones first), and the
    article span from the first part's start to the last part's end."""
    hits: list[tuple[bool, bool, int, _Source, tuple[int, int]]] = []
    for source in sources:
        spans = [source.find(p) for p in parts]
        if parts and all(span is not None for span in spans):
            span = (spans[0][0], spans[-1][1])  # type: ignore[index]
            in_context = span[0] < source.passage.chunk.start
            hits.append((source.n not in cited, in_context, source.n, source, span))
    if not hits:
        return None
    # Prefer a cited passage, then one whose own text (not its context) holds the words.
    _, _, _, source, span = min(hits, key=lambda h: h[:3])
    return source, span


def _found(
    exact: str, core: str, status: Literal["verified", "repaired"], source: _Source, span: Span
) -> QuoteCheck:
    """A quote found in ``source`` at article offsets ``span``."""
    return QuoteCheck(
        text=exact,
        original=core,
        status=status,
        citation=source.n,
        article_id=source.passage.article_id,
        start=span[0],
        end=span[1],
    )


def _repair(
    core_norm: str, sources: list[_Source], cited: set[int]
) -> tuple[_Source, tuple[int, int]] | None:
    """The source span of a nearly verbatim quote (≥ 90 % alignment), in article offsets."""
    if len(core_norm) < 12:
        return None
    best: tuple[float, _Source, int, int] | None = None
    for source in sorted(sources, key=lambda s: (s.n not in cited, s.n)):
        al = fuzz.partial_ratio_alignment(core_norm, source.norm)
        if al is None or al.score < NEAR_VERBATIM_MIN_SCORE:
            continue
        length = al.dest_end - al.dest_start
        if not 0.8 * len(core_norm) <= length <= 1.25 * len(core_norm):
            continue
        if best is None or al.score > best[0]:
            best = (al.score, source, al.dest_start, al.dest_end)
    if best is None:
        return None
    _, source, ds, de = best
    a = source.where[ds]
    b = source.where[de - 1] + 1
    # Widen to whole words, then drop outer punctuation.
    while a > 0 and source.text[a - 1].isalnum():
        a -= 1
    while b < len(source.text) and source.text[b].isalnum():
        b += 1
    exact = source.text[a:b]
    core = strip_edges(exact)
    if not core:
        return None
    a += exact.index(core)
    return source, (source.start + a, source.start + a + len(core))


def _validate_markers(text: str, n_passages: int, notes: list[str]) -> tuple[str, list[int]]:
    """Keep markers that name a passage of the prompt, in the form [n]; drop the rest.
    Returns the text and the cited passage numbers in order of first use."""
    order: list[int] = []
    dropped: list[int] = []

    def numbers(group: str) -> list[int]:
        out: list[int] = []
        for a, sep, b in re.findall(r"(\d+)(?:\s*([-–])\s*(\d+))?", group):
            lo = int(a)
            hi = int(b) if sep and b and 0 <= int(b) - lo < 10 else lo
            out.extend(range(lo, hi + 1))
        return out

    def replace(m: re.Match[str]) -> str:
        kept: list[int] = []
        for n in numbers(m.group(1)):
            if 1 <= n <= n_passages:
                kept.append(n)
                if n not in order:
                    order.append(n)
            else:
                dropped.append(n)
        return "".join(f"[{k}]" for k in dict.fromkeys(kept))

    text = MARKER.sub(replace, text)
    if dropped:
        text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
        text = re.sub(r"[ \t]{2,}", " ", text).strip()
        log.warning("dropped citation markers with no passage: %s", dropped)
        notes.append(
            "Dropped citation(s) "
            + ", ".join(f"[{n}]" for n in dict.fromkeys(dropped))
            + ": no such passage."
        )
    return text, order


def _infer_citations(text: str, sources: list[_Source]) -> tuple[str, list[int]]:
    """Attach the best-matching passage to each answer sentence that some passage supports."""
    source_tokens = [set(tokenize(s.text)) for s in sources]
    order: list[int] = []
    pieces: list[str] = []
    cursor = 0
    for a, b in split_sentences(text):
        tokens = set(tokenize(text[a:b]))
        if not tokens:
            continue
        overlaps = [len(tokens & st) / len(tokens) for st in source_tokens]
        best = max(range(len(sources)), key=lambda i: overlaps[i])
        if overlaps[best] < INFER_MIN_OVERLAP:
            continue
        n = sources[best].n
        if n not in order:
            order.append(n)
        end = b
        while end > a and text[end - 1] in ".!?":
            end -= 1
        pieces.append(text[cursor:end] + f" [{n}]")
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), order
