"""``rag eval``: ask gold cases through the same ``ask()`` users get, and score the answers.

Case format (one JSON object per line): ``id``, ``article_id`` (file stem in the articles
folder), ``type``, ``question``, ``answer``, ``answer_aliases``, optional ``answers`` (gold
quotes, for ``what_did_say``) and ``evidence_spans`` ([[start, end], ...] into the article).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from rag.errors import InputError
from rag.evaluation import faithfulness
from rag.ingest.metadata import INDEX_VERSION
from rag.settings import Settings
from rag.text.normalise import normalise
from rag.types import Answer, AnswerDelta


class Case(BaseModel):
    """One gold question."""

    id: str
    article_id: str = ""
    type: str = "unknown"
    question: str
    answer: str = ""
    answer_aliases: list[str] = []
    answers: list[str] = []
    answer_is_named_entity: bool | None = None
    evidence_spans: list[tuple[int, int]] = []
    gold: dict[str, Any] = Field(
        default_factory=dict, description="Annotation (source, cue, content), if the set has it."
    )


class Span(BaseModel):
    article_id: str
    start: int
    end: int


class Prediction(BaseModel):
    """What a pipeline answered, reduced to what scoring needs."""

    text: str
    abstained: bool
    citations: list[Span] = []
    support: list[str] = Field(
        default_factory=list,
        description="The cited texts: each citation's article title and span, and where "
        "it names the speaker.",
    )
    passages: list[Span] = Field(default_factory=list, description="Retrieved, best first.")
    removed: int = Field(0, description="Claims the product's own check removed.")
    latency: float = 0.0
    ttft: float | None = None
    error: str = ""

    @classmethod
    def of(cls, answer: Answer, latency: float, ttft: float | None) -> Prediction:
        return cls(
            text=answer.text,
            abstained=answer.abstained,
            citations=[
                Span(article_id=c.article_id, start=c.start, end=c.end) for c in answer.citations
            ],
            support=[t for c in answer.citations for t in (c.title, c.quote, c.speaker_text) if t],
            passages=[
                Span(article_id=p.article_id, start=p.chunk.start, end=p.chunk.end)
                for p in answer.passages
            ],
            removed=len(answer.unsupported),
            latency=latency,
            ttft=ttft,
            error=answer.error.value if answer.error else "",
        )


class CaseResult(BaseModel):
    """The scores of one case."""

    id: str
    type: str
    question: str
    expected: str
    answer: str
    abstained: bool
    correct: float = Field(description="1/0, or the share of gold quotes recalled.")
    hit_at_1: bool | None = None
    hit_at_k: bool | None = None
    citation_ok: bool | None = None
    citation_precision: float | None = None
    unsupported: list[str] = Field(
        default_factory=list,
        description="Names, numbers, descriptions outside quotes not in the cited texts.",
    )
    role_ok: bool | None = Field(
        None, description="Answers describing someone: each description is in the article."
    )
    removed: int = Field(0, description="Claims the product's claim check removed.")
    latency: float = 0.0
    ttft: float | None = None
    error: str = ""


# --- loading ------------------------------------------------------------------------------


Half = Literal["a", "b"]


def article_half(case: Case) -> Half:
    """Which half of a set's articles the case belongs to, fixed by the article id (the
    first hex digit of its SHA-1: 0-7 is "a"): a rule written while reading one half's
    errors is then judged on the other, which it has not seen."""
    return "a" if hashlib.sha1(case.article_id.encode()).hexdigest()[0] in "01234567" else "b"


def load_cases(
    path: Path,
    types: Sequence[str] = (),
    limit: int | None = None,
    sample: int | None = None,
    half: Half | None = None,
) -> list[Case]:
    """Cases from a JSONL file; bad lines are errors naming the line. ``half`` keeps the
    cases of one half of the articles (``article_half``); ``sample`` keeps N cases spread
    evenly through the file (every len/N-th), so every article and type is represented;
    ``limit`` keeps the first N."""
    cases: list[Case] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InputError(str(path), f"cannot read cases: {e.strerror}") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate_json(line)
        except ValueError as e:
            raise InputError(f"{path} line {n}", f"not a valid case: {e}") from e
        if (not types or case.type in types) and (half is None or article_half(case) == half):
            cases.append(case)
    if sample and sample < len(cases):
        step = len(cases) / sample
        cases = [cases[int(i * step)] for i in range(sample)]
    return cases[:limit] if limit else cases


def eval_home(articles_dir: Path, settings: Settings, metadata: Path | None = None) -> Path:
    """The isolated index folder for ``articles_dir``, keyed by its content and the settings
    that shape an index (never the user's main index)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in articles_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(articles_dir)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    if metadata is not None and metadata.exists():
        digest.update(metadata.read_bytes())
    digest.update(
        f"{settings.embedder}|{settings.chunk_max_chars}|{settings.ledger}|"
        f"{settings.ledger_extractor}|{INDEX_VERSION}".encode()
    )
    if settings.ledger and settings.ledger_model:  # the model step's answers are in the index
        from rag.backends.llm import describe_llm

        digest.update(f"|model step: {describe_llm(settings)}".encode())
    return settings.home / "eval" / digest.hexdigest()[:16]


def eval_engine(
    articles_dir: Path,
    settings: Settings,
    metadata: Path | None = None,
    on_status: Callable[[str], None] = lambda _: None,
) -> Any:
    """An Engine over an isolated index of ``articles_dir``, built once, then reused (an
    ingest there skips unchanged articles, and indexes again those whose model step failed)."""
    from rag.api import Engine
    from rag.ingest.metadata import read_metadata_table

    if not articles_dir.is_dir():
        raise InputError(str(articles_dir), "no such folder of articles")
    home = eval_home(articles_dir, settings, metadata)
    engine = Engine(settings.model_copy(update={"home": home, "chroma_url": None}), on_status)
    if engine.index.count_articles() == 0:
        on_status(f"Indexing {articles_dir} into an isolated evaluation index ({home})…")
    table = read_metadata_table(metadata) if metadata else None
    report = engine.ingest([articles_dir], metadata=table)
    if report.errors:
        on_status(f"{len(report.errors)} article file(s) could not be read: {report.errors[0]}")
    if report.unsettled:
        on_status(f"{report.unsettled_note()}; the figures are of the rules' speakers there")
    return engine


# --- scoring ------------------------------------------------------------------------------


def _plain(text: str) -> str:
    text = normalise(text)[0]
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def names_answer(expected: Iterable[str], text: str) -> bool:
    """True when a normalised gold answer or alias appears in ``text`` as whole words."""
    plain = f" {_plain(text)} "
    return any(f" {_plain(e)} " in plain for e in expected if _plain(e))


def quote_recalled(gold: str, text: str) -> bool:
    """A gold quote counts as recalled when the answer holds it (or 90 % of it, fuzzily)."""
    g, t = _plain(gold), _plain(text)
    if not g:
        return False
    if g in t:
        return True
    return len(g) >= 20 and fuzz.partial_ratio(g, t) >= 90


def _overlaps(span: Span, case: Case) -> bool:
    return span.article_id == case.article_id and any(
        span.start < end and start < span.end for start, end in case.evidence_spans
    )


def score(
    case: Case,
    prediction: Prediction,
    article: str = "",
    lowercase_words: frozenset[str] = frozenset(),
) -> CaseResult:
    """Score one prediction against its gold case (``article``: the case's article text,
    for the faithfulness figures). An answer that describes someone with words the
    article does not use for them is not correct, whatever name it gives."""
    answered = not prediction.abstained and not prediction.error
    faith = (
        faithfulness.check(prediction.text, prediction.support, article, lowercase_words)
        if answered
        else faithfulness.Faithfulness()
    )
    if case.type == "what_did_say" and case.answers:
        recalled = [quote_recalled(q, prediction.text) for q in case.answers]
        correct = 0.0 if prediction.abstained else sum(recalled) / len(recalled)
    elif case.type == "unanswerable":
        correct = float(prediction.abstained)
    else:
        expected = [case.answer, *case.answer_aliases]
        correct = float(not prediction.abstained and names_answer(expected, prediction.text))
    if faith.role_ok is False:
        correct = 0.0
    has_evidence = bool(case.evidence_spans)
    hits = [_overlaps(p, case) for p in prediction.passages]
    cited = [_overlaps(c, case) for c in prediction.citations]
    return CaseResult(
        id=case.id,
        type=case.type,
        question=case.question,
        expected=" | ".join(case.answers) if case.type == "what_did_say" else case.answer,
        answer=prediction.text,
        abstained=prediction.abstained,
        correct=correct,
        hit_at_1=(bool(hits) and hits[0]) if has_evidence else None,
        hit_at_k=any(hits) if has_evidence else None,
        citation_ok=any(cited) if has_evidence else None,
        citation_precision=(sum(cited) / len(cited)) if has_evidence and cited else None,
        unsupported=faith.unsupported,
        role_ok=faith.role_ok,
        removed=prediction.removed,
        latency=prediction.latency,
        ttft=prediction.ttft,
        error=prediction.error,
    )


def _mean(values: Iterable[float | bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return round(sum(kept) / len(kept), 3) if kept else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    i = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[i], 3)


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Metrics over ``results``: accuracy, retrieval, citations, abstention, latency."""
    latencies = [r.latency for r in results]
    ttfts = [r.ttft for r in results if r.ttft is not None]
    unanswerable = [r for r in results if r.type == "unanswerable"]
    answered = [r for r in results if not r.abstained and not r.error]
    return {
        "n": len(results),
        "answer_accuracy": _mean(r.correct for r in results),
        "hit_at_1": _mean(r.hit_at_1 for r in results),
        "hit_at_k": _mean(r.hit_at_k for r in results),
        "citation_accuracy": _mean(r.citation_ok for r in results),
        "citation_precision": _mean(r.citation_precision for r in results),
        "abstention_rate": _mean(r.abstained for r in results),
        "correct_abstentions": _mean(r.abstained for r in unanswerable) if unanswerable else None,
        "errors": sum(1 for r in results if r.error),
        "unsupported_rate": _mean(bool(r.unsupported) for r in answered),
        "role_ok": _mean(r.role_ok for r in results),
        "described": sum(1 for r in results if r.role_ok is not None),
        "claims_removed": sum(r.removed for r in results),
        "latency_p50": _percentile(latencies, 0.5),
        "latency_p95": _percentile(latencies, 0.95),
        "ttft_p50": _percentile(ttfts, 0.5),
    }


def report(results: Sequence[CaseResult]) -> dict[str, Any]:
    """The JSON shape of ``rag eval --json``."""
    types = sorted({r.type for r in results})
    return {
        "n": len(results),
        "overall": summarize(results),
        "by_type": {t: summarize([r for r in results if r.type == t]) for t in types},
        "failures": [
            {
                "id": r.id,
                "type": r.type,
                "question": r.question,
                "expected": r.expected,
                "answer": r.answer,
            }
            for r in results
            if r.correct < 1.0
        ],
        "unsupported": [
            {"id": r.id, "type": r.type, "answer": r.answer, "unsupported": r.unsupported}
            for r in results
            if r.unsupported
        ],
    }


COLUMNS = [
    ("answer_accuracy", "answer"),
    ("hit_at_1", "hit@1"),
    ("hit_at_k", "hit@k"),
    ("citation_accuracy", "cite"),
    ("citation_precision", "cite prec"),
    ("abstention_rate", "abstain"),
    ("unsupported_rate", "unsupp"),
    ("role_ok", "role ok"),
    ("latency_p50", "p50 s"),
    ("latency_p95", "p95 s"),
]


def format_table(rows: dict[str, dict[str, Any]]) -> str:
    """A plain-text table: one row per label, the COLUMNS metrics."""
    header = f"{'':<22}{'n':>5}" + "".join(f"{title:>11}" for _, title in COLUMNS)
    lines = [header, "-" * len(header)]
    for label, m in rows.items():
        cells = "".join(f"{'-' if m.get(key) is None else m[key]:>11}" for key, _ in COLUMNS)
        lines.append(f"{label[:22]:<22}{m['n']:>5}{cells}")
    return "\n".join(lines)


# --- running ------------------------------------------------------------------------------

ProgressFn = Callable[[int, int, CaseResult], None]


class Corpus:
    """The gold set's article texts, for the faithfulness figures."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.lowercase_words = faithfulness.lowercase_vocabulary(texts.values())

    @classmethod
    def of_index(cls, index: Any, cases: Sequence[Case]) -> Corpus:
        articles = index.get_articles(sorted({c.article_id for c in cases if c.article_id}))
        return cls({aid: a.text for aid, a in articles.items()})


def run_cases(
    cases: Sequence[Case],
    predict: Callable[[Case], Prediction],
    progress: ProgressFn | None = None,
    corpus: Corpus | None = None,
) -> list[CaseResult]:
    corpus = corpus or Corpus({})
    results = []
    for n, case in enumerate(cases, 1):
        article = corpus.texts.get(case.article_id, "")
        result = score(case, predict(case), article, corpus.lowercase_words)
        results.append(result)
        if progress:
            progress(n, len(cases), result)
    return results


def engine_predictor(engine: Any) -> Callable[[Case], Prediction]:
    """Predict through ``Engine.stream`` — the same path as ``ask()`` — timing the first
    token and the whole answer."""

    def predict(case: Case) -> Prediction:
        start = time.perf_counter()
        first: float | None = None
        answer: Answer | None = None
        for chunk in engine.stream(case.question):
            if isinstance(chunk, AnswerDelta) and first is None:
                first = time.perf_counter() - start
            elif isinstance(chunk, Answer):
                answer = chunk
        assert answer is not None
        return Prediction.of(answer, time.perf_counter() - start, first)

    return predict


def extraction_scores(index: Any, cases: Sequence[Case]) -> dict[str, Any]:
    """How well the ledger holds the gold attributions: for each who_said /
    who_said_indirect case, is there a row over the gold quote (coverage; ``unattributed``:
    only rows without a speaker) and does it name the gold speaker (recall; precision =
    right among those given a speaker)."""
    texts = index.get_articles(sorted({c.article_id for c in cases}))
    rows: dict[str, list[Any]] = {}
    for quote, _ in index.iter_quotes(sorted(texts)):
        rows.setdefault(quote.article_id, []).append(quote)
    out: dict[str, Any] = {}
    by_method: dict[str, list[int]] = {}  # method → [rows over a gold quote, right]
    for kind in ("who_said", "who_said_indirect"):
        gold = [c for c in cases if c.type == kind and c.evidence_spans and c.article_id in texts]
        found = attributed = right = 0
        for case in gold:
            start, end = _gold_span(texts[case.article_id].text, case)
            over = [r for r in rows.get(case.article_id, []) if r.start < end and start < r.end]
            expected = [case.answer, *case.answer_aliases]
            found += bool(over)
            attributed += any(r.speaker for r in over)
            named = [
                bool(r.speaker) and names_answer(expected, f"{r.speaker} | {r.speaker_mention}")
                for r in over
            ]
            right += any(named)
            for r, ok in zip(over, named, strict=True):
                if r.speaker:
                    by_method.setdefault(r.method, [0, 0])
                    by_method[r.method][0] += 1
                    by_method[r.method][1] += ok
        out[kind] = {
            "n": len(gold),
            "coverage": round(found / len(gold), 3) if gold else None,
            "unattributed": found - attributed,
            "speaker_recall": round(right / len(gold), 3) if gold else None,
            "speaker_precision": round(right / attributed, 3) if attributed else None,
        }
    out["rows"] = sum(len(v) for v in rows.values())
    out["precision_by_method"] = {
        m: {"rows": n, "precision": round(k / n, 3)} for m, (n, k) in sorted(by_method.items())
    }
    return out


def _gold_span(text: str, case: Case) -> tuple[int, int]:
    """Where the gold quote lies: its annotated content found inside the evidence (which may
    run over several paragraphs: "X said:" then the quotation), else the evidence itself."""
    start, end = case.evidence_spans[0][0], case.evidence_spans[-1][1]
    content = str(case.gold.get("content", "")).strip("“”\"' ")
    if content:
        at = text.find(content[:30], start, end + 5)
        if at >= 0:
            return at, at + len(content)
    return start, end


def write_rows(path: Path, results: Sequence[CaseResult]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
