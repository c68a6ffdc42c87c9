"""Quote checking against the ledger of the seed article (real spaCy, the hash embedder)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import rag
from rag.answer.check import CheckThresholds, Meaning, QuoteVerdict, check_quote
from rag.answer.check_answer import carrier_lines, compose_check, differences
from rag.api import Engine
from rag.ledger.intent import parse_intent
from rag.settings import Settings
from rag.text.wording import compare_wording
from rag.types import SearchFilter
from tests.fakes import QueuedChatModel


@pytest.fixture
def engine(settings: Settings) -> Engine:
    engine = Engine(settings, on_status=lambda _: None)
    engine.ensure_corpus()
    return engine


def test_real_words_given_to_someone_else_are_misattributed_with_the_real_speaker(
    engine: Engine,
) -> None:
    check = engine.check("Peace cannot mean capitulation", speaker="Kallas")
    assert check.verdict == "misattributed"
    (evidence,) = check.evidence
    assert evidence.quote.speaker == "Jean-Noël Barrot" and evidence.diff.verbatim
    text = engine.index.get_article(evidence.quote.article_id).text
    assert text[evidence.quote.start : evidence.quote.end] == evidence.quote.quote


def test_the_right_speaker_and_a_fragment_of_their_words_is_verbatim(engine: Engine) -> None:
    assert engine.check("Peace cannot mean capitulation", "Barrot").verdict == ("verbatim")
    fragment = engine.check("So Ukraine just remains hostage", "Gen Barrons")
    assert fragment.verdict == "verbatim"
    assert fragment.evidence[0].quote.speaker == "Richard Barrons"


def test_a_dropped_not_is_a_cut_that_changes_the_sense(engine: Engine) -> None:
    claim = "It would exist as a functioning, independent, sovereign state"
    check = engine.check(claim, "Barrons")
    assert check.verdict == "cut"
    assert check.evidence[0].diff.sense_words == ("not",)


def test_a_word_turned_to_its_opposite_is_said_to_turn_the_sense(engine: Engine) -> None:
    check = engine.check("the impact on European security would be a triumph", "Barrons")
    assert check.verdict == "reworded"
    (evidence,) = check.evidence
    assert evidence.diff.sense_words == ("triumph", "disaster")
    article = engine.index.get_article(evidence.quote.article_id)
    text = compose_check(check, {article.id: article}).text
    assert text.startswith("Not in those words, nor in that sense.")
    assert "“triumph” for “disaster”. That changes the sense" in text
    # A "not" left out from inside a word is a cut, as one left out on its own is.
    assert engine.check("Peace can mean capitulation", "Barrot").verdict == "cut"


def test_words_nobody_said_are_not_found_and_say_what_was_searched(engine: Engine) -> None:
    check = engine.check("Europe must build its own nuclear deterrent", "Barrons")
    assert check.verdict == "not_found" and check.evidence == ()
    assert check.searched_articles == 1 and check.searched_rows > 10


def test_words_an_article_prints_outside_quotation_marks_are_shown_with_not_found(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    """The lede's own words given to a speaker: no one is quoted saying them, and the
    answer shows where the article prints them, as its own words."""
    claim = "European military leaders have been thrown into a panic"
    check = engine.check(claim, "Barrons")
    assert check.verdict == "not_found" and check.evidence == ()
    (printed,) = check.printed
    text = engine.index.get_article(printed.quote.article_id).text
    assert text[printed.quote.start : printed.quote.end] == claim
    assert printed.in_passage and printed.quote.kind == "indirect" and not printed.quote.speaker
    data = check.to_public_dict()["printed"][0]  # type: ignore[index]
    assert data["found_in"] == "passage" and data["quoted"] is False
    answer = engine.ask(f"Did Barrons say “{claim}”?")
    assert answer.source == "ledger" and answer.abstained and fake_llm.calls == []
    assert f"An article prints these words, but not in quotation marks: “{claim}” [1]" in (
        answer.text
    )
    assert answer.citations[0].start == 0 and claim in answer.citations[0].quote


def test_a_passage_says_nothing_where_the_ledger_holds_the_quotation_or_few_words_match(
    engine: Engine,
) -> None:
    # Kallas's "there is one aggressor and one victim": the ledger's row was compared and
    # is not close enough, so its passage is not offered as the words given to no one.
    one = engine.check("there is one winner and one loser", "Donald Trump")
    assert one.verdict == "not_found" and not one.printed and not one.evidence
    # Words that run from the report into a quotation are neither.
    claim = "Jean-Noël Barrot, who bluntly stated: Peace cannot mean capitulation"
    assert not engine.check(claim, "Barrot").printed
    # The report's words with a "not" added: shown, said to turn the sense, and alone.
    turned = engine.check(
        "Ukraine would not be forced to give up weapons and prime defensive territory in Donbas"
    )
    (printed,) = turned.printed
    assert printed.diff.sense_words == ("not",) and not turned.nearest
    article = engine.index.get_article(printed.quote.article_id)
    text = compose_check(turned, {article.id: article}).text
    assert "An article prints words close to these, but not in quotation marks" in text


def test_a_quotation_the_ledger_lacks_is_checked_in_the_passage_that_prints_it(
    settings: Settings, tmp_path: Path
) -> None:
    """With the ledger off, the check still finds quoted words in the passages, and gives
    them to no one: the passage is there to read who said them."""
    engine = Engine(settings.model_copy(update={"ledger": False}), on_status=lambda _: None)
    notes = tmp_path / "notes.txt"
    notes.write_text("Notes\n\nAt the hearing, Ann Holt said: “We will not sell the harbour.”\n")
    engine.ingest([notes])
    check = engine.check("We will sell the harbour", "Holt")
    assert check.verdict == "cut" and check.evidence[0].diff.sense_words == ("not",)
    (evidence,) = check.evidence
    assert evidence.in_passage and evidence.quote.kind == "direct" and not evidence.quote.speaker
    article = engine.index.get_article("notes")
    assert article.text[evidence.quote.start : evidence.quote.end] == "We will not sell the harbour"
    composed = compose_check(check, {"notes": article})
    assert composed.text.startswith("The article prints these words in a longer form:")
    assert "records no speaker for them" in composed.text and "Ann Holt" not in composed.text
    assert "At the hearing, Ann Holt said: “We will not" in composed.citations[0].quote


def test_check_in_the_api_and_its_json_shape(engine: Engine) -> None:
    result = rag.check("Peace cannot mean capitulation", engine=engine)
    data = result.to_public_dict()
    assert data["verdict"] == "verbatim" and data["speaker"] == ""
    (e,) = data["evidence"]
    assert set(e) >= {"article_id", "start", "end", "quote", "speaker", "diff"}
    text = engine.index.get_article(e["article_id"]).text
    assert text[e["start"] : e["end"]] == e["quote"] and e["speaker"] == "Jean-Noël Barrot"
    assert data["searched"] == {"quotations": result.searched_rows, "articles": 1}


def test_filters_that_allow_no_article_search_nothing(engine: Engine) -> None:
    result = engine.check("Peace cannot mean capitulation", "", SearchFilter(sources=["Nobody"]))
    assert result.verdict == "not_found" and result.searched_articles == 0


def test_did_x_say_in_chat_answers_with_the_verdict_and_the_real_speaker(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    answer = engine.ask('Did Kallas say "Peace cannot mean capitulation"?')
    assert answer.source == "ledger" and not fake_llm.calls
    assert answer.text.startswith("No: the articles give these words to someone else.")
    assert "Kallas" not in answer.text  # named in no cited passage
    (c,) = answer.citations
    assert c.speaker == "Jean-Noël Barrot" and f"[{c.n}]" in answer.text
    assert all(q.status == "verified" for q in answer.quotes)


def test_is_it_true_reports_a_dropped_not_as_changing_the_sense(engine: Engine) -> None:
    answer = engine.ask(
        'Is it true that Barrons said "It would exist as a functioning, independent, '
        'sovereign state"?'
    )
    assert answer.text.startswith("Only in part, and what is left out changes the sense")
    assert "“not” left out" in answer.text and answer.citations[0].speaker == "Richard Barrons"


def test_who_first_said_gives_the_appearance(engine: Engine) -> None:
    first = engine.ask('Who first said "Peace cannot mean capitulation"?')
    assert first.text.startswith("Yes, printed in these words.")
    assert first.citations[0].speaker == "Jean-Noël Barrot"


@pytest.mark.parametrize(
    "question",
    [
        "Is it true that the plan calls for 10,000 troops?",  # no speech verb
        'Did Barrot say "capitulation"?',  # a word, not a quotation to check
        'Did Barrot say "Peace cannot mean capitulation" and "no deal"?',  # two quotations
        'Did the president say "Peace cannot mean capitulation"?',  # nobody the ledger knows
        'Did Barrons say "Europe must build its own nuclear deterrent"?',  # not found: passages
        "Did Barrons say anything about Germany?",  # a topic, not reported words
        "Did Kallas say whether Russia had offered concessions?",
    ],
)
def test_questions_the_check_cannot_settle_go_the_earlier_way(
    engine: Engine, fake_llm: QueuedChatModel, question: str
) -> None:
    fake_llm.enqueue("The articles do not say.")
    answer = engine.ask(question)
    assert not answer.text.startswith(("No: the articles give", "Yes, in these words"))
    assert "Nothing close to these words" not in answer.text
    assert "close enough to these words" not in answer.text


def test_reported_words_nobody_is_quoted_saying_are_not_found_without_the_model(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    answer = engine.ask("Did Barrons say Europe must build its own nuclear deterrent?")
    assert answer.source == "ledger" and not fake_llm.calls and answer.abstained
    assert answer.text.startswith("No quotation in the 1 article(s) searched"), answer.text
    assert "matches these words" in answer.text


def test_reported_words_the_records_hold_are_answered_from_them_first(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    answer = engine.ask("Did Kallas say on Thursday that Russia had made no concessions?")
    assert not fake_llm.calls and not answer.abstained, answer.text
    assert not answer.text.startswith("No quotation")
    assert answer.citations and answer.citations[0].speaker == "Kaja Kallas"


@pytest.mark.parametrize(
    ("question", "content", "reports"),
    [
        ("Did Barrons say the plan would fail?", "the plan would fail", True),
        ("Did Barrons ever say that the plan would fail?", "the plan would fail", True),
        ("Did Kallas say on Thursday that Russia lied?", "Russia lied", True),
        ("Did Barrons say to The National that Nato is weak?", "Nato is weak", True),
        ("Did Kaja Kallas say, in Brussels, that Russia lied?", "Russia lied", True),
        ("Did Barrons say in the article that Nato is weak?", "Nato is weak", True),
        (
            "Did Barrons say it was right that Germany leads?",
            "it was right that Germany leads",
            True,
        ),
        ("Did Barrons say more troops were needed?", "more troops were needed", True),
        (
            "Did Barrons say this is a war that Russia cannot win?",
            "this is a war that Russia cannot win",
            True,
        ),
        ("Did Barrons say much about Germany?", "much about Germany", False),
        ("Did Barrons say anything about Germany?", "anything about Germany", False),
        ("Did Kallas say whether Russia lied?", "whether Russia lied", False),
        ("Did Kallas call for a ceasefire?", "for a ceasefire", False),
        ('Did Barrot say "Peace cannot mean capitulation"?', "", False),
    ],
)
def test_reported_words_are_told_from_topics(question: str, content: str, reports: bool) -> None:
    intent = parse_intent(question)
    assert (intent.kind, intent.content, intent.reports_words) == ("did_say", content, reports)


def test_a_negation_governs_its_own_clause_only(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "lee.txt"
    path.write_text(
        "Mayor speaks\n\nMayor Ann Lee spoke on Monday. “We will not stop. We will win this "
        "war, and nobody doubts it,” Lee said. “Their plan is simply not workable. Ours "
        "will work, not fail,” she said.\n",
        encoding="utf-8",
    )
    engine.ingest([path])
    assert engine.check("We will win this war", "Ann Lee").verdict == "verbatim"
    cut = engine.check("We will stop", "Ann Lee")
    assert cut.verdict == "cut" and cut.evidence[0].diff.sense_words == ("not",)
    # A claim that stops right before its "not" drops it; one that stops at a comma does not.
    cut = engine.check("Their plan is simply", "Ann Lee")
    assert cut.verdict == "cut" and cut.evidence[0].diff.sense_words == ("not",)
    assert engine.check("Ours will work", "Ann Lee").verdict == "verbatim"


def test_the_wording_differences_are_said_in_words(engine: Engine) -> None:
    text = differences(
        compare_wording("Peace can never mean surrender", "Peace cannot mean capitulation")
    )
    assert text.startswith("What differs: ") and "“surrender” for “capitulation”" in text
    assert "changes the sense" not in text  # "can never" keeps the negation of "cannot"


def _meaning(scores: dict[str, float], calls: list[list[str]]) -> Meaning:
    """A meaning comparison that scores the texts holding a key as given, the rest 0."""

    def meaning(claim: str, texts: Sequence[str]) -> list[float]:
        calls.append(list(texts))
        return [max((v for k, v in scores.items() if k in t), default=0.0) for t in texts]

    return meaning


def _check(engine: Engine, claim: str, speaker: str, meaning: Meaning) -> QuoteVerdict:
    thresholds = CheckThresholds.of(engine.settings)
    return check_quote(engine.ledger, claim, speaker, thresholds, (), meaning)


def test_words_close_in_meaning_are_reworded_with_the_diff_and_the_score(engine: Engine) -> None:
    calls: list[list[str]] = []
    meaning = _meaning({"Peace cannot mean capitulation": 0.8}, calls)
    check = _check(engine, "Peace can never mean surrender", "Barrot", meaning)
    assert check.verdict == "reworded"
    (evidence,) = check.evidence
    assert evidence.meaning == pytest.approx(0.8) and evidence.quote.speaker == "Jean-Noël Barrot"
    assert evidence.diff.similarity < engine.settings.check_min_similarity  # not by its words
    assert sorted(calls[0]) == sorted(q.quote for q in engine.quotes("Barrot"))  # his only
    data = check.to_public_dict()["evidence"][0]["diff"]  # type: ignore[index]
    assert data["meaning_similarity"] == 0.8 and data["changes"]
    article = engine.index.get_article(evidence.quote.article_id)
    composed = compose_check(check, {article.id: article})
    assert composed.text.startswith("Not in those words; the closest in meaning:")
    assert "“surrender” for “capitulation”" in composed.text


def test_meaning_below_the_threshold_or_an_unknown_speaker_is_not_found(engine: Engine) -> None:
    calls: list[list[str]] = []
    low = _meaning({"Peace cannot mean capitulation": 0.5}, calls)
    assert _check(engine, "Peace can never mean surrender", "Barrot", low).verdict == "not_found"
    calls.clear()
    high = _meaning({"Peace cannot mean capitulation": 0.9}, calls)
    unknown = _check(engine, "Peace can never mean surrender", "Ada Nobody", high)
    assert unknown.verdict == "not_found" and not calls  # nobody's quotations to compare


def test_meaning_never_makes_a_claim_misattributed(engine: Engine) -> None:
    calls: list[list[str]] = []
    meaning = _meaning({"Peace cannot mean capitulation": 0.95}, calls)
    check = _check(engine, "Peace can never mean surrender", "Barrons", meaning)
    assert check.verdict == "not_found"  # Barrot's words, but only Barrons's were compared
    assert calls and not any("Peace cannot mean capitulation" in t for t in calls[0])


def test_a_meaning_match_that_turns_the_sense_is_not_found(engine: Engine) -> None:
    calls: list[list[str]] = []
    meaning = _meaning({"Peace cannot mean capitulation": 0.95}, calls)
    check = _check(engine, "Peace can always mean surrender", "Barrot", meaning)
    assert calls and check.verdict == "not_found"  # "cannot" dropped: embeddings miss it
    (nearest,) = check.nearest  # shown as the nearest, with the "cannot" the claim drops
    assert nearest.quote.quote == "Peace cannot mean capitulation."
    article = engine.index.get_article(nearest.quote.article_id)
    text = compose_check(check, {article.id: article}).text
    assert "not close enough to count" in text and "That changes the sense: “cannot”" in text


def test_a_claim_not_found_shows_the_nearest_quotation_in_meaning(engine: Engine) -> None:
    near = _meaning({"would be a disaster": 0.6}, [])
    check = _check(engine, "the plan would be a catastrophe", "Barrons", near)
    assert check.verdict == "not_found" and check.evidence == ()
    (nearest,) = check.nearest
    assert nearest.meaning == pytest.approx(0.6) and nearest.quote.speaker == "Richard Barrons"
    data = check.to_public_dict()
    assert data["evidence"] == [] and data["nearest"][0]["quote"] == nearest.quote.quote  # type: ignore[index]
    article = engine.index.get_article(nearest.quote.article_id)
    composed = compose_check(check, {article.id: article})
    assert composed.text.startswith("No quotation in the 1 article(s) searched")
    assert "The nearest in meaning, not close enough to count: Richard Barrons" in composed.text
    assert engine.check_answer(check, {article.id: article}).abstained
    (c,) = composed.citations
    assert article.text[c.start : c.end] == c.quote and "would be a disaster" in c.quote
    far = _meaning({"would be a disaster": 0.4}, [])
    assert _check(engine, "the plan would be a catastrophe", "Barrons", far).nearest == ()


def test_every_article_printing_a_quotation_earliest_first_with_its_wording(
    engine: Engine, tmp_path: Path
) -> None:
    said = "We cannot keep paying to patch a building that nobody uses"
    texts = {
        "later": f"Harbour vote\n\nThe board chair, Marta Okonjo, spoke. “{said},” Okonjo said.\n",
        "first": f"Harbour board\n\nMarta Okonjo, the chair, was firm. “{said},” she said.\n",
        "rival": "Ferry terminal\n\nMarta Okonjo spoke. “We cannot keep paying to patch a "
        "building that no one uses,” Okonjo said.\n",
    }
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    dates = {"first": "2026-11-02", "later": "2026-11-09", "rival": "2026-11-05"}
    engine.ingest(
        [tmp_path], metadata={k: {"date": d, "source": k.title()} for k, d in dates.items()}
    )
    verdict = engine.check(said, "Marta Okonjo")
    assert verdict.verdict == "verbatim"
    carried = [(c.quote.article_id, c.quote.date) for c in verdict.carriers]
    assert [d for _, d in carried] == ["2026-11-02", "2026-11-05", "2026-11-09"]
    first, rival, later = verdict.carriers
    assert first.wording.verbatim and later.wording.verbatim
    assert [(c.kind, c.claimed, c.original) for c in rival.wording.changes] == [
        ("changed", "no one", "nobody")
    ]
    lines = carrier_lines(verdict)
    assert lines[0] == "Printed in 3 article(s) searched, earliest first:"
    assert "“no one” where the earliest has “nobody”" in lines[2]
    assert lines[3].endswith(": the same words")
    shape = verdict.to_public_dict()["carriers"]
    assert [c["date"] for c in shape] == [d for _, d in carried]  # type: ignore[index]
    # "Who first said" the rival's wording: the rival, then the earlier article's words.
    answer = engine.ask(
        "Who first said “We cannot keep paying to patch a building that no one uses”?"
    )
    assert "An earlier article, on 2026-11-02, prints them so:" in answer.text
    assert [c.article_id for c in answer.citations] == ["rival", "first"]
    assert all(q.status == "verified" for q in answer.quotes)
    # A quotation one article prints has no list of carriers to show.
    single = engine.check("Peace cannot mean capitulation", "Jean-Noël Barrot")
    assert len(single.carriers) == 1 and carrier_lines(single) == []
