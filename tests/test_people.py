"""One person across articles: name variants merge, people who share a surname do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.api import Engine
from rag.ledger.people import merge_names, refers_to, same_person
from rag.settings import Settings


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Gen Sir Richard Barrons", "Richard Barrons", True),
        ("R. Barrons", "Richard Barrons", True),
        ("Richard Barons", "Richard Barrons", True),  # a misspelt surname
        ("Jean-Noel Barrot", "Jean-Noël Barrot", True),
        ("Commentary’s Noah Rothman", "Noah Rothman", True),
        ("Billionaire Donald Trump", "Donald J. Trump", True),
        ("Chuck Grassley", "Charles Grassley", True),
        ("Mayor Bill de Blasio", "Bill de Blasio", True),
        ("George W. Bush", "George H.W. Bush", False),
        ("Dick Cheney", "Liz Cheney", False),
        ("John F. Kennedy", "Robert F. Kennedy", False),  # a middle initial is no first name
        ("A. Baker", "James A. Baker", True),
        ("Mary Ann Smith", "Sarah Ann Smith", False),
        ("Bill Clinton", "Hillary Clinton", False),
        ("John Smith", "Joan Smith", False),  # a letter apart, two people
        ("Barrons", "Richard Barrons", False),  # a surname alone is not a full name
    ],
)
def test_two_full_names_are_one_person_only_when_their_first_names_agree(
    a: str, b: str, same: bool
) -> None:
    assert same_person(a, b) is same


@pytest.mark.parametrize(
    ("query", "name", "mentions", "refers"),
    [
        ("Gen Barrons", "Richard Barrons", ["Gen Barrons"], True),
        ("General Barons", "Richard Barrons", [], True),
        ("Hillary Clinton", "Bill Clinton", ["Clinton", "Bill Clinton"], False),
        ("Clinton", "Bill Clinton", [], True),
        ("Mister Rogers", "Fred Rogers", [], True),  # a surname alone: anyone of that surname
        ("Mary Smith", "Smith", [], True),  # a speaker known by surname alone may be her
        ("the spokesman", "a spokesman", [], True),
        ("Mayor Bill de Blasio", "De Blasio", [], True),  # a surname with its particle
        ("", "Richard Barrons", [], False),
        ("Wu", "Tim Wu", [], True),  # a two-letter surname, spelt the same
        ("Professor Wu", "Tim Wu", [], True),
        ("Xu", "Tim Wu", [], False),
        ("J.", "Jane Smith", [], False),  # an initial is not a surname
    ],
)
def test_a_name_as_asked_refers_to_a_speaker(
    query: str, name: str, mentions: list[str], refers: bool
) -> None:
    assert refers_to(query, name, mentions) is refers


def test_variants_merge_into_the_fullest_name_and_ambiguous_ones_stay_apart() -> None:
    names = "Barrons|Richard Barrons|R. Barrons|Clinton|Bill Clinton|Hillary Clinton|J. Smith"
    written = {"Richard Barrons": ["Gen Barrons"], "Bill Clinton": ["Clinton"]}
    merged = merge_names([*names.split("|"), "John Smith", "Jane Smith", "a spokesman"], written)
    assert merged["Barrons"] == merged["R. Barrons"] == "Richard Barrons"
    assert merged["Bill Clinton"] != merged["Hillary Clinton"]
    assert merged["Clinton"] == "Clinton"  # two Clintons: it could be either
    assert merged["J. Smith"] == "J. Smith"  # John or Jane
    assert merged["a spokesman"] == "a spokesman"
    # A surname alone merges only into someone the articles call by it.
    assert merge_names(["Biden", "Hunter Biden"]) == {
        "Biden": "Biden",
        "Hunter Biden": "Hunter Biden",
    }


def test_the_ledger_merges_one_person_across_articles(settings: Settings, tmp_path: Path) -> None:
    engine = _engine_with(
        settings,
        tmp_path,
        "Harbour vote\n\nMayor Ann Lee spoke on Monday. “We will rebuild the harbour,” Lee "
        "said. Her rival Tom Lee disagreed. “It is a waste of money,” Tom Lee said.\n",
        "Harbour vote, day two\n\n“The harbour will be ready by spring,” Lee told reporters "
        "on Tuesday.\n",
    )
    people = {s.name: s for s in engine.speakers()}
    assert "Ann Lee" in people and "Tom Lee" in people
    # "Lee" alone in the second article could be either: it stays apart, found with each.
    assert "Lee" in people and people["Lee"].names == {"Lee"}
    assert set(engine.ledger.find_speaker("Ann Lee")) == {"Ann Lee", "Lee"}
    assert set(engine.ledger.find_speaker("Tom Lee")) == {"Tom Lee", "Lee"}
    assert set(engine.ledger.find_speaker("Lee")) == {"Ann Lee", "Tom Lee", "Lee"}


def test_a_surname_alone_elsewhere_merges_into_the_one_person_of_that_name(
    settings: Settings, tmp_path: Path
) -> None:
    engine = _engine_with(
        settings,
        tmp_path,
        "Harbour vote\n\n“We will rebuild the harbour,” Mayor Ann Lee said on Monday. "
        "“It starts now,” Lee added.\n",
        "Harbour works begin\n\n“The cranes arrive next week,” Lee said.\n",
    )
    (lee,) = [s for s in engine.speakers() if "Lee" in s.name]
    assert lee.name == "Ann Lee" and lee.names == {"Ann Lee", "Lee"}
    assert lee.quotes == 3 and len(lee.articles) == 2
    said = {q.quote.strip("“”,") for q in engine.quotes("Gen Ann Lee")}
    assert said == {"We will rebuild the harbour", "It starts now", "The cranes arrive next week"}


def _engine_with(settings: Settings, folder: Path, *texts: str) -> Engine:
    """An engine over the hash embedder with each text indexed as an article of its own."""
    engine = Engine(settings, on_status=lambda _: None)
    paths = [folder / f"article{n}.txt" for n in range(len(texts))]
    for path, text in zip(paths, texts, strict=True):
        path.write_text(text, encoding="utf-8")
    engine.ingest(paths)
    return engine
