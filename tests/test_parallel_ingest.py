"""Ingest with the ledger's parse in a worker process: the same index as without it."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from rag.backends import nlp
from rag.backends.store import Index
from rag.ingest import pipeline
from rag.ingest.metadata import make_article
from rag.ingest.pipeline import ingest_articles, ingest_paths
from rag.settings import Settings
from rag.types import Article

PEOPLE = ["Jane Roe", "John Doe", "Ana Lima", "Omar Haddad", "Mei Chen"]


def _story(n: int, extra: str = "") -> Article:
    speaker, other = PEOPLE[n % len(PEOPLE)], PEOPLE[(n + 1) % len(PEOPLE)]
    text = (
        f"Talks on the harbour plan, part {n}\n"
        f"{speaker}, the port director, spoke on Monday.\n"
        f"“The harbour will reopen in {n + 2} weeks,” {speaker} said.\n"
        f"{other} disagreed. “Nobody has seen the budget,” she said.\n"
        f"The council said it would vote in March.{extra}\n"
    )
    return make_article({"id": f"story-{n}", "title": f"Part {n}", "text": text}, None)


def _quotes(settings: Settings) -> list[dict]:
    index = Index(settings)
    return sorted((q.model_dump() for q, _ in index.iter_quotes()), key=str)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 4 articles, each parsed by a worker: several launches in one run."""
    monkeypatch.setattr(pipeline._Batch, "MAX_ARTICLES", 4)
    monkeypatch.setattr(nlp, "PARALLEL_MIN_ARTICLES", 2)


def test_a_parse_worker_writes_the_same_ledger_as_this_process(
    settings: Settings, small_batches: None, caplog: pytest.LogCaptureFixture
) -> None:
    here = settings.model_copy(update={"home": settings.home / "here", "parse_workers": 0})
    worker = settings.model_copy(update={"home": settings.home / "worker", "parse_workers": 1})
    stories = [_story(n) for n in range(10)]
    reports = [ingest_articles(Index(s), stories, s) for s in (here, worker)]
    assert all(sorted(r.added) == sorted(a.id for a in stories) for r in reports)
    rows = _quotes(worker)
    assert rows == _quotes(here)
    said = {(r["speaker"], r["quote"]) for r in rows}
    assert ("Jane Roe", "The harbour will reopen in 2 weeks,") in said
    assert "parse worker" not in caplog.text  # the worker did the parsing


def test_a_later_version_in_the_same_run_supersedes_a_launched_one(
    settings: Settings, small_batches: None
) -> None:
    settings = settings.model_copy(update={"parse_workers": 1})
    first, later = _story(0), _story(0, extra=" It did not.")
    index = Index(settings)
    report = ingest_articles(index, [first, *(_story(n) for n in range(1, 4)), later], settings)
    assert report.added.count("story-0") == 1 and "story-0" not in report.replaced
    assert index.versions("story-0") == []  # the first version was never written
    assert index.get_article("story-0").text.endswith("It did not.\n")
    assert {q.article_id for q, _ in index.iter_quotes()} >= {"story-0", "story-3"}


def test_a_batch_whose_write_fails_is_queued_again(
    settings: Settings, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index(settings)
    batch = pipeline._Batch(index, settings, pipeline.IngestReport())
    write, calls = index.upsert_many, []

    def fails_once(items: list) -> None:
        calls.append(len(items))
        if len(calls) == 1:
            raise OSError("disk full")
        write(items)

    monkeypatch.setattr(index, "upsert_many", fails_once)
    for n in range(4):
        batch.add(_story(n))  # the fourth launches the first batch
    with pytest.raises(OSError):
        for n in range(4, 8):
            batch.add(_story(n))  # the eighth launches the second and writes the first
    batch.flush()
    assert sorted(batch.report.added) == sorted(f"story-{n}" for n in range(8))
    assert {a.id for a in index.list_articles()} == {f"story-{n}" for n in range(8)}


def _dies_in_a_worker(article: Article, doc: object) -> str:
    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return article.id


def test_a_worker_that_dies_is_replaced_by_this_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stories = [_story(n) for n in range(nlp.PARALLEL_MIN_ARTICLES)]
    results = nlp.start_parse(stories, _dies_in_a_worker, workers=1)
    assert results() == [a.id for a in stories]
    assert "a parse worker failed" in caplog.text


def test_said_about_compares_a_row_by_its_passage_and_an_older_row_by_its_own_vector(
    settings: Settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "s.txt").write_text(_story(0).text)
    index = Index(settings)
    ingest_paths(index, [corpus], settings)
    page = index.quotes.get(where={"speaker": "Jane Roe"}, include=["metadatas", "documents"])
    ((row_id, meta, text),) = [
        row
        for row in zip(page["ids"], page["metadatas"], page["documents"], strict=True)
        if "reopen" in row[2]
    ]
    (passage,) = index.chunks.get(ids=[meta["chunk_id"]])["documents"]
    assert text in passage and "director" not in passage  # the quote's own paragraph
    topic = "When will the harbour reopen?"
    key = ("s", meta["start"])
    (chunk,) = index.chunks.get(ids=[meta["chunk_id"]], include=["embeddings"])["embeddings"]
    (stored,) = index.quotes.get(ids=[row_id], include=["embeddings"])["embeddings"]
    assert np.allclose(stored, chunk)  # the row is stored with its passage's vector
    expected = float(np.dot(chunk, index.embedder.embed([topic])[0]))
    assert index.quote_similarity(topic, ["Jane Roe"], [])[key] == pytest.approx(expected, abs=1e-5)

    # A row written before rows named their passage keeps its own vector.
    older = {**meta, "chunk_id": None}  # (None deletes the key)
    own = index.embedder.embed([text])
    index.quotes.upsert(ids=[row_id], metadatas=[older], embeddings=own.tolist(), documents=[text])
    assert "chunk_id" not in index.quotes.get(ids=[row_id])["metadatas"][0]
    expected = float(np.dot(own[0], index.embedder.embed([topic])[0]))
    assert index.quote_similarity(topic, ["Jane Roe"], [])[key] == pytest.approx(expected, abs=1e-5)
