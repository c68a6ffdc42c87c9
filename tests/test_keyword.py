"""The keyword index (tantivy, on local disk) on a real Chroma in tmp_path: BM25 with the
filters, and kept current by applying only what changed in the store."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from rag.api import Engine
from rag.backends import store
from rag.backends.keyword import KeywordIndex
from rag.backends.store import Index
from rag.ingest.metadata import make_article
from rag.ingest.pipeline import ingest_articles
from rag.settings import Settings
from rag.types import Article


def story(aid: str, text: str, source: str = "Wire", date: str = "2025-03-01") -> Article:
    fields = {"id": aid, "title": f"Story {aid}", "text": text, "source": source, "date": date}
    return make_article(fields, Path(f"{aid}.txt"))


STORIES = [
    story(
        "harbour", "Harbour talks\nThe harbour board met. “Dredging starts in May,” Ana Ruiz said."
    ),
    story("rail", "Rail strike\nDrivers walked out. “We want safety,” said Tom Berg.", "Post"),
    story(
        "budget",
        "Budget row\nThe budget passed. “Harbour money is cut,” Lea Voss said.",
        "Post",
        "",
    ),
]


@pytest.fixture
def index(settings: Settings) -> Index:
    index = Index(settings)
    ingest_articles(index, STORIES, settings)
    return index


def found(keyword: KeywordIndex, query: str, **filters: object) -> list[str]:
    return [c.chunk.article_id for c, _ in keyword.search(query, 10, **filters)]  # type: ignore[arg-type]


def test_bm25_ranks_the_article_with_more_of_the_words_first(index: Index) -> None:
    keyword = KeywordIndex(index)
    hits = keyword.search("harbour dredging", 10)
    assert [c.chunk.article_id for c, _ in hits] == ["harbour", "budget"]
    assert hits[0][1] > hits[1][1] > 0
    (chunk, _) = hits[0]
    article = index.get_article("harbour")
    assert article.text[chunk.chunk.start : chunk.chunk.end] == chunk.chunk.text
    assert keyword.search("what did they say", 10) == []  # only question words
    assert keyword.search("zeppelin", 10) == []


def test_filters_narrow_search_and_listing_alike(index: Index) -> None:
    keyword = KeywordIndex(index)
    assert found(keyword, "harbour", sources=["Post"]) == ["budget"]
    assert found(keyword, "harbour", article_ids=["harbour"]) == ["harbour"]
    assert found(keyword, "harbour", date_from=20250101) == ["harbour"]  # budget is undated
    assert found(keyword, "harbour", date_to=20251231) == ["harbour"]
    assert found(keyword, "harbour", date_from=20250302) == []
    assert keyword.articles_within(sources=["Post"]) == ["budget", "rail"]
    assert keyword.articles_within(date_to=20251231) == ["harbour", "rail"]
    assert keyword.articles_within(article_ids=["rail", "nope"]) == ["rail"]
    assert keyword.articles_titled(["story rail"]) == ["rail"]


def test_a_new_or_changed_article_is_applied_alone(
    index: Index, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    keyword = KeywordIndex(index)
    keyword.search("warm", 1)  # the first use builds the copy
    caplog.set_level(logging.INFO, logger="rag.backends.keyword")
    ingest_articles(
        index, [story("ferry", "Ferry\n“The ferry sails at dawn,” said Ola Lind.")], settings
    )
    ingest_articles(
        index, [story("rail", "Rail strike\nDrivers returned. “Trams run,” Berg said.")], settings
    )
    assert found(keyword, "ferry dawn") == ["ferry"]
    assert found(keyword, "trams") == ["rail"]
    assert found(keyword, "safety") == []  # the replaced text is gone
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["keyword index: 2 article(s) changed"]
    assert not any("building" in m for m in messages)


def test_a_removed_article_leaves_search_and_listing(index: Index) -> None:
    keyword = KeywordIndex(index)
    assert "budget" in found(keyword, "harbour")
    index.remove("budget")
    assert found(keyword, "harbour") == ["harbour"]
    assert "budget" not in keyword.articles_within()
    assert index.count_articles() == 2  # the tombstone is not an article
    with pytest.raises(Exception, match="no article"):
        index.remove("budget")


def test_a_removed_article_can_come_back(index: Index, settings: Settings) -> None:
    keyword = KeywordIndex(index)
    index.remove("rail")
    assert found(keyword, "safety") == []
    ingest_articles(index, [STORIES[1]], settings)
    assert found(keyword, "safety") == ["rail"]


def test_another_client_sees_a_commit_without_restarting(
    index: Index, settings: Settings, tmp_path: Path
) -> None:
    """Two copies of one store (as two machines on a Chroma server keep), each kept current."""
    here = KeywordIndex(index)
    there = KeywordIndex(Index(settings), path=tmp_path / "elsewhere")
    assert found(here, "harbour") == found(there, "harbour") == ["harbour", "budget"]
    ingest_articles(
        index, [story("ferry", "Ferry\n“The ferry sails at dawn,” said Ola Lind.")], settings
    )
    assert found(there, "ferry") == ["ferry"]
    index.remove("harbour")
    assert found(there, "harbour") == ["budget"]
    assert found(here, "ferry") == ["ferry"] and found(here, "harbour") == ["budget"]


def test_a_copy_that_lost_its_state_is_built_again(index: Index, settings: Settings) -> None:
    keyword = KeywordIndex(index)
    assert found(keyword, "safety") == ["rail"]
    with sqlite3.connect(keyword.path / "articles.sqlite") as db:
        db.execute("DELETE FROM state")
    ingest_articles(index, [story("ferry", "Ferry\n“The ferry sails,” said Ola Lind.")], settings)
    fresh = KeywordIndex(index)
    assert set(found(fresh, "safety ferry")) == {"ferry", "rail"}
    assert fresh.articles_within() == ["budget", "ferry", "harbour", "rail"]


def test_catching_up_twice_is_harmless(index: Index, settings: Settings) -> None:
    """A process stopped between the copy's commit and its record applies the change again,
    without doubling it."""
    keyword = KeywordIndex(index)
    keyword.refresh()
    record = keyword.path / "articles.sqlite"
    before = record.read_bytes()
    ferry = story("ferry", "Ferry\n“The ferry sails at dawn,” said Ola Lind.")
    ingest_articles(index, [ferry], settings)
    assert found(keyword, "ferry") == ["ferry"]
    record.write_bytes(before)  # the record as it was before that commit
    again = KeywordIndex(index)
    assert found(again, "ferry") == ["ferry"]
    assert again.articles_within() == ["budget", "ferry", "harbour", "rail"]


class _LateClock:
    """The time module of a writer whose clock is 15 minutes behind."""

    @staticmethod
    def time() -> float:
        return time.time() - 900


def test_a_writer_with_a_late_clock_is_still_seen(
    index: Index, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyword = KeywordIndex(index)
    ingest_articles(index, [story("ferry", "Ferry\n“The ferry sails,” said Ola Lind.")], settings)
    assert found(keyword, "ferry") == ["ferry"]
    monkeypatch.setattr(store, "time", _LateClock)
    ingest_articles(index, [story("tram", "Tram\n“Trams are late,” said Ola Lind.")], settings)
    index.remove("ferry")
    monkeypatch.undo()
    assert found(keyword, "trams") == ["tram"]
    assert found(keyword, "ferry") == []


def test_repair_keeps_the_tombstone_of_an_interrupted_re_add(index: Index) -> None:
    keyword = KeywordIndex(index)
    assert "budget" in keyword.articles_within()
    index.remove("budget")
    meta = index.articles.get(ids=["budget"])["metadatas"][0]
    index.articles.update(ids=["budget"], metadatas=[{**meta, "pending_hash": "f" * 16}])
    assert index.repair() == 1  # a re-ingest stopped after marking the tombstone pending
    assert "budget" not in keyword.articles_within()
    assert found(keyword, "harbour") == ["harbour"]


def test_a_copy_deleted_under_a_running_process_is_built_again(
    index: Index, settings: Settings
) -> None:
    keyword = KeywordIndex(index)
    assert found(keyword, "safety") == ["rail"]
    shutil.rmtree(keyword.path)
    assert keyword.articles_within(sources=["Post"]) == ["budget", "rail"]  # nothing written yet
    shutil.rmtree(keyword.path)
    ingest_articles(index, [story("ferry", "Ferry\n“The ferry sails,” said Ola Lind.")], settings)
    assert found(keyword, "ferry safety") in (["ferry", "rail"], ["rail", "ferry"])
    assert (keyword.path / "meta.json").exists()


def test_a_failed_catch_up_lets_go_of_the_writer(
    index: Index, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyword = KeywordIndex(index)
    keyword.refresh()
    ingest_articles(index, [story("ferry", "Ferry\n“The ferry sails,” said Ola Lind.")], settings)
    with monkeypatch.context() as m:
        m.setattr(keyword, "_add", lambda writer, chunks: (_ for _ in ()).throw(OSError("disk")))
        with pytest.raises(OSError, match="disk") as failure:  # keeps the traceback alive
            keyword.refresh()
    assert failure.value and found(keyword, "ferry") == ["ferry"]


def test_listing_takes_any_number_of_ids(index: Index) -> None:
    many = [f"id-{i}" for i in range(260_000)] + ["rail"]
    assert KeywordIndex(index).articles_within(article_ids=many) == ["rail"]


def test_an_ingest_is_reported_even_when_the_keyword_index_fails(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = Engine(settings, on_status=lambda _: None)
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "ferry.txt").write_text("Ferry\n“The ferry sails,” said Ola Lind.\n")
    monkeypatch.setattr(
        KeywordIndex, "refresh", lambda self: (_ for _ in ()).throw(OSError("full"))
    )
    report = engine.ingest([folder])
    assert report.added == ["ferry"]
    assert "keyword index will catch up on the next question: full" in caplog.text
