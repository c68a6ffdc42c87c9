"""The page's presentation helpers: escaping, clickable markers, highlights."""

from __future__ import annotations

from dataclasses import replace

import httpx
import openai
import pytest

from rag.errors import LLMError
from rag.types import Answer, Article, Citation, LLMFailure, LLMStatus, QuoteCheck, Unsupported
from rag.ui import render

TEXT = "Title line\nThe minister said “we will win” on Monday.\nA second paragraph.\n"
ARTICLE = Article(id="a1", title="Title <b>line</b>", text=TEXT, source="Daily", date="2025-01-02")
START = TEXT.index("The minister")
END = TEXT.index("\nA second")
CITATION = Citation(
    n=1,
    article_id="a1",
    title=ARTICLE.title,
    start=START,
    end=END,
    quote=TEXT[START:END],
    source="Daily",
    date="2025-01-02",
    speaker="Ann Lee",
    speaker_role="minister",
    cue="said",
    kind="direct",
)


def answer(text: str, **kw) -> Answer:
    return Answer(question="q", text=text, citations=[CITATION], **kw)


def test_markers_become_links_to_their_sources_and_unknown_ones_stay_text() -> None:
    out = render.answer_html(answer("Ann Lee said it [1]. Also [7]."), turn=3)
    assert '<a class="cite" href="#cite-3-1"' in out
    assert "[7]" in out and 'href="#cite-3-7"' not in out


def test_answer_text_cannot_inject_markup() -> None:
    out = render.answer_html(answer('<script>alert(1)</script><img src=x onerror="x()"> [1]'), 0)
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out


def test_sources_panel_highlights_the_quote_inside_its_paragraph() -> None:
    q_start = TEXT.index("we will win")
    a = answer(
        "Ann Lee said “we will win” [1].",
        quotes=[
            QuoteCheck(
                text="we will win",
                original="we will win",
                status="verified",
                citation=1,
                article_id="a1",
                start=q_start,
                end=q_start + len("we will win"),
            )
        ],
    )
    out = render.sources_html(a, 2, {"a1": ARTICLE})
    assert 'id="cite-2-1"' in out
    assert '<mark title="quoted in the answer">we will win</mark>' in out
    assert "The minister said “" in out and "A second paragraph" not in out
    assert "Title &lt;b&gt;line&lt;/b&gt;" in out  # titles are escaped too
    assert "<b>Ann Lee</b>, minister — said" in out and ">direct<" in out


def test_article_text_with_script_stays_inert() -> None:
    hostile = Article(
        id="h",
        title="<script>x()</script>",
        text="<script>alert('x')</script>\n<style>body{display:none}</style> “Hi,” she said.\n",
    )
    out = render.article_html(hostile, [])
    assert "<script" not in out and "<style" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out


def test_abstention_and_llm_errors_are_labelled() -> None:
    abstained = Answer(question="q", text="Nothing relevant was found.", abstained=True)
    assert '<div class="badge abstained">The articles do not say</div>' in render.answer_html(
        abstained, 0
    )
    withheld = Answer(question="q", text="Not shown.", abstained=True, withheld=True)
    out = render.answer_html(withheld, 0)
    assert "Answer withheld" in out and "The articles do not say" not in out
    answered = Answer(question="q", text="Barrot said it.")
    assert "badge" not in render.answer_html(answered, 0)
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    for exc, label in (
        (openai.APIConnectionError(request=request), "LLM endpoint unreachable"),
        (openai.APITimeoutError(request=request), "LLM endpoint timed out"),
        (LLMError("the server died"), "The language model failed"),
    ):
        error = LLMFailure.of(exc)
        down = Answer(question="q", text="The language model did not answer.", error=error)
        assert f'<div class="badge error">{label} — ' in render.answer_html(down, 0)


def test_highlight_skips_overlaps_and_clips_to_the_range() -> None:
    out = render.highlight("abcdefghij", 2, 8, [(0, 4, "a"), (3, 5, "b"), (6, 20, "c")])
    assert out == '<mark title="a">cd</mark>ef<mark title="c">gh</mark>'


