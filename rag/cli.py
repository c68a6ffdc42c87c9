"""The ``rag`` command line. Errors print as one line (no traceback) and exit non-zero."""

from __future__ import annotations

import importlib.util
import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.api import Engine
    from rag.evaluation.eval import Case
    from rag.ingest.pipeline import IngestReport
    from rag.types import Feed


def _engine() -> Any:
    from rag.api import Engine

    return Engine(on_status=_status)


def _status(message: str) -> None:
    click.secho(message, err=True, fg="yellow")


def _filters(articles: tuple[str, ...], sources: tuple[str, ...], since: str, until: str) -> Any:
    from rag.ingest.metadata import normalise_date
    from rag.types import SearchFilter

    for label, value in (("--since", since), ("--until", until)):
        if value and not normalise_date(value):
            raise click.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)", param_hint=label)
    return SearchFilter(
        article_ids=list(articles),
        sources=list(sources),
        date_from=normalise_date(since),
        date_to=normalise_date(until),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what happens (to stderr).")
def cli(verbose: bool) -> None:
    """Who said what: cited answers over news articles, offline."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "chromadb", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


_limit_option = click.option("--limit", type=int, default=None, help="Only the first N cases.")
_sample_option = click.option(
    "--sample",
    type=int,
    default=None,
    help="N cases spread evenly through the file (every article and type).",
)


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--metadata",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A .tsv/.csv table of per-file metadata (filename, title, source, date…).",
)
def ingest(sources: tuple[str, ...], quiet: bool, metadata: Path | None) -> None:
    """Index article files or folders (.txt .md .html .json .jsonl) and web pages
    (http:// or https:// URLs)."""
    from tqdm import tqdm

    from rag.ingest.metadata import read_metadata_table
    from rag.ingest.pipeline import is_url

    engine = _engine()
    table = read_metadata_table(metadata) if metadata else None
    bar = None if quiet else tqdm(total=0, unit="item", desc="Indexing", file=sys.stderr)

    phase = {"urls": False}

    def progress(label: str, done: int, total: int, report: IngestReport) -> None:
        if bar is None:
            return
        if is_url(label) != phase["urls"] or bar.total != total:  # the files done, pages next
            phase["urls"] = is_url(label)
            bar.reset(total)
        bar.set_postfix(
            chunks=report.chunks,
            new=len(report.added),
            replaced=len(report.replaced),
            unchanged=len(report.unchanged),
        )
        bar.update(done - bar.n)

    paths: list[Path | str] = [s if is_url(s) else Path(s) for s in sources]
    report = engine.ingest(paths, progress, table)
    if bar is not None:
        bar.close()
    for skipped, twin in report.duplicates:
        click.secho(f"skipped {skipped}: same text as {twin}", err=True, fg="yellow")
    if report.unsettled:
        click.secho(report.unsettled_note(), err=True, fg="yellow")
    for error in report.errors:
        click.secho(f"error: {error}", err=True, fg="red")
    read = f"{report.files} file(s)" + (f", {report.pages} page(s)" if report.pages else "")
    click.echo(
        f"{read}: {len(report.added)} added, {len(report.replaced)} replaced, "
        f"{len(report.unchanged)} unchanged, {len(report.duplicates)} duplicate(s) skipped, "
        f"{report.chunks} chunks written, "
        f"{len(report.errors)} error(s). Index: {engine.index.location}"
    )
    if report.errors:
        sys.exit(1)


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--article", "articles", multiple=True, help="Only this article id (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--since", default="", help="Only articles dated on or after (YYYY-MM-DD).")
@click.option("--until", default="", help="Only articles dated on or before (YYYY-MM-DD).")
def ask(
    question: str,
    as_json: bool,
    articles: tuple[str, ...],
    sources: tuple[str, ...],
    since: str,
    until: str,
) -> None:
    """Answer QUESTION with numbered citations to exact passages."""
    from rag.types import Answer

    if not question.strip():
        raise click.BadParameter("the question is empty", param_hint="QUESTION")
    engine = _engine()
    filters = _filters(articles, sources, since, until)
    stream = not as_json and sys.stdout.isatty()
    streamed: list[str] = []
    answer: Answer | None = None
    for chunk in engine.stream(question, filters):
        if isinstance(chunk, Answer):
            answer = chunk
        elif stream:
            streamed.append(chunk.text)
            click.echo(chunk.text, nl=False)
    assert answer is not None
    if as_json:
        click.echo(json.dumps(answer.to_public_dict(), ensure_ascii=False, indent=2))
        return
    if stream and streamed:
        click.echo()
        if "".join(streamed).strip() != answer.text:
            click.secho("\nChecked answer:", bold=True)
            click.echo(answer.text)
    else:
        click.echo(answer.text)
    _print_citations(answer)


def _print_citations(answer: Any) -> None:
    for note in answer.notes:
        click.secho(f"note: {note}", fg="yellow")
    if answer.unsupported:
        removed = "; ".join(f"“{u.text}”" for u in answer.unsupported)
        click.secho(f"removed (not in the articles): {removed}", fg="yellow")
    for c in answer.citations:
        click.echo()
        flag = " (attached automatically)" if c.inferred else ""
        where = ", ".join(x for x in (c.source, c.date) if x)
        click.secho(f"[{c.n}] {c.title}" + (f" — {where}" if where else "") + flag, bold=True)
        click.secho(f"    {c.article_id} chars {c.start}–{c.end}", dim=True)
        if c.speaker_text and not (c.start <= (c.speaker_start or 0) < c.end):
            click.secho(
                f"    speaker named as “{c.speaker_text}” at chars "
                f"{c.speaker_start}–{c.speaker_end}",
                dim=True,
            )
        click.echo("    " + " ".join(c.quote.split()))


@cli.command()
@click.argument("claim")
@click.option("--speaker", default="", help="Whom the quotation is given to.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--article", "articles", multiple=True, help="Only this article id (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--since", default="", help="Only articles dated on or after (YYYY-MM-DD).")
@click.option("--until", default="", help="Only articles dated on or before (YYYY-MM-DD).")
def check(
    claim: str,
    speaker: str,
    as_json: bool,
    articles: tuple[str, ...],
    sources: tuple[str, ...],
    since: str,
    until: str,
) -> None:
    """Was CLAIM said (by --speaker), in those words? One verdict: verbatim, reworded, cut,
    misattributed or not_found, with the quotations that show it."""
    from rag.answer.check_answer import carrier_lines, compose_check

    if not claim.strip():
        raise click.BadParameter("the quotation is empty", param_hint="CLAIM")
    engine = _engine()
    verdict = engine.check(claim, speaker, _filters(articles, sources, since, until))
    if as_json:
        click.echo(json.dumps(verdict.to_public_dict(), ensure_ascii=False, indent=2))
        return
    composed = compose_check(verdict, engine.get_articles(verdict.article_ids))
    turned = ", the sense turned" if verdict.sense_turned else ""
    click.secho(verdict.verdict.replace("_", " ") + turned, bold=True)
    click.echo(composed.text)
    if verdict.verdict in ("reworded", "cut", "not_found") and verdict.shown:
        click.secho(verdict.shown[0].closeness(), dim=True)
    for c in composed.citations:
        click.echo()
        where = ", ".join(x for x in (c.source, c.date) if x)
        click.secho(f"[{c.n}] {c.title}" + (f" — {where}" if where else ""), bold=True)
        click.secho(f"    {c.article_id} chars {c.start}–{c.end}", dim=True)
        click.echo("    " + " ".join(c.quote.split()))
    lines = carrier_lines(verdict)
    if lines:
        click.echo()
        click.secho(lines[0], bold=True)
        for line in lines[1:]:
            click.echo("  " + line)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_articles(as_json: bool) -> None:
    """Show what is indexed: id, title, source, date, chunks."""
    articles = _engine().list_articles()
    if as_json:
        click.echo(json.dumps([a.model_dump() for a in articles], ensure_ascii=False, indent=2))
        return
    if not articles:
        click.echo("The index is empty. Add articles with: rag ingest PATH")
        return
    click.echo(f"{'ID':<40} {'DATE':<10} {'SOURCE':<18} {'CHUNKS':>6}  TITLE")
    for a in articles:
        click.echo(
            f"{a.id[:40]:<40} {a.date or '-':<10} {(a.source or '-')[:18]:<18} "
            f"{a.chunks:>6}  {a.title[:70]}"
        )
    click.echo(f"{len(articles)} article(s)")


@cli.command()
@click.argument("article_id")
def remove(article_id: str) -> None:
    """Delete one article (and its chunks) from the index."""
    _engine().remove(article_id)
    click.echo(f"Removed {article_id}")


@cli.command()
@click.argument("article_id")
def show(article_id: str) -> None:
    """Print one indexed article."""
    article = _engine().get_article(article_id)
    click.secho(article.title, bold=True)
    click.echo(" · ".join(x for x in (article.source, article.date, article.url) if x))
    click.echo()
    click.echo(article.text)


@cli.command()
@click.option("--speaker", default="", help="Only this person (any name variant).")
@click.option("--article", "article_id", default="", help="Only this article id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def quotes(speaker: str, article_id: str, as_json: bool) -> None:
    """List the quote ledger: who said what, where."""
    rows = _engine().quotes(speaker, article_id)
    if as_json:
        click.echo(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No quotes found." + (f" (speaker {speaker!r})" if speaker else ""))
        return
    for r in rows:
        described = ", ".join(d for d in (r.speaker_role, r.speaker_appositive) if d)
        who = r.speaker + (f" ({described})" if described else "")
        how = r.method + (f", confidence {r.confidence:.2f}" if r.confidence is not None else "")
        if not r.speaker:
            click.secho(f"(no speaker the ledger could tell) [{r.kind}]", bold=True)
        else:
            cue = (r.cue or "said") + (f", according to {r.via}" if r.via else "")
            click.secho(f"{who} — {cue} [{r.kind}; {how}]", bold=True)
        click.echo(f"    “{' '.join(r.quote.split())}”")
        click.secho(
            f"    {r.article_id} chars {r.start}–{r.end}" + (f", {r.date}" if r.date else ""),
            dim=True,
        )
    click.echo(f"{len(rows)} quote(s)")


@cli.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def speaker(name: str, as_json: bool) -> None:
    """One person's quotations across articles, by date, with outlet and [n]: NAME in any
    form the articles write it ("Gen Barrons", "Richard Barrons")."""
    pages = _engine().speaker(name)
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in pages], ensure_ascii=False, indent=2))
        return
    if not pages:
        raise click.ClickException(f"no one called {name!r} is quoted (see `rag speakers`)")
    for page in pages:
        s = page.speaker
        roles = ", ".join(sorted(r for r in s.roles if r))
        click.secho(s.name + (f" — {roles}" if roles else ""), bold=True)
        others = sorted((s.names | s.mentions) - {s.name})
        if others:
            click.secho(f"  also written: {', '.join(others)}", dim=True)
        click.echo(f"  {len(page.rows)} quotation(s) in {len(s.articles)} article(s)")
        article = ""
        for n, row in enumerate(page.rows, 1):
            q = row.quote
            if q.article_id != article:
                article = q.article_id
                click.echo()
                title = row.title if len(row.title) <= 80 else row.title[:79] + "…"
                where = " · ".join(x for x in (q.date or "undated", q.source, title) if x)
                click.secho(f"  {where}", bold=True)
            words = " ".join(q.quote.split())
            shown = words if q.kind == "indirect" else f"“{words}”"  # reported speech: as is
            click.echo(f"    [{n}] {shown} ({q.cue or 'said'}, {q.kind})")
        click.echo()
        for n, row in enumerate(page.rows, 1):
            click.secho(
                f"  [{n}] {row.quote.article_id} chars {row.quote.start}–{row.quote.end}", dim=True
            )
        click.echo()


@cli.command()
@click.option("--article", "article_id", default="", help="Only this article id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def speakers(article_id: str, as_json: bool) -> None:
    """List the people (and unnamed sources) quoted, with quote counts."""
    found = _engine().speakers(article_id)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
        return
    for s in found:
        roles = ", ".join(sorted(r for r in s.roles if r))
        click.echo(
            f"{s.quotes:>4}  {s.name}"
            + (f" — {roles}" if roles else "")
            + f"  ({len(s.articles)} article(s))"
        )


@cli.command("eval")
@click.argument("cases", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--articles",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the cases' articles (default: articles/ beside CASES).",
)
@click.option(
    "--metadata",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Metadata table (.tsv/.csv) for the articles (default: metadata.tsv "
    "beside CASES, if any).",
)
@click.option("--types", default="", help="Only these case types (comma-separated).")
@click.option(
    "--half",
    type=click.Choice(["a", "b"]),
    default=None,
    help="Only the cases of one half of the articles (fixed by article id).",
)
@_limit_option
@_sample_option
@click.option(
    "--retrieval",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default=None,
    help="Override RAG_RETRIEVAL for this run.",
)
@click.option(
    "--check",
    "check_quotes",
    is_flag=True,
    help="Score 'rag check' instead, on the checking gold set built from CASES by rule "
    "(docs/evaluation.md).",
)
@click.option(
    "--invented-from",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="With --check: another set's cases, whose quotations are the invented claims.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write one JSON row per case to this file.",
)
def eval_command(
    cases: Path,
    articles: Path | None,
    metadata: Path | None,
    types: str,
    half: Literal["a", "b"] | None,
    limit: int | None,
    sample: int | None,
    retrieval: str | None,
    check_quotes: bool,
    invented_from: Path | None,
    as_json: bool,
    out: Path | None,
) -> None:
    """Score answers to gold CASES (JSONL) over an isolated index of their articles."""
    from tqdm import tqdm

    from rag.evaluation import eval as ev
    from rag.settings import get_settings

    articles = articles or cases.parent / "articles"
    if metadata is None and (cases.parent / "metadata.tsv").exists():
        metadata = cases.parent / "metadata.tsv"
    settings = get_settings()
    if retrieval:
        settings = settings.model_copy(update={"retrieval": retrieval})
    if invented_from and not check_quotes:
        raise click.BadParameter("only with --check", param_hint="--invented-from")
    gold = ev.load_cases(cases, [t for t in types.split(",") if t], limit, sample, half)
    engine = ev.eval_engine(articles, settings, metadata, _status)
    if check_quotes:
        _eval_checks(engine, gold, invented_from, as_json, out)
        return
    bar = tqdm(total=len(gold), unit="case", desc="Evaluating", file=sys.stderr)

    def progress(done: int, total: int, result: ev.CaseResult) -> None:
        bar.update(1)

    corpus = ev.Corpus.of_index(engine.index, gold)
    results = ev.run_cases(gold, ev.engine_predictor(engine), progress, corpus)
    bar.close()
    if out:
        ev.write_rows(out, results)
    data = ev.report(results)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    rows = {"overall": data["overall"], **data["by_type"]}
    click.echo(ev.format_table(rows))
    click.echo(
        f"{len(data['failures'])} case(s) not fully right"
        + (f"; per-case rows in {out}" if out else "; --out FILE keeps per-case rows")
    )


def _eval_checks(
    engine: Engine, gold: list[Case], invented_from: Path | None, as_json: bool, out: Path | None
) -> None:
    """``rag eval --check``: verdicts on the checking gold set built from ``gold``."""
    from tqdm import tqdm

    from rag.answer.check import QuoteVerdict
    from rag.errors import QuestionError
    from rag.evaluation import check_eval, check_gold
    from rag.evaluation import eval as ev

    texts = {
        a.id: a.text for a in engine.get_articles(sorted({c.article_id for c in gold})).values()
    }
    elsewhere = ev.load_cases(invented_from, [], None, None, None) if invented_from else []
    claims = check_gold.build_check_cases(gold, texts, elsewhere)
    if not elsewhere:
        _status("no --invented-from: the invented kind is left out")
    bar = tqdm(total=len(claims), unit="claim", desc="Checking", file=sys.stderr)

    def checker(claim: str, speaker: str) -> QuoteVerdict:
        try:
            return engine.check(claim, speaker)
        except QuestionError as e:  # e.g. a quotation over the question limit: one miss
            _status(f"{claim[:60]}…: {e}")
            return QuoteVerdict("not_found", claim, speaker, (), 0, 0)

    scores = check_eval.run_checks(claims, checker, lambda done, total: bar.update(1))
    bar.close()
    if out:
        check_eval.write_check_rows(out, scores)
    report = check_eval.check_report(scores)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(report.table())
    click.echo(
        f"{len(report.failures)} claim(s) not fully right"
        + (f"; per-claim rows in {out}" if out else "; --out FILE keeps per-claim rows")
    )


@cli.command()
@click.option(
    "--cases",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
    help="Gold cases, with articles/ beside them (e.g. ../shared/eval/polnear-dev/cases.jsonl).",
)
@click.option(
    "--articles",
    type=click.Path(path_type=Path, file_okay=False),
    help="Their articles (default: articles/ beside the cases).",
)
@_limit_option
@_sample_option
@click.option(
    "--synthetic",
    type=int,
    default=10_000,
    show_default=True,
    help="Synthetic articles for the scale figures (0 to skip).",
)
@click.option(
    "--variants",
    default="project,plain,textacy,naive",
    show_default=True,
    help="QA pipelines to compare: project, plain (no ledger), textacy, naive.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench(
    cases: Path,
    articles: Path | None,
    limit: int | None,
    sample: int | None,
    synthetic: int,
    variants: str,
    as_json: bool,
) -> None:
    """This project vs a naive LangChain pipeline, retrieval modes, ingest and scale."""
    from tqdm import tqdm

    from rag.evaluation.bench import VARIANTS, format_bench, run_bench
    from rag.settings import get_settings

    articles = articles or cases.parent / "articles"
    metadata = cases.parent / "metadata.tsv"
    bar: Any = None

    def progress(done: int, total: int, result: Any) -> None:
        nonlocal bar
        if bar is None or bar.n >= bar.total:
            bar = tqdm(total=total, unit="case", file=sys.stderr)
        bar.update(1)
        if done == total:
            bar.close()

    chosen = [v.strip() for v in variants.split(",") if v.strip()]
    unknown = sorted(set(chosen) - set(VARIANTS))
    if unknown:
        raise click.BadParameter(f"unknown: {', '.join(unknown)}", param_hint="--variants")
    if "textacy" in chosen and importlib.util.find_spec("textacy") is None:
        needs = "the textacy variant needs: pip install -e '.[compare]'"
        ctx = click.get_current_context()
        if ctx.get_parameter_source("variants") != click.core.ParameterSource.DEFAULT:
            raise click.BadParameter(needs, param_hint="--variants")
        _status(f"Skipping the textacy variant ({needs}).")
        chosen.remove("textacy")
    result = run_bench(
        articles,
        cases,
        get_settings(),
        limit=limit,
        sample=sample,
        synthetic=synthetic,
        variants=chosen,
        metadata=metadata if metadata.exists() else None,
        status=_status,
        progress=progress,
    )
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(format_bench(result))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=7860, show_default=True, type=int, help="Port to serve on.")
@click.option("--share", is_flag=True, help="Also open a public Gradio link (off by default).")
def ui(host: str, port: int, share: bool) -> None:
    """Serve the chat page (the model server starts in the background)."""
    from rag.errors import ConfigError
    from rag.settings import get_settings

    settings = get_settings()
    auth = None
    if settings.ui_auth is not None:
        user, sep, password = settings.ui_auth.get_secret_value().partition(":")
        if not sep or not user or not password:
            raise ConfigError("RAG_UI_AUTH must be 'user:password'")
        auth = (user, password)
    if (host not in ("127.0.0.1", "localhost", "::1") or share) and auth is None:
        raise ConfigError(
            f"serving on {host}{' with a public link' if share else ''} exposes your index: "
            "set RAG_UI_AUTH=user:password first"
        )
    from rag.api import Engine
    from rag.ui.app import launch

    click.echo(f"Serving on http://{host}:{port} (Ctrl+C to stop)", err=True)
    launch(Engine(settings, on_status=_status), host, port, share, auth)


@cli.group()
def model() -> None:
    """Start, stop or inspect the embedded local model server."""


@model.command("start")
def model_start() -> None:
    """Start the server and leave it running, so every later command reuses it."""
    from rag.backends.llm import embedded_server
    from rag.settings import get_settings

    endpoint = embedded_server(get_settings()).ensure(_status, detached=True)
    click.echo(f"Local model server running: {endpoint.describe()}")


@model.command("stop")
def model_stop() -> None:
    """Stop the running local model server."""
    from rag.backends.llm import embedded_server
    from rag.settings import get_settings

    stopped = embedded_server(get_settings()).stop()
    click.echo("Stopped the local model server." if stopped else "No local model server running.")


@model.command("status")
def model_status() -> None:
    """Say whether a local model server is running and where."""
    from rag.backends.llm import describe_llm, embedded_server
    from rag.settings import get_settings

    settings = get_settings()
    click.echo(f"LLM: {describe_llm(settings)}")
    endpoint = embedded_server(settings).running()
    click.echo(f"Local server: {endpoint.base_url if endpoint else 'not running'}")


@cli.group()
def feeds() -> None:
    """Follow RSS/Atom feeds and sitemaps (rag watch polls them)."""


@feeds.command("add")
@click.argument("url")
def feeds_add(url: str) -> None:
    """Follow the feed or sitemap at URL, or the feed the page at URL links to."""
    feed = _engine().add_feed(url)
    click.echo(f"Following {feed.kind} {feed.url}" + (f" ({feed.title})" if feed.title else ""))


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def feeds_list(as_json: bool) -> None:
    """The followed feeds, their last poll, new items and errors."""
    followed = _engine().feeds()
    if as_json:
        click.echo(json.dumps([f.model_dump(exclude={"etag", "last_modified"}) for f in followed]))
        return
    if not followed:
        click.echo("No feeds followed. Add one with: rag feeds add URL")
    for f in followed:
        click.echo(_feed_line(f))


@feeds.command("remove")
@click.argument("url")
def feeds_remove(url: str) -> None:
    """Stop following URL (its articles stay indexed)."""
    _engine().remove_feed(url)
    click.echo(f"No longer following {url}")


def _feed_line(feed: Feed) -> str:
    polled = feed.last_poll or "never polled"
    state = f"error: {feed.last_error}" if feed.last_error else "ok"
    return f"{feed.url}  [{feed.kind}]  last poll {polled}, {feed.new_items} new, {state}"


@cli.command()
@click.option("--every", default="15m", show_default=True, help="Poll interval: 30s, 15m, 1h…")
@click.option("--once", is_flag=True, help="Poll every feed once, then stop.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def watch(every: str, once: bool, quiet: bool) -> None:
    """Poll the followed feeds and index their new and changed items, until stopped."""
    import time

    from tqdm import tqdm

    from rag.ingest.feeds import parse_duration

    try:
        interval = parse_duration(every)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--every") from e
    engine = _engine()
    if not engine.feeds():
        raise click.ClickException("No feeds followed. Add one with: rag feeds add URL")
    bar = None if quiet else tqdm(total=0, unit="page", desc="Polling", file=sys.stderr)

    def progress(label: str, done: int, total: int, report: IngestReport) -> None:
        if bar is None:
            return
        if done <= bar.n or total != bar.total:  # the next feed's pages
            bar.reset(total)
        bar.set_postfix(new=len(report.added), changed=len(report.replaced))  # a poll's
        bar.update(done - bar.n)

    while True:
        results = engine.poll_feeds(interval, force=once, progress=progress)
        if bar is not None:
            bar.refresh()
        for r in results:
            line = _feed_line(r.feed)
            click.secho(line, err=bool(r.error), fg="red" if r.error else None)
        if once:
            if bar is not None:
                bar.close()
            sys.exit(1 if any(r.error for r in results) else 0)
        due = min((f.next_poll for f in engine.feeds()), default=time.time() + interval)
        time.sleep(max(1.0, due - time.time()))


@cli.command()
def settings() -> None:
    """Print the active settings (API keys are never shown)."""
    from rag.backends.llm import describe_llm
    from rag.settings import get_settings

    s = get_settings()
    for name, field in type(s).model_fields.items():
        value = getattr(s, name)
        if "key" in name:
            value = "(set)" if value else "(not set)"
        click.echo(f"{name:<22} {value!s:<40} {field.description or ''}")
    click.echo(f"{'→ LLM':<22} {describe_llm(s)}")


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # runs atexit: the owned model server is stopped


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr, exit status 1."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    run: Callable[..., Any] = cli.main
    try:
        run(args=argv, prog_name="rag", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except RagError as e:
        click.secho(f"Error: {e}", err=True, fg="red")
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
