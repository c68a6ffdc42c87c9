"""The quote ledger: extraction on the seed article, storage, lookups, and ledger answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.api import Engine
from rag.evaluation import faithfulness
from rag.ingest.readers import load_file
from rag.ledger.extract import extract_quotes
from rag.settings import Settings
from rag.text.names import strip_titles
from rag.text.quotations import article_quotations
from rag.types import Answer, AnswerDelta, Article
from tests.conftest import SEED_FILE
from tests.fakes import QueuedChatModel

SEED_TEXT = SEED_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_rows():
    (article,), _ = load_file(SEED_FILE, 10**7)
    return extract_quotes(article)


def rows_with(rows, words: str):
    return [r for r in rows if words in r.quote]


# Every quotation of the four quoted people in the seed, with who said it.
SEED_QUOTES = [
    ("would be a disaster", "Richard Barrons"),
    ("It would essentially set the conditions for Russia", "Richard Barrons"),
    ("So Ukraine just remains hostage to Russia.", "Richard Barrons"),
    ("for any plan to work it needs Ukrainians and Europeans on board", "Kaja Kallas"),
    ("Also, we have to understand that in this war", "Kaja Kallas"),
    ("We haven’t heard of any concessions on the Russian side.", "Kaja Kallas"),
    ("Not that I know of.", "Kaja Kallas"),
    ("Peace cannot mean capitulation.", "Jean-Noël Barrot"),
    ("The Ukrainians, who have been heroically resisting", "Jean-Noël Barrot"),
    ("cement in the eyes of everybody", "Richard Barrons"),
    ("deeply disturbing construct", "Richard Barrons"),
    ("It would not exist as a functioning, independent, sovereign state", "Richard Barrons"),
    ("a bit squirmy", "Richard Barrons"),
    ("inevitable", "Richard Barrons"),
    ("In five years Germany will be the pre-eminent army in Europe", "Richard Barrons"),
    ("appropriate that Germany is attaching military and political power", "Richard Barrons"),
    ("It's the right thing for Germany to do", "Richard Barrons"),
    ("And we should be jolly grateful", "Richard Barrons"),
    ("are simply an acceptance of Russian war objectives", "Richard Barrons"),
    ("it was a long-term US goal for Germany", "Matthew Whitaker"),
    ("the US would prefer Germany to take over the command of Nato forces", "Matthew Whitaker"),
]


@pytest.mark.parametrize(("words", "speaker"), SEED_QUOTES)
def test_seed_quotes_are_in_the_ledger_with_the_right_speaker(seed_rows, words, speaker):
    found = rows_with(seed_rows, words)
    assert found, f"no ledger row holds {words!r}"
    assert {r.speaker for r in found} == {speaker}


def test_rows_are_exact_spans(seed_rows) -> None:
    for r in seed_rows:
        assert SEED_TEXT[r.start : r.end] == r.quote
        assert r.span_start <= r.start and r.end <= r.span_end
        assert SEED_TEXT[r.span_start : r.span_end].strip()


def test_mentions_roles_cues_and_kinds(seed_rows) -> None:
    (barrot,) = rows_with(seed_rows, "Peace cannot mean capitulation")
    assert barrot.speaker_role == "France’s Foreign Minister"
    assert barrot.cue == "stated" and barrot.kind == "direct"
    (kallas_added,) = rows_with(seed_rows, "Also, we have to understand")
    assert kallas_added.speaker_mention == "she" and kallas_added.cue == "added"
    (squirmy,) = [r for r in rows_with(seed_rows, "a bit squirmy") if r.kind == "partial"]
    assert squirmy.kind == "partial" and squirmy.speaker_mention == "Gen Barrons"
    (figure,) = [r for r in rows_with(seed_rows, "would be a disaster") if r.kind == "partial"]
    # … the lede's description…
    assert figure.speaker == "Richard Barrons"  # …is the person quoted next, named there
    assert figure.speaker_mention == "A leading British military figure"
    assert figure.cue == "told The National" and figure.kind == "partial"
    (whitaker,) = rows_with(seed_rows, "long-term US goal")
    assert whitaker.kind == "indirect" and whitaker.speaker_mention == "Mr Whitaker"
    # How each speaker was found: the cue's subject, the lede named next, an uncued quote.
    assert (barrot.method, figure.method) == ("rule", "lede")
    (hostage,) = rows_with(seed_rows, "So Ukraine just remains hostage")
    assert hostage.method == "continuation" and hostage.speaker == "Richard Barrons"


def test_name_variants_merge_and_quoted_names_are_never_speakers(seed_rows) -> None:
    speakers = {r.speaker for r in seed_rows}
    assert not {"Gen Barrons", "Barrons", "Sir Richard Barrons"} & speakers
    # Russia, Germany, Ukraine are named inside quotations only as topics.
    assert not {"Russia", "Germany", "Ukraine"} & speakers


def test_scare_quotes_of_the_reporter_are_not_attributed(seed_rows) -> None:
    (row,) = rows_with(seed_rows, "coalition of the willing")
    assert row.speaker == "" and row.method == "unattributed"  # findable, not guessed


def test_quotation_spans_run_on_across_paragraphs() -> None:
    text = "He said:\n“First part of a long quote.\n“Second part, still him,” he added.\n"
    ((a, b),) = article_quotations(text)
    assert text[a:b].startswith("“First") and text[a:b].endswith("him,”")


def test_an_opening_mark_typed_for_a_closing_one_closes_the_quotation() -> None:
    text = (
        "He set up a site called “Cape Vance If Tom Wins“ that pitches the town.\n\n"
        "“Hi there! You may need a new home!” a message on the site reads.\n"
    )
    spans = [text[a:b] for a, b in article_quotations(text)]
    assert spans == ["“Cape Vance If Tom Wins“", "“Hi there! You may need a new home!”"]
    (row,) = rows_with(extract_quotes(Article(id="t", title="t", text=text)), "Hi there")
    assert row.speaker == "a message on the site"
    text = "Tom Reyes said the plan was “dead on arrival in the Senate“\n\n“We will not vote.”"
    spans = [text[a:b] for a, b in article_quotations(text)]  # closed: it runs on no further
    assert spans == ["“dead on arrival in the Senate“", "“We will not vote.”"]


def test_titles_are_stripped_from_names() -> None:
    assert strip_titles("Gen Sir Richard Barrons") == "Richard Barrons"
    assert strip_titles("President Donald Trump’s") == "Donald Trump"
    assert strip_titles("Mr. Putin") == "Putin"
    # A sentence's full stop is not part of the name; a suffix's is.
    assert strip_titles("Tom Hale.") == "Tom Hale"
    assert strip_titles("Martin Luther King Jr.") == "Martin Luther King Jr."


# --- stored, queried and answered --------------------------------------------------------


@pytest.fixture
def engine(settings: Settings) -> Engine:
    engine = Engine(settings, on_status=lambda _: None)
    engine.ensure_corpus()
    return engine


def test_ledger_is_stored_with_the_index(engine: Engine) -> None:
    (info,) = engine.list_articles()
    assert info.quotes >= len(SEED_QUOTES)
    speakers = {s.name: s for s in engine.ledger.speakers()}
    assert speakers["Richard Barrons"].quotes >= 10
    assert "Gen Barrons" in speakers["Richard Barrons"].mentions
    assert "France’s Foreign Minister" in speakers["Jean-Noël Barrot"].roles
    # What is handed out is a copy: changing it changes nothing the ledger holds.
    speakers["Richard Barrons"].mentions.clear()
    speakers["Richard Barrons"].quotes = 0
    again = {s.name: s for s in engine.ledger.speakers()}["Richard Barrons"]
    assert again.quotes >= 10 and "Gen Barrons" in again.mentions


@pytest.mark.parametrize(
    "words", ["peace capitulation", "russia ukraine europe force", "nato", "never heard of it"]
)
def test_rows_sharing_words_are_those_a_row_by_row_scan_finds(engine: Engine, words: str) -> None:
    tokens = set(words.split())
    listed = engine.ledger.quotes()
    for share in (0.0, 0.5, 1.0):
        scan = [
            r for r in listed if tokens & r.tokens and len(tokens & r.tokens) / len(tokens) >= share
        ]
        assert engine.ledger.sharing(tokens, share) == scan
    (aid,) = {r.quote.article_id for r in listed}
    assert engine.ledger.sharing(tokens, 0.0, ["elsewhere"]) == []
    assert engine.ledger.sharing(tokens, 0.0, [aid]) == engine.ledger.sharing(tokens, 0.0)


def test_the_cached_ledger_follows_the_index(engine: Engine, tmp_path: Path) -> None:
    before = {s.name for s in engine.ledger.speakers()}
    path = tmp_path / "lee.txt"
    path.write_text("Mayor speaks\n\n“We will rebuild the harbour,” Mayor Ann Lee said.\n")
    engine.ingest([path])
    assert {s.name for s in engine.ledger.speakers()} == before | {"Ann Lee"}
    assert [r.quote.speaker for r in engine.ledger.sharing({"harbour"}, 1.0)] == ["Ann Lee"]


@pytest.mark.parametrize(
    "name", ["Gen Barrons", "Barrons", "Sir Richard Barrons", "richard barrons", "General Barons"]
)
def test_speaker_name_variants_find_the_person(engine: Engine, name: str) -> None:
    assert engine.ledger.find_speaker(name) == ["Richard Barrons"]


def test_who_said_a_fragment(engine: Engine) -> None:
    (row,) = engine.ledger.who_said("peace cannot mean capitulation")
    assert row.quote.speaker == "Jean-Noël Barrot"
    assert engine.ledger.who_said("words nobody ever wrote in this article") == []


def test_who_said_matches_by_containment(engine: Engine) -> None:
    barrons = "Richard Barrons"
    # The question's words inside a quote, with an ellipsis for what it leaves out.
    (row,) = engine.ledger.who_said("It would not exist … in anything other than name")
    assert row.quote.speaker == barrons
    # A quote inside the question's words, long enough to tell which: two quotes in one.
    both = engine.ledger.who_said(
        "Peace cannot mean capitulation. The Ukrainians, who have been heroically resisting "
        "Russia's uninhibited aggression for over three years now, will always refuse any form "
        "of capitulation"
    )
    assert {r.quote.speaker for r in both} == {"Jean-Noël Barrot"} and len(both) == 2
    # Near-verbatim (a typo) still finds it; the words in another order do not.
    assert engine.ledger.who_said("Peace cannot mean capitulaton")[0].quote.speaker == (
        "Jean-Noël Barrot"
    )
    assert engine.ledger.who_said("capitulation cannot mean peace") == []


def test_a_scare_quote_answers_only_its_exact_words(engine: Engine) -> None:
    (row,) = engine.ledger.who_said("inevitable")
    assert row.quote.speaker == "Richard Barrons" and row.quote.quote == "inevitable"
    # A sentence that merely contains the word was not said by whoever used it in scare quotes.
    assert engine.ledger.who_said("It is inevitable that Germany will lead Nato") == []
    assert engine.ledger.who_said("they thought the reaction was a bit squirmy") == []


def test_a_question_quoting_a_whole_sentence_gets_no_scare_quote_speaker(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.default = "The articles do not say."
    answer = engine.ask('Who said "Germany is inevitable as the leader of Europe"?')
    assert answer.source == "passages" and "Barrons" not in answer.text


def test_said_about_ranks_a_speakers_quotes_by_topic(engine: Engine) -> None:
    rows = engine.ledger.said_about(["Richard Barrons"], "nuclear weapons", k=3)
    assert "nuclear weapons" in rows[0].quote.quote
    assert all(r.quote.speaker == "Richard Barrons" for r in rows)


def test_who_said_answer_is_composed_from_the_record_without_the_model(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    chunks = list(engine.stream('Who said "Peace cannot mean capitulation"?'))
    assert isinstance(chunks[0], AnswerDelta) and isinstance(chunks[-1], Answer)
    answer = chunks[-1]
    assert answer.source == "ledger" and not answer.notes and fake_llm.calls == []
    assert answer.text == (
        "France’s Foreign Minister Jean-Noël Barrot stated: “Peace cannot mean capitulation.” [1]"
    )
    (c,) = answer.citations
    assert (c.speaker, c.speaker_role, c.cue, c.kind) == (
        "Jean-Noël Barrot",
        "France’s Foreign Minister",
        "stated",
        "direct",
    )
    assert SEED_TEXT[c.start : c.end] == c.quote and "Barrot" in c.quote
    assert SEED_TEXT[c.speaker_start : c.speaker_end] == c.speaker_text == "Jean-Noël Barrot"
    (q,) = answer.quotes
    assert q.status == "verified" and SEED_TEXT[q.start : q.end] == q.text


# The four answers the 1.5B model gave on the seed when it worded ledger answers: each gave
# the speaker a role the article never gives them.
FABRICATED = [
    (
        'Who said "would be a disaster"?',
        "Richard Barrons, the former chairman of the Federal Reserve, said that Ukraine "
        "“would be a disaster” [1].",
        "former chairman of the Federal Reserve",
    ),
    (
        'Who said "It would essentially set the conditions for Russia to come again"?',
        "Richard Barrons, the editor of The National, said “It would essentially set the "
        "conditions for Russia to come again” [1].",
        "editor of The National",
    ),
    (
        'Who said "Not that I know of"?',
        "Kaja Kallas, the European military leader, responded: “Not that I know of.” [1]",
        "European military leader",
    ),
    (
        'Who said "Peace cannot mean capitulation"?',
        "Jean-Noël Barrot, the European military leader, said “Peace cannot mean "
        "capitulation.” [1]",
        "European military leader",
    ),
]


@pytest.mark.parametrize(("question", "reply", "role"), FABRICATED)
def test_seed_answers_describe_nobody_with_words_the_article_does_not_use(
    engine: Engine, fake_llm: QueuedChatModel, question: str, reply: str, role: str
) -> None:
    fake_llm.default = reply  # what the model would say, if it were asked
    answer = engine.ask(question)
    assert answer.source == "ledger" and not answer.abstained
    assert role not in answer.text, answer.text
    verdict = faithfulness.check(
        answer.text,
        [t for c in answer.citations for t in (c.quote, c.speaker_text)],
        SEED_TEXT,
        faithfulness.lowercase_vocabulary([SEED_TEXT]),
    )
    assert verdict.unsupported == [] and verdict.role_ok is not False, verdict


@pytest.mark.parametrize(("question", "reply", "role"), FABRICATED)
def test_the_claim_check_drops_a_fabricated_role_from_a_passage_answer(
    settings: Settings, fake_llm: QueuedChatModel, question: str, reply: str, role: str
) -> None:
    engine = Engine(settings.model_copy(update={"ledger": False}), on_status=lambda _: None)
    engine.ensure_corpus()
    fake_llm.enqueue(reply)
    answer = engine.ask(question)
    assert answer.source == "passages" and role not in answer.text, answer.text
    removed = {(u.kind, u.text) for u in answer.unsupported}
    assert ("description", role) in removed
    assert role in [u["text"] for u in answer.to_public_dict()["unsupported"]]
    assert answer.quotes and all(q.status == "verified" for q in answer.quotes)
    if answer.withheld:  # the passage does not name the speaker either: its own words instead
        assert ("name", "Richard Barrons") in removed and answer.abstained
    else:
        assert [u.action for u in answer.unsupported] == ["dropped"] and not answer.abstained


def test_what_did_say_lists_the_speakers_quotes(engine: Engine, fake_llm: QueuedChatModel) -> None:
    answer = engine.ask("What did Kaja Kallas say?")
    assert answer.source == "ledger" and fake_llm.calls == []
    assert all(c.speaker == "Kaja Kallas" for c in answer.citations)
    assert answer.quotes and all(q.status == "verified" for q in answer.quotes)
    for words in ("Not that I know of", "for any plan to work", "one aggressor and one victim"):
        assert words in answer.text
    # The full name and role once, then the surname.
    assert answer.text.startswith("The EU’s foreign affairs chief Kaja Kallas said: “")
    assert answer.text.count("Kaja Kallas") == 1 and "Kallas added: “" in answer.text
    for q in answer.quotes:
        assert SEED_TEXT[q.start : q.end] == q.text and q.text in answer.text


def test_did_say_is_answered_from_the_records_without_the_model(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    yes = engine.ask('Did Barrot say "Peace cannot mean capitulation"?')
    assert yes.text.startswith("Yes, in these words.")
    assert yes.citations[0].speaker == "Jean-Noël Barrot"
    no = engine.ask('Did Kallas say "Peace cannot mean capitulation"?')
    assert no.text.startswith("No: the articles give these words to someone else.")
    assert "Jean-Noël Barrot" in no.text
    assert fake_llm.calls == []


def test_unknown_speaker_falls_back_to_passages_and_says_so(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.enqueue("Steve Witkoff held talks in Florida [1].")
    answer = engine.ask("What did Steve Witkoff say about the talks?")
    assert answer.source == "passages"
    assert any("no one called “Steve Witkoff”" in n for n in answer.notes)


def test_misattributed_quote_is_flagged(settings: Settings, fake_llm: QueuedChatModel) -> None:
    engine = Engine(settings.model_copy(update={"top_k": 8}), on_status=lambda _: None)
    engine.ensure_corpus()
    question = (
        "Which plan needs Ukrainians and Europeans on board, and can peace mean capitulation?"
    )
    passages = engine.retriever.search(question)
    kallas = next(n for n, p in enumerate(passages, 1) if "Kaja Kallas" in p.chunk.text)
    barrot = next(n for n, p in enumerate(passages, 1) if "Barrot" in p.chunk.text)
    fake_llm.enqueue(f"Kaja Kallas said “Peace cannot mean capitulation.” [{kallas}][{barrot}]")
    answer = engine.ask(question)
    assert answer.source == "passages"
    (q,) = answer.quotes
    assert q.status == "misattributed"
    assert "attributes these words to Jean-Noël Barrot" in answer.text


def test_a_named_speaker_no_cited_passage_mentions_is_not_kept(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.enqueue(
        "Kaja Kallas said “It would not exist as a functioning, independent, sovereign state” [1]."
    )
    answer = engine.ask("What happens to Ukraine as a state under the plan?")
    assert answer.source == "passages" and "Kallas" not in answer.text
    assert answer.withheld and answer.unsupported[0].text == "Kaja Kallas"
    (c,) = answer.citations
    assert SEED_TEXT[c.start : c.end] == c.quote and c.quote in answer.text


def test_python_api_lists_quotes_and_speakers(engine: Engine) -> None:
    from rag import list_quotes, list_speakers

    rows = list_quotes(speaker="Kallas", engine=engine)
    assert {q.speaker for q in rows} == {"Kaja Kallas"} and len(rows) >= 4
    # The index keeps how each speaker was found.
    methods = {q.method for q in list_quotes(speaker="Barrons", engine=engine)}
    assert methods == {"rule", "lede", "continuation"}
    assert list_speakers(engine=engine)[0].name == "Richard Barrons"


def extract(text: str):
    from rag.types import Article

    return extract_quotes(Article(id="t", title="t", text=text))


def test_an_organisation_named_after_a_person_is_not_that_person() -> None:
    (row,) = extract(
        "In 2001 the Bush administration declared that federal money could fund "
        "research on existing stem cell lines.\n"
    )
    assert row.speaker == "the Bush administration" and row.kind == "anonymous"
    (row,) = extract("“We have to be ready,” said Hillary Clinton’s right-hand woman.\n")
    assert row.speaker.endswith("right-hand woman")


def test_a_speech_verb_that_modifies_a_noun_is_that_nouns_words() -> None:
    (row,) = extract("Lori Bernstein held up a sign saying “Jews Against Trump.”\n")
    assert row.speaker == "a sign" and row.cue.startswith("saying")
    (row,) = extract(
        "“Not us but can’t argue with it!” Murphy, the head of the PAC, Tweeted on Friday.\n"
    )
    assert row.speaker == "Murphy"


def test_reported_speech_before_its_cue() -> None:
    (row,) = extract(
        "The idea of the meeting was raised when the two men talked at last month's ball, "
        "Earnest said.\n"
    )
    assert (row.speaker, row.kind, row.cue) == ("Earnest", "indirect", "said")
    assert (
        row.quote
        == "The idea of the meeting was raised when the two men talked at last month's ball"
    )
    (row,) = extract(
        "Democratic turnout has fallen drastically since 2008, according to unofficial "
        "election results.\n"
    )
    assert row.speaker == "unofficial election results" and row.cue == "according to"
    assert row.quote == "Democratic turnout has fallen drastically since 2008"


def test_nobody_is_not_a_speaker_and_admit_is_not_a_cue() -> None:
    def speakers(text: str) -> list[tuple[str, str]]:
        return [(r.speaker, r.method) for r in extract(text)]

    assert speakers("Nobody said: “This will work.”\n") == [("", "unattributed")]
    # "admit" is no speech verb: only the clause around the quotation points to a speaker.
    assert speakers("The country will admit 10,000 refugees, “mostly men and boys”.\n") == [
        ("The country", "clause")
    ]


def test_only_something_that_can_speak_is_a_speaker() -> None:
    # The closest cue's subject cannot speak: the next cue's can.
    (row,) = [
        r
        for r in extract(
            "De Blasio said the move was made by the commissioner and said, “Who are you going "
            "to trust on security?”\n"
        )
        if r.quote.startswith("Who are you")
    ]
    assert row.speaker == "De Blasio" and row.method == "rule"
    # No cue whose subject can speak: kept, findable, unattributed.
    (row,) = extract("It was a busy week. It said “the plan will not survive the winter”.\n")
    assert (row.speaker, row.method, row.quote) == (
        "",
        "unattributed",
        "the plan will not survive the winter",
    )
    # People, bodies and texts can.
    for subject, kind in [
        ("The spokeswoman", "people"),
        ("Critics", "people"),
        ("The committee", "organisation"),
        ("An editorial", "document"),
        ("The 46-year-old", "people"),
    ]:
        (row,) = extract(f"{subject} said “the deal is a disaster for the region”.\n")
        assert row.speaker.lower() == subject.lower(), kind


def test_speaker_types_of_head_nouns() -> None:
    from rag.ledger.speaker_types import noun_type

    assert [noun_type(w) for w in ("adviser", "activist", "surgeon", "ministry", "poll")] == [
        "people",
        "people",
        "people",
        "organisation",
        "document",
    ]
    assert [noun_type(w) for w in ("move", "notion", "number", "plan")] == [None] * 4


def test_the_addressee_of_a_passive_speech_verb_is_not_the_speaker() -> None:
    (row,) = extract("Sanders was asked by host Bill Maher, “Are you tired of the emails?”\n")
    assert row.speaker == "Bill Maher"
    (row,) = extract("In an interview, Trump was asked, “What is the most dangerous place?”\n")
    assert row.speaker == "" and row.method == "unattributed"


def test_words_inside_a_quotation_never_introduce_another() -> None:
    rows = extract(
        "“They were professionals, but also competitors,” William M. Daley, President "
        "Obama's former chief of staff, said of their time. “They'd do the dance.”\n"
    )
    assert [r.speaker for r in rows] == ["William M. Daley", "William M. Daley"]


def test_people_who_share_a_surname_stay_apart() -> None:
    rows = extract(
        "Hillary Clinton spoke first. “We will win this state,” Hillary Clinton said.\n"
        "Then Bill Clinton took the stage. “She is ready for the job,” Clinton said.\n"
        "Former Florida governor Jeb Bush tweeted: “We are not where we need to be.”\n"
        "George W. Bush said “the campaign has a long way to go”.\n"
    )
    assert [r.speaker for r in rows] == [
        "Hillary Clinton",
        "Bill Clinton",
        "Jeb Bush",
        "George W. Bush",
    ]


def test_a_courtesy_title_keeps_to_the_person_it_was_first_given() -> None:
    rows = extract(
        "Phyllis Schlafly led the campaign. “We will stop this amendment,” Mrs. Schlafly "
        "said.\n"
        "Her son, John Schlafly, was at the meeting.\n"
        "“The family stands together on this,” Mrs. Schlafly said.\n"
        "Hillary Clinton spoke in Ohio. “The economy is rigged,” Mrs. Clinton said.\n"
        "Bill Clinton spoke after her. “My wife will win this state,” Mr. Clinton said.\n"
        "“Working families deserve better than this,” Mrs. Clinton said.\n"
    )
    assert [r.speaker for r in rows] == [
        "Phyllis Schlafly",
        "Phyllis Schlafly",  # not John, though his was the last Schlafly named
        "Hillary Clinton",
        "Bill Clinton",
        "Hillary Clinton",  # not the Clinton just called "Mr."
    ]


def test_a_guess_between_two_people_of_one_surname_is_not_kept_as_their_title() -> None:
    """Named in one breath, either could be "Mrs. Bush": the guess is not recorded, so it
    cannot make the later "Mr. Bush" the wife."""
    rows = extract(
        "Laura Bush and George W. Bush toured the school.\n"
        "“Reading matters,” Mrs. Bush said. “I agree with my wife,” Mr. Bush said.\n"
    )
    assert rows[1].speaker == "George W. Bush"


def test_a_text_put_out_in_the_main_clause_announces_the_quotation_after_it() -> None:
    """Not the people an inner clause reports ('aides suggesting …'): the council's
    statement is what the next paragraph quotes."""
    rows = extract(
        "At the mayor's direction, the city council issued a statement apologizing to "
        "residents for the emails, which included aides suggesting someone should question "
        "the auditor.\n\n"
        "“On behalf of everyone at the council, we want to offer a deep apology to residents.”\n"
        "Tom Reyes spoke first. The board released a statement on Monday.\n\n"
        "“We will not raise taxes this year.”\n"
    )
    assert [(r.speaker, r.method) for r in rows] == [
        ("aides", "rule"),
        ("the city council", "continuation"),
        ("The board", "continuation"),
    ]


def test_he_or_she_is_not_the_group_that_spoke_before() -> None:
    rows = extract(
        "City officials said the budget was sound. “The budget is balanced this year,” she "
        "said.\n"
        "A city spokeswoman said the plan was sound. “The plan is fair to everyone,” she said.\n"
    )
    assert [r.speaker for r in rows] == [
        "City officials",
        "",  # one woman, but not the officials: unattributed rather than wrong
        "A city spokeswoman",
        "A city spokeswoman",
    ]


def test_a_verb_before_a_surname_is_no_title() -> None:
    rows = extract(
        "George W. Bush left office in January. “Voters will miss Bush,” an aide said.\n"
        "Laura Bush spoke on Monday. “Reading matters,” Mrs. Bush said.\n"
    )
    assert [r.speaker for r in rows] == ["an aide", "Laura Bush"]


def test_a_word_before_a_name_that_is_no_name_is_not_part_of_the_person() -> None:
    rows = extract(
        "Without Bloomberg, the race is open.\n"
        "Michael Bloomberg spoke on Monday. “I will decide in March,” Bloomberg said.\n"
    )
    assert [r.speaker for r in rows] == ["Michael Bloomberg"]
    # Only where it opens a sentence: 'Will' and 'Said' are first names too.
    rows = extract(
        "Will Hurd and Anna Hurd spoke.\n"
        "“Texas deserves better,” Will Hurd said. “The talks failed,” Said Hamdan said.\n"
    )
    assert [r.speaker for r in rows] == ["Will Hurd", "Said Hamdan"]


def test_an_organisation_keeps_its_whole_name() -> None:
    (row,) = extract("General Electric said that in 2012 it paid $3.2 billion in income taxes.\n")
    assert row.speaker == "General Electric"  # not "Electric", as if "General" were a title


def test_a_colon_after_any_verb_introduces_the_quotation() -> None:
    rows = extract(
        "Senator Ann Holt spoke first.\n"
        "The governor, Tom Reyes, resisted: “We will not raise taxes this year.”\n"
    )
    assert [(r.speaker, r.method) for r in rows] == [("Tom Reyes", "rule")]
    # Not when what stands before the colon cannot speak.
    (row,) = extract("The result was clear: “We will not raise taxes this year.”\n")
    assert row.method == "unattributed"


def test_a_quotation_inside_the_reporters_clause_is_the_words_of_its_subject() -> None:
    (row,) = extract("Mike Pence praised Cruz for showing “courage in the face of attack”.\n")
    assert (row.speaker, row.cue, row.method) == ("Mike Pence", "praised Cruz", "clause")
    (row,) = extract("In 2014, Pew found that “gun control matters to most Democratic voters”.\n")
    assert row.speaker == "Pew"
    # Not a word or two: those are as likely the reporter's own scare quotes.
    assert extract("Mike Pence praised Cruz for his “courage”.\n") == []


def test_a_quoted_word_parsed_as_the_subject_gives_way_to_the_real_one() -> None:
    rows = extract(
        "“My dear Michael Cohen,” the conference speaker says into the camera. “I am here "
        "with a group of people that are praying for him.”\n"
    )
    assert [r.speaker for r in rows] == ["the conference speaker", "the conference speaker"]


def test_an_unattributed_quote_is_found_and_said_to_be_unattributed(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Notes\n\nIt was a busy week. It said “the plan will not survive the winter”.")
    assert engine.ingest([notes]).added == ["notes"]
    answer = engine.ask('Who said "the plan will not survive the winter"?')
    assert answer.source == "ledger" and fake_llm.calls == []
    assert answer.text.startswith("The article quotes this without saying clearly who said it")
    assert answer.citations[0].quote.endswith("“the plan will not survive the winter”.")


def test_a_speaker_found_only_through_the_sentence_is_given_as_such(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path: Path
) -> None:
    path = tmp_path / "pence.txt"
    path.write_text("Pence\n\nMike Pence praised Cruz for showing “courage in the face of attack”.")
    engine.ingest([path])
    answer = engine.ask('Who said "courage in the face of attack"?')
    assert answer.text == (
        "The article does not say outright who said this; its sentence points to Mike Pence: "
        "“courage in the face of attack” [1]"
    )
    answer = engine.ask('Did Mike Pence say "courage in the face of attack"?')
    assert not answer.text.startswith("Yes")
    assert "its sentence points to Mike Pence" in answer.text


def test_a_role_that_opened_its_sentence_reads_in_lower_case() -> None:
    from rag.answer.compose import role_words
    from rag.types import Article, Quote

    text = "His campaign manager Jeff Weaver said that the streak proves the point.\n"
    article = Article(id="t", title="t", text=text)
    (row,) = extract_quotes(article)
    assert row.speaker_role == "His campaign manager"
    assert role_words(row, article, (0, len(text))) == "his campaign manager"
    assert role_words(Quote(**{**row.model_dump(), "speaker_role": ""}), article, (0, 9)) == ""


def test_composed_verbs_read_as_plain_past_tense() -> None:
    from rag.answer.compose import reported_verb

    assert [
        reported_verb(c)
        for c in ("saying", "told The National", "added", "according to", "says", "", "stated")
    ] == ["said", "told The National", "added", "said", "said", "said", "stated"]
    assert reported_verb("will say") == "will say"  # not 'said': it has not been said yet
    assert reported_verb("did not explicitly say") == "did not explicitly say"
    for cue in ("didn't say", "won’t say", "cannot say", "never said", "has not said"):
        assert reported_verb(cue) == cue
    assert reported_verb("will") == "said"  # a lone helper word is no verb


def test_a_speech_announced_for_later_is_not_given_as_said(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    text = (
        "Springfield.\n“Nothing truly prepares you for the demands of the office,” the "
        "two-term mayor will say tonight, according to excerpts of her speech.\n\n"
        "Council member Ann Park would not say whether she would run for the seat."
    )
    ingest_article(engine, tmp_path, "speech", "Farewell", text, date="2026-01-05")
    cues = {r.quote.cue for r in engine.ledger.rows(["speech"])}
    assert "will say" in cues
    answer = engine.ask("Who said “Nothing truly prepares you for the demands of the office”?")
    assert answer.source == "ledger"
    assert "will say, according to excerpts of her speech: “Nothing truly prepares" in answer.text
    assert " said" not in answer.text
    assert all("would not say" in r.quote.cue for r in engine.ledger.quotes("Ann Park"))


def test_what_did_say_about_a_topic_keeps_to_the_topic(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    fake_llm.enqueue(
        "Richard Barrons said the European military lead has “one interesting "
        "exception, which is nuclear weapons” [1]."
    )
    answer = engine.ask("What did Gen Barrons say about nuclear weapons?")
    assert answer.source == "ledger" and [c.n for c in answer.citations] == [1]
    assert "nuclear weapons" in answer.citations[0].quote
    assert "Also recorded" not in answer.text  # no other record mentions nuclear weapons


def test_filters_apply_to_ledger_answers(engine: Engine, fake_llm: QueuedChatModel) -> None:
    from rag.types import SearchFilter

    question = 'Who said "Peace cannot mean capitulation"?'
    for excluded in (SearchFilter(sources=["Breitbart"]), SearchFilter(date_from="2030-01-01")):
        answer = engine.ask(question, excluded)
        assert answer.abstained and answer.source != "ledger", excluded
        assert "Barrot" not in answer.text
    assert fake_llm.calls == []
    fake_llm.enqueue("Jean-Noël Barrot stated “Peace cannot mean capitulation.” [1]")
    kept = engine.ask(question, SearchFilter(sources=["The National"]))
    assert kept.source == "ledger" and kept.citations[0].speaker == "Jean-Noël Barrot"


def test_what_did_say_with_many_quotes_says_how_many_are_left_out(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    answer = engine.ask("What did Barrons say?")  # the model's reply is empty: template
    assert answer.source == "ledger" and len(answer.citations) == 6
    total = len(engine.ledger.quotes("Barrons"))
    assert total > 6
    assert any(f"6 of the {total} quotes" in n and "rag quotes" in n for n in answer.notes)


def test_what_did_x_say_in_one_article_lists_all_of_it(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    from rag.answer.attribution import MAX_ROWS, MAX_ROWS_ONE_ARTICLE

    (info,) = engine.list_articles()
    total = len(engine.ledger.quotes("Barrons"))
    assert MAX_ROWS < total <= MAX_ROWS_ONE_ARTICLE
    answer = engine.ask(f'What did Barrons say in the article "{info.title}"?')
    assert answer.source == "ledger" and fake_llm.calls == []
    assert len(answer.citations) == total
    assert not any("quotes recorded" in n for n in answer.notes)


def test_what_has_x_said_across_articles_is_a_timeline(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    for day, words in (
        ("2025-12-02", "Winter will be hard for Russia"),
        ("2025-11-30", "We stand firm against Russia"),
    ):
        (tmp_path / f"kallas-{day}.json").write_text(
            json.dumps(
                {
                    "id": f"kallas-{day}",
                    "title": f"Kallas on {day}",
                    "date": day,
                    "source": "Wire",
                    "text": f"Brussels.\n“{words},” said Kaja Kallas, the EU foreign chief.",
                }
            )
        )
    engine.ingest([tmp_path])
    answer = engine.ask("What has Kaja Kallas said across articles?")
    assert answer.source == "ledger"
    dated = [c for c in answer.citations if c.article_id.startswith("kallas-")]
    # Both new articles are shown though the seed alone has more quotes; oldest first.
    assert [c.article_id for c in dated] == ["kallas-2025-11-30", "kallas-2025-12-02"]
    assert answer.text.index("We stand firm") < answer.text.index("Winter will be hard")
    total = len(engine.ledger.quotes("Kallas"))
    assert len({(c.article_id, c.start, c.end) for c in answer.citations}) == min(6, total)
    # About a topic: the records most about it, from several articles, in date order.
    about = engine.ask("What has Kaja Kallas said about Russia across articles?")
    dates = [engine.get_article(c.article_id).date for c in about.citations]
    assert "2025-11-30" in dates and "2025-12-02" in dates
    assert dates == sorted(dates)


def test_who_described_x_as_is_answered_from_the_ledger(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    answer = engine.ask('Who described the plan as a "deeply disturbing construct"?')
    assert answer.source == "ledger"
    assert answer.citations[0].speaker == "Richard Barrons"
    assert "Richard Barrons" in answer.text


def test_two_single_quote_marks_open_and_close_a_quotation() -> None:
    (row,) = extract("''We will rebuild the bridge,'' said Mayor Ann Lee.\n")
    assert row.quote == "We will rebuild the bridge," and row.speaker == "Ann Lee"


LEDE = (
    "Talks collapse\n"
    "{description} told reporters that the deal was “dead in the water”.\n"
    "“We could not agree on anything,” said Anna Berg, the union's chief negotiator.\n"
)


@pytest.mark.parametrize(
    ("description", "speaker"),
    [
        ("A senior union figure", "Anna Berg"),  # the lede's description, named next
        ("An unnamed union figure", "An unnamed union figure"),  # anonymous on purpose
        ("A union figure, who requested anonymity,", "A union figure, who requested anonymity"),
        ("The union's lawyer", "The union's lawyer"),  # definite: not a delayed name
    ],
)
def test_a_lede_description_is_the_person_named_next(description: str, speaker: str) -> None:
    rows = extract(LEDE.format(description=description))
    (lede,) = [r for r in rows if r.quote == "dead in the water"]
    assert lede.speaker == speaker


def test_a_description_is_not_someone_named_before_it() -> None:
    rows = extract(
        "Talks collapse\nAnna Berg led the talks.\n"
        "A senior union figure told reporters the deal was “dead in the water”.\n"
        "“We could not agree on anything,” said Anna Berg.\n"
    )
    (lede,) = [r for r in rows if r.quote == "dead in the water"]
    assert lede.speaker == "A senior union figure" and lede.kind == "anonymous"


def test_a_summary_is_added_after_the_records_and_checked(
    engine: Engine, fake_llm: QueuedChatModel
) -> None:
    question = "What did Gen Barrons say about Germany?"
    fake_llm.enqueue(
        "Richard Barrons, the former head of Nato, said Germany's lead in Europe was "
        "appropriate [1][2]."
    )
    stream = engine.stream(question)
    first = next(stream)
    # The records are shown before the model is even asked.
    assert isinstance(first, AnswerDelta) and first.text.startswith("Richard Barrons")
    assert fake_llm.calls == []
    *_, answer = stream
    records, _, summary = answer.text.partition("\n")
    assert records.startswith(first.text)
    assert all(f"[{c.n}]" in records for c in answer.citations)
    assert len(answer.citations) > 1 and len(fake_llm.calls) == 1
    # The invented role is dropped; a claim held only by record 3 gets its [3] too.
    assert summary.startswith("Richard Barrons said Germany's lead in Europe was appropriate [1]")
    assert [(u.kind, u.text) for u in answer.unsupported] == [
        ("description", "former head of Nato")
    ]


@pytest.mark.parametrize(
    "reply",
    [
        "Angela Merkel agreed with Richard Barrons about Germany [1].",  # an invented name
        "Richard Barrons said “Germany must pay 90 billion” [1].",  # an invented quote
        "The articles do not say.",
    ],
)
def test_a_summary_that_fails_a_check_is_left_out(
    engine: Engine, fake_llm: QueuedChatModel, reply: str
) -> None:
    fake_llm.enqueue(reply)
    answer = engine.ask("What did Gen Barrons say about Germany?")
    assert answer.source == "ledger" and "\n" not in answer.text
    assert "Merkel" not in answer.text and "90 billion" not in answer.text
    assert all(q.status == "verified" for q in answer.quotes)


def test_the_attribution_right_after_a_quotation_names_the_speaker() -> None:
    def speaker(text: str) -> str:
        return next(r for r in extract(text) if r.kind != "indirect").speaker

    # The verb first, then who: the name, not the clause after it.
    assert (
        speaker(
            "“The fight for this seat has only begun,” said Dana Whitfield, a longtime "
            "adviser who runs the group Fair Count.\n"
        )
        == "Dana Whitfield"
    )
    # Who, then the verb, a role before the name and an aside between them.
    assert speaker("“I was impressed,” screenwriter Jane Porter wrote on Twitter.\n") == (
        "Jane Porter"
    )
    rows = extract(
        "“The agents are under a lot of pressure,” an intelligence source, who was not "
        "authorized to speak on the record, told reporters.\n"
    )
    assert rows[0].speaker == (
        "an intelligence source, who was not authorized to speak on the record"
    )
    assert rows[0].cue == "told reporters"
    # A description keeps its relative clause, as the article writes it.
    assert speaker(
        "“How tall is the fence?” asked the boy, who wore a red cap, as the crowd laughed.\n"
    ) == ("the boy, who wore a red cap")
    # A text's words: "read" is its cue, and a tagger's noun "states" a verb.
    assert speaker("“Vote early and often,” the campaign email read.\n") == ("the campaign email")
    assert speaker("“Hillary will fight for you,” a voice-over in the ad states.\n") == (
        "a voice-over in the ad"
    )
    # A dash before a name alone, on the line after the quotation.
    assert speaker('"We will carry this state by ten points."\n\n- Maria Lopez.\n') == (
        "Maria Lopez"
    )


def test_an_attribution_after_the_quotation_needs_the_sentence_to_hand_it_over() -> None:
    # 'said the candidate could …': the candidate is who the sentence is about.
    rows = extract(
        "Ms. Lopez, citing ''the magic of the campaign,'' said the candidate could win "
        "Ohio and Iowa.\n"
    )
    assert all(r.speaker == "Lopez" for r in rows if r.kind != "indirect")
    # A partial quotation inside a sentence that already has its cue is that cue's.
    from rag.backends.nlp import load_nlp
    from rag.ledger.adjacent import adjacent_cue
    from rag.ledger.speakers import People

    text = (
        "Cruz said he would make the desert “glow in the dark,” for instance, and Trump "
        "vowed to win.\n"
    )
    doc = load_nlp()(text)
    a, b = text.index("“"), text.index("”") + 1
    assert adjacent_cue(doc, a, b, [range(a, b)], People(text, [])) is None
    (row,) = extract(text.replace("Cruz said he would", "Cruz vowed to"))
    assert row.speaker == "Cruz"


def test_every_cue_of_a_sentence_reports_its_own_words() -> None:
    rows = extract(
        "Most voters said they were tired of the campaign; 46 percent said they were "
        "unenthusiastic about the election.\n"
        "Yet many economists say taxing consumption encourages savings and growth.\n"
    )
    assert [(r.speaker, r.quote) for r in rows] == [
        ("Most voters", "they were tired of the campaign"),
        ("46 percent", "they were unenthusiastic about the election"),
        ("many economists", "taxing consumption encourages savings and growth"),
    ]


def test_a_pronoun_never_stands_for_a_text() -> None:
    rows = extract(
        "“We have started the talks,” Mr. Hale said on Monday.\n"
        "The remarks suggest the campaign is split on the question.\n"
        "“I want a quick end to this,” he said.\n"
    )
    assert [r.speaker for r in rows] == ["Hale", "The remarks", "Hale"]


def test_an_answer_names_whom_the_article_credits_for_the_report(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    text = (
        "Floor fight.\n“Please do not stage any protest on the floor,” Sanders said, "
        "according to CNN.\n"
    )
    ingest_article(engine, tmp_path, "floor", "Floor fight", text, source="Wire")
    (row,) = engine.ledger.quotes("Sanders")
    assert row.quote.via == "CNN" and text[row.quote.via_start : row.quote.via_end] == "CNN"
    answer = engine.ask('Who said "Please do not stage any protest on the floor"?')
    assert answer.source == "ledger" and fake_llm.calls == []
    assert "Sanders said, according to CNN: “Please do not stage any protest" in answer.text
    assert "according to CNN" in answer.citations[0].quote


def test_an_uncued_quotation_is_answered_with_the_role_its_paragraph_gives(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    text = (
        "Springfield.\n“We are going to chip away at the lead,” added his campaign manager "
        "Ada Lind, speaking after the rally. “It is not an easy path, and never was.”"
    )
    ingest_article(engine, tmp_path, "lind", "Rally", text, date="2026-01-05")
    answer = engine.ask("Who said “It is not an easy path, and never was”?")
    assert answer.source == "ledger"
    assert answer.text.startswith("His campaign manager Ada Lind said: “It is not an easy path")
    (cited,) = [c for c in answer.citations if c.article_id == "lind"]
    assert "added his campaign manager Ada Lind" in cited.quote
    assert fake_llm.calls == []


def test_quoted_words_are_answered_by_their_quotation_and_what_x_said_by_the_statement(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    text = (
        "Springfield.\nSenator Ann Park said it was “a plan that will fail farmers” to cut "
        "the budget for rural schools again this year."
    )
    ingest_article(engine, tmp_path, "park", "Farm bill", text, date="2026-01-05")
    kinds = {r.quote.kind for r in engine.ledger.rows(["park"])}
    assert kinds == {"partial", "indirect"}  # the quotation, and the statement that holds it
    answer = engine.ask("Who said “a plan that will fail farmers”?")
    assert answer.source == "ledger"
    assert [(c.article_id, c.kind) for c in answer.citations] == [("park", "partial")]
    assert "Ann Park" in answer.text
    said = engine.ask("What did Ann Park say about the budget?")
    assert said.source == "ledger"
    assert [c.kind for c in said.citations if c.article_id == "park"] == ["indirect"]
    assert "to cut the budget for rural schools" in said.text
    (park,) = [s for s in engine.ledger.speakers(["park"]) if s.name == "Ann Park"]
    assert park.quotes == len(engine.ledger.quotes("Ann Park", ["park"])) == 1


def test_whom_a_sentence_credits_for_the_report_holds_for_the_quotation_that_goes_on(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    text = (
        "Springfield.\n“They don’t care about politics,” Mayor Ann Park said of the families, "
        "according to a pool report. “Neither do I. This debate needs to change.”\n\n"
        "“Nothing truly prepares you for the office,” the two-term mayor will say, according "
        "to excerpts of her speech released by the city."
    )
    ingest_article(engine, tmp_path, "pool", "Visit", text, date="2026-01-05")
    rows = {r.quote.quote[:12]: r.quote for r in engine.ledger.rows(["pool"])}
    assert rows["Neither do I"].via == "a pool report"
    assert rows["Nothing trul"].via == "excerpts of her speech released by the city"
    answer = engine.ask("Who said “Neither do I. This debate needs to change”?")
    assert answer.source == "ledger"
    assert answer.text.startswith("Mayor Ann Park said, according to a pool report: “Neither")
    assert fake_llm.calls == []


def ingest_article(engine: Engine, folder, article_id: str, title: str, text: str, **extra) -> None:
    """Ingest one invented article, written as a JSON file in ``folder``."""
    record = {"id": article_id, "title": title, "text": text, **extra}
    (folder / f"{article_id}.json").write_text(json.dumps(record))
    engine.ingest([folder])


def test_a_speaker_described_before_and_after_the_name_is_answered_with_both(
    engine: Engine, fake_llm: QueuedChatModel, tmp_path
) -> None:
    text = (
        "Springfield.\n“The delegate math is very daunting for Tom Vance,” explained Democratic "
        "strategist Ann Rosen, president of the New Policy Network think tank. “She is on track "
        "to win.”\n\n“We will count every vote,” said Senator Dan Ortiz, R-Ohio."
    )
    ingest_article(engine, tmp_path, "rosen", "Delegates", text, date="2026-01-05")
    rows = {r.quote.quote[:8]: r.quote for r in engine.ledger.rows(["rosen"])}
    said = rows["The dele"]
    assert (said.speaker_role, said.speaker_appositive) == (
        "Democratic strategist",
        "president of the New Policy Network think tank",
    )
    assert text[said.appositive_start : said.appositive_end] == said.speaker_appositive
    assert rows["She is o"].speaker_appositive == said.speaker_appositive  # it goes on
    assert rows["We will "].speaker_appositive == ""  # a party label is no description
    answer = engine.ask("Who said “The delegate math is very daunting for Tom Vance”?")
    assert answer.source == "ledger" and fake_llm.calls == []
    assert answer.text.startswith(
        "Democratic strategist Ann Rosen, president of the New Policy Network think tank, "
        "explained: “The delegate math"
    )
    assert answer.citations[0].speaker_appositive == said.speaker_appositive
