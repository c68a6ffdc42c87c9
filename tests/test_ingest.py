"""Reading every format, and the incremental index, on a real Chroma in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.backends.store import Index
from rag.errors import ConfigError, NotFoundError
from rag.ingest import readers
from rag.ingest.metadata import normalise_date
from rag.ingest.pipeline import ingest_paths
from rag.ingest.readers import discover, load_file
from rag.settings import Settings
from tests.conftest import SEED_FILE, SEEDS

MB = 10**6


def test_txt_first_line_is_title_and_sidecar_adds_metadata(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("Ministers meet in Brussels\nThe ministers met. “We agree,” she said.\n")
    (tmp_path / "story.meta.json").write_text(
        json.dumps({"source": "The National", "date": "20 November 2025", "url": "https://x"})
    )
    (article,), errors = load_file(path, MB)
    assert errors == []
    assert article.id == "story"
    assert article.title == "Ministers meet in Brussels"
    assert article.text.startswith("Ministers meet in Brussels\n")
    assert (article.source, article.date, article.url) == (
        "The National",
        "2025-11-20",
        "https://x",
    )
    assert len(article.content_hash) == 16


def test_a_new_file_format_is_one_registered_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rst(path: Path, text: str) -> dict[str, str]:
        title, _, body = text.partition("\n====\n")
        return {"title": title.strip(), "text": body}

    (tmp_path / "story.rst").write_text("Talks resume\n====\nThe minister said “we will talk”.\n")
    assert discover([tmp_path / "story.rst"])[1][0].problem.startswith("unsupported file type")
    monkeypatch.setitem(readers.TEXT_READERS, ".rst", rst)
    files, errors = discover([tmp_path])
    assert not errors
    ((article,), _) = load_file(files[0], 10_000_000)
    assert (article.id, article.title) == ("story", "Talks resume")
    assert article.text.startswith("The minister said")


def test_seed_article_carries_its_source() -> None:
    (article,), _ = load_file(SEED_FILE, MB)
    assert article.id == "000_054a51117a7b1a50"
    assert article.source == "The National"
    assert article.text == SEED_FILE.read_text(encoding="utf-8")


def test_markdown_title_from_heading(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Kallas warns Europe\n\nKaja Kallas said the plan needs Europeans.\n")
    (article,), _ = load_file(path, MB)
    assert article.title == "Kallas warns Europe"
    assert "Kaja Kallas said" in article.text


def test_html_main_text_is_extracted_without_scripts_or_navigation(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    body = " ".join(["The general said the plan would be a disaster for Europe."] * 4)
    path.write_text(
        "<html><head><title>Plan alarms generals</title><style>p{color:red}</style>"
        "<script>alert('x')</script></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>Plan alarms generals</h1><p>{body}</p><p>“It is squirmy,” he added "
        "on Tuesday in Brussels when asked about Germany.</p></article>"
        "<footer>Copyright 2025</footer></body></html>"
    )
    (article,), _ = load_file(path, MB)
    assert article.title == "Plan alarms generals"
    assert "would be a disaster" in article.text and "squirmy" in article.text
    for junk in ("alert(", "color:red", "Home | World", "Copyright"):
        assert junk not in article.text


def test_json_single_list_and_wrapped(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"id": "a1", "title": "T1", "text": "Body one.", "author": "X"}))
    many = tmp_path / "many.json"
    many.write_text(
        json.dumps(
            {
                "articles": [
                    {"title": "T2", "text": "Body two."},
                    {"id": "a3", "text": "Body three."},
                ]
            }
        )
    )
    (a1,), _ = load_file(one, MB)
    assert (a1.id, a1.title, a1.author) == ("a1", "T1", "X")
    articles, errors = load_file(many, MB)
    assert errors == []
    assert [a.title for a in articles] == ["T2", "Body three."]
    assert articles[1].id == "a3" and articles[0].id.startswith("many-")


def test_jsonl_bad_lines_are_reported_by_number_and_good_lines_kept(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"id": "g1", "title": "Good", "text": "First good story."}\n'
        "{not json\n"
        '{"id": "g2", "title": "No text"}\n'
        "\n"
        '{"id": "g3", "title": "Also good", "text": "Second good story.", "date": "2016-02-01"}\n'
    )
    articles, errors = load_file(path, MB)
    assert [a.id for a in articles] == ["g1", "g3"]
    assert articles[1].date == "2016-02-01"
    assert [e.path for e in errors] == [f"{path} line 2", f"{path} line 3"]
    assert "invalid JSON" in errors[0].problem and "no 'text'" in errors[1].problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_unreadable_files_name_the_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(Exception) as info:
        load_file(path, MB)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Café talks\nM. Barrot a parlé à Bruxelles.\n".encode("latin-1"))
    (article,), _ = load_file(path, MB)
    assert article.title == "Café talks" and "à Bruxelles" in article.text


def test_discover_walks_folders_and_reports_bad_paths(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_text("A\nText.")
    (tmp_path / "d" / "sub" / "b.md").write_text("# B\nText.")
    (tmp_path / "d" / "a.meta.json").write_text("{}")
    (tmp_path / "d" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "d" / ".hidden.txt").write_text("H\nText.")
    files, errors = discover([tmp_path / "d", tmp_path / "missing.txt", tmp_path / "d/image.png"])
    assert [f.name for f in files] == ["a.txt", "b.md"]
    assert [e.problem.split(" (")[0] for e in errors] == [
        "no such file or folder",
        "unsupported file type",
    ]


def test_dates_are_normalised() -> None:
    assert normalise_date("2015-12-07") == "2015-12-07"
    assert normalise_date("2015/12/7") == "2015-12-07"
    assert normalise_date("Mon, 07 Dec 2015 10:00:00 GMT") == "2015-12-07"
    assert normalise_date("December 7, 2015") == "2015-12-07"
    assert normalise_date("sometime") == ""


# --- the incremental index ------------------------------------------------------------------


def _chunk_ids(index: Index, article_id: str) -> list[str]:
    return sorted(index.chunks.get(where={"article_id": article_id})["ids"])


def test_reingest_is_a_noop_and_a_change_replaces_chunks(
    settings: Settings, tmp_path: Path
) -> None:
    index = Index(settings)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    story = corpus / "story.txt"
    story.write_text("Plan alarms Europe\nFirst paragraph here.\nSecond paragraph here.\n")
    first = ingest_paths(index, [corpus], settings)
    assert first.added == ["story"] and first.chunks == 2
    before = _chunk_ids(index, "story")
    generation = index.generation()

    again = ingest_paths(index, [corpus], settings)
    assert again.unchanged == ["story"] and again.chunks == 0
    assert _chunk_ids(index, "story") == before
    assert index.generation() == generation  # nothing written

    story.write_text("Plan alarms Europe\nA rewritten paragraph.\n")
    changed = ingest_paths(index, [corpus], settings)
    assert changed.replaced == ["story"]
    after = _chunk_ids(index, "story")
    assert len(after) == 1 and not set(after) & set(before)
    assert index.get_article("story").text.endswith("A rewritten paragraph.\n")
    (info,) = index.list_articles()
    assert (info.id, info.chunks) == ("story", 1)


def test_remove_deletes_article_and_chunks(settings: Settings) -> None:
    index = Index(settings)
    ingest_paths(index, [SEEDS], settings)
    assert _chunk_ids(index, "000_054a51117a7b1a50")
    index.remove("000_054a51117a7b1a50")
    assert index.list_articles() == []
    assert _chunk_ids(index, "000_054a51117a7b1a50") == []
    with pytest.raises(NotFoundError):
        index.remove("000_054a51117a7b1a50")


def test_a_bad_file_does_not_stop_the_batch_or_touch_the_index(
    settings: Settings, tmp_path: Path
) -> None:
    index = Index(settings)
    ingest_paths(index, [SEEDS], settings)
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "empty.txt").write_text("")
    (batch / "good.txt").write_text("Good story\nIt is fine.\n")
    report = ingest_paths(index, [batch, tmp_path / "nope"], settings)
    assert report.added == ["good"]
    assert sorted(e.problem for e in report.errors) == ["empty file", "no such file or folder"]
    assert {a.id for a in index.list_articles()} == {"good", "000_054a51117a7b1a50"}


def test_interrupted_write_is_invisible_and_repaired(settings: Settings) -> None:
    """Simulate a crash after the chunks of a new version were added, before the commit."""
    index = Index(settings)
    ingest_paths(index, [SEEDS], settings)
    (article,), _ = load_file(SEED_FILE, MB)
    changed = article.model_copy(
        update={"text": article.text + "\nA late paragraph.\n", "content_hash": "f" * 16}
    )
    # Steps 1-2 of the protocol only: mark pending, add the new chunks.
    meta = index.articles.get(ids=[article.id])["metadatas"][0]
    index.articles.update(ids=[article.id], metadatas=[{**meta, "pending_hash": "f" * 16}])
    index.chunks.add(
        ids=[f"{article.id}::{'f' * 16}::0"],
        documents=["A late paragraph."],
        embeddings=index.embedder.embed(["A late paragraph."]).tolist(),
        metadatas=[
            {
                "article_id": article.id,
                "content_hash": "f" * 16,
                "index": 0,
                "start": 0,
                "end": 16,
                "title": "",
                "source": "",
                "date": "",
                "date_num": 0,
                "url": "",
            }
        ],
    )
    assert all(c.content_hash != "f" * 16 for c in index.iter_chunks())
    assert index.get_article(article.id).text == article.text  # the old version still served
    assert index.repair() == 1
    assert index.chunks.get(where={"content_hash": "f" * 16})["ids"] == []
    ingest_paths(index, [SEEDS], settings)  # re-running finishes cleanly
    assert changed.content_hash != index.get_article(article.id).content_hash


def test_opening_an_index_with_another_embedder_is_refused(settings: Settings) -> None:
    ingest_paths(Index(settings), [SEEDS], settings)
    with pytest.raises(ConfigError, match="built with embedder 'hash'"):
        Index(settings.model_copy(update={"embedder": "minilm"}))


def test_the_same_text_under_another_name_is_skipped(settings: Settings, tmp_path: Path) -> None:
    index = Index(settings)
    ingest_paths(index, [SEEDS], settings)
    copy = tmp_path / "copy-of-seed.txt"
    copy.write_text(SEED_FILE.read_text(encoding="utf-8").replace("\n", "\n\n"))  # spacing only
    twin_in_batch = tmp_path / "b.md"
    twin_in_batch.write_text("# Same\nBody text here.\n")
    (tmp_path / "c.md").write_text("# Same\nBody text here.\n")
    report = ingest_paths(index, [copy, twin_in_batch, tmp_path / "c.md"], settings)
    assert report.duplicates == [("copy-of-seed", "000_054a51117a7b1a50"), ("c", "b")]
    assert report.added == ["b"]
    assert {a.id for a in index.list_articles()} == {"000_054a51117a7b1a50", "b"}


def test_concurrent_callers_index_the_default_corpus_once(settings: Settings) -> None:
    import threading

    from rag.api import Engine

    engine = Engine(settings, on_status=lambda _: None)
    reports: list[object] = []

    def call() -> None:
        reports.append(engine.ensure_corpus())

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    indexed = [r for r in reports if r is not None]
    assert len(indexed) == 1 and len(reports) == 3  # the others waited, then found it done
    assert [a.id for a in engine.list_articles()] == ["000_054a51117a7b1a50"]