STARTING_LINE = "⏳ The model server is starting in the background; you can already type."


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (LLMStatus(state="ready"), ""),
        (LLMStatus(state="starting"), STARTING_LINE),
        (LLMStatus(), STARTING_LINE),
        (  # escaped
            LLMStatus(state="error", detail="<b>port</b> busy"),
            "unavailable: &lt;b&gt;port&lt;/b&gt; busy",
        ),
    ],
)
def test_the_status_line_says_what_the_model_is_doing(state: LLMStatus, shown: str) -> None:
    from types import SimpleNamespace

    from rag.ui.app import _status_line

    line = _status_line(SimpleNamespace(llm_status=state))  # type: ignore[arg-type]
    assert line.endswith(shown) and (shown or line == "")
    assert state.state == "ready" or line.startswith(("⏳", "⚠"))


def test_what_the_claim_check_removed_is_noted_discreetly_and_escaped() -> None:
    removed = Unsupported(
        kind="description",
        text="the <b>former</b> mayor",
        sentence="Ann Lee, the former mayor, said it.",
        action="dropped",
    )
    out = render.answer_html(answer("Ann Lee said it [1].", unsupported=[removed]), 0)
    assert '<div class="note removed">removed: not in the articles — “the &lt;b&gt;' in out
    assert "<b>former</b>" not in out


def test_a_speaker_named_outside_the_cited_span_is_shown_with_its_offsets() -> None:
    where = TEXT.index("Title")
    named = CITATION.model_copy(
        update={"speaker_start": where, "speaker_end": where + 5, "speaker_text": "Title"}
    )
    out = render.sources_html(Answer(question="q", text="x [1]", citations=[named]), 0, {})
    assert "names the speaker as “Title” (chars 0–5)" in out
    inside = CITATION.model_copy(
        update={"speaker_start": START, "speaker_end": START + 3, "speaker_text": "The"}
    )
    assert "names the speaker" not in render.sources_html(
        Answer(question="q", text="x [1]", citations=[inside]), 0, {}
    )


def test_a_check_verdict_is_labelled_with_its_closeness_and_what_was_searched() -> None:
    from rag.answer.check import CheckEvidence, QuoteVerdict
    from rag.ledger.read import LedgerRow
    from rag.text.wording import compare_wording
    from rag.types import Quote

    a = TEXT.index("we will win")
    quote = Quote(article_id="a1", speaker="Ann Lee", quote="we will win", start=a, end=a + 11)
    row = LedgerRow(quote, ARTICLE.title, "we will win", frozenset({"win"}))
    evidence = CheckEvidence(row, compare_wording("we shall <win>", "we will win"), 0.81)
    verdict = QuoteVerdict("reworded", "we shall <win>", "Lee", (evidence,), 9, 2)
    shown = render.verdict_html(verdict, answer("Not in those words [1]."))
    assert '<div class="verdict reworded">Said in other words</div>' in shown
    turned = CheckEvidence(row, compare_wording("we will lose", "we will win"))
    opposite = QuoteVerdict("reworded", "we will lose", "Lee", (turned,), 9, 2)
    shown_turned = render.verdict_html(opposite, answer("Not in those words [1]."))
    assert '<div class="verdict reworded">Other words, another sense</div>' in shown_turned
    assert "meaning similarity 0.81" in shown and "Searched 9 quotations in 2 article(s)" in shown
    assert f'href="#{render.cite_id(render.CHECK_TURN, 1)}"' in shown
    missing = QuoteVerdict("not_found", "x y z", "", (), 9, 2)
    assert "similarity" not in render.verdict_html(missing, answer("Nothing close."))
    # Every article that prints it, earliest first, escaped.
    from rag.answer.provenance import Carrier

    later = row.quote.model_copy(update={"article_id": "a2", "date": "2026-02-01", "source": "<B>"})
    carried = (
        Carrier(row, ("we", "will", "win"), compare_wording("we will win", "we will win")),
        Carrier(
            LedgerRow(later, "T", "we will win", frozenset({"win"})),
            ("we", "shall", "win"),
            compare_wording("we shall win", "we will win"),
        ),
    )
    shown = render.verdict_html(replace(verdict, carriers=carried), answer("Yes [1]."))
    assert "<b>Printed in 2 article(s) searched, earliest first:</b>" in shown
    later_line = "2026-02-01 · &lt;B&gt; · a2 (Ann Lee): “shall” where the earliest has “will”"
    assert f"<li>{later_line}</li>" in shown
