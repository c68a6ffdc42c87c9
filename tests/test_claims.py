"""The claim check on model-written text: names, numbers, dates and descriptions of people
outside quotation marks must be in the passages the answer cites."""

from __future__ import annotations

import pytest

from rag.answer.claims import Evidence, check_claims, tokens
from rag.text.sentences import answer_sentences
from tests.conftest import SEED_FILE

SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")
BARROT = SEED_TEXT[1565:1685]  # "Her view was echoed by France’s Foreign Minister Jean-Noël…"
WHITAKER = SEED_TEXT[3181:3433]  # "Mr Whitaker said it was a long-term US goal…"
SPENDING = SEED_TEXT[3616:3907]  # "Germany will be spending €377 billion …"


def check(text: str, *texts: str):
    return check_claims(text, [Evidence(n, t) for n, t in enumerate(texts, 1)])


def removed(report) -> list[tuple[str, str, str]]:
    return [(u.kind, u.text, u.action) for u in report.removed]


def test_a_fabricated_role_is_dropped_and_the_rest_kept() -> None:
    r = check(
        "Jean-Noël Barrot, the former chairman of the Federal Reserve, stated “Peace cannot "
        "mean capitulation.” [1]",
        BARROT,
    )
    assert r.text == "Jean-Noël Barrot stated “Peace cannot mean capitulation.” [1]"
    assert removed(r) == [("description", "former chairman of the Federal Reserve", "dropped")]


@pytest.mark.parametrize(
    "answer",
    [
        "The EU’s foreign chief Jean-Noël Barrot stated it [1].",  # before the name
        "Jean-Noël Barrot, who is a former banker, stated it [1].",  # a 'who is' clause
        "Jean-Noël Barrot (the European military leader) stated it [1].",  # in brackets
    ],
)
def test_descriptions_in_every_position_are_checked(answer: str) -> None:
    r = check(answer, BARROT)
    assert [u.kind for u in r.removed] == ["description"], r.removed
    assert r.text.startswith("Jean-Noël Barrot stated it"), r.text


def test_a_description_of_someone_else_in_the_passage_is_not_theirs() -> None:
    # "President Trump’s envoy" is in the passage, but it describes Whitaker, not Barrot.
    passage = SEED_TEXT[2959:3180]
    r = check("Jean-Noël Barrot, President Trump’s envoy to the alliance, spoke [1].", passage)
    assert removed(r)[0][:2] == ("description", "President Trump’s envoy to the alliance")


def test_a_wrong_number_removes_its_sentence() -> None:
    r = check(
        "Germany will spend €400 billion on military equipment [1]. It will lead in Europe [1].",
        SPENDING,
    )
    assert r.text == "It will lead in Europe [1]."
    assert removed(r) == [("number", "€400 billion", "sentence removed")]


def test_an_invented_name_removes_its_sentence() -> None:
    r = check(
        "Mr Whitaker said Germany should hold the post [1]. Angela Merkel agreed [1].", WHITAKER
    )
    assert r.text == "Mr Whitaker said Germany should hold the post [1]."
    assert removed(r) == [("name", "Angela Merkel", "sentence removed")]


def test_a_faithful_paraphrase_with_normal_variation_is_kept() -> None:
    answer = (
        "Matthew Whitaker said it was a long-term U.S. goal for Germany to hold the post of "
        "Supreme Allied Commander Europe, held by US generals for almost seventy-five years "
        "[1]. Germany's defence budget will double the UK's by 2029, and it is spending 377bn "
        "euros on equipment [2]."
    )
    r = check(answer, WHITAKER + " Matthew Whitaker", SPENDING)
    assert r.removed == [] and r.text == answer


