"""The development sets in ../shared (CI has them; a user's clone does not, and these tests
then skip, naming the folder they need)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.backends.store import Index
from rag.evaluation import eval as ev
from rag.ingest.metadata import read_metadata_table
from rag.ingest.pipeline import ingest_paths
from rag.ingest.readers import discover
from rag.settings import Settings
from tests.conftest import SHARED


def _dev_set(name: str) -> Path:
    folder = SHARED / "eval" / name
    if not (folder / "cases.jsonl").is_file():
        pytest.skip(f"needs the {name} development set in {folder} (not in a plain clone)")
    return folder


@pytest.mark.parametrize("name", ["polnear-dev", "polnear-train"])
def test_every_case_points_at_a_readable_article(name: str) -> None:
    folder = _dev_set(name)
    cases = ev.load_cases(folder / "cases.jsonl")
    files, errors = discover([folder / "articles"])
    assert not errors
    stems = {f.stem for f in files}
    assert cases and {c.article_id for c in cases} <= stems


def test_the_ledger_holds_the_gold_speakers_of_polnear_dev(tmp_path: Path) -> None:
    """A floor under extraction on the set the rules were built on: a rule change that
    loses speakers fails here before anyone runs the full evaluation."""
    folder = _dev_set("polnear-dev")
    settings = Settings(home=tmp_path / "home", embedder="hash", llm="fake", ledger_model=False)
    index = Index(settings)
    report = ingest_paths(
        index,
        [folder / "articles"],
        settings,
        metadata=read_metadata_table(folder / "metadata.tsv"),
    )
    assert report.ok, report.errors
    scores = ev.extraction_scores(index, ev.load_cases(folder / "cases.jsonl"))
    assert scores["who_said"]["speaker_recall"] >= 0.95
    assert scores["who_said_indirect"]["speaker_recall"] >= 0.91
