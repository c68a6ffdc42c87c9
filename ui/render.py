"""HTML for the chat page: answers with clickable citation markers, the sources panel, an
article with its quotes highlighted. Presentation only; every piece of article or model
text is escaped, so nothing in an article can run in the page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence

from rag.answer.check import QuoteVerdict
from rag.answer.check_answer import carrier_lines
from rag.types import Answer, Article, Citation, Quote

_MARKER = re.compile(r"\[(\d+)\]")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def cite_id(turn: int | str, n: int) -> str:
    return f"cite-{turn}-{n}"


def answer_html(answer: Answer, turn: int | str) -> str:
    """The answer text, escaped, with each [n] a link to its source in the panel."""
    known = {c.n for c in answer.citations}

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="cite" href="#{cite_id(turn, n)}" title="Show source {n}">[{n}]</a>'

    body = _MARKER.sub(link, esc(answer.text))
    parts = [f'<div class="answer">{body}</div>']
    if answer.withheld:
        parts.insert(0, '<div class="badge abstained">Answer withheld: not in the articles</div>')
    elif answer.abstained:
        parts.insert(0, '<div class="badge abstained">The articles do not say</div>')
    if answer.error:
        parts.insert(
            0,
            f'<div class="badge error">{answer.error.label} — here are the most '
            "relevant passages</div>",
        )
    if answer.source == "ledger":
        parts.append('<div class="via">From the quote ledger</div>')
    for note in answer.notes:
        parts.append(f'<div class="note">{esc(note)}</div>')
    if answer.unsupported:
        removed = "; ".join(f"“{esc(u.text)}”" for u in answer.unsupported)
        parts.append(f'<div class="note removed">removed: not in the articles — {removed}</div>')
    return "\n".join(parts)


VERDICT_LABELS = {
    "verbatim": "Said, in these words",
    "reworded": "Said in other words",
    "cut": "Cut: the sense changes",
    "misattributed": "Someone else said it",
    "not_found": "Not found",
}
# A reworded claim whose changes turn the sense ('triumph' for 'disaster', a "not" added).
SENSE_TURNED_LABEL = "Other words, another sense"
CHECK_TURN = "check"  # the check's [n] links, apart from the chat turns'


def verdict_html(verdict: QuoteVerdict, answer: Answer) -> str:
    """A quote check: the verdict, the answer composed from it, how close the closest
    quotation is, and what was searched."""
    close = ""
    if verdict.shown and verdict.verdict != "verbatim":
        close = f'<div class="note">{esc(verdict.shown[0].closeness())}</div>'
    lines = carrier_lines(verdict)
    carried = (
        f'<div class="carriers"><b>{esc(lines[0])}</b><ul>'
        + "".join(f"<li>{esc(line)}</li>" for line in lines[1:])
        + "</ul></div>"
        if lines
        else ""
    )
    label = SENSE_TURNED_LABEL if verdict.sense_turned else VERDICT_LABELS[verdict.verdict]
    return (
        f'<div class="verdict {esc(verdict.verdict)}">{esc(label)}</div>'
        f"{answer_html(answer, CHECK_TURN)}{close}{carried}"
        f'<div class="note">Searched {verdict.searched_rows} quotations in '
        f"{verdict.searched_articles} article(s).</div>"
    )


def error_html(message: str) -> str:
    return f'<div class="badge error">⚠ {esc(message)}</div>'


def turn_sources_html(
    question: str, answer: Answer, turn: int, articles: Mapping[str, Article]
) -> str:
    """One turn's sources, headed by the question that was searched."""
    return (
        f'<div class="turn" id="turn-{turn}"><div class="asked">Q{turn + 1}: {esc(question)}'
        f"</div>{sources_html(answer, turn, articles)}</div>"
    )


def streaming_html(text: str) -> str:
    """What the model has written so far (escaped; markers not yet checked)."""
    return f'<div class="answer streaming">{esc(text)}</div>'


