"""The keyword index's figures on a large synthetic index kept on a Chroma server, which
`rag bench --synthetic N` would build and drop each run (100k articles take over an hour).

    python scripts/keyword_scale.py build 100000 --url http://127.0.0.1:8123
    python scripts/keyword_scale.py measure 100000 --url http://127.0.0.1:8123

``build`` writes the articles of ``rag bench --synthetic N`` into collection ``scaleN``;
``measure`` builds two fresh keyword copies of it (as two clients would), times 100 questions,
then adds and removes five articles, timing the store write, the writer's catch-up and
another client's next query. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from rag.answer.retrieve import Retriever
from rag.backends.keyword import KeywordIndex
from rag.backends.store import Index
from rag.evaluation.bench import _FIRST, _LAST, _TOPICS, _FastEmbedder, _rss_mb, synthetic_articles
from rag.ingest.pipeline import ingest_articles
from rag.settings import Settings, get_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["build", "measure"])
    parser.add_argument("n", type=int)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--collection", help="default: scaleN")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="keyword-scale-"))
    settings = get_settings().model_copy(
        update={
            "home": work,
            "embedder": "bench-hash",
            "ledger": False,
            "collection": args.collection or f"scale{args.n}",
            "chroma_url": args.url,
        }
    )
    index = Index(settings, embedder=_FastEmbedder())
    try:
        if args.step == "build":
            start = time.perf_counter()
            report = ingest_articles(index, synthetic_articles(args.n), settings)
            print(json.dumps({"chunks": report.chunks, "s": round(time.perf_counter() - start)}))
        else:
            print(json.dumps(measure(index, settings, args.n, work), indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(index: Index, settings: Settings, n: int, work: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    rss_before = _rss_mb()
    start = time.perf_counter()
    out["articles"] = len(index.changes_since(None))
    out["read_every_record_s"] = round(time.perf_counter() - start, 2)
    keyword = KeywordIndex(index, path=work / "here")
    start = time.perf_counter()
    keyword.refresh()
    out["keyword_build_s"] = round(time.perf_counter() - start, 2)
    out["keyword_index_mb"] = round(
        sum(f.stat().st_size for f in keyword.path.rglob("*") if f.is_file()) / 1e6, 1
    )
    out["rss_growth_after_build_mb"] = round(_rss_mb() - rss_before)
    retriever = Retriever.for_index(index, keyword)
    rng = random.Random(1)
    hybrid: list[float] = []
    keyword_only: list[float] = []
    for _ in range(100):
        q = f"What did {rng.choice(_FIRST)} {rng.choice(_LAST)} say about {rng.choice(_TOPICS)}?"
        t = time.perf_counter()
        retriever.search(q)
        hybrid.append(time.perf_counter() - t)
        t = time.perf_counter()
        keyword.search(q, settings.candidates)
        keyword_only.append(time.perf_counter() - t)
    for name, times in (("retrieval", hybrid), ("keyword", keyword_only)):
        times.sort()
        out[f"{name}_p50_ms"] = round(times[50] * 1e3, 1)
        out[f"{name}_p95_ms"] = round(times[95] * 1e3, 1)
    other = KeywordIndex(index, path=work / "there")
    other.refresh()
    adds: list[dict[str, object]] = []
    for article in list(synthetic_articles(n + 5))[n:]:
        extra = article.model_copy(update={"id": f"extra-{time.time_ns()}"})
        t0 = time.perf_counter()
        ingest_articles(index, [extra], settings)
        t1 = time.perf_counter()
        keyword.refresh()
        t2 = time.perf_counter()
        hits = [c.chunk.article_id for c, _ in other.search(extra.title, 5)]
        t3 = time.perf_counter()
        adds.append(
            {
                "write_s": round(t1 - t0, 2),
                "catch_up_s": round(t2 - t1, 2),
                "other_client_next_query_s": round(t3 - t2, 2),
                "other_client_found_it": extra.id in hits,
            }
        )
        index.remove(extra.id)
        keyword.refresh()
        other.refresh()
    out["add_one_article"] = adds
    out["rss_growth_mb"] = round(_rss_mb() - rss_before)
    return out


if __name__ == "__main__":
    main()
