"""The word-level comparison a quote check reports."""

from __future__ import annotations

from rag.text.wording import (
    WordChange,
    aligned_range,
    compare_wording,
    compare_words,
    wording_breaks,
    wording_words,
)


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


def test_a_word_that_leans_the_other_way_turns_the_sense() -> None:
    diff = compare_wording("the plan would be a triumph", "the plan would be a disaster")
    assert diff.changes == (WordChange("changed", "triumph", "disaster"),)
    assert diff.sense_words == ("triumph", "disaster") and not diff.cut
    # Words that lean the same way, or hardly at all, keep it; so does a negated opposite.
    assert not compare_wording("the food is fine", "the food is good").sense_changed
    assert not compare_wording("a big issue", "a big problem").sense_changed
    negated = compare_wording("it is not good", "it is bad")
    assert negated.sense_words == ("not",)  # the negation alone, not 'good' against 'bad'
    # Only a word for a word: a phrase for a phrase leans too loosely, a number not at all.
    assert not compare_wording("we want to stop fighting", "we want peace").sense_changed
    assert not compare_wording("it hurt 143 people", "it hurt 187 people").sense_changed


def test_a_negation_left_out_from_inside_a_word_is_a_cut_and_nothing_else_is() -> None:
    diff = compare_wording("Peace can mean capitulation", "Peace cannot mean capitulation")
    assert diff.cut and diff.sense_words == ("cannot",)
    assert diff.changes == (WordChange("changed", "can", "cannot", unnegated=True),)
    assert compare_wording("It won't work", "It will not work").sense_words == ()
    # A negation said another way, or moved, is no cut.
    other = compare_wording("It would cease to exist as a state", "It would not exist as a state")
    assert not other.cut and other.sense_words == ("not",)
    moved = compare_wording("It would exist, not in name", "It would not exist, in name")
    assert not moved.cut


def test_claim_words_past_the_last_match_are_set_against_the_words_there() -> None:
    said = wording_words("the plan would be a triumph")
    text = "the plan's effect on security would be a disaster, he said"
    printed = wording_words(text)
    breaks = wording_breaks(text)
    assert printed[slice(*aligned_range(said, printed))][-1] == "a"  # without the breaks
    lo, hi = aligned_range(said, printed, breaks)
    assert printed[lo:hi][-1] == "disaster"  # not past the comma: 'he said' is no claim
    assert compare_words(said, printed[lo:hi]).sense_words[-2:] == ("triumph", "disaster")
