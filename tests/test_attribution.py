"""Attribution rules of the ledger, each on invented sentences: who a quotation or a
reported statement is credited to, and when the ledger declines to say."""

from __future__ import annotations

from rag.ledger.extract import extract_quotes
from rag.types import Article, Quote


def extract(text: str) -> list[Quote]:
    return extract_quotes(Article(id="t", title="t", text=text))


def row_of(rows: list[Quote], words: str) -> Quote:
    (row,) = [r for r in rows if words in r.quote]
    return row


def test_the_speech_verb_whose_clause_holds_the_quotation_beats_a_closer_one() -> None:
    rows = extract(
        "Defense Secretary Jane Ortiz said the approach remained “one of patience, strength "
        "and resolve”, but she also warned Beijing against provocations.\n"
    )
    assert row_of(rows, "patience").speaker == "Jane Ortiz"


def test_he_in_what_a_named_person_reports_is_that_person() -> None:
    rows = extract(
        "“Stay calm,” his wife, Ana Reyes, told him before the vote.\n\n"
        "Tom Reyes said he responded: “We will not close the port.”\n"
    )
    assert row_of(rows, "close the port").speaker == "Tom Reyes"


def test_they_is_not_one_person() -> None:
    rows = extract(
        "“We are ready,” said Maria Lopez.\n\nSuch efforts, they believe, will make the "
        "difference in the smaller states.\n"
    )
    assert all(r.speaker != "Maria Lopez" for r in rows if "difference" in r.quote)


def test_he_or_she_is_not_a_text() -> None:
    rows = extract(
        "The complaint, which was filed in federal court, said the campaign broke the rules.\n\n"
        "“This is not the kind of campaign that we run,” he said.\n"
    )
    row = row_of(rows, "kind of campaign")
    assert (row.speaker, row.method) == ("", "unattributed")


def test_everybody_is_not_a_speaker() -> None:
    rows = extract("Everybody said “the bridge will be finished by spring”.\n")
    assert [r.speaker for r in rows] == [""]


def test_a_sentence_that_says_who_speaks_gives_them_the_uncued_quotation_after_it() -> None:
    rows = extract(
        "“It is a two-man race now,” said Tom Hale, a strategist.\n\n"
        "Iowa State University's Dianne Brooks agreed. “Mainstream voters are running out of "
        "time to find an alternative.”\n"
    )
    row = row_of(rows, "running out of time")
    assert (row.speaker, row.method) == ("Dianne Brooks", "continuation")


def test_a_statement_saying_is_the_words_of_whoever_issued_it() -> None:
    rows = extract(
        "On Saturday, Senator Ann Park issued a statement saying that the judge was "
        "“a brilliant and fair mind, one of the best of our time.”\n"
    )
    row = row_of(rows, "brilliant and fair")
    # the speech verb's own subject (a rule), not only the clause around the quotation
    assert (row.speaker, row.method, row.cue) == ("Ann Park", "rule", "saying")


def test_an_announced_noun_phrase_is_what_was_said() -> None:
    (row,) = extract(
        "Former Texas Governor Rick Dale announced his endorsement of Senator Mary Cole on "
        "Sunday.\n"
    )
    assert (row.speaker, row.kind, row.cue) == ("Rick Dale", "indirect", "announced")
    assert row.quote == "his endorsement of Senator Mary Cole"


def test_a_cue_joined_by_a_comma_alone_reports_the_clause_before_it() -> None:
    rows = extract(
        "This includes a rapid team to support Iraqi Yazidis, Navy Secretary Ann Fisher told "
        "a Senate panel Monday.\n"
    )
    (row,) = [r for r in rows if r.kind == "indirect"]
    assert row.speaker == "Ann Fisher"
    assert row.quote == "This includes a rapid team to support Iraqi Yazidis"
    # Joined by "and", it is a second statement of its own.
    rows = extract(
        "The senator stood with other party leaders, and Jason Kane urged voters to turn out "
        "in November.\n"
    )
    assert all("stood with" not in r.quote for r in rows)


def test_reported_speech_keeps_who_reported_it() -> None:
    rows = extract(
        "His campaign manager, Tom Vance, says the streak is proof the senator can still close "
        "the gap, according to the Associated Press.\n"
    )
    (row,) = [r for r in rows if r.kind == "indirect"]
    assert (row.speaker, row.via) == ("Tom Vance", "the Associated Press")
    assert row.quote.startswith("the streak is proof")


def test_a_description_keeps_the_groups_and_roles_it_joins() -> None:
    (row,) = extract(
        "“We will not back down,” the Ohio senator and Republican presidential candidate said "
        "in a statement.\n"
    )
    assert row.speaker == "the Ohio senator and Republican presidential candidate"
    (row,) = extract(
        "Cyber security experts and U.S. officials said the leak was “a deliberate act of "
        "interference.”\n"
    )
    assert row.speaker == "Cyber security experts and U.S. officials"
    # A named person stays that person.
    (row,) = extract("Senator Ann Park and her aides said the bill was “dead on arrival.”\n")
    assert row.speaker == "Ann Park"


def test_a_speaker_named_in_a_relative_clause_is_written_without_who() -> None:
    (row,) = extract(
        "The move drew fire from the Mexican president, who said the wall was “an insult to "
        "both nations.”\n"
    )
    assert row.speaker == "the Mexican president"
    (row,) = extract("He answered critics who say he should use the words “radical Islam”.\n")
    assert row.speaker == "critics"


def test_a_description_in_apposition_to_a_name_is_that_persons_role() -> None:
    rows = extract(
        "“You are going to see a variety of tactics,” said Elizabeth Arnold, 32, a former "
        "staff member for the campaign in Ohio who said she planned to demonstrate.\n"
    )
    row = row_of(rows, "planned to demonstrate")
    assert (row.speaker, row.speaker_role) == (
        "Elizabeth Arnold",
        "a former staff member for the campaign in Ohio",
    )
