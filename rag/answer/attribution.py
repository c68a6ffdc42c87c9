"""Answering attribution questions from the quote ledger before any passage search.

"Who said “…”?", "who said that …", "what did X say (about Z)?", "did X say …?" are matched
against ledger rows. The answer states the matched rows (``rag.answer.compose``); only "what has X
said about Z" over several rows adds a model-written summary sentence, which is checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.answer.compose import cited_span
from rag.answer.sanitize import mask_instructions
from rag.backends.prompts import load_prompt
from rag.ledger.intent import Intent, parse_intent
from rag.ledger.read import Ledger, LedgerRow
from rag.text.normalise import tokenize
from rag.types import Article, Chunk, Passage

MAX_ROWS = 6  # records in one answer
# "What did X say in the article …?" asks for all of it: one article's records of one
# speaker are listed up to this many.
MAX_ROWS_ONE_ARTICLE = 20


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
        words = set(tokenize(intent.topic, query=True))
        rows = [r for r in rows if words & r.tokens] or rows  # those naming it, if any do
        if len({r.quote.article_id for r in rows}) > 1:  # across articles: a timeline
            rows.sort(key=lambda r: (r.quote.date, r.quote.article_id, r.quote.start))
    elif intent.kind == "what_said":
        every = ledger.said_about(speakers, "", scope)
        limit = MAX_ROWS_ONE_ARTICLE if len(set(scope)) == 1 else MAX_ROWS
        rows = spread_over_articles(every, limit)
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
    rows = rows[: MAX_ROWS_ONE_ARTICLE if intent.kind == "what_said" else MAX_ROWS]
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


def row_passages(articles: Mapping[str, Article], rows: Sequence[LedgerRow]) -> list[Passage]:
    """Each row as a passage: the sentence(s) with the quote and who said it."""
    passages = []
    for row in rows:
        q = row.quote
        article = articles.get(q.article_id)
        if article is None:
            continue
        start, end = cited_span(q, article)
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


def wants_summary(found: LedgerMatch) -> bool:
    """A one-sentence summary adds something to "what has X said about Z" over several
    records; every other attribution answer is the records themselves."""
    return found.intent.kind == "what_said" and bool(found.intent.topic) and len(found.rows) > 1


def summary_messages(question: str, rows: Sequence[LedgerRow]) -> list[BaseMessage]:
    """The prompt asking for one sentence over the numbered records."""
    row_prompt = load_prompt("ledger_row")
    lines = [
        row_prompt.format(n=n, speaker=row.quote.speaker, quote=mask_instructions(row.quote.quote))
        for n, row in enumerate(rows, 1)
    ]
    system = load_prompt("ledger_system").template
    user = load_prompt("ledger_question").format(records="\n".join(lines), question=question)
    return [SystemMessage(system), HumanMessage(user)]
