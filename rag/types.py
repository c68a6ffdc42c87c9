"""Typed values passed between the layers: articles, chunks, passages, citations, answers."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

QuoteKind = Literal["direct", "partial", "indirect", "anonymous"]
SpeakerMethod = Literal[
    "rule", "clause", "continuation", "lede", "textacy", "model", "unattributed"
]


class Article(BaseModel):
    """One news article. ``text`` is what every char offset in the index points into."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    text: str
    source: str = ""
    url: str = ""
    date: str = Field("", description="ISO date (YYYY-MM-DD) when known, else empty.")
    author: str = ""
    path: str = Field("", description="File the article was read from, if any.")
    fetched: str = Field("", description="When it was fetched from ``url`` (ISO, UTC), if it was.")
    content_hash: str = ""


class ArticleVersion(BaseModel):
    """An earlier text of an article, kept when a later ingest found its text changed."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    content_hash: str
    title: str = ""
    url: str = ""
    fetched: str = Field("", description="When this version was fetched (ISO, UTC), if it was.")
    replaced: str = Field(..., description="When a changed text replaced it (ISO, UTC).")
    text: str


class Feed(BaseModel):
    """A followed feed or sitemap and how its polls have gone."""

    url: str
    kind: Literal["feed", "sitemap"]
    title: str = ""
    added: str = ""  # ISO times, UTC
    last_poll: str = ""
    last_ok: str = ""
    last_error: str = ""  # '' when the last poll worked
    failures: int = Field(0, description="Polls in a row that failed (sets the back-off).")
    next_poll: float = Field(0.0, description="Unix time before which it is not polled.")
    new_items: int = Field(0, description="Items indexed by the last poll.")
    total_items: int = Field(0, description="Items indexed since it was added.")
    etag: str = ""
    last_modified: str = ""


class ArticleInfo(BaseModel):
    """What the index records about an article, without its text."""

    id: str
    title: str
    source: str = ""
    url: str = ""
    date: str = ""
    author: str = ""
    path: str = ""
    fetched: str = ""
    content_hash: str = ""
    chunks: int = 0
    quotes: int = 0


class Chunk(BaseModel):
    """A span of an article: ``article.text[start:end] == text`` always holds."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    index: int
    start: int
    end: int
    text: str


class Passage(BaseModel):
    """A retrieved chunk with the article fields a prompt or a citation needs."""

    chunk: Chunk
    title: str
    source: str = ""
    date: str = ""
    url: str = ""
    score: float = 0.0
    context_before: str = Field(
        "", description="article.text[context_start:chunk.start]: shown to the model as context."
    )
    context_start: int = Field(0, description="Where context_before starts in the article.")

    @property
    def article_id(self) -> str:
        return self.chunk.article_id


class Citation(BaseModel):
    """A numbered pointer from an answer to an exact span of an article."""

    n: int
    article_id: str
    title: str
    start: int
    end: int
    quote: str = Field(description="Exactly article.text[start:end].")
    source: str = ""
    date: str = ""
    url: str = ""
    inferred: bool = Field(
        False, description="Attached by matching the answer to passages; the model gave none."
    )
    speaker: str = Field("", description="Who said the cited quote (answers from the ledger).")
    speaker_start: int | None = Field(
        None, description="Where the article names the speaker (ledger answers)."
    )
    speaker_end: int | None = None
    speaker_text: str = Field(
        "", description="Exactly article.text[speaker_start:speaker_end], when set."
    )
    speaker_role: str = ""
    speaker_appositive: str = ""
    cue: str = ""
    kind: QuoteKind | Literal[""] = Field(
        "", description="direct / partial / indirect / anonymous (ledger)."
    )


