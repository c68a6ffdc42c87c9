"""Quote checking against the ledger of the seed article (real spaCy, the hash embedder)."""

from __future__ import annotations

import pytest

from rag.answer.check import check_quote
from rag.api import Engine
from rag.settings import Settings


@pytest.fixture
def engine(settings: Settings) -> Engine:
    engine = Engine(settings, on_status=lambda _: None)
    engine.ensure_corpus()
    return engine


def test_real_words_given_to_someone_else_are_misattributed_with_the_real_speaker(
    engine: Engine,
) -> None:
    check = check_quote(engine.ledger, "Peace cannot mean capitulation", speaker="Kallas")
    assert check.verdict == "misattributed"
    (evidence,) = check.evidence
    assert evidence.quote.speaker == "Jean-Noël Barrot" and evidence.diff.verbatim
    text = engine.index.get_article(evidence.quote.article_id).text
    assert text[evidence.quote.start : evidence.quote.end] == evidence.quote.quote


def test_the_right_speaker_and_a_fragment_of_their_words_is_verbatim(engine: Engine) -> None:
    assert check_quote(engine.ledger, "Peace cannot mean capitulation", "Barrot").verdict == (
        "verbatim"
    )
    fragment = check_quote(engine.ledger, "So Ukraine just remains hostage", "Gen Barrons")
    assert fragment.verdict == "verbatim"
    assert fragment.evidence[0].quote.speaker == "Richard Barrons"


def test_a_dropped_not_is_a_cut_that_changes_the_sense(engine: Engine) -> None:
    claim = "It would exist as a functioning, independent, sovereign state"
    check = check_quote(engine.ledger, claim, "Barrons")
    assert check.verdict == "cut"
    assert check.evidence[0].diff.sense_words == ("not",)


def test_words_nobody_said_are_not_found_and_say_what_was_searched(engine: Engine) -> None:
    check = check_quote(engine.ledger, "Europe must build its own nuclear deterrent", "Barrons")
    assert check.verdict == "not_found" and check.evidence == ()
    assert check.searched_articles == 1 and check.searched_rows > 10
