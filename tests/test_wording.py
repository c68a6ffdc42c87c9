"""The word-level comparison a quote check reports."""

from __future__ import annotations

from rag.text.wording import WordChange, compare_wording


def test_the_same_words_are_verbatim_whatever_the_marks_and_case() -> None:
    diff = compare_wording('"Peace cannot mean capitulation"', "“Peace cannot mean capitulation.”")
    assert diff.verbatim and diff.similarity == 1.0 and not diff.sense_changed


def test_a_rewording_lists_each_change_and_keeps_a_negation_said_another_way() -> None:
    diff = compare_wording("Peace can never mean surrender", "Peace cannot mean capitulation")
    assert diff.changes == (
        WordChange("changed", "can never", "cannot"),
        WordChange("changed", "surrender", "capitulation"),
    )
    assert not diff.sense_changed and 0.4 < diff.similarity < 0.8


def test_a_dropped_not_always_changes_the_sense() -> None:
    diff = compare_wording("We will raise taxes", "We will not raise taxes")
    assert diff.changes == (WordChange("dropped", "", "not"),) and diff.cut
    assert diff.sense_words == ("not",) and diff.sense_changed
    added = compare_wording("The plan won't work", "The plan will work")
    assert added.sense_words == ("won't",)


def test_a_fragment_is_a_cut_and_a_dropped_condition_changes_its_sense() -> None:
    plain = compare_wording("the talks will go on", "I think the talks will go on for weeks")
    assert plain.cut and not plain.sense_changed
    condition = compare_wording("we will sign", "we will sign only if the border holds")
    assert condition.cut and set(condition.sense_words) == {"only", "if"}


def test_an_added_word_is_not_a_cut() -> None:
    diff = compare_wording("the plan is a total catastrophe", "the plan is a catastrophe")
    assert diff.changes == (WordChange("added", "total", ""),) and not diff.cut
