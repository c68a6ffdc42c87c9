"""The Gradio page: chat with streamed, cited answers; Check a quote; Articles; Speakers;
Settings.

Presentation only: every question, ingest and lookup goes through ``rag.api.Engine``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from rag.answer.conversation import Turn
from rag.api import Engine
from rag.errors import RagError
from rag.ingest.feeds import PollResult
from rag.ingest.pipeline import IngestReport, is_url
from rag.types import Answer, AnswerDelta, Quote
from rag.ui import render

log = logging.getLogger(__name__)

ARTICLE_COLUMNS = ["id", "title", "source", "date", "chunks", "quotes"]
SPEAKER_COLUMNS = ["speaker", "quotes", "articles", "roles"]
QUOTE_COLUMNS = ["date", "outlet", "quote", "article", "cue", "kind", "chars"]
FEED_COLUMNS = ["feed", "kind", "last poll", "new", "total", "status"]
POLL_EVERY = 15 * 60.0  # the page polls on request; this sets when `rag watch` polls next
WEB_OFF = (
    "Adding from the web is off: the page would fetch URLs for anyone who can open it. "
    "Start it with `RAG_UI_AUTH=user:password` to turn it on, or use `rag ingest URL` and "
    "`rag feeds add URL`."
)
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"]
STARTING = (
    "The model server is starting… (the first start loads 1.1 GB; about 10–20 s). "
    "Your question is queued."
)


def build_app(engine: Engine) -> gr.Blocks:
    """The Blocks app over ``engine``."""
    web_enabled = engine.settings.ui_auth is not None
    with gr.Blocks(title="Who said what — news Q&A") as app:
        turns = gr.State([])
        source_blocks = gr.State([])
        selected_article = gr.State("")
        gr.Markdown(
            "## Who said what\nAsk about the indexed news articles. Every `[n]` opens "
            "the exact passage it cites."
        )
        with gr.Tab("Chat"), gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="Answers",
                    height=520,
                    elem_id="chat",
                    buttons=["copy"],
                    feedback_options=None,
                )
                rewritten = gr.Markdown("", elem_id="rewritten")
                question = gr.Textbox(
                    placeholder='Who said "Peace cannot mean capitulation"?',
                    show_label=False,
                    elem_id="question",
                    submit_btn=True,
                )
                status = gr.Markdown("", elem_id="status")
            with gr.Column(scale=2):
                sources = gr.HTML(
                    '<div class="sources empty">Sources appear here.</div>',
                    elem_id="sources",
                    label="Sources",
                )
        with gr.Tab("Check a quote"):
            with gr.Row():
                claim = gr.Textbox(
                    label="Quotation",
                    placeholder="Peace can never mean surrender",
                    elem_id="check-claim",
                    scale=3,
                )
                claimed_by = gr.Textbox(
                    label="Said by (optional)", placeholder="Barrot", elem_id="check-speaker"
                )
            run_check = gr.Button("Check", variant="primary", elem_id="check-run")
            with gr.Row():
                with gr.Column(scale=3):
                    verdict_view = gr.HTML("", elem_id="check-verdict")
                    verdict_json = gr.JSON(
                        label="As `rag check --json` prints it",
                        elem_id="check-json",
                        buttons=["copy"],
                    )
                with gr.Column(scale=2):
                    check_sources = gr.HTML("", elem_id="check-sources")
        with gr.Tab("Articles"):
            with gr.Row():
                search = gr.Textbox(
                    placeholder="Filter by title, id or source",
                    show_label=False,
                    scale=3,
                    elem_id="article-search",
                )
                refresh = gr.Button("Refresh", scale=1)
            articles = gr.Dataframe(
                headers=ARTICLE_COLUMNS, interactive=False, elem_id="articles", wrap=True
            )
            with gr.Row():
                remove = gr.Button(
                    "Remove the selected article", variant="stop", scale=1, elem_id="remove"
                )
                removed = gr.Markdown("", elem_id="removed")
            article_view = gr.HTML("", elem_id="article-view")
            upload = gr.File(
                label="Add articles",
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                elem_id="upload",
            )
            ingest = gr.Button("Index the uploaded files", variant="primary", elem_id="ingest")
            ingest_report = gr.Markdown("", elem_id="ingest-report")
            with gr.Accordion("Add from URL / feed", open=web_enabled, elem_id="web"):
                web_url = gr.Textbox(
                    placeholder="https://… a news page, an RSS/Atom feed or a sitemap",
                    show_label=False,
                    interactive=web_enabled,
                    elem_id="web-url",
                )
                with gr.Row():
                    add_page = gr.Button(
                        "Index the page", interactive=web_enabled, elem_id="add-page"
                    )
                    add_feed = gr.Button(
                        "Follow as a feed", interactive=web_enabled, elem_id="add-feed"
                    )
                    poll = gr.Button("Poll the feeds now", interactive=web_enabled, elem_id="poll")
                web_report = gr.Markdown("" if web_enabled else WEB_OFF, elem_id="web-report")
                feeds = gr.Dataframe(
                    headers=FEED_COLUMNS, interactive=False, elem_id="feeds", wrap=True
                )
        with gr.Tab("Speakers"):
            who = gr.Textbox(placeholder="Filter by name or article id", show_label=False)
            speakers = gr.Dataframe(
                headers=SPEAKER_COLUMNS, interactive=False, elem_id="speakers", wrap=True
            )
            quotes = gr.Dataframe(
                headers=QUOTE_COLUMNS,
                interactive=False,
                elem_id="quotes",
                wrap=True,
                column_widths=["9%", "11%", "40%", "18%", "8%", "7%", "7%"],
            )
            quote_rows = gr.State([])
            quote_view = gr.HTML("", elem_id="quote-view")
        with gr.Tab("Settings"):
            settings_view = gr.Markdown("", elem_id="settings")

        # --- chat -------------------------------------------------------------------
        def respond(message: str, history: list, past: list[Turn], blocks: list[str]) -> Iterator:
            if not message.strip():
                yield history, gr.skip(), gr.skip(), past, blocks, gr.skip()
                return
            history = [
                *history,
                {"role": "user", "content": render.esc(message)},
                {"role": "assistant", "content": ""},
            ]
            waiting = engine.llm_status.state != "ready"
            history[-1]["content"] = render.streaming_html(STARTING if waiting else "…")
            yield history, "", gr.skip(), past, blocks, ""
            try:
                asked, stream = engine.chat(message, past)
                caption = f"Searched for: *{render.esc(asked)}*" if asked != message else ""
                text, answer = "", None
                for chunk in stream:
                    if isinstance(chunk, AnswerDelta):
                        text += chunk.text
                        history[-1]["content"] = render.streaming_html(text)
                        yield history, gr.skip(), caption, past, blocks, gr.skip()
                    elif isinstance(chunk, Answer):
                        answer = chunk
                if answer is None:
                    raise RagError("no answer came back")
            except RagError as e:
                history[-1]["content"] = render.error_html(str(e))
                yield history, gr.skip(), gr.skip(), past, blocks, gr.skip()
                return
            except Exception:
                log.exception("answering %r failed", message)
                history[-1]["content"] = render.error_html(
                    "Something went wrong while answering; the server log has the details."
                )
                yield history, gr.skip(), gr.skip(), past, blocks, gr.skip()
                return
            n = len(past)
            history[-1]["content"] = render.answer_html(answer, n)
            cited = engine.get_articles([c.article_id for c in answer.citations])
            blocks = [render.turn_sources_html(asked, answer, n, cited), *blocks]
            yield history, "".join(blocks), caption, [*past, Turn(asked, answer)], blocks, ""

        question.submit(
            respond,
            [question, chat, turns, source_blocks],
            [chat, sources, rewritten, turns, source_blocks, question],
        )

        # --- quote check ------------------------------------------------------------
        def check(text: str, speaker: str) -> tuple[str, str, Any]:
            if not (text or "").strip():
                return render.error_html("Type or paste the quotation to check."), "", None
            try:
                verdict = engine.check(text, speaker or "")
            except RagError as e:
                return render.error_html(str(e)), "", None
            cited = engine.get_articles(verdict.article_ids)
            answer = engine.check_answer(verdict, cited)
            return (
                render.verdict_html(verdict, answer),
                render.sources_html(answer, render.CHECK_TURN, cited),
                verdict.to_public_dict(),
            )

        for trigger in (run_check.click, claim.submit, claimed_by.submit):
            trigger(check, [claim, claimed_by], [verdict_view, check_sources, verdict_json])

        # --- articles ---------------------------------------------------------------
        def list_articles(query: str | None = "") -> list[list[Any]]:
            q = (query or "").strip().lower()  # an untouched textbox sends None
            return [
                [a.id, a.title, a.source, a.date, a.chunks, a.quotes]
                for a in engine.list_articles()
                if not q or q in f"{a.id} {a.title} {a.source}".lower()
            ]

        def open_article(evt: gr.SelectData, table: Any) -> tuple[str, str]:
            article_id = _row(table, evt)[0]
            article = engine.get_article(article_id)
            return render.article_html(article, engine.quotes(article_id=article_id)), article_id

        def remove_article(article_id: str, query: str) -> tuple[str, list, str, str]:
            if not article_id:
                return "Select an article first.", list_articles(query), gr.skip(), ""
            try:
                engine.remove(article_id)
            except RagError as e:
                return render.esc(str(e)), list_articles(query), gr.skip(), ""
            return f"Removed `{article_id}`.", list_articles(query), "", ""

        def index_uploads(
            files: list[str] | None,
            query: str,
            speaker_query: str,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 (how Gradio finds the bar)
        ) -> tuple[str, list, list]:
            if not files:
                return (
                    "Choose files to upload first.",
                    list_articles(query),
                    list_speakers(speaker_query),
                )

            def step(label: str, done: int, total: int, report: Any) -> None:
                progress(
                    done / max(total, 1),
                    desc=f"{Path(label).name} — {report.chunks} chunks, "
                    f"{len(report.errors)} errors",
                )

            report = engine.ingest([Path(f) for f in files], step)
            return _report_md(report), list_articles(query), list_speakers(speaker_query)

        # --- from the web -----------------------------------------------------------
        def list_feeds() -> list[list[Any]]:
            return [
                [
                    f.url,
                    f.kind,
                    f.last_poll or "never",
                    f.new_items,
                    f.total_items,
                    f"⚠ {f.last_error}" if f.last_error else "ok",
                ]
                for f in engine.feeds()
            ]

        def from_web(action: str, url: str, query: str, speaker_query: str) -> tuple:
            done = (list_feeds(), list_articles(query), list_speakers(speaker_query))
            if not web_enabled:  # the buttons are off too; this is the check that counts
                return (WEB_OFF, *done)
            url = (url or "").strip()
            if action != "poll" and not is_url(url):
                return ("Enter an `http://` or `https://` URL.", *done)
            try:
                if action == "page":
                    message = _report_md(engine.ingest([url]))
                else:
                    if action == "feed":
                        feed = engine.add_feed(url)
                        head = f"Following {feed.kind} `{render.esc(feed.url)}`."
                    else:
                        head = "Polled every feed."
                    polled = engine.poll_feeds(POLL_EVERY, force=action == "poll")
                    message = "\n".join([head, *(_poll_md(r) for r in polled)])
            except RagError as e:
                message = f"⚠ {render.esc(str(e))}"
            except Exception as e:  # say what went wrong, not Gradio's generic "Error"
                log.exception("adding %s from the web failed", url)
                message = f"⚠ Unexpected error: {render.esc(f'{type(e).__name__}: {e}')}"
            return (
                message,
                list_feeds(),
                list_articles(query),
                list_speakers(speaker_query),
            )

        web_outputs = [web_report, feeds, articles, speakers]
        add_page.click(lambda *a: from_web("page", *a), [web_url, search, who], web_outputs)
        add_feed.click(lambda *a: from_web("feed", *a), [web_url, search, who], web_outputs)
        poll.click(lambda *a: from_web("poll", *a), [web_url, search, who], web_outputs)

        search.change(list_articles, search, articles)
        refresh.click(list_articles, search, articles)
        articles.select(open_article, articles, [article_view, selected_article])
        remove.click(
            remove_article,
            [selected_article, search],
            [removed, articles, article_view, selected_article],
        )
        ingest.click(index_uploads, [upload, search, who], [ingest_report, articles, speakers])

        # --- speakers ---------------------------------------------------------------
        def list_speakers(query: str | None = "") -> list[list[Any]]:
            q = (query or "").strip().lower()  # an untouched textbox sends None
            return [
                [
                    s.name,
                    s.quotes,
                    ", ".join(sorted(s.articles)),
                    ", ".join(sorted(r for r in s.roles if r)),
                ]
                for s in engine.speakers()
                if not q or q in s.name.lower() or any(q in a.lower() for a in s.articles)
            ]

        def speaker_quotes(evt: gr.SelectData, table: Any) -> tuple[list, list, str]:
            name = _row(table, evt)[0]  # the person as listed: every name merged into it
            pages = [p for p in engine.speaker(name) if p.speaker.name == name]
            rows = [r.quote for p in pages for r in p.rows]
            data = [
                [r.date, r.source, r.quote, r.article_id, r.cue or "said", r.kind, _chars(r)]
                for r in rows
            ]
            return data, [r.model_dump() for r in rows], ""

        def show_quote(evt: gr.SelectData, rows: list[dict]) -> str:
            quote = Quote(**rows[evt.index[0]])
            return render.quote_span_html(engine.get_article(quote.article_id), quote)

        who.change(list_speakers, who, speakers)
        speakers.select(speaker_quotes, speakers, [quotes, quote_rows, quote_view])
        quotes.select(show_quote, quote_rows, quote_view)

        # --- settings and start-up --------------------------------------------------
        def describe() -> str:
            return "\n".join(f"- **{k}**: `{v}`" for k, v in engine.describe().items())

        def load() -> tuple[list, list, str, str]:
            try:  # on a fresh install, seeds/ is being indexed in the background: wait for it
                engine.ensure_corpus()
            except RagError as e:
                log.warning("default corpus: %s", e)
            return list_articles(), list_speakers(), describe(), _status_line(engine)

        app.load(load, None, [articles, speakers, settings_view, status])
        app.load(list_feeds, None, feeds)
        gr.Timer(3).tick(lambda: _status_line(engine), None, status)
    return app


def _report_md(report: IngestReport) -> str:
    """An ingest report as the page shows it."""
    read = f"{report.files} file(s)" if report.files or not report.pages else ""
    if report.pages:
        read = ", ".join(p for p in (read, f"{report.pages} page(s)") if p)
    lines = [
        f"**{read}**: {len(report.added)} added, "
        f"{len(report.replaced)} replaced, {len(report.unchanged)} unchanged, "
        f"{report.chunks} chunks."
    ]
    lines += [f"- ⚠ {render.esc(str(e))}" for e in report.errors]
    if report.unsettled:
        lines.append(f"- ⚠ {render.esc(report.unsettled_note())}")
    return "\n".join(lines)


def _poll_md(result: PollResult) -> str:
    url = render.esc(result.feed.url)
    if result.error:
        return f"- ⚠ `{url}`: {render.esc(result.error)}"
    if result.not_modified:
        return f"- `{url}`: unchanged since the last poll"
    r = result.report
    line = f"- `{url}`: {len(r.added)} new, {len(r.replaced)} changed, {len(r.errors)} failed"
    return line + (f", {result.skipped} kept out by robots.txt" if result.skipped else "")


def _chars(quote: Quote) -> str:
    return f"{quote.start}–{quote.end}"


def _row(table: Any, evt: gr.SelectData) -> list[Any]:
    if evt.row_value is not None:
        return list(evt.row_value)
    return list(table.iloc[evt.index[0]]) if hasattr(table, "iloc") else list(table[evt.index[0]])


def _status_line(engine: Engine) -> str:
    status = engine.llm_status
    if status.state == "ready":
        return ""
    if status.state == "error":
        return f"⚠ The language model is unavailable: {render.esc(status.detail)}"
    return "⏳ The model server is starting in the background; you can already type."


def launch(
    engine: Engine, host: str, port: int, share: bool = False, auth: tuple[str, str] | None = None
) -> None:
    """Start the background warm-up and serve the page (blocks until stopped)."""
    engine.warm_up()
    app = build_app(engine)
    app.queue(
        default_concurrency_limit=engine.settings.ui_concurrency,
        max_size=engine.settings.ui_queue_size,
    )
    app.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        css=render.CSS,
        head=render.HEAD,
        show_error=False,
        quiet=True,
    )
