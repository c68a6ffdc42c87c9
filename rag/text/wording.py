"""How a quotation as someone gives it differs from the words an article prints: a
word-level diff over normalised words, a similarity, and whether a change turns the sense
around (a negation or a condition added or dropped, or a word put in place of one that
leans the other way)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rag.lexicon import CHECK_LONE_GAP, CONTRACTED_NEGATIONS, SENSE_CONDITIONS, SENSE_NEGATIONS
from rag.text.normalise import normalise
from rag.text.polarity import leaning

_WORD = re.compile(r"\w+(?:'\w+)*", re.UNICODE)
_BREAK = re.compile(r"[.!?;:,—–]")
_SENTENCE_BREAK = re.compile(r"[.!?;]")


@dataclass(frozen=True)
class WordChange:
    """One difference: words the claim adds, drops, or has in place of the original's."""

    kind: Literal["added", "dropped", "changed"]
    claimed: str  # '' for a dropped word
    original: str  # '' for an added word
    # a change that only leaves a negation out of the original's words ('can' for 'cannot')
    unnegated: bool = False


@dataclass(frozen=True)
class WordingDiff:
    """The claim against the original, word by word (case, punctuation and the shape of
    quotation marks and apostrophes do not count)."""

    changes: tuple[WordChange, ...]
    similarity: float  # the share of words in common, 0–1
    # what turns the sense: negations or conditions one side has and the other lacks, and
    # a word put in place of one that leans the opposite way ('triumph' for 'disaster')
    sense_words: tuple[str, ...]

    @property
    def verbatim(self) -> bool:
        return not self.changes

    @property
    def cut(self) -> bool:
        """The claim is the original with words left out, and nothing else (a negation
        left out of a word, 'can' for 'cannot', counts as left out)."""
        return bool(self.changes) and all(c.kind == "dropped" or c.unnegated for c in self.changes)

    @property
    def sense_changed(self) -> bool:
        return bool(self.sense_words)


def wording_words(text: str) -> list[str]:
    """The words of a quotation as compared: lower case, apostrophes straightened. Unlike
    :func:`rag.text.normalise.words`, a contraction stays one word ("won't", not "won t"),
    so that a negation is seen as one."""
    return [w.lower() for w in _WORD.findall(normalise(text)[0])]


def wording_breaks(text: str, sentences_only: bool = False) -> list[bool]:
    """For each of :func:`wording_words`, whether punctuation stands between it and the word
    before: a clause or sentence break (a sentence break alone with ``sentences_only``)."""
    plain = normalise(text)[0]
    marks = _SENTENCE_BREAK if sentences_only else _BREAK
    out: list[bool] = []
    last = 0
    for m in _WORD.finditer(plain):
        out.append(bool(marks.search(plain[last : m.start()])) and bool(out))
        last = m.end()
    return out


def compare_wording(claimed: str, original: str) -> WordingDiff:
    """How ``claimed`` differs from ``original``."""
    return compare_words(wording_words(claimed), wording_words(original))


def compare_words(said: Sequence[str], printed: Sequence[str]) -> WordingDiff:
    """How the words ``said`` differ from the words ``printed`` (both as
    :func:`wording_words` gives them)."""
    matcher = difflib.SequenceMatcher(a=said, b=printed, autojunk=False)
    changes: list[WordChange] = []
    sense: list[str] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        ours, theirs = list(said[a0:a1]), list(printed[b0:b1])
        kind: Literal["added", "dropped", "changed"] = (
            "added" if not theirs else "dropped" if not ours else "changed"
        )
        unnegated = kind == "changed" and ours == _without_negation(theirs)
        changes.append(WordChange(kind, " ".join(ours), " ".join(theirs), unnegated))
        sense.extend(_sense_difference(ours, theirs))
        if kind == "changed":
            sense.extend(_turned_leaning(ours, theirs))
    total = len(said) + len(printed)
    similarity = 2 * sum(b.size for b in matcher.get_matching_blocks()) / total if total else 1.0
    return WordingDiff(tuple(changes), round(similarity, 3), tuple(sense))


