"""What a question points at: quoted words, an article named by its title, people's names.

Who said "Peace cannot mean capitulation"?          → quotes
According to the article "Plan alarms Europe", …    → titles
What did Boris Johnson say about Nato?              → names
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rag.lexicon import (
    DID_QUESTION_VERBS,
    IS_TRUE_VERBS,
    NOT_CLAIM_OPENERS,
    NOT_NAMES_IN_QUESTIONS,
    REPORTED_THAT_LEADS,
    REPORTED_THAT_MAX_WORDS,
    WHAT_QUESTION_VERBS,
    WHO_QUESTION_VERBS,
    alternation,
)
from rag.text.quotations import quoted_spans, without_quotations

_TITLE_CUE = re.compile(
    r"\b(?:article|story|piece|report|headline)\s*(?:titled|called|entitled)?\s*$", re.IGNORECASE
)
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w’'\-]*")


@dataclass(frozen=True)
class Question:
    text: str
    quotes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def parse_question(text: str) -> Question:
    quotes: list[str] = []
    titles: list[str] = []
    for q in quoted_spans(text, single_words=True):
        inner = q.text.strip()
        if _TITLE_CUE.search(text[: q.outer[0]]):
            titles.append(inner)
        elif len(inner.split()) >= 2 or len(inner) >= 6:
            quotes.append(inner.strip(" .,;:!?"))
    return Question(
        text, quotes, titles, _names(without_quotations(text, " | ", single_words=True))
    )


def _names(text: str) -> list[str]:
    """Runs of capitalised words that do not start a sentence and are not question words."""
    names: list[list[str]] = []
    last_end = -1
    for m in WORD.finditer(text):
        word = m.group(0)
        before = text[: m.start()].rstrip()
        sentence_start = not before or before[-1] in ".?!|:"
        if not word[0].isupper() or sentence_start or word.lower() in NOT_NAMES_IN_QUESTIONS:
            last_end = -1
            continue
        if last_end >= 0 and not text[last_end : m.start()].strip():
            names[-1].append(word)
        else:
            names.append([word])
        last_end = m.end()
    return [" ".join(n) for n in names if len(" ".join(n)) >= 3]


# --- attribution questions -------------------------------------------------------------------

_CUE_WORDS = alternation(WHO_QUESTION_VERBS)
_WHO = re.compile(
    rf"\bwho\s+(?:(?:has|had|have|was|is|did|do|does|first|publicly|actually|reportedly)\s+)*"
    rf"{_CUE_WORDS}\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# In what- and did-questions the verbs match in lower case only: in "what did the State
# Department say", 'State' belongs to the name.
_WHAT = re.compile(
    r"\bwhat\s+(?:did|does|do|has|have|had|was|is)\s+(?P<speaker>.+?)\s+"
    rf"(?-i:{alternation(WHAT_QUESTION_VERBS)})\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DID = re.compile(
    r"^\s*did\s+(?P<speaker>.+?)\s+(?:really\s+|actually\s+|ever\s+|once\s+)?"
    rf"(?-i:{alternation(DID_QUESTION_VERBS)})\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# "Is it true that X said …?", "Is it true X really said …?": a did-question.
_IS_TRUE = re.compile(
    r"^\s*is\s+it\s+(?:true|correct|right)\s+(?:that\s+)?(?P<speaker>.+?)\s+"
    r"(?:really\s+|actually\s+|once\s+|ever\s+)?"
    rf"(?-i:{alternation(IS_TRUE_VERBS)})\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_FIRST = re.compile(r"\bwho\s+(?:\w+\s+)?first\b", re.IGNORECASE)
_TOPIC = re.compile(
    r"^\s*(?:about|on|regarding|concerning|of|over)\s+(?P<topic>.+)$", re.IGNORECASE | re.DOTALL
)
_SCOPE_HEAD = re.compile(
    r"^\s*,?\s*(?:in|according to)\s+(?:the|this)\s+(?:article|story|piece|report)\b\s*,?",
    re.IGNORECASE,
)
_THAT = re.compile(r"\bthat\s+", re.IGNORECASE)
_SCOPE_TAIL = re.compile(
    r"\s*(?:,?\s*(?:in|according to)\s+(?:the|this)\s+(?:article|story|piece|report)\b.*|"
    r"\s+across\s+(?:all\s+)?(?:the\s+)?articles\b.*|\s+in\s+(?:all|these|the)\s+articles\b.*)$",
    re.IGNORECASE | re.DOTALL,
)


IntentKind = Literal["who_said", "what_said", "did_say", "none"]


@dataclass(frozen=True)
class Intent:
    """An attribution question, reduced to what the quote ledger can answer.

    kind: 'who_said' (quoted words or reported content → speaker), 'what_said' (speaker,
    optional topic → their quotes), 'did_say' (speaker + words → yes/no with the source;
    also "is it true that X said …"), or 'none'.
    """

    kind: IntentKind = "none"
    fragments: list[str] = field(default_factory=list)
    content: str = ""
    speaker: str = ""
    topic: str = ""
    first: bool = False  # "who first said …": where the words appeared earliest

    @property
    def reports_words(self) -> bool:
        """A did-question over words put in the speaker's mouth without quotation marks
        ("did X say the plan would fail?"), not over a topic ("… anything about Nato?")."""
        words = self.content.split()
        return (
            self.kind == "did_say"
            and not self.fragments
            and bool(words)
            and words[0].lower().strip(",") not in NOT_CLAIM_OPENERS
        )


def parse_intent(text: str) -> Intent:
    q = parse_question(text)
    text = _without_titles(text)  # 'in the article "… General Who Called For …"'
    m = _DID.search(text) or _IS_TRUE.search(text)
    if m:
        rest = _clean(_SCOPE_TAIL.sub("", _SCOPE_HEAD.sub("", m.group("rest"))))
        return Intent(
            "did_say", q.quotes, "" if q.quotes else _reported(rest), _clean(m.group("speaker"))
        )
    m = _WHO.search(text)
    if m:
        rest = _clean(_SCOPE_TAIL.sub("", m.group("rest")))
        first = bool(_FIRST.search(text, m.start(), m.start("rest")))
        return Intent("who_said", q.quotes, "" if q.quotes else _strip_that(rest), first=first)
    m = _WHAT.search(text)
    if m:
        speaker = _clean(m.group("speaker"))
        if speaker.lower() in ("the article", "the articles", "it", "they", "this article"):
            return Intent()
        rest = _SCOPE_TAIL.sub("", m.group("rest"))
        topic = _TOPIC.match(rest)
        return Intent(
            "what_said", speaker=speaker, topic=_clean(topic.group("topic")) if topic else ""
        )
    return Intent()


def _without_titles(text: str) -> str:
    """``text`` with the words of each article title it names replaced by "…", so that a
    title's words ("Who Called For …") are never read as the question's."""
    for q in reversed(quoted_spans(text, single_words=True)):
        if _TITLE_CUE.search(text[: q.outer[0]]):
            text = f"{text[: q.start]}…{text[q.end :]}"
    return text


def _clean(text: str) -> str:
    return text.strip().strip("?.!,:;").strip()


def _reported(text: str) -> str:
    """The reported words of a did-question: after the "that" that a few words of when,
    where or to whom may precede ("on Thursday that …", "to The National that …")."""
    m = _THAT.search(text)
    lead = text[: m.start()].replace(",", " ").split() if m else []
    if (
        m
        and 1 < len(lead) <= REPORTED_THAT_MAX_WORDS  # "on that day …": "that" is no conjunction
        and lead[0].lower() in REPORTED_THAT_LEADS
    ):
        return text[m.end() :].strip()
    return _strip_that(text)


def _strip_that(text: str) -> str:
    return re.sub(r"^(?:that|:)\s+", "", text.strip(), flags=re.IGNORECASE).strip()
