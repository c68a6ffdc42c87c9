"""Attribution answers composed from ledger records, without a model.

Each record becomes one sentence: the speaker as the record names them, their role only in
the article's own words (an exact span), the cue, and the quoted words with their [n]. The
citation covers the sentence(s) holding the quote and its cue, and says where the article
names the speaker; nothing in the sentence comes from anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rag.ledger.intent import Intent
from rag.ledger.read import LedgerRow
from rag.lexicon import HELPER_VERBS, NEGATIONS, QUOTE_PAIRS, is_past_form, past_tense
from rag.text.names import surname
from rag.types import Article, Citation, Quote, QuoteCheck

_OPENING_MARKS = "".join(opening[0] for opening, _ in QUOTE_PAIRS)
_OPENING_WORDS = frozenset("The A An His Her Its Their Our My Your".split())
UNATTRIBUTED = "The article quotes this without saying clearly who said it"
# Speakers found in less certain ways (rag/ledger/confidence.py) are given with what they rest on.
HEDGED = {
    "clause": "The article does not say outright who said this; its sentence points to",
    "model": "The article does not say clearly who said this; the model reads the passage as",
}


@dataclass
class Composed:
    """The sentences of a composed answer, and what they cite and quote."""

    sentences: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    quotes: list[QuoteCheck] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def reported_verb(cue: str) -> str:
    """The cue as a past-tense reporting verb: any form of a speech verb in its past tense
    ('saying' → 'said', 'warns' → 'warned'), 'told The National' stays, a word this lexicon
    does not know and that is not a past tense (or 'according to') → 'said'; a cue with its
    modal or negation stays as written ('will say', 'did not say')."""
    if not cue:
        return "said"
    first, _, rest = cue.partition(" ")
    word = first.lower()
    plain = cue.lower().replace("’", "'").split()
    if rest and (plain[0] in HELPER_VERBS or any(w in NEGATIONS for w in plain)):
        return cue  # 'will say', 'did not explicitly say', 'never said'
    past = past_tense(word)
    if word == "according" or not (past != word or word.endswith("ed") or is_past_form(word)):
        return "said"
    return f"{past} {rest}".strip()


def role_words(quote: Quote, article: Article, span: tuple[int, int]) -> str:
    """The speaker's role as the article writes it ('the EU’s foreign affairs chief'), or ''
    when the record has no role span, it does not match the text, or it lies outside the
    cited ``span``."""
    a, b = quote.role_start, quote.role_end
    if not quote.speaker_role or not (span[0] <= a < b <= span[1]):
        return ""
    if article.text[a:b] != quote.speaker_role:
        return ""
    before = article.text[max(0, a - 4) : a]
    role = quote.speaker_role
    first, _, rest = role.partition(" ")
    if rest and first in _OPENING_WORDS:  # "His campaign manager", as it opened a sentence
        role = f"{first.lower()} {rest}"
    return ("the " if before.lower() == "the " else "") + role


def as_written(quote: Quote, article: Article, role: str) -> str:
    """Role and name as one phrase of the article ("United Steelworkers Political Director
    Tim Waters"), when the article writes the role right before the name as the record
    names them; else ''."""
    a, b = quote.role_start, quote.speaker_end
    if (
        not role
        or not quote.role_end <= quote.speaker_start
        or article.text[quote.role_end : quote.speaker_start].strip()
        or article.text[quote.speaker_start : quote.speaker_end] != quote.speaker
    ):
        return ""
    return role[: len(role) - len(quote.speaker_role)] + article.text[a:b]


def appositive_words(quote: Quote, article: Article, span: tuple[int, int]) -> str:
    """The speaker's appositive as the article writes it right after their name ('Simon
    Rosenberg, president of the New Democrat Network'), or '' when the record has none, it
    does not match the text there, or it lies outside the cited ``span``."""
    a, b = quote.appositive_start, quote.appositive_end
    if not quote.speaker_appositive or not (span[0] <= a < b <= span[1]):
        return ""
    if article.text[a:b] != quote.speaker_appositive:
        return ""
    return quote.speaker_appositive if article.text[quote.speaker_end : a].strip() == "," else ""


def is_quotation(quote: Quote, article: Article) -> bool:
    """True when the record's words stand in quotation marks in the article."""
    return quote.start > 0 and article.text[quote.start - 1] in _OPENING_MARKS


def cited_span(quote: Quote, article: Article) -> tuple[int, int]:
    """What a record cites: the sentence(s) holding the quote and its cue (the quote alone
    when the stored sentence bounds do not fit the article)."""
    start, end = quote.span_start, quote.span_end
    if not (0 <= start <= quote.start and quote.end <= end <= len(article.text)):
        return quote.start, quote.end
    return start, end


def citation(n: int, row: LedgerRow, article: Article) -> Citation:
    """The record's sentence(s), with where the article names the speaker."""
    q = row.quote
    start, end = cited_span(q, article)
    named = 0 <= q.speaker_start < q.speaker_end <= len(article.text)
    return Citation(
        n=n,
        article_id=q.article_id,
        title=article.title,
        start=start,
        end=end,
        quote=article.text[start:end],
        source=article.source,
        date=article.date,
        url=article.url,
        speaker=q.speaker,
        speaker_start=q.speaker_start if named else None,
        speaker_end=q.speaker_end if named else None,
        speaker_text=article.text[q.speaker_start : q.speaker_end] if named else "",
        speaker_role=q.speaker_role,
        speaker_appositive=q.speaker_appositive,
        cue=q.cue,
        kind=q.kind,
    )


def statement(row: LedgerRow, n: int, article: Article, first: bool) -> tuple[str, bool]:
    """One record as a sentence; ``first``: the speaker's first mention in the answer (full
    name and role; later ones by surname). Also returns whether it quotes."""
    q = row.quote
    cited = citation(n, row, article)
    if not q.speaker:
        return f"{UNATTRIBUTED}: “{shown(q)}” [{n}]", True
    if q.method in HEDGED:
        return f"{HEDGED[q.method]} {q.speaker}: “{shown(q)}” [{n}]", True
    if first or q.kind == "anonymous":
        role = role_words(q, article, (cited.start, cited.end))
        written = as_written(q, article, role)
        who = written or q.speaker + (f", {role}," if role else "")
        appositive = appositive_words(q, article, (cited.start, cited.end)) if written else ""
        if appositive:  # 'Democratic strategist Simon Rosenberg, president of …,'
            closed = appositive.endswith((",”", ",''", ',"'))  # 'author of “Why Cities Fail,”'
            who = f"{who}, {appositive}" + ("" if closed else ",")
    else:
        who = surname(q.speaker)
    who = who[:1].upper() + who[1:]
    verb = reported_verb(q.cue if q.cue in cited.quote else q.cue.split(" ")[0])
    via = reported_by(q, article, (cited.start, cited.end))
    if via:
        verb = f"{verb}, according to {via},"
    if is_quotation(q, article):
        verb = verb.removesuffix(",")
        return f"{who} {verb}: “{shown(q)}” [{n}]", True
    return f"{who} {verb} that {q.quote} [{n}].", False


def reported_by(quote: Quote, article: Article, span: tuple[int, int]) -> str:
    """Whom the cited sentence credits for the report ('according to CNN'), as the article
    writes it; '' when the record has none or it lies outside the cited ``span``."""
    a, b = quote.via_start, quote.via_end
    if not quote.via or not span[0] <= a < b <= span[1] or article.text[a:b] != quote.via:
        return ""
    return quote.via


def shown(quote: Quote) -> str:
    """The quoted words as the answer shows them: a comma that only hands over to the cue
    ('“…,” he added') is left out."""
    return quote.quote[:-1] if quote.quote.endswith(",") else quote.quote


def compose(
    intent: Intent,
    rows: Sequence[LedgerRow],
    speakers: Sequence[str],
    articles: Mapping[str, Article],
) -> Composed:
    """The answer to an attribution question from its matched records: each record stated;
    for "did X say …", yes (their record) or no (whose words they are)."""
    usable = [
        r
        for r in rows
        if r.quote.article_id in articles
        and articles[r.quote.article_id].text[r.quote.start : r.quote.end] == r.quote.quote
    ]
    out = Composed()
    if intent.kind == "did_say" and usable:
        theirs = [r for r in usable if r.quote.speaker in set(speakers)]
        usable = theirs[:1] or usable
    named: set[str] = set()
    for n, row in enumerate(usable, 1):
        q = row.quote
        article = articles[q.article_id]
        sentence, quoted = statement(row, n, article, q.speaker not in named)
        named.add(q.speaker)
        out.sentences.append(sentence)
        out.citations.append(citation(n, row, article))
        if quoted:
            words = shown(q)
            out.quotes.append(
                QuoteCheck(
                    text=words,
                    original=words,
                    status="verified",
                    citation=n,
                    article_id=q.article_id,
                    start=q.start,
                    end=q.start + len(words),
                )
            )
    if intent.kind == "did_say" and out.sentences and usable[0].quote.method not in HEDGED:
        if out.citations[0].speaker in set(speakers):
            out.sentences[0] = "Yes. " + out.sentences[0]
        elif not out.citations[0].speaker:
            out.sentences[0] = "The articles do not say that they did. " + out.sentences[0]
        else:
            out.sentences[0] = (
                "No. The articles attribute these words to someone else: " + out.sentences[0]
            )
    return out