def highlight(text: str, start: int, end: int, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text[start:end]`` escaped, with each (a, b, title) span inside it marked."""
    out: list[str] = []
    cursor = start
    for a, b, title in sorted((max(a, start), min(b, end), t) for a, b, t in spans):
        if a >= b or a < cursor:
            continue
        out.append(esc(text[cursor:a]))
        out.append(f'<mark title="{esc(title)}">{esc(text[a:b])}</mark>')
        cursor = b
    out.append(esc(text[cursor:end]))
    return "".join(out)


def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph(s) around text[start:end]."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return a, len(text) if b < 0 else b


def sources_html(answer: Answer, turn: int | str, articles: Mapping[str, Article]) -> str:
    """The cited passages: title, source, date, and the cited span highlighted inside its
    paragraph; ledger citations also show speaker, role, cue and kind."""
    if not answer.citations:
        if answer.abstained and answer.passages:
            return (
                '<div class="sources empty">Nothing cited. Searched: '
                + esc(", ".join(sorted({p.title[:60] for p in answer.passages})))
                + "</div>"
            )
        return '<div class="sources empty">No sources for this answer.</div>'
    blocks = [f'<div class="sources" data-turn="{turn}">']
    for c in answer.citations:
        blocks.append(_source_block(c, turn, articles.get(c.article_id), answer))
    blocks.append("</div>")
    return "\n".join(blocks)


def _source_block(c: Citation, turn: int | str, article: Article | None, answer: Answer) -> str:
    meta = " · ".join(esc(x) for x in (c.source, c.date) if x)
    head = f'<span class="n">[{c.n}]</span> <span class="title">{esc(c.title)}</span>'
    if meta:
        head += f' <span class="meta">{meta}</span>'
    who = ""
    if c.speaker:
        role = _described(c.speaker_role, c.speaker_appositive)
        who = (
            f'<div class="who"><b>{esc(c.speaker)}</b>{role} — {esc(c.cue or "said")} '
            f'<span class="kind">{esc(c.kind)}</span></div>'
        )
    if article is not None and article.text[c.start : c.end] == c.quote:
        a, b = paragraph_bounds(article.text, c.start, c.end)
        quotes = [
            (q.start, q.end, "quoted in the answer")
            for q in answer.quotes
            if q.article_id == c.article_id and q.start is not None and q.end is not None
        ]
        spans = quotes or [(c.start, c.end, "cited span")]
        body = highlight(article.text, a, b, spans)
    else:
        body = f"<mark>{esc(c.quote)}</mark>"
    flag = ' <span class="inferred">attached automatically</span>' if c.inferred else ""
    named = ""
    if c.speaker_text and not (c.start <= (c.speaker_start or 0) < c.end):
        named = (
            f'<div class="named span">The article names the speaker as '
            f"“{esc(c.speaker_text)}” (chars {c.speaker_start}–{c.speaker_end})</div>"
        )
    return (
        f'<details class="source" id="{cite_id(turn, c.n)}" open><summary>{head}{flag}'
        f'</summary>{who}<p class="passage">{body}</p>{named}'
        f'<div class="span">{esc(c.article_id)} · chars {c.start}–{c.end}</div></details>'
    )


def article_html(article: Article, quotes: Sequence[Quote]) -> str:
    """A whole article, its ledger quotes highlighted (hover: who said it)."""
    spans = [(q.start, q.end, f"{q.speaker} — {q.cue or 'said'} ({q.kind})") for q in quotes]
    meta = " · ".join(esc(x) for x in (article.source, article.date, article.author) if x)
    body = highlight(article.text, 0, len(article.text), spans)
    return (
        f'<div class="article"><h3>{esc(article.title)}</h3><div class="meta">{meta}</div>'
        f'<div class="text">{body}</div></div>'
    )


def _described(*descriptions: str) -> str:
    """', role, appositive' after a speaker's name, escaped; '' when there are none."""
    return "".join(f", {esc(d)}" for d in descriptions if d)


def quote_span_html(article: Article, quote: Quote) -> str:
    """One ledger quote inside its paragraph."""
    a, b = paragraph_bounds(article.text, quote.start, quote.end)
    role = _described(quote.speaker_role, quote.speaker_appositive)
    return (
        f'<div class="quote-span"><div class="who"><b>{esc(quote.speaker)}</b>{role} — '
        f'{esc(quote.cue or "said")} <span class="kind">{esc(quote.kind)}</span></div>'
        f'<div class="title">{esc(article.title)}</div>'
        f'<p class="passage">{highlight(article.text, a, b, [(quote.start, quote.end, "")])}'
        f'</p><div class="span">{esc(article.id)} · chars {quote.start}–{quote.end}</div>'
        "</div>"
    )


CSS = """
.answer a.cite { font-weight: 600; text-decoration: none; padding: 0 1px; }
.badge { display: inline-block; font-size: 0.85em; padding: 1px 6px; border-radius: 4px;
         margin-bottom: 4px; }
.badge.abstained { background: #eef; } .badge.error { background: #fee; }
.note, .via { font-size: 0.8em; opacity: 0.75; margin-top: 4px; }
.note.removed { font-style: italic; }
.sources details.source { border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px;
                          margin: 6px 0; }
.sources details.source.flash { outline: 3px solid #f5b700; }
.sources .meta, .article .meta, .span { font-size: 0.8em; opacity: 0.7; }
.sources mark, .article mark, .quote-span mark { background: #fff1a8; }
.kind { font-size: 0.75em; border: 1px solid #ccc; border-radius: 3px; padding: 0 3px; }
.article .text { white-space: pre-wrap; }
#rewritten { font-size: 0.85em; opacity: 0.8; }
.verdict { display: inline-block; font-weight: 600; padding: 2px 8px; border-radius: 4px;
           margin-bottom: 6px; background: #eee; }
.verdict.verbatim { background: #dfd; } .verdict.misattributed, .verdict.cut { background: #fdd; }
.verdict.reworded { background: #ffd; }
.quote-span .title, .turn .asked { font-size: 0.85em; font-style: italic; opacity: 0.75; }
"""

# Clicking a [n] marker opens and scrolls to its source, briefly outlined.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.cite");
  if (!link) return;
  event.preventDefault();
  const id = (link.getAttribute("href") || "").slice(1);
  const target = document.getElementById(id);
  if (!target) return;
  target.open = true;
  target.scrollIntoView({behavior: "smooth", block: "center"});
  target.classList.add("flash");
  setTimeout(() => target.classList.remove("flash"), 2000);
});
</script>
"""
