"""The bench's `rag check` at scale, on a few synthetic articles: rows at exact spans, each
kind of claim timed, and the throw-away index removed."""

from __future__ import annotations

from rag.evaluation.bench import _FastEmbedder, synthetic_articles
from rag.evaluation.check_scale import check_scale_figures, synthetic_quotes
from rag.settings import Settings


def test_synthetic_rows_are_the_speakers_words_at_their_spans() -> None:
    article = next(synthetic_articles(1))
    rows = synthetic_quotes(article)
    assert rows and {r.kind for r in rows} == {"direct", "indirect"}
    for r in rows:
        assert article.text[r.start : r.end] == r.quote
        assert article.text[r.speaker_start : r.speaker_end] == r.speaker
        assert article.text[r.role_start : r.role_end] == r.speaker_role


def test_check_scale_times_each_kind_of_claim(settings: Settings) -> None:
    articles = list(synthetic_articles(12))
    figures = check_scale_figures(articles, settings, _FastEmbedder(), claims=3)
    assert figures["articles"] == 12
    assert figures["rows"] == sum(len(synthetic_quotes(a)) for a in articles)
    assert set(figures["p50_s_by_kind"]) == {"verbatim", "reworded", "misattributed", "not_found"}
    assert 0 <= figures["check_p50_s"] <= figures["check_p95_s"] < 60
    assert figures["keyword_build_s"] >= 0  # passages are searched, as Engine.check does
    assert [p.name for p in settings.home.iterdir()] == []  # its scratch index is gone
