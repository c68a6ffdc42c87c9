"""A quote-checking gold set, built by rule from a set's who-said cases (docs/evaluation.md).

Each annotated direct quotation of a named speaker gives up to six claims, each with the
verdict ``rag check`` should reach:

- ``verbatim``: the quotation as printed, given to its speaker → verbatim;
- ``fragment``: its first words (at least 5 of 12 or more), with no negation or condition in
  the quotation → verbatim;
- ``reworded``: 1–3 words swapped by the fixed table below (synonyms, tense) → reworded;
- ``cut``: a standalone "not" or "never" dropped, or the words before an "if"/"unless" clause
  alone → cut;
- ``misattributed``: the quotation given to another named speaker of the same article →
  misattributed, naming the real one;
- ``invented``: a quotation from another set's articles (same kind of news, none of its
  5-word runs in this corpus), given to this article's speaker → not_found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rag.answer.check import Verdict
from rag.evaluation.eval import Case
from rag.evaluation.extraction import gold_attributions
from rag.text.normalise import words as plain_words
from rag.text.quotations import article_quotations, inner_span
from rag.text.wording import sense_words, wording_words

Kind = Literal["verbatim", "fragment", "reworded", "cut", "misattributed", "invented"]
KINDS: tuple[Kind, ...] = ("verbatim", "fragment", "reworded", "cut", "misattributed", "invented")
EXPECTED: dict[Kind, Verdict] = {
    "verbatim": "verbatim",
    "fragment": "verbatim",
    "reworded": "reworded",
    "cut": "cut",
    "misattributed": "misattributed",
    "invented": "not_found",
}
MIN_WORDS = 5  # shorter quotations ("disgusting") are too short to check wording on
FRAGMENT_FROM = 12  # quotations this long give a fragment of their first half
MAX_SWAPS = 3
# Swaps a reporter or a social-media post makes: synonyms and tense. Evaluation data only.
SWAPS = {
    "is": "was",
    "are": "were",
    "was": "is",
    "were": "are",
    "will": "would",
    "has": "had",
    "have": "had",
    "can": "could",
    "big": "large",
    "large": "big",
    "important": "crucial",
    "country": "nation",
    "nation": "country",
    "people": "citizens",
    "very": "really",
    "think": "believe",
    "believe": "think",
    "want": "wish",
    "good": "fine",
    "great": "wonderful",
    "help": "assist",
    "start": "begin",
    "begin": "start",
    "need": "require",
    "problem": "issue",
    "issue": "problem",
    "make": "create",
    "many": "numerous",
    "hard": "difficult",
    "difficult": "hard",
    "fight": "battle",
    "strong": "powerful",
    "clear": "obvious",
    "say": "claim",
    "going": "about",
    "know": "understand",
    "right": "correct",
    "wrong": "mistaken",
    "job": "work",
    "money": "cash",
    "world": "globe",
    "get": "obtain",
    "keep": "maintain",
    "stop": "halt",
    "support": "back",
    "continue": "keep",
}
_WORD = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class CheckCase:
    """One claim to check, and what the check should find."""

    id: str
    kind: Kind
    claim: str
    speaker: str  # whom the claim gives the words to
    expected: Verdict
    article_id: str  # where the original is ('' for invented)
    start: int  # the original quotation's span in that article
    end: int
    said_by: tuple[str, ...]  # the real speaker's names (for misattributed)


@dataclass(frozen=True)
class _Original:
    case: Case
    start: int
    end: int
    quote: str


def build_check_cases(
    cases: Sequence[Case], texts: dict[str, str], elsewhere: Sequence[Case] = ()
) -> list[CheckCase]:
    """The checking gold set of ``cases`` over the articles ``texts``; ``elsewhere``: cases
    of another set (with ``gold.content``) for the invented claims."""
    originals = _originals(cases, texts)
    by_article: dict[str, list[_Original]] = {}
    for o in originals:
        by_article.setdefault(o.case.article_id, []).append(o)
    annotated: dict[str, list[tuple[set[str], set[str]]]] = {}  # speaker's names, words
    for case in cases:
        content = set(_words(str(case.gold.get("content", ""))))
        annotated.setdefault(case.article_id, []).append((_surnames([case.answer]), content))
    out: list[CheckCase] = []
    for o in originals:
        claims: list[tuple[Kind, str, str]] = [("verbatim", o.quote, o.case.answer)]
        claims += [("fragment", c, o.case.answer) for c in [_fragment(o.quote)] if c]
        claims += [("reworded", c, o.case.answer) for c in [_reworded(o.quote)] if c]
        claims += [("cut", c, o.case.answer) for c in [_cut(o.quote)] if c]
        other = _other_speaker(o, by_article[o.case.article_id], annotated[o.case.article_id])
        claims += [("misattributed", o.quote, other)] if other else []
        names = (o.case.answer, *o.case.answer_aliases)
        out += [
            CheckCase(
                f"{o.case.id}:{kind}",
                kind,
                claim,
                speaker,
                EXPECTED[kind],
                o.case.article_id,
                o.start,
                o.end,
                names,
            )
            for kind, claim, speaker in claims
        ]
    out.extend(_invented(originals, texts, elsewhere))
    return out


def _originals(cases: Sequence[Case], texts: dict[str, str]) -> list[_Original]:
    """The quotations (inside their marks) of named speakers' annotated words, long enough
    to check; one per quotation: the first case that asks about it."""
    out: list[_Original] = []
    seen: set[tuple[str, int, int]] = set()
    marked: dict[str, list[tuple[int, int]]] = {}
    for case in cases:
        if case.type != "who_said" or not case.answer_is_named_entity:
            continue
        text = texts.get(case.article_id, "")
        if case.article_id not in marked:
            marked[case.article_id] = [inner_span(text, q) for q in article_quotations(text)]
        for g in gold_attributions([case], texts):
            inside = [
                q for q in marked[case.article_id] if q[0] < g.content[1] and g.content[0] < q[1]
            ]
            if not inside:
                continue  # indirect speech annotated as a who_said case
            start, end = max(
                inside, key=lambda q: min(q[1], g.content[1]) - max(q[0], g.content[0])
            )
            quote = text[start:end]
            if (case.article_id, start, end) in seen or len(_words(quote)) < MIN_WORDS:
                continue
            seen.add((case.article_id, start, end))
            out.append(_Original(case, start, end, quote))
    return out


def _fragment(quote: str) -> str:
    spans = [m.span() for m in _WORD.finditer(quote)]
    if len(spans) < FRAGMENT_FROM or _sense_words(quote):
        return ""
    return quote[: spans[len(spans) // 2 - 1][1]]


def _reworded(quote: str) -> str:
    swapped, pieces, at = 0, [], 0
    for m in _WORD.finditer(quote):
        new = SWAPS.get(m.group().lower())
        if new is None or swapped == MAX_SWAPS:
            continue
        if m.group()[:1].isupper():
            new = new.capitalize()
        pieces += [quote[at : m.start()], new]
        at, swapped = m.end(), swapped + 1
    return "".join([*pieces, quote[at:]]) if swapped else ""


def _cut(quote: str) -> str:
    """The quotation without its first standalone "not"/"never", or the words before its
    first condition clause (at least MIN_WORDS of them, in the condition's sentence)."""
    for m in _WORD.finditer(quote):
        word = m.group().lower()
        if word in ("not", "never"):
            return re.sub(r"\s+", " ", quote[: m.start()] + quote[m.end() :]).strip()
        kept = quote[: m.start()].rstrip()
        if word in ("if", "unless") and len(_words(kept)) >= MIN_WORDS and kept[-1:] not in ".!?":
            return kept.rstrip(" ,;:—-")  # the condition of the kept words' own sentence
    return ""


def _sense_words(text: str) -> list[str]:
    """Negations and conditions, contractions included ("couldn't")."""
    return sense_words(wording_words(text))


def _surnames(names: Iterable[str]) -> set[str]:
    return {w for name in names for w in _words(name) if len(w) > 2}


def _other_speaker(
    o: _Original,
    same_article: Sequence[_Original],
    annotated: Sequence[tuple[set[str], set[str]]],
) -> str:
    """Another named speaker of the article, sharing no name word with the real one, and
    none of whose annotated words there (``annotated``: every case's speaker and words)
    share half this quotation's words: a quotation inside a quotation is often the other
    person's words too."""
    ours = _surnames((o.case.answer, *o.case.answer_aliases))
    said = set(_words(o.quote))
    for other in same_article:
        theirs = _surnames((other.case.answer, *other.case.answer_aliases))
        if not theirs or theirs & ours:
            continue
        their_words = [words for names, words in annotated if names & theirs]
        if all(len(said & words) < len(said) / 2 for words in their_words):
            return other.case.answer
    return ""


def _invented(
    originals: Sequence[_Original], texts: dict[str, str], elsewhere: Sequence[Case]
) -> list[CheckCase]:
    """Whole direct quotations (marks at both ends, none inside) from another set, none of
    whose 5-word runs is in these articles, each given to the speaker of one of these
    quotations in turn."""
    corpus = {run for text in texts.values() for run in _runs(_words(text))}
    foreign = []
    for case in elsewhere:
        marked = str(case.gold.get("content", "")).strip()
        content = marked.strip("“”\"'‘’ ")
        said = _words(content)
        whole = marked[:1] in "“\"'" and marked[-1:] in "”\"'" and not re.search('[“”"]', content)
        if (
            case.type == "who_said"
            and whole
            and len(said) >= MIN_WORDS
            and not _runs(said) & corpus
        ):
            foreign.append((case.id, content))
    foreign = list(dict.fromkeys(foreign))
    out = []
    for (case_id, claim), o in zip(foreign, originals, strict=False):
        out.append(
            CheckCase(
                f"{case_id}:invented",
                "invented",
                claim,
                o.case.answer,
                "not_found",
                "",
                0,
                0,
                (),
            )
        )
    return out


def _words(text: str) -> list[str]:
    return plain_words(text).split()


def _runs(said: Sequence[str], n: int = 5) -> set[tuple[str, ...]]:
    return {tuple(said[i : i + n]) for i in range(max(len(said) - n + 1, 1))}
