from __future__ import annotations

import pytest

from rag.answer.cite import UNVERIFIED_MARK, build_answer, find_quotes, is_abstention
from rag.answer.retrieve import context_start
from rag.ingest.chunk import chunk_text
from rag.text.normalise import normalise
from rag.types import Passage
from tests.conftest import SEED_FILE

TEXT = SEED_FILE.read_text(encoding="utf-8")
CHUNKS = chunk_text("seed", TEXT, 900)
ABSTAIN = "The articles do not say."


def passage_with(fragment: str, context_chars: int = 400) -> Passage:
    chunk = next(c for c in CHUNKS if fragment in c.text)
    begin = context_start(TEXT, chunk.start, context_chars)
    return Passage(
        chunk=chunk,
        title="Seed",
        source="The National",
        context_start=begin,
        context_before=TEXT[begin : chunk.start],
    )


BARROT = passage_with("Peace cannot mean capitulation")
KALLAS_ADDED = passage_with("one aggressor and one victim")
WHITAKER = passage_with("Mr Whitaker said")
BARROT_ADDED = passage_with("heroically resisting")
PASSAGES = [WHITAKER, BARROT, KALLAS_ADDED, BARROT_ADDED]  # [1]..[4] in the prompt


def answer(raw: str, passages: list[Passage] = PASSAGES):
    return build_answer("Q?", raw, passages, abstain_phrase=ABSTAIN, abstain_text="ABSTAINED")


def test_valid_markers_become_citations_with_exact_spans() -> None:
    a = answer("Jean-Noël Barrot said it [2].")
    assert not a.abstained
    assert [c.n for c in a.citations] == [2]
    c = a.citations[0]
    assert TEXT[c.start : c.end] == c.quote
    assert "Peace cannot mean capitulation" in c.quote
    assert a.text == "Jean-Noël Barrot said it [2]."


def test_out_of_range_markers_are_dropped_and_noted() -> None:
    a = answer("Barrot said it [2][7]. Also [0].")
    assert [c.n for c in a.citations] == [2]
    assert "[7]" not in a.text and "[0]" not in a.text
    assert any("[7]" in n and "[0]" in n for n in a.notes)


def test_marker_lists_and_ranges_are_normalised() -> None:
    a = answer("Both spoke [1, 3] and [2-3].")
    assert a.text == "Both spoke [1][3] and [2][3]."
    assert [c.n for c in a.citations] == [1, 3, 2]


def test_verbatim_quote_is_verified_with_its_article_span() -> None:
    a = answer('Barrot stated: "peace cannot mean capitulation." [2]')
    (q,) = a.quotes
    assert q.status == "verified" and q.citation == 2
    # The answer now carries the source's exact words (its capital P).
    assert "“" not in a.text and '"Peace cannot mean capitulation' in a.text
    assert TEXT[q.start : q.end] == "Peace cannot mean capitulation"


def test_quote_from_an_uncited_passage_gets_its_citation() -> None:
    a = answer("Kallas said “we have to understand that in this war there is one aggressor”.")
    (q,) = a.quotes
    assert q.status == "verified" and q.citation == 3
    assert "[3]" in a.text
    assert [c.n for c in a.citations] == [3]


def test_nearly_verbatim_quote_is_repaired_to_the_source_words() -> None:
    a = answer("Barrot said the Ukrainians “will always refuse every form of capitulation” [4].")
    (q,) = a.quotes
    assert q.status == "repaired"
    assert q.text == "will always refuse any form of capitulation"
    assert "“will always refuse any form of capitulation”" in a.text
    assert TEXT[q.start : q.end] == q.text


def test_invented_quote_is_marked_unverified_never_shown_as_real() -> None:
    a = answer("Barrot said “Europe must build its own army by next spring” [2].")
    (q,) = a.quotes
    assert q.status == "unverified"
    assert UNVERIFIED_MARK.strip() in a.text
    assert any("unverified" in n for n in a.notes)


def test_quote_found_in_the_context_widens_the_citation() -> None:
    # "she added" passage: the context before it names Kallas and holds her first quote.
    a = answer("Kallas said “for any plan to work it needs Ukrainians and Europeans on board” [3].")
    (q,) = a.quotes
    assert q.status == "verified"
    (c,) = a.citations
    assert c.start <= q.start and q.end <= c.end
    assert TEXT[c.start : c.end] == c.quote


def test_answer_without_markers_gets_inferred_citations_and_a_note() -> None:
    a = answer(
        "Jean-Noël Barrot, France's Foreign Minister, bluntly stated that peace cannot "
        "mean capitulation."
    )
    assert [c.n for c in a.citations] == [2]
    assert a.citations[0].inferred
    assert a.text.endswith("[2].")
    assert any("gave no citations" in n for n in a.notes)


@pytest.mark.parametrize(
    "raw",
    [
        "The articles do not say.",
        "the articles do not say",
        "  The articles do not say. I could not find it.",
        "The passages do not mention Angela Merkel.",
        "There is no information about that in the passages.",
        "",
    ],
)
def test_abstentions_are_recognised(raw: str) -> None:
    assert is_abstention(raw, ABSTAIN)
    a = answer(raw)
    assert a.abstained and a.text == "ABSTAINED" and a.citations == []


@pytest.mark.parametrize(
    "raw",
    [
        "Jean-Noël Barrot said “Peace cannot mean capitulation.” [2]",
        "Kallas said they have not heard of concessions [3].",  # 'not' inside a real answer
    ],
)
def test_real_answers_are_not_abstentions(raw: str) -> None:
    assert not is_abstention(raw, ABSTAIN)


def test_no_passages_means_abstention_without_asking() -> None:
    a = answer("Barrot [1]", passages=[])
    assert a.abstained


def test_find_quotes_handles_curly_straight_and_doubled_single_marks() -> None:
    text = "He said “a bit squirmy” and \"inevitable things\" and ''jolly grateful'' but it's fine."
    assert [q.text for q in find_quotes(text)] == [
        "a bit squirmy",
        "inevitable things",
        "jolly grateful",
    ]


def test_ellipsis_quote_is_verified_part_by_part() -> None:
    a = answer("Barrot said “The Ukrainians … will always refuse any form of capitulation” [4].")
    (q,) = a.quotes
    assert q.status == "verified"


def test_normalise_keeps_one_offset_per_character() -> None:
    text = "İstanbul’s “mayor” — said"
    norm, where = normalise(text)
    assert len(norm) == len(where)
    assert norm == 'İstanbul\'s "mayor" - said'
