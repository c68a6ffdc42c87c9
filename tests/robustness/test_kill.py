"""`rag ingest` killed with SIGKILL at random points: the index stays consistent (no article
half-indexed, ledger and vectors agree) and re-running finishes the job."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rag.backends.store import Index
from rag.settings import Settings
from tests.conftest import ROOT

N_ARTICLES = 150


def write_corpus(folder: Path) -> None:
    rng = random.Random(7)
    names = ["Ana Ruiz", "Tom Bell", "Mira Lund", "Otto Kern", "Lea Voss"]
    folder.mkdir()
    for i in range(N_ARTICLES):
        name = rng.choice(names)
        paragraphs = [f"Council story number {i}"]
        for j in range(rng.randint(3, 7)):
            paragraphs.append(
                f"The council met on day {j} to discuss item {i}-{j}. "
                f"“We will decide on item {i}-{j} soon,” said {name}, the council leader."
            )
        (folder / f"story-{i:03d}.txt").write_text("\n".join(paragraphs) + "\n")


def consistent(home: Path) -> tuple[int, list[str]]:
    """(committed articles, problems): every committed article has exactly its chunks and
    ledger rows, and nothing a reader sees belongs to an uncommitted version."""
    index = Index(Settings(home=home))
    problems = []
    infos = {a.id: a for a in index.list_articles()}
    for collection, key in ((index.chunks, "chunks"), (index.quotes, "quotes")):
        rows = collection.get(include=["metadatas"])["metadatas"]
        counts: dict[str, int] = {}
        for meta in rows:
            info = infos.get(meta["article_id"])
            if info is not None and meta["content_hash"] == info.content_hash:
                counts[info.id] = counts.get(info.id, 0) + 1
        for info in infos.values():
            expected = getattr(info, key)
            if counts.get(info.id, 0) != expected:
                problems.append(f"{info.id}: {counts.get(info.id, 0)} {key}, expected {expected}")
    seen = {c.chunk.article_id for c in index.iter_chunks()}
    problems += [f"{a}: chunks visible but not committed" for a in seen - set(infos)]
    return len(infos), problems


def run_ingest(corpus: Path, home: Path, kill_at: int | None) -> int:
    """Run `rag ingest`; with ``kill_at``, SIGKILL it once its progress bar has passed that
    many files (so the kill lands while batches are being embedded and written)."""
    env = {**os.environ, "RAG_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(corpus)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if kill_at is None:
        proc.stderr.read()
        return proc.wait(timeout=600)
    seen = b""
    while proc.poll() is None:
        seen += os.read(proc.stderr.fileno(), 4096)
        done = [int(m) for m in re.findall(rb"(\d+)/%d" % N_ARTICLES, seen)]
        if done and done[-1] >= kill_at:
            proc.send_signal(signal.SIGKILL)
            break
    return proc.wait(timeout=60)


@pytest.mark.integration
def test_sigkill_mid_ingest_leaves_a_consistent_index_that_a_rerun_completes(
    tmp_path: Path,
) -> None:
    corpus, home = tmp_path / "corpus", tmp_path / "home"
    write_corpus(corpus)
    rng = random.Random(11)
    counts = []
    for target in sorted(rng.sample(range(10, N_ARTICLES - 10), 3)):
        code = run_ingest(corpus, home, kill_at=target)
        assert code == -signal.SIGKILL
        n, problems = consistent(home)
        assert problems == [], problems[:5]
        counts.append(n)
    print("committed after each kill:", counts)
    assert counts[-1] < N_ARTICLES, "the kills came too late to test anything"
    assert counts[-1] > 0, "the kills came too early to test anything"
    assert run_ingest(corpus, home, kill_at=None) == 0
    n, problems = consistent(home)
    assert (n, problems) == (N_ARTICLES, [])
