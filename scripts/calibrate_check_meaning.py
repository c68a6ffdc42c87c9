"""The meaning threshold of `rag check` (Settings.check_min_meaning), measured on a dev set.

Prints the best meaning similarity `rag check` finds, with no threshold, for claims that no
one said (quotations from the other set given to this set's speakers, and the gold set's
invented claims), beside the meaning similarity of the gold set's reworded claims to their
originals. The threshold belongs above the first and below most of the second.

    RAG_HOME=/tmp/ckhome .venv/bin/python scripts/calibrate_check_meaning.py \
        ../shared/eval/polnear-dev ../shared/eval/polnear-train
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from rag.api import Engine
from rag.evaluation import check_gold
from rag.evaluation import eval as ev
from rag.settings import Settings

OTHERS = 400  # quotations taken from the other set


def best_meaning(engine: Engine, claim: str, speaker: str) -> float | None:
    """The meaning similarity of the check's evidence: 0.0 when it found nothing, None
    when the claim's words settled it."""
    found = engine.check(claim, speaker)
    if found.verdict == "not_found" or not found.evidence:
        return 0.0
    return found.evidence[0].meaning


def main(this: Path, other: Path) -> None:
    settings = Settings().model_copy(update={"check_min_meaning": 0.0})
    gold = ev.load_cases(this / "cases.jsonl", [], None, None, None)
    engine = ev.eval_engine(this / "articles", settings, None, lambda _: None)
    ids = sorted({c.article_id for c in gold})
    texts = {a.id: a.text for a in engine.get_articles(ids).values()}
    elsewhere = ev.load_cases(other / "cases.jsonl", [], None, None, None)
    claims = check_gold.build_check_cases(gold, texts, elsewhere)
    speakers = sorted({c.speaker for c in claims if c.kind == "verbatim"})
    quoted = [str(c.gold.get("content", "")).strip("“”\"'‘’ ") for c in elsewhere]
    quoted = [q for q in dict.fromkeys(quoted) if len(q.split()) >= 3 and len(q) <= 400]
    negatives = [
        best_meaning(engine, q, speakers[n % len(speakers)]) for n, q in enumerate(quoted[:OTHERS])
    ] + [best_meaning(engine, c.claim, c.speaker) for c in claims if c.kind == "invented"]
    by_meaning = np.array([m for m in negatives if m is not None])
    reworded = np.array(
        [
            engine.index.meaning_similarity(c.claim, [texts[c.article_id][c.start : c.end]])[0]
            for c in claims
            if c.kind == "reworded"
        ]
    )
    print(f"{this.name}: claims no one said: {len(negatives)}, by meaning {len(by_meaning)}")
    print(f"  max {by_meaning.max():.3f}  p99 {np.percentile(by_meaning, 99):.3f}")
    print(f"reworded claims against their originals: {len(reworded)}")
    print(f"  min {reworded.min():.3f}  p5 {np.percentile(reworded, 5):.3f}")
    print(f"  p50 {np.median(reworded):.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