def test_variation_in_case_possessives_hyphens_and_abbreviations() -> None:
    r = check(
        "GEN BARRONS said germany's leadership was inevitable, and the U.S. agreed [1]. "
        "Germany spends 5 percent [2].",
        "Gen Barrons said Germany’s leadership was inevitable. The US agreed.",
        "Germany spends 5% of its economy.",
    )
    assert r.removed == [] and r.text.startswith("GEN BARRONS")
    words = "U.S. 1,000 €3.5bn five per cent Trump’s pre-eminent seventy-five twenty-one"
    assert [w for w, _, _ in tokens(words)] == [
        "us",
        "1000",
        "3.5",
        "billion",
        "5",
        "percent",
        "trump",
        "pre",
        "eminent",
        "75",
        "21",
    ]


def test_an_abbreviated_title_matches_the_full_one() -> None:
    passage = "“It would essentially set the conditions,” said retired General Sir Richard Barrons."
    assert check("Gen Richard Barrons said it [1].", passage).removed == []
    assert removed(check("President Richard Barrons said it [1].", passage)) == [
        ("description", "President", "dropped")
    ]


def test_quoted_words_are_not_judged_here() -> None:
    assert check("Barrot stated: “Angela Merkel paid €9 billion.” [1]", BARROT).removed == []


def test_a_claim_held_by_an_uncited_passage_gets_its_citation() -> None:
    r = check_claims(
        "Mr Whitaker said Germany should hold the post [1].",
        [Evidence(1, SPENDING), Evidence(2, WHITAKER, cited=False)],
    )
    assert r.removed == [] and r.cited == {2}
    assert r.text == "Mr Whitaker said Germany should hold the post [1][2]."


def test_a_name_only_in_the_text_before_the_passage_widens_its_citation() -> None:
    before, passage = (
        "Union leader Tom Bell criticised the plan. ",
        "“It will cost jobs,” he added.",
    )
    r = check_claims(
        "Tom Bell said “It will cost jobs.” [1]", [Evidence(1, before + passage, len(before))]
    )
    assert r.removed == [] and r.widen == {1}


def test_citation_markers_belong_to_the_sentence_before_them() -> None:
    text = "Kallas said “It is here.” [1] Barrot stated “Peace.” [2] Yes [3]."
    assert [text[a:b] for a, b in answer_sentences(text)] == [
        "Kallas said “It is here.” [1]",
        "Barrot stated “Peace.” [2]",
        "Yes [3].",
    ]


def test_a_quotation_is_one_sentence_however_many_full_stops_it_holds() -> None:
    text = 'Bill Clinton said "We mourn him. I worked with him in 1983." [2] He added more [3].'
    assert [text[a:b] for a, b in answer_sentences(text)] == [
        'Bill Clinton said "We mourn him. I worked with him in 1983." [2]',
        "He added more [3].",
    ]
    r = check_claims(text, [Evidence(2, "We mourn him."), Evidence(3, "Bill Clinton", cited=False)])
    assert r.text.startswith('Bill Clinton said "We mourn him. I worked with him in 1983." [2][3]')


def test_a_capitalised_word_the_parser_calls_a_noun_is_still_a_name() -> None:
    passage = "The rulings of the court have real impact on women."
    r = check("Richards said that SCOTUS rulings have real impact on women [1].", passage)
    assert ("name", "SCOTUS", "sentence removed") in removed(r)


def test_a_name_in_the_cited_articles_title_is_supported(settings, fake_llm) -> None:
    from rag.api import Engine

    engine = Engine(settings.model_copy(update={"ledger": False}), on_status=lambda _: None)
    engine.ensure_corpus()
    question = "What did the US suggest about Germany?"
    n = next(
        n
        for n, p in enumerate(engine.retriever.search(question), 1)
        if "Mr Whitaker said" in p.chunk.text
    )
    # Not in the passage, but in its article's title, which is shown with [n].
    fake_llm.enqueue(f"Mr Whitaker said Germany should lead Nato, not Ukraine [{n}].")
    answer = engine.ask(question)
    assert answer.unsupported == [] and "Ukraine" in answer.text, answer.text
    assert [c.n for c in answer.citations] == [n]  # no other passage had to be cited for it
