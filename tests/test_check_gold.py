"""The checking gold set's rules (rag/evaluation/check_gold.py) and its scoring, on a made-up
article (the dev sets' articles stay out of the repository)."""

from __future__ import annotations

from rag.answer.check import QuoteVerdict
from rag.evaluation.check_eval import check_report, score_check
from rag.evaluation.check_gold import build_check_cases
from rag.evaluation.eval import Case

TEXT = (
    "Mayor Ann Lee spoke on Monday.\n\n"
    "“We will not raise taxes this year, and we will build the new bridge,” Lee said.\n\n"
    "Councillor Bo Park disagreed. “The bridge is a big mistake for the people of this city "
    "and it will cost far more than anyone thinks,” Park said.\n\n"
    "Park also said: “I have read the plans with great care and the numbers do not add up.”"
)


def _case(n: int, answer: str, content: str) -> Case:
    start = TEXT.index(content)
    return Case(
        id=f"c{n}",
        article_id="a1",
        type="who_said",
        question="Who said it?",
        answer=answer,
        answer_aliases=[answer, answer.split()[-1]],
        answer_is_named_entity=True,
        evidence_spans=[(TEXT.rfind("\n", 0, start) + 1, TEXT.find("\n", start) % len(TEXT))],
        gold={"source": answer.split()[-1], "cue": "said", "content": content, "event_id": f"E{n}"},
    )


CASES = [
    _case(1, "Ann Lee", "“We will not raise taxes this year, and we will build the new bridge,”"),
    _case(
        2,
        "Bo Park",
        "“The bridge is a big mistake for the people of this city and it will "
        "cost far more than anyone thinks,”",
    ),
]
ELSEWHERE = [
    Case(
        id="x1",
        type="who_said",
        question="?",
        gold={"content": "“Nobody here ever wrote these particular words down at all.”"},
    ),
    Case(
        id="x2",
        type="who_said",
        question="?",
        gold={"content": "“The bridge is a big mistake for the people of this city,”"},
    ),
]


def test_each_kind_follows_its_rule() -> None:
    claims = {
        (c.id.split(":")[0], c.kind): c for c in build_check_cases(CASES, {"a1": TEXT}, ELSEWHERE)
    }
    lee = TEXT[claims[("c1", "verbatim")].start : claims[("c1", "verbatim")].end]
    assert lee == "We will not raise taxes this year, and we will build the new bridge,"
    assert (
        claims[("c1", "cut")].claim
        == "We will raise taxes this year, and we will build the new bridge,"
    )
    assert ("c1", "fragment") not in claims  # a "not" in it: a fragment could turn its sense
    assert claims[("c2", "fragment")].claim == "The bridge is a big mistake for the people of"
    assert claims[("c2", "reworded")].claim.startswith(
        "The bridge was a large mistake for the citizens"
    )
    assert claims[("c1", "misattributed")].speaker == "Bo Park"
    assert claims[("c1", "misattributed")].said_by[0] == "Ann Lee"
    invented = [c for c in claims.values() if c.kind == "invented"]
    assert [c.claim for c in invented] == [
        "Nobody here ever wrote these particular words down at all."
    ]
    assert all(c.expected == "not_found" for c in invented)


def test_scoring_needs_the_verdict_and_the_original_span() -> None:
    claims = build_check_cases(CASES, {"a1": TEXT}, ELSEWHERE)
    verbatim = next(c for c in claims if c.kind == "verbatim")
    nothing = QuoteVerdict("not_found", verbatim.claim, verbatim.speaker, (), 3, 1)
    wrong = score_check(verbatim, nothing, 0.01)
    assert not wrong.correct and not wrong.cited
    invented = next(c for c in claims if c.kind == "invented")
    right = score_check(invented, QuoteVerdict("not_found", invented.claim, "", (), 3, 1), 0.02)
    assert right.correct and right.cited
    report = check_report([wrong, right])
    assert report.by_kind["verbatim"].verdict_accuracy == 0.0
    assert report.by_kind["invented"].verdict_accuracy == 1.0
    assert report.overall.n == 2 and report.failures == [verbatim.id]
