"""How well the ledger's rows match the gold attributions: speaker, cue and quote span, each
scored exact and by overlap, as precision, recall and F1.

A gold attribution is one annotated event of a who_said / who_said_indirect case: its source,
cue and content texts, found as whole words inside the case's evidence paragraph. A ledger row is
matched to the gold attribution whose content its quote overlaps.

- recall: the share of gold attributions whose matched row gets the part right;
- precision: the share of rows inside annotated paragraphs that get it right. The gold sets
  keep only attributions whose answer is backed by the annotation, so a row for an
  attribution left out of the set counts against precision: read it as a lower bound.

The published PolNeAR figure (CofeNet, COLING 2022: speaker span F1 83.2, exact match, rule
baselines 11–14) is token tagging on the full annotation; ours is per attribution on the kept
cases. They are shown side by side, not as the same measure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.backends.store import Index
from rag.evaluation.eval import Case
from rag.text.normalise import words
from rag.text.quotations import inner_span
from rag.types import Quote

PUBLISHED = {
    "CofeNet (COLING 2022), speaker span F1, exact": 83.2,
    "rule baselines in that paper, speaker span F1": "11–14",
}
Span = tuple[int, int]


@dataclass(frozen=True)
class GoldAttribution:
    """An annotated attribution, as article offsets (``None`` when its text was not found)."""

    article_id: str
    paragraph: Span
    content: Span
    source: Span | None
    cue: Span | None


def gold_attributions(cases: Sequence[Case], texts: dict[str, str]) -> list[GoldAttribution]:
    """One per annotated event of the who-said cases whose article is in ``texts``."""
    seen: set[tuple[str, str]] = set()
    out: list[GoldAttribution] = []
    for case in cases:
        gold = case.gold
        key = (case.article_id, str(gold.get("event_id", case.id)))
        text = texts.get(case.article_id)
        if (
            case.type not in ("who_said", "who_said_indirect")
            or not case.evidence_spans
            or text is None
            or key in seen
        ):
            continue
        seen.add(key)
        paragraph = (case.evidence_spans[0][0], case.evidence_spans[-1][1])
        content = _find(text, str(gold.get("content", "")), paragraph)
        if content is None:
            continue
        content = inner_span(text, content)
        out.append(
            GoldAttribution(
                case.article_id,
                paragraph,
                content,
                _find(text, str(gold.get("source", "")), paragraph, content),
                _find(text, str(gold.get("cue", "")), paragraph, content),
            )
        )
    return out


def _find(text: str, piece: str, paragraph: Span, near: Span | None = None) -> Span | None:
    """Where ``piece`` is written as whole words inside the paragraph (the occurrence nearest
    ``near`` when given: "he" next to the quote, not the one inside "The"), or ``None``."""
    piece = piece.strip()
    if not piece:
        return None
    edge = (r"\b" if piece[:1].isalnum() else "", r"\b" if piece[-1:].isalnum() else "")
    pattern = re.compile(edge[0] + re.escape(piece) + edge[1])
    found = [m.span() for m in pattern.finditer(text, paragraph[0], paragraph[1])]
    if not found:
        return None
    if near is None:
        return found[0]
    return min(found, key=lambda s: abs(s[0] - near[0]) if s[0] < near[0] else abs(s[0] - near[1]))


def _overlaps(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _same(text: str, a: Span | None, b: Span | None) -> bool:
    """The two spans hold the same words (marks, case and spacing aside)."""
    return a is not None and b is not None and words(text[a[0] : a[1]]) == words(text[b[0] : b[1]])


def _parts(text: str, row: Quote) -> dict[str, Span | None]:
    """Where the row's quote, speaker (as its sentence writes them: "he", "a spokesman") and
    cue are, nearest the quote within the row's sentences."""
    sentences, quote = (row.span_start, row.span_end), (row.start, row.end)
    speaker = _find(text, row.speaker_mention, sentences, quote)
    if speaker is None and row.speaker_end > row.speaker_start:
        speaker = (row.speaker_start, row.speaker_end)
    return {"quote": quote, "speaker": speaker, "cue": _find(text, row.cue, sentences, quote)}


def extraction_f1(index: Index, cases: Sequence[Case]) -> dict[str, dict[str, float | int]]:
    """Precision, recall and F1 of the ledger's quote spans, speakers and cues, exact and by
    overlap, against the gold attributions of ``cases``."""
    texts = {
        aid: a.text for aid, a in index.get_articles(sorted({c.article_id for c in cases})).items()
    }
    gold = gold_attributions(cases, texts)
    rows: dict[str, list[Quote]] = {}
    for quote, _ in index.iter_quotes(sorted(texts)):
        rows.setdefault(quote.article_id, []).append(quote)
    right_gold = {
        f"{part}_{how}": 0 for part in ("quote", "speaker", "cue") for how in ("exact", "overlap")
    }
    right_rows = dict(right_gold)
    in_paragraphs = 0
    for g in gold:
        text = texts[g.article_id]
        matched = [r for r in rows.get(g.article_id, []) if _overlaps((r.start, r.end), g.content)]
        wanted = {"quote": g.content, "speaker": g.source, "cue": g.cue}
        for part, target in wanted.items():
            got = [_parts(text, r)[part] for r in matched]
            right_gold[f"{part}_exact"] += any(_same(text, s, target) for s in got)
            right_gold[f"{part}_overlap"] += any(_overlaps(s, target) for s in got)
    for aid, article_rows in rows.items():
        text = texts[aid]
        golds = [g for g in gold if g.article_id == aid]
        for r in article_rows:
            near = [g for g in golds if _overlaps((r.span_start, r.span_end), g.paragraph)]
            if not near:
                continue
            in_paragraphs += 1
            parts = _parts(text, r)
            over = [g for g in near if _overlaps((r.start, r.end), g.content)]
            for part in ("quote", "speaker", "cue"):
                targets = [
                    {"quote": g.content, "speaker": g.source, "cue": g.cue}[part] for g in over
                ]
                right_rows[f"{part}_exact"] += any(_same(text, parts[part], t) for t in targets)
                right_rows[f"{part}_overlap"] += any(_overlaps(parts[part], t) for t in targets)
    out: dict[str, dict[str, float | int]] = {}
    for key in right_gold:
        recall = right_gold[key] / len(gold) if gold else 0.0
        precision = right_rows[key] / in_paragraphs if in_paragraphs else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[key] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    out["counts"] = {"gold": len(gold), "rows_in_annotated_paragraphs": in_paragraphs}
    return out