class Quote(BaseModel):
    """One row of the quote ledger: who said what, where. ``article.text[start:end] == quote``;
    where set (end > start), ``article.text[speaker_start:speaker_end]`` writes the speaker's
    name (titles aside), ``article.text[role_start:role_end] == speaker_role``,
    ``article.text[appositive_start:appositive_end] == speaker_appositive`` and
    ``article.text[via_start:via_end] == via``."""

    article_id: str
    speaker: str = Field(description="Canonical full name, or the description when unnamed.")
    speaker_start: int = Field(0, description="Where the article writes the speaker's name.")
    speaker_end: int = 0
    speaker_mention: str = Field("", description="The speaker as written ('he', 'Gen Barrons').")
    speaker_role: str = Field("", description="E.g. 'France’s Foreign Minister'.")
    role_start: int = Field(0, description="Where the article writes the role.")
    role_end: int = 0
    speaker_appositive: str = Field(
        "",
        description="A second description, set off by commas after the name, when the role "
        "is written before it ('Democratic strategist Simon Rosenberg, president of the New "
        "Democrat Network': 'president of the New Democrat Network').",
    )
    appositive_start: int = Field(0, description="Where the article writes the appositive.")
    appositive_end: int = 0
    cue: str = Field("", description="'said', 'told The National', 'according to'…")
    via: str = Field(
        "",
        description="Whom the sentence credits for the report of these words, as written "
        "('“…,” Sanders said, according to CNN': 'CNN'); empty when none.",
    )
    via_start: int = Field(0, description="Where the article writes ``via``.")
    via_end: int = 0
    quote: str
    start: int
    end: int
    kind: QuoteKind = "direct"
    date: str = ""
    source: str = ""
    span_start: int = Field(
        0,
        description="Start of the sentence(s) holding quote and cue; for a continuation, "
        "of the sentence in its paragraph that says who spoke, when there is one.",
    )
    span_end: int = Field(0, description="End of the sentence(s) holding quote and cue.")
    method: SpeakerMethod = Field(
        "rule",
        description="How the speaker was found: 'rule' (the cue's subject), 'continuation' (an "
        "uncued quote continuing the speaker before it), 'lede' (a lede's description named "
        "in the next paragraph), 'textacy' (the comparison extractor), 'model' (the LLM's "
        "choice among the names near a quotation the rules could not settle), 'unattributed' "
        "(no speaker: ``speaker`` is empty).",
    )
    confidence: float | None = Field(
        None,
        description="How often rows found by this method name the right speaker, as "
        "measured on polnear-train (docs/evaluation.md); None when unmeasured.",
    )

    def described_in(self, start: int, end: int) -> int | None:
        """Where the description of the speaker that holds ``[start, end)`` begins (the role
        or the appositive); None when neither does."""
        spans = ((self.role_start, self.role_end), (self.appositive_start, self.appositive_end))
        for a, b in spans:
            if a <= start < end <= b:
                return a
        return None


QuoteStatus = Literal["verified", "repaired", "unverified", "misattributed"]


class QuoteCheck(BaseModel):
    """How a string the answer presents in quotation marks compares with the sources."""

    text: str = Field(description="The quoted words as they now stand in the answer.")
    original: str = Field(description="The quoted words as the model wrote them.")
    status: QuoteStatus
    citation: int | None = Field(None, description="Number of the citation that holds the words.")
    article_id: str = Field("", description="Article holding the words (verified/repaired).")
    start: int | None = Field(None, description="Offset of the words in the article text.")
    end: int | None = Field(
        None, description="End offset; without an ellipsis, article.text[start:end] == text."
    )


ClaimKind = Literal["name", "number", "date", "description"]


class Unsupported(BaseModel):
    """Something a model-written answer said that no cited passage holds, and what was done."""

    kind: ClaimKind
    text: str = Field(description="The unsupported words, as the model wrote them.")
    sentence: str = Field(description="The sentence they stood in.")
    action: Literal["dropped", "sentence removed", "answer replaced"] = Field(
        description="Only the words were dropped, their sentence was removed, or the whole "
        "model answer was replaced by the cited passages' own words."
    )


class LLMFailure(StrEnum):
    """Why the model gave no answer (``Answer.error``)."""

    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    FAILED = "failed"

    @classmethod
    def of(cls, error: BaseException) -> LLMFailure:
        """Classify an exception (or what caused it) from the OpenAI client or httpx."""
        names = " ".join(
            type(e).__name__ for e in (error, error.__cause__, error.__context__) if e is not None
        )
        if "Timeout" in names:
            return cls.TIMEOUT
        if "Connect" in names:
            return cls.UNREACHABLE
        return cls.FAILED

    @property
    def reason(self) -> str:
        """Why, as the end of a sentence: 'did not answer: it timed out'."""
        return {
            LLMFailure.TIMEOUT: "it timed out",
            LLMFailure.UNREACHABLE: "its endpoint could not be reached",
            LLMFailure.FAILED: "it failed",
        }[self]

    @property
    def label(self) -> str:
        """What went wrong, in a user's words."""
        return {
            LLMFailure.TIMEOUT: "LLM endpoint timed out",
            LLMFailure.UNREACHABLE: "LLM endpoint unreachable",
            LLMFailure.FAILED: "The language model failed",
        }[self]


