"""Answering attribution questions from the quote ledger before any passage search.

"Who said “…”?", "who said that …", "what did X say (about Z)?", "did X say …?" are matched
against ledger rows; the model phrases the answer from the matched rows (or, when it fails
to name the speaker or to quote, a plain template answer is used), and the citations point
at the sentence holding each quote and its attribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.ledger import Ledger, LedgerRow
from rag.prompts import load_prompt
from rag.question import Intent, parse_intent
from rag.sanitize import mask_instructions
from rag.store import Index
from rag.types import Chunk, Passage

MAX_ROWS = 6


@dataclass
class LedgerMatch:
    """What the ledger holds for a question (empty rows: fall back to passages)."""

    intent: Intent
    rows: list[LedgerRow] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    note: str = ""


def match(ledger: Ledger, question: str, scope: Sequence[str]) -> LedgerMatch:
    """Ledger rows answering ``question`` within the article ids ``scope`` (all if empty)."""
    intent = parse_intent(question)
    if intent.kind == "none":
        return LedgerMatch(intent)
    rows: list[LedgerRow] = []
    speakers: list[str] = []
    if intent.kind in ("what_said", "did_say"):
        speakers = ledger.find_speaker(intent.speaker, scope)
        if not speakers:
            return LedgerMatch(
                intent,
                note=f"The quote ledger has no one called "
                f"“{intent.speaker}”; answered from passages.",
            )
    note = ""
    if intent.kind == "what_said" and intent.topic:
        rows = ledger.said_about(speakers, intent.topic, scope, k=3)  # the few most about it
        if len({r.quote.article_id for r in rows}) > 1:  # across articles: a timeline
            rows.sort(key=lambda r: (r.quote.date, r.quote.article_id, r.quote.start))
    elif intent.kind == "what_said":
        every = ledger.said_about(speakers, "", scope)
        rows = spread_over_articles(every, MAX_ROWS)
        if len(every) > len(rows):
            note = (
                f"{len(rows)} of the {len(every)} quotes recorded for {', '.join(speakers)} "
                f'are shown; `rag quotes --speaker "{intent.speaker}"` lists them all.'
            )
    elif intent.fragments:
        for fragment in intent.fragments:
            rows.extend(r for r in ledger.who_said(fragment, scope) if r not in rows)
    elif intent.content:
        rows = ledger.who_said_content(intent.content, scope)
    rows = rows[:MAX_ROWS]
    if not rows:
        note = "No quote in the ledger matches; answered from passages."
    return LedgerMatch(intent, rows, speakers, note)


def spread_over_articles(rows: Sequence[LedgerRow], n: int) -> list[LedgerRow]:
    """At most ``n`` of ``rows`` (which are in date order), taking each article's quotes in
    turn so a timeline across articles shows every article before a second quote of one;
    returned in date order."""
    by_article: dict[str, list[LedgerRow]] = {}
    for row in rows:
        by_article.setdefault(row.quote.article_id, []).append(row)
    picked: list[LedgerRow] = []
    depth = 0
    while len(picked) < min(n, len(rows)):
        for article_rows in by_article.values():
            if depth < len(article_rows) and len(picked) < n:
                picked.append(article_rows[depth])
        depth += 1
    order = {id(r): i for i, r in enumerate(rows)}
    return sorted(picked, key=lambda r: order[id(r)])


def row_passages(index: Index, rows: Sequence[LedgerRow]) -> list[Passage]:
    """Each row as a passage: the sentence(s) with the quote and who said it."""
    articles = index.get_articles([r.quote.article_id for r in rows])
    passages = []
    for row in rows:
        q = row.quote
        article = articles.get(q.article_id)
        if article is None:
            continue
        start, end = q.span_start, q.span_end
        if not (0 <= start <= q.start and q.end <= end <= len(article.text)):
            start, end = q.start, q.end
        chunk = Chunk(
            article_id=q.article_id, index=-1, start=start, end=end, text=article.text[start:end]
        )
        passages.append(
            Passage(
                chunk=chunk,
                title=article.title,
                source=article.source,
                date=article.date,
                url=article.url,
                context_start=start,
            )
        )
    return passages


def build_ledger_messages(question: str, rows: Sequence[LedgerRow]) -> list[BaseMessage]:
    row_prompt = load_prompt("ledger_row")
    lines = []
    for n, row in enumerate(rows, 1):
        q = row.quote
        role = f" ({q.speaker_role})" if q.speaker_role else ""
        title = row.title if len(row.title) <= 80 else row.title[:79].rsplit(" ", 1)[0] + "…"
        where = ", ".join(x for x in (title, q.date) if x)
        lines.append(
            row_prompt.format(
                n=n,
                speaker=q.speaker,
                role=role,
                cue=q.cue or "said",
                quote=mask_instructions(q.quote),
                where=where,
            )
        )
    abstain = load_prompt("abstain").template
    system = load_prompt("ledger_system").format(abstain=abstain)
    user = load_prompt("ledger_question").format(records="\n".join(lines), question=question)
    return [SystemMessage(system), HumanMessage(user)]


def template_answer(found: LedgerMatch) -> str:
    """A plain answer stating each matched row: speaker, role, cue and the exact words."""
    rows = found.rows
    intent = found.intent
    if intent.kind == "did_say":
        wanted = set(found.speakers)
        theirs = [n for n, r in enumerate(rows, 1) if r.quote.speaker in wanted]
        if not theirs:
            others = "; ".join(statement(r, n) for n, r in enumerate(rows, 1))
            return f"No. The articles attribute these words to someone else: {others}"
        n = theirs[0]
        return f"Yes. {statement(rows[n - 1], n)}"
    return " ".join(statement(r, n) for n, r in enumerate(rows, 1))


_PAST = {
    "say": "said",
    "says": "said",
    "saying": "said",
    "tell": "told",
    "tells": "told",
    "telling": "told",
    "write": "wrote",
    "writes": "wrote",
    "writing": "wrote",
    "think": "thought",
    "thinks": "thought",
    "speak": "spoke",
    "speaks": "spoke",
}


def reported_verb(cue: str) -> str:
    """The cue as a past-tense reporting verb for a plain sentence: 'saying' → 'said',
    'told The National' stays, anything odd → 'said'."""
    if not cue:
        return "said"
    first, _, rest = cue.partition(" ")
    word = first.lower()
    if word in _PAST:
        word = _PAST[word]
    elif word == "according" or (not word.endswith("ed") and word not in _PAST.values()):
        return "said"
    return f"{word} {rest}".strip()


def statement(row: LedgerRow, n: int) -> str:
    q = row.quote
    who = q.speaker + (f", {q.speaker_role}," if q.speaker_role else "")
    cue = reported_verb(q.cue)
    if q.kind == "indirect":
        return f"{who} {cue} that {q.quote} [{n}]."
    return f"{who} {cue}: “{q.quote}” [{n}]"


def names_speaker(text: str, rows: Sequence[LedgerRow]) -> bool:
    """True when ``text`` names the speaker of some row (their surname, or the description)."""
    lowered = text.lower()
    for row in rows:
        name = row.quote.speaker
        if not name:
            continue
        if row.quote.kind == "anonymous":
            if name.lower() in lowered:
                return True
        elif name.split()[-1].lower() in lowered:
            return True
    return False