def _sense_difference(ours: list[str], theirs: list[str]) -> list[str]:
    """The negation or condition words of one side of a change that the other side has no
    word of the same kind for ('can never' for 'cannot' keeps the sense; 'is' for 'is not'
    does not)."""
    found = []
    for kind in (_negations, _conditions):
        mine, other = kind(ours), kind(theirs)
        if bool(mine) != bool(other):
            found.extend(mine or other)
    return found


def _without_negation(words: Sequence[str]) -> list[str]:
    """The words with their negations left out, a contraction's too ('cannot' → 'can',
    "won't" → 'will', "isn't" → 'is')."""
    out = []
    for w in words:
        if w in CONTRACTED_NEGATIONS:
            out.append(CONTRACTED_NEGATIONS[w])
        elif w.endswith("n't"):
            out.append(w.removesuffix("n't"))
        elif not negation(w):
            out.append(w)
    return out


def _turned_leaning(ours: list[str], theirs: list[str]) -> list[str]:
    """A word put in place of one word that leans the opposite way ('triumph' for
    'disaster'), as the claim and then the original has it; [] for anything else (a
    phrase for a phrase leans too loosely: 'stop fighting' for 'peace')."""
    if len(ours) != 1 or len(theirs) != 1:
        return []
    if leaning(ours[0]) * leaning(theirs[0]) >= 0:
        return []
    return [ours[0], theirs[0]]


def sense_words(words: Sequence[str]) -> list[str]:
    """The negations and conditions among ``words`` (as :func:`wording_words` gives them)."""
    return [*_negations(words), *_conditions(words)]


def negation(word: str) -> bool:
    """A word (as :func:`wording_words` gives it) that negates: 'not', 'never', "won't"."""
    return word in SENSE_NEGATIONS or word.endswith("n't")


def _negations(words: Sequence[str]) -> list[str]:
    return [w for w in words if negation(w)]


def _conditions(words: Sequence[str]) -> list[str]:
    return [w for w in words if w in SENSE_CONDITIONS]


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """:func:`wording_words` of ``text``, each with where ``text`` writes it."""
    plain, where = normalise(text)
    return [
        (m.group().lower(), where[m.start()], where[m.end() - 1] + 1) for m in _WORD.finditer(plain)
    ]


def aligned_range(
    said: Sequence[str], printed: Sequence[str], breaks: Sequence[bool] | None = None
) -> tuple[int, int]:
    """The range of ``printed`` words that the claim's words line up with: from the first
    to the last matching run, leaving out lone words matched far from the rest. With the
    printed words' ``breaks`` (:func:`wording_breaks`), claim words before the first run or
    after the last that match nothing are set against as many printed words beyond it, in
    the same clause: "would be a triumph" against "would be a disaster" changes a word, it
    does not add one."""
    blocks = [
        b
        for b in difflib.SequenceMatcher(a=said, b=printed, autojunk=False).get_matching_blocks()
        if b.size
    ]
    if not blocks:
        return 0, len(printed)
    while (
        len(blocks) > 1 and blocks[0].size == 1 and blocks[1].b - _end(blocks[0]) > CHECK_LONE_GAP
    ):
        blocks.pop(0)
    while (
        len(blocks) > 1
        and blocks[-1].size == 1
        and blocks[-1].b - _end(blocks[-2]) > CHECK_LONE_GAP
    ):
        blocks.pop()
    lo, hi = blocks[0].b, _end(blocks[-1])
    if breaks is not None:
        for _ in range(len(said) - (blocks[-1].a + blocks[-1].size)):
            if hi >= len(printed) or breaks[hi]:
                break
            hi += 1
        for _ in range(blocks[0].a):
            if lo == 0 or breaks[lo]:
                break
            lo -= 1
    return lo, hi


def _end(block: difflib.Match) -> int:
    return block.b + block.size