class LLMStatus(BaseModel):
    """Where the engine's model is: not started, starting, ready, or failed (with why)."""

    model_config = ConfigDict(frozen=True)

    state: Literal["not started", "starting", "ready", "error"] = "not started"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.state}: {self.detail}" if self.detail else self.state


class Answer(BaseModel):
    """The finished, checked answer: the same object the CLI, the UI and ``ask()`` show."""

    question: str
    text: str
    citations: list[Citation] = []
    abstained: bool = False
    quotes: list[QuoteCheck] = []
    notes: list[str] = Field(
        default_factory=list, description="What the checker changed or could not verify."
    )
    passages: list[Passage] = Field(
        default_factory=list, description="What retrieval put in front of the model."
    )
    error: LLMFailure | None = Field(
        None, description="Set when the LLM failed; the answer is retrieval-only."
    )
    withheld: bool = Field(
        False,
        description="The model's answer failed the checks (invented quotes or people) and is "
        "not shown; abstained is set too, and the best passages are cited instead.",
    )
    source: Literal["passages", "ledger"] = Field(
        "passages", description="'ledger' when answered from the quote ledger's records."
    )
    unsupported: list[Unsupported] = Field(
        default_factory=list,
        description="What the claim check removed from the model's words: names, numbers, "
        "dates or descriptions of people that no cited passage holds.",
    )

    def to_public_dict(self) -> dict:
        """The stable JSON shape printed by ``rag ask --json``."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [
                {
                    "n": c.n,
                    "article_id": c.article_id,
                    "title": c.title,
                    "start": c.start,
                    "end": c.end,
                    "quote": c.quote,
                    **(
                        {
                            "speaker": c.speaker,
                            "speaker_start": c.speaker_start,
                            "speaker_end": c.speaker_end,
                            "speaker_text": c.speaker_text,
                            "speaker_role": c.speaker_role,
                            "speaker_appositive": c.speaker_appositive,
                            "cue": c.cue,
                            "kind": c.kind,
                        }
                        if c.speaker
                        else {}
                    ),
                }
                for c in self.citations
            ],
            "quotes": [q.model_dump() for q in self.quotes],
            "notes": list(self.notes),
            "unsupported": [u.model_dump() for u in self.unsupported],
            "error": self.error.value if self.error else "",
            "withheld": self.withheld,
            "source": self.source,
        }

    def __add__(self, other: object) -> Answer:
        # A stream ends with the finished Answer; summing a stream keeps it.
        if isinstance(other, Answer):
            return other
        if isinstance(other, AnswerDelta):
            return self
        return NotImplemented


class AnswerDelta(BaseModel):
    """A piece of answer text as the model generates it (before checking)."""

    text: str

    def __add__(self, other: object) -> AnswerDelta | Answer:
        if isinstance(other, AnswerDelta):
            return AnswerDelta(text=self.text + other.text)
        if isinstance(other, Answer):
            return other
        return NotImplemented


AnswerChunk = AnswerDelta | Answer


def date_number(date: str) -> int:
    """20251120 for '2025-11-20'; 0 when unknown. Chroma range filters need numbers."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", date or "")
    return int("".join(m.groups())) if m else 0


class SearchFilter(BaseModel):
    """Restrict retrieval to some articles, sources or a date range (inclusive, ISO dates)."""

    article_ids: list[str] = []
    sources: list[str] = []
    date_from: str = ""
    date_to: str = ""

    def keyword_args(self) -> dict[str, Any]:
        """The filters as ``KeywordIndex.search`` / ``articles_within`` take them."""
        return {
            "article_ids": self.article_ids,
            "sources": self.sources,
            "date_from": date_number(self.date_from),
            "date_to": date_number(self.date_to),
        }

    def describe(self) -> str:
        parts = []
        if self.article_ids:
            parts.append("articles " + ", ".join(self.article_ids))
        if self.sources:
            parts.append("sources " + ", ".join(self.sources))
        if self.date_from or self.date_to:
            parts.append(f"dates {self.date_from or '…'} to {self.date_to or '…'}")
        return "; ".join(parts)
