"""How an article's earlier version printed a quotation (rag.answer.provenance.edit_in)."""

from __future__ import annotations

import pytest

from rag.answer.provenance import edit_in
from rag.types import ArticleVersion

NOW = "Letting it go would tell them the town has lost its nerve"


def version(text: str) -> ArticleVersion:
    return ArticleVersion(article_id="a", content_hash="h", replaced="2026-11-21", text=text)


@pytest.mark.parametrize(
    ("earlier_text", "earlier"),
    [
        # an edit at the end, with the sentence running on after a comma
        (
            "Reyes said. “Letting it go would tell them the town has given up, and we must act.”",
            "Letting it go would tell them the town has given up",
        ),
        # an edit at the start
        (
            "“Closing it would tell them the town has lost its nerve,” Reyes said.",
            "Closing it would tell them the town has lost its nerve",
        ),
    ],
)
def test_an_earlier_version_shows_the_words_it_printed(earlier_text: str, earlier: str) -> None:
    edit = edit_in(NOW, version(earlier_text))
    assert edit is not None and edit.earlier == earlier and edit.diff is not None
    assert edit.replaced == "2026-11-21"


def test_a_version_that_printed_it_the_same_or_not_at_all() -> None:
    assert edit_in(NOW, version(f"Reyes said: “{NOW}.”")) is None
    assert edit_in(NOW, version(f"Reyes said: “{NOW.upper()}!”")) is None  # marks and case only
    missing = edit_in(NOW, version("The board met on Tuesday to vote on the budget."))
    assert missing is not None and missing.earlier == "" and missing.diff is None
