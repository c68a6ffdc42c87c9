"""Bad input at scale: a huge file, a folder of 10,000 files, hostile HTML."""

from __future__ import annotations

import time
from pathlib import Path

from rag.backends.store import Index
from rag.ingest.pipeline import ingest_paths
from rag.ingest.readers import discover
from rag.settings import Settings
from tests.conftest import SEEDS


def test_a_50_mb_file_is_refused_clearly_and_the_batch_goes_on(
    settings: Settings, tmp_path: Path
) -> None:
    big = tmp_path / "big.txt"
    with big.open("w") as f:
        line = "The council met again and talked for a very long time about the harbour.\n"
        for _ in range(50_000_000 // len(line)):
            f.write(line)
    (tmp_path / "small.txt").write_text("Small story\nIt is fine.\n")
    index = Index(settings)
    ingest_paths(index, [SEEDS], settings)
    report = ingest_paths(index, [tmp_path], settings)
    (error,) = report.errors
    assert error.path == str(big) and "over the 20 MB limit (RAG_MAX_FILE_MB)" in error.problem
    assert report.added == ["small"]
    assert {a.id for a in index.list_articles()} == {"small", "000_054a51117a7b1a50"}


def test_a_folder_of_10k_files(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(10_000):
        (folder / f"n{i:05d}.txt").write_text(f"Note {i}\nItem {i} was approved on day {i}.\n")
    (folder / "broken.json").write_text("{oops")
    start = time.monotonic()
    files, errors = discover([folder])
    assert len(files) == 10_001 and errors == []
    assert time.monotonic() - start < 30
    s = settings.model_copy(update={"ledger": False})
    report = ingest_paths(Index(s), [folder], s)
    assert len(report.added) == 10_000 and report.chunks == 10_000
    assert [e.path for e in report.errors] == [str(folder / "broken.json")]


def test_html_with_scripts_styles_and_navigation(tmp_path: Path, settings: Settings) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Vote</title><script>document.write('pwned')</script>"
        "<style>p{}</style></head><body><nav><a href='/'>Home</a> | <a>World</a></nav>"
        "<main><article><h1>Council vote</h1><p>"
        + "The council voted on the harbour on Tuesday after a long debate. "
        * 5
        + "</p><p>“It will pass,” said Lea Voss.</p><script>alert(1)</script></article></main>"
        "<footer>© Paper</footer></body></html>"
    )
    index = Index(settings)
    report = ingest_paths(index, [page], settings)
    assert report.added == ["page"]
    text = index.get_article("page").text
    assert "pwned" not in text and "alert" not in text and "Home" not in text
    assert "It will pass" in text
