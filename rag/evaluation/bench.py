"""``rag bench``: this project against the naive LangChain pipeline, on the same machine and
cases in one run, plus retrieval and scale figures.

Ratios against the baseline measured in the same run are the figures that count.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer.retrieve import Retriever
from rag.backends.store import Index
from rag.evaluation import eval as ev
from rag.evaluation.check_scale import check_scale_figures
from rag.evaluation.extraction import PUBLISHED, extraction_f1
from rag.ingest.metadata import make_article
from rag.ingest.pipeline import ingest_articles
from rag.settings import Settings
from rag.types import Article

StatusFn = Callable[[str], None]


# --- retrieval ----------------------------------------------------------------------------


def retrieval_figures(retriever: Retriever, cases: Sequence[ev.Case], mode: str) -> dict:
    """hit@1 / hit@k of ``mode`` retrieval on the cases, and its latency."""
    hits1, hitsk, times = [], [], []
    for case in cases:
        start = time.perf_counter()
        passages = retriever.search(case.question, mode=mode)
        times.append(time.perf_counter() - start)
        pred = ev.Prediction(
            text="",
            abstained=False,
            passages=[
                ev.Span(article_id=p.article_id, start=p.chunk.start, end=p.chunk.end)
                for p in passages
            ],
        )
        result = ev.score(case, pred)
        hits1.append(result.hit_at_1)
        hitsk.append(result.hit_at_k)
    return {
        "mode": mode,
        "hit_at_1": ev._mean(hits1),
        "hit_at_k": ev._mean(hitsk),
        "latency_p50_ms": _ms(ev._percentile(times, 0.5)),
        "latency_p95_ms": _ms(ev._percentile(times, 0.95)),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- ingest and scale ---------------------------------------------------------------------


def ingest_figures(articles_dir: Path, settings: Settings, metadata: Path | None) -> dict:
    """Articles/s and chunks/s of a cold ingest (fresh index, real embedder)."""
    from rag.api import Engine
    from rag.ingest.metadata import read_metadata_table

    home = Path(tempfile.mkdtemp(prefix="ingest-", dir=_scratch(settings)))
    try:
        engine = Engine(settings.model_copy(update={"home": home, "chroma_url": None}))
        engine.index  # noqa: B018  (open the store outside the timing)
        start = time.perf_counter()
        report = engine.ingest(
            [articles_dir], metadata=read_metadata_table(metadata) if metadata else None
        )
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(home, ignore_errors=True)
    n = len(report.added)
    return {
        "articles": n,
        "chunks": report.chunks,
        "seconds": round(seconds, 2),
        "articles_per_s": round(n / seconds, 1),
        "chunks_per_s": round(report.chunks / seconds, 1),
    }


_FIRST = "Amara Bruno Chiara Dmitri Elif Farid Greta Hugo Ines Jonas Keiko Lars Mira Nuno".split()
_LAST = "Adeyemi Brandt Castell Dvorak Eriksen Ferraz Gallo Halvorsen Ibsen Jansen Kovac".split()
_ROLES = [
    "the finance minister",
    "a senior diplomat",
    "the mayor",
    "a union leader",
    "the opposition leader",
    "a central bank official",
    "the defence secretary",
]
_TOPICS = [
    "the budget",
    "the border talks",
    "the rail strike",
    "the harbour project",
    "the energy tariff",
    "the school reform",
    "the fishing quotas",
    "the trade deal",
]
_CUES = ["said", "told reporters", "added", "warned", "argued"]
_VERBS = [
    "would collapse",
    "must be delayed",
    "was a mistake",
    "will pass next week",
    "needs more money",
    "has broad support",
    "cannot continue like this",
]


def synthetic_articles(n: int, seed: int = 0) -> Iterator[Article]:
    """``n`` generated news-like articles with named speakers and quotes (nothing copied)."""
    rng = random.Random(seed)
    for i in range(n):
        topic = rng.choice(_TOPICS)
        paragraphs = [f"Row over {topic} deepens ({i})"]
        for _ in range(rng.randint(5, 9)):
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            role = rng.choice(_ROLES)
            quote = f"{rng.choice(_TOPICS).capitalize()} {rng.choice(_VERBS)}"
            paragraphs.append(
                f"{name}, {role}, spoke on day {rng.randint(1, 28)} about {topic}. "
                f"“{quote},” {name.split()[1]} {rng.choice(_CUES)}, "
                f"adding that talks on {rng.choice(_TOPICS)} {rng.choice(_VERBS)}."
            )
        yield make_article(
            {
                "id": f"synthetic-{i:06d}",
                "title": paragraphs[0],
                "text": "\n".join(paragraphs),
                "source": "Synthetic",
                "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            },
            Path("synthetic"),
        )


class _FastEmbedder:
    """384-d vectors from a hash of the words: the right shape for measuring the store and
    BM25 at scale without hours of MiniLM (query embedding is measured separately)."""

    name = "bench-hash"
    dim = 384

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, hash(word) % self.dim] += 1.0
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out


def scale_figures(n: int, settings: Settings, queries: int = 100) -> dict:
    """Ingest and retrieval figures at ``n`` synthetic articles (store + keyword index + HNSW;
    the ledger's extraction rate is in the ingest figures), and the cost of adding one more.
    On a Chroma server when RAG_CHROMA_URL is set (in throw-away collections), else in a
    temporary embedded index."""
    from rag.backends.keyword import KeywordIndex

    home = Path(tempfile.mkdtemp(prefix="scale-", dir=_scratch(settings)))
    s = settings.model_copy(
        update={
            "home": home,
            "embedder": "bench-hash",
            "ledger": False,
            "collection": f"bench{uuid.uuid4().hex[:8]}",
        }
    )
    rss_before = _rss_mb()
    index = Index(s, embedder=_FastEmbedder())
    try:
        articles = synthetic_articles(n + 1)
        start = time.perf_counter()
        report = ingest_articles(index, itertools.islice(articles, n), s)
        ingest_s = time.perf_counter() - start
        retriever = Retriever.for_index(index, KeywordIndex(index))
        start = time.perf_counter()
        retriever.keyword.refresh()
        keyword_build_s = time.perf_counter() - start
        rng = random.Random(1)
        times = []
        for _ in range(queries):
            q = (
                f"What did {rng.choice(_FIRST)} {rng.choice(_LAST)} say about "
                f"{rng.choice(_TOPICS)}?"
            )
            t = time.perf_counter()
            retriever.search(q)
            times.append(time.perf_counter() - t)
        rss_after = _rss_mb()
        start = time.perf_counter()
        ingest_articles(index, [next(articles)], s)
        written = time.perf_counter()
        retriever.keyword.refresh()
        add_one_s, catch_up_s = time.perf_counter() - start, time.perf_counter() - written
        keyword_mb = sum(f.stat().st_size for f in retriever.keyword.path.rglob("*") if f.is_file())
    finally:
        with contextlib.suppress(Exception):
            index.drop()
        shutil.rmtree(home, ignore_errors=True)
    return {
        "articles": n,
        "chunks": report.chunks,
        "store": settings.chroma_url or "embedded",
        "store_articles_per_s": round(n / ingest_s, 1),
        "store_chunks_per_s": round(report.chunks / ingest_s, 1),
        "keyword_build_s": round(keyword_build_s, 2),
        "keyword_index_mb": round(keyword_mb / 1e6, 1),
        "add_one_article_s": round(add_one_s, 2),
        "keyword_catch_up_s": round(catch_up_s, 2),
        "retrieval_p50_ms": _ms(ev._percentile(times, 0.5)),
        "retrieval_p95_ms": _ms(ev._percentile(times, 0.95)),
        "process_rss_growth_mb": round(rss_after - rss_before),
    }


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _scratch(settings: Settings) -> Path:
    path = settings.home / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def peak_rss_mb() -> dict:
    """Peak resident memory of this process and of the local model server, in MB."""
    from rag.backends.llm import embedded_server
    from rag.settings import get_settings

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server = None
    try:
        import json

        state = json.loads(embedded_server(get_settings()).state_path.read_text())
        for line in Path(f"/proc/{state['pid']}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                server = int(line.split()[1]) / 1024
    except (OSError, ValueError, KeyError):
        pass
    return {"bench_process_mb": round(own), "model_server_mb": round(server) if server else None}


# --- the whole bench ----------------------------------------------------------------------


VARIANTS = ("project", "plain", "textacy", "naive")
VARIANT_LABELS = {
    "project": "this project",
    "plain": "no ledger (passages only)",
    "textacy": "ledger from textacy",
    "naive": "naive LangChain",
}


def extraction_figures(index: Index, cases: Sequence[ev.Case]) -> dict[str, Any]:
    """The ledger against the gold attributions: who is named (coverage, speaker recall and
    precision) and span-level F1 of speaker, cue and quote."""
    return {**ev.extraction_scores(index, cases), "f1": extraction_f1(index, cases)}


def run_bench(
    articles_dir: Path,
    cases_path: Path,
    settings: Settings,
    *,
    metadata: Path | None = None,
    limit: int | None = None,
    sample: int | None = None,
    synthetic: int = 10_000,
    variants: Sequence[str] = VARIANTS,
    status: StatusFn = lambda _: None,
    progress: ev.ProgressFn | None = None,
) -> dict[str, Any]:
    """Every figure of ``rag bench``; QA variants: this project, the same without the quote
    ledger, with textacy's extractor as the ledger, and the naive LangChain pipeline."""
    from rag.backends.embed import register_embedder
    from rag.backends.llm import chat_model
    from rag.evaluation.baseline import NaivePipeline

    register_embedder("bench-hash", lambda s: _FastEmbedder())
    cases = ev.load_cases(cases_path, limit=limit, sample=sample)
    out: dict[str, Any] = {"cases": len(cases), "variants": {}, "extraction": {}}

    rules_only = settings.model_copy(update={"ledger_model": False})
    status("Ingest throughput (cold index, MiniLM, ledger without the model step)…")
    out["ingest"] = ingest_figures(articles_dir, rules_only, metadata)
    if settings.ledger_model:
        status("Ingest throughput with the ledger's model step (cold, no cached answers)…")
        out["ingest_model_step"] = ingest_figures(articles_dir, settings, metadata)

    engine = ev.eval_engine(articles_dir, settings, metadata, status)
    status("Retrieval: dense vs hybrid vs BM25…")
    out["retrieval"] = [
        retrieval_figures(engine.retriever, cases, m) for m in ("dense", "hybrid", "bm25")
    ]
    if settings.ledger_model:
        rules_engine = ev.eval_engine(articles_dir, rules_only, metadata, status)
        out["extraction"]["rules"] = extraction_figures(rules_engine.index, cases)
        out["extraction"]["+model"] = extraction_figures(engine.index, cases)
    else:
        out["extraction"]["rules"] = extraction_figures(engine.index, cases)
    corpus = ev.Corpus.of_index(engine.index, cases)

    for variant in variants:
        status(f"{VARIANT_LABELS[variant]} on {len(cases)} cases…")
        if variant == "project":
            predict = ev.engine_predictor(engine)
        elif variant == "plain":
            plain = ev.eval_engine(
                articles_dir, settings.model_copy(update={"ledger": False}), metadata, status
            )
            predict = ev.engine_predictor(plain)
        elif variant == "textacy":
            other = settings.model_copy(update={"ledger_extractor": "textacy"})
            textacy_engine = ev.eval_engine(articles_dir, other, metadata, status)
            out["extraction"]["textacy"] = extraction_figures(textacy_engine.index, cases)
            predict = ev.engine_predictor(textacy_engine)
        else:
            naive = NaivePipeline(
                articles_dir,
                engine.settings.home.with_name(engine.settings.home.name + "-naive"),
                engine.index.embedder,
                chat_model(engine.settings, status),
                metadata,
            )
            predict = naive.predict
        out["variants"][variant] = ev.report(ev.run_cases(cases, predict, progress, corpus))

    if synthetic:
        status(f"Scale: {synthetic} synthetic articles…")
        out["scale"] = scale_figures(synthetic, settings)
        status(f"rag check on {synthetic} synthetic articles' ledger rows…")
        out["check_scale"] = check_scale_figures(
            synthetic_articles(synthetic), settings, _FastEmbedder()
        )
    out["memory"] = peak_rss_mb()
    return out


def _cell(value: float | None) -> str:
    return "-" if value is None else str(value)


def format_bench(result: dict[str, Any]) -> str:
    variants = result["variants"]
    lines = [f"Cases: {result['cases']}", ""]
    lines.append(ev.format_table({VARIANT_LABELS[v]: r["overall"] for v, r in variants.items()}))
    if "project" in variants and "naive" in variants:
        p, b = variants["project"]["overall"], variants["naive"]["overall"]
        for key, label in (
            ("answer_accuracy", "answer accuracy"),
            ("citation_accuracy", "citation accuracy"),
        ):
            if p.get(key) is not None and b.get(key):
                lines.append(f"  {label}: {p[key]} vs naive {b[key]} ({p[key] / b[key]:.2f}x)")
        if p.get("latency_p50") and b.get("latency_p50"):
            lines.append(
                f"  latency p50: {p['latency_p50']} s vs naive {b['latency_p50']} s "
                f"({p['latency_p50'] / b['latency_p50']:.2f}x)"
            )
    types = sorted({t for r in variants.values() for t in r["by_type"]})
    lines += ["", "Answer accuracy by type (speaker accuracy; quote recall for what_did_say):"]
    lines.append(f"  {'':<20}" + "".join(f"{VARIANT_LABELS[v][:18]:>20}" for v in variants))
    for t in types:
        cells = "".join(
            f"{r['by_type'].get(t, {}).get('answer_accuracy', '-')!s:>20}"
            for r in variants.values()
        )
        lines.append(f"  {t:<20}{cells}")
    lines += ["", "Faithfulness by type (unsupported rate / role ok; see docs/evaluation.md):"]
    lines.append(f"  {'':<20}" + "".join(f"{VARIANT_LABELS[v][:18]:>20}" for v in variants))
    for t in ["overall", *types]:
        cells = ""
        for r in variants.values():
            m = r["overall"] if t == "overall" else r["by_type"].get(t, {})
            cell = f"{_cell(m.get('unsupported_rate'))} / {_cell(m.get('role_ok'))}"
            cells += f"{cell:>20}"
        lines.append(f"  {t:<20}{cells}")
    lines += [
        "",
        "Ledger extraction against the gold attributions (coverage / speaker recall /"
        " speaker precision):",
    ]
    for name, scores in result["extraction"].items():
        parts = [
            f"{k}: {v['coverage']} / {v['speaker_recall']} / {v['speaker_precision']}"
            for k, v in scores.items()
            if isinstance(v, dict) and "coverage" in v
        ]
        lines.append(f"  {name:<8} {'; '.join(parts)}; {scores['rows']} rows")
        by_method = ", ".join(
            f"{m} {v['precision']} ({v['rows']})" for m, v in scores["precision_by_method"].items()
        )
        lines.append(f"  {'':<8} speaker precision by method (rows): {by_method}")
    lines += ["", "Extraction F1 per attribution (precision / recall / F1; exact | overlap):"]
    for name, scores in result["extraction"].items():
        f1 = scores["f1"]
        for part in ("speaker", "cue", "quote"):
            cells = " | ".join(
                f"{f1[f'{part}_{how}']['precision']} / {f1[f'{part}_{how}']['recall']} / "
                f"{f1[f'{part}_{how}']['f1']}"
                for how in ("exact", "overlap")
            )
            lines.append(f"  {name:<8} {part:<8} {cells}")
        lines.append(f"  {name:<8} {f1['counts']['gold']} gold attributions")
    lines.append(
        "  Published (a different measure: token tagging on the full annotation): "
        + "; ".join(f"{k} {v}" for k, v in PUBLISHED.items())
    )
    lines += ["", "Retrieval (no LLM):"]
    for r in result["retrieval"]:
        lines.append(
            f"  {r['mode']:<7} hit@1 {r['hit_at_1']}  hit@k {r['hit_at_k']}  "
            f"p50 {r['latency_p50_ms']} ms  p95 {r['latency_p95_ms']} ms"
        )
    lines.append("")
    for key, label in (("ingest", "Ingest"), ("ingest_model_step", "Ingest + model step")):
        if key in result:
            i = result[key]
            lines.append(
                f"{label}: {i['articles']} articles, {i['chunks']} chunks in {i['seconds']} s "
                f"= {i['articles_per_s']} articles/s, {i['chunks_per_s']} chunks/s"
            )
    if "scale" in result:
        s = result["scale"]
        lines.append(
            f"Scale ({s['articles']} synthetic articles, {s['chunks']} chunks, {s['store']}; "
            f"hashing embedder, no ledger): store {s['store_articles_per_s']} articles/s; "
            f"keyword index built in {s['keyword_build_s']} s ({s['keyword_index_mb']} MB); "
            f"retrieval p50 {s['retrieval_p50_ms']} ms, p95 {s['retrieval_p95_ms']} ms; "
            f"process memory +{s['process_rss_growth_mb']} MB; one more article "
            f"{s['add_one_article_s']} s ({s['keyword_catch_up_s']} s of it the keyword index)"
        )
    if "check_scale" in result:
        c = result["check_scale"]
        kinds = ", ".join(f"{k} {v}" for k, v in c["p50_s_by_kind"].items())
        lines.append(
            f"rag check ({c['articles']} synthetic articles, {c['rows']} ledger rows written by "
            f"construction; MiniLM for meaning): p50 {c['check_p50_s']} s, p95 "
            f"{c['check_p95_s']} s (p50 by kind: {kinds}, passages searched too); reading the "
            f"ledger once {c['ledger_read_s']} s, building the keyword index "
            f"{c['keyword_build_s']} s"
        )
    if "project" in variants:
        p = variants["project"]["overall"]
        lines.append(
            f"End to end: p50 {p['latency_p50']} s, p95 {p['latency_p95']} s, "
            f"first token p50 {p['ttft_p50']} s"
        )
    m = result["memory"]
    lines.append(
        f"Peak RSS: bench {m['bench_process_mb']} MB, model server {m['model_server_mb']} MB"
    )
    return "\n".join(lines)
