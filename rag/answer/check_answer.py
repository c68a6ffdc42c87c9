"""A quote check's verdict as an answer: one sentence saying what the check found, then
each quotation it rests on stated as the ledger states it, with its [n], then what differs.
Nothing in it comes from anywhere but the verdict and the cited records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rag.answer.check import CheckEvidence, QuoteVerdict
from rag.answer.compose import HEDGED, Composed, citation, shown, statement
from rag.text.wording import WordingDiff
from rag.types import Answer, Article, Passage, QuoteCheck

MAX_SHOWN = 3  # quotations stated in one answer (the rest are in `rag check --json`)
MAX_CARRIERS_LISTED = 20  # articles carrying a quotation that the CLI and the page list


def compose_check(
    verdict: QuoteVerdict, articles: Mapping[str, Article], earliest_first: bool = False
) -> Composed:
    """The verdict, its evidence and the wording differences, as answer sentences.
    ``earliest_first``: for "who first said …", the appearances in date order."""
    evidence = _in(verdict.evidence, articles)
    if earliest_first:
        evidence.sort(key=lambda e: (e.quote.date or "9999", e.quote.article_id, e.quote.start))
    out = Composed()
    if verdict.verdict == "not_found" or not evidence:
        nearest = _in(verdict.nearest, articles)
        out.sentences.append(_not_found(verdict))
        printed = _in(verdict.printed, articles)
        _state(out, printed, articles)
        if printed and not printed[0].diff.verbatim:
            out.sentences.append(differences(printed[0].diff))
        if nearest:
            out.sentences.append("The nearest in meaning, not close enough to count:")
            _state(out, nearest, articles, first_n=len(out.citations) + 1)
            if nearest[0].diff.sense_changed:  # close in meaning, but it turns the sense
                out.sentences.append(differences(nearest[0].diff))
        return out
    out.sentences.append(_lead(verdict, evidence[0]))
    earlier = _earlier_wording(verdict, evidence, articles) if earliest_first else None
    _state(out, evidence[:MAX_SHOWN], articles, earliest_first, in_these_words=bool(earlier))
    if earlier is not None:  # an earlier article prints the words in another form
        out.sentences.append(f"An earlier article, on {earlier.quote.date}, prints them so:")
        _state(out, [earlier], articles, first_n=len(out.citations) + 1)
    if verdict.verdict in ("reworded", "cut"):
        out.sentences.append(differences(evidence[0].diff))
    return out


def _earlier_wording(
    verdict: QuoteVerdict, evidence: Sequence[CheckEvidence], articles: Mapping[str, Article]
) -> CheckEvidence | None:
    """The first article to print the words, when it is dated before the earliest of the
    ``evidence`` (dated, earliest first) and prints them in other words; else None."""
    first = verdict.carriers[0] if verdict.carriers else None
    earliest = evidence[0].quote.date
    if first is None or not first.quote.date or not earliest or first.quote.date >= earliest:
        return None
    if any(e.row is first.row or e.row.wording.words == first.row.wording.words for e in evidence):
        return None
    found = _in([CheckEvidence(first.row, first.wording)], articles)
    return found[0] if found else None


def verdict_answer(
    question: str,
    verdict: QuoteVerdict,
    composed: Composed,
    passages: Sequence[Passage] = (),
) -> Answer:
    """The composed verdict as an Answer from the ledger; a claim not found abstains, with
    or without a nearest quotation shown."""
    return Answer(
        question=question,
        text=composed.text,
        citations=composed.citations,
        quotes=composed.quotes,
        passages=list(passages),
        source="ledger",
        abstained=verdict.verdict == "not_found" or not composed.citations,
    )


def _in(evidence: Sequence[CheckEvidence], articles: Mapping[str, Article]) -> list[CheckEvidence]:
    """The evidence whose quotation its article (among ``articles``) prints where it says."""
    return [
        e
        for e in evidence
        if e.quote.article_id in articles
        and articles[e.quote.article_id].text[e.quote.start : e.quote.end] == e.quote.quote
    ]


def _state(
    out: Composed,
    evidence: Sequence[CheckEvidence],
    articles: Mapping[str, Article],
    earliest_first: bool = False,
    first_n: int = 1,
    in_these_words: bool = False,
) -> None:
    """Each quotation as the ledger states it, with its [n] (from ``first_n``) and its
    verified quote; with ``earliest_first``, the first of them (from [1]) headed by its
    date, as the earliest (``in_these_words``: the earliest in these words)."""
    named: set[str] = set()
    for n, e in enumerate(evidence, first_n):
        article = articles[e.quote.article_id]
        if e.in_passage:
            sentence, quoted = _passage_statement(e, n), True
        else:
            sentence, quoted = statement(e.row, n, article, e.quote.speaker not in named)
        named.add(e.quote.speaker)
        if earliest_first and n == first_n == 1 and e.quote.date:
            which = "Earliest in these words" if in_these_words else "Earliest"
            sentence = f"{which}, on {e.quote.date}: {sentence}"
        out.sentences.append(sentence)
        out.citations.append(citation(n, e.row, article))
        if quoted:
            words = shown(e.quote)
            out.quotes.append(
                QuoteCheck(
                    text=words,
                    original=words,
                    status="verified",
                    citation=n,
                    article_id=e.quote.article_id,
                    start=e.quote.start,
                    end=e.quote.start + len(words),
                )
            )


def _passage_statement(evidence: CheckEvidence, n: int) -> str:
    """Words found in a passage, not in the ledger: where they stand, and no more (who said
    them is for the reader of the cited passage to see)."""
    words = shown(evidence.quote)
    if evidence.quote.kind == "direct":
        return (
            "The quote ledger records no speaker for them; the cited passage prints them in "
            f"quotation marks: “{words}” [{n}]"
        )
    these = "these words" if evidence.diff.verbatim else "words close to these"
    return f"An article prints {these}, but not in quotation marks: “{words}” [{n}]"


def _lead(verdict: QuoteVerdict, first: CheckEvidence) -> str:
    """What the check found, in words that name nobody: the claimed speaker may be in no
    cited passage (the records after it say who said the words)."""
    if verdict.verdict == "misattributed":
        return "No: the articles give these words to someone else."
    if not first.quote.speaker or first.quote.method in HEDGED:
        # the statement after it says the article names nobody, or how it points to someone
        return {
            "verbatim": "The article prints these words.",
            "reworded": "The article prints words close to these.",
        }.get(verdict.verdict, "The article prints these words in a longer form:")
    if verdict.verdict == "verbatim":
        return "Yes, in these words." if verdict.speaker else "Yes, printed in these words."
    if verdict.verdict == "reworded" and first.meaning is not None:
        return "Not in those words; the closest in meaning:"
    if verdict.sense_turned:
        return "Not in those words, nor in that sense. The closest original:"
    if verdict.verdict == "reworded":
        return "Not in those words. The closest original:"
    return "Only in part, and what is left out changes the sense:"


def _not_found(verdict: QuoteVerdict) -> str:
    """What was searched, and that no quotation there matches: the ledger may lack a
    quotation the article prints, so this says no more than that."""
    return (
        f"No quotation in the {verdict.searched_articles} article(s) searched "
        f"({verdict.searched_rows} quotations) matches these words."
    )


def differences(diff: WordingDiff) -> str:
    """What the claim changes in the original, in words: 'What differs: “surrender” for
    “capitulation”; “never” added.' and, when it turns the sense, which words do. (The
    similarity is in the verdict's JSON: a number no cited passage holds stays out of
    the answer.)"""
    parts = []
    for c in diff.changes:
        if c.kind == "changed":
            parts.append(f"“{c.claimed}” for “{c.original}”")
        elif c.kind == "added":
            parts.append(f"“{c.claimed}” added")
        else:
            parts.append(f"“{c.original}” left out")
    text = f"What differs: {'; '.join(parts)}."
    if diff.sense_changed:
        text += f" That changes the sense: “{'”, “'.join(diff.sense_words)}”."
    return text


def carrier_lines(verdict: QuoteVerdict) -> list[str]:
    """Where the quotation appears, for the CLI and the page: each article that prints it,
    earliest first, with how its words differ from the earliest's, and how an earlier
    version of it printed them. Empty when one article prints it, unedited."""
    found = verdict.carriers
    if len(found) < 2 and not any(c.edits for c in found):
        return []
    lines = [f"Printed in {len(found)} article(s) searched, earliest first:"]
    for c in found[:MAX_CARRIERS_LISTED]:
        where = " · ".join(x for x in (c.quote.date or "undated", c.quote.source) if x)
        said = f" ({c.quote.speaker})" if c.quote.speaker else ""
        line = f"{where} · {c.quote.article_id}{said}"
        if c is not found[0]:
            line += ": the same words" if c.wording.verbatim else f": {_against(c.wording)}"
        lines.append(line)
        for e in c.edits:
            earlier = (
                f"printed “{' '.join(e.earlier.split())}”" if e.earlier else "did not print it"
            )
            lines.append(f"  edited: the version replaced {e.replaced} {earlier}")
    if len(found) > MAX_CARRIERS_LISTED:
        lines.append(f"and {len(found) - MAX_CARRIERS_LISTED} more (rag check --json lists all)")
    return lines


def _against(diff: WordingDiff) -> str:
    """How a later article's words differ from the earliest's."""
    parts = []
    for c in diff.changes:
        if c.kind == "changed":
            parts.append(f"“{c.claimed}” where the earliest has “{c.original}”")
        elif c.kind == "added":
            parts.append(f"adds “{c.claimed}”")
        else:
            parts.append(f"leaves out “{c.original}”")
    return "; ".join(parts)
