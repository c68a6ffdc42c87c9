"""Adjacent cues: the attribution written right after a quotation, read from the order of the
words rather than from the parse.

'“…,” said Tom Hale, a campaign adviser', '“…,” screenwriter Ann Vega wrote', '“…,” an
intelligence source, who was not authorized to speak, told Fox News', '“…” - Sanders.'. The
small parser often gets these short clauses wrong (the name made the subject of a later verb,
"screenwriter" tagged as a verb, "Will wrote" read as a modal), while their word order alone
says who spoke. Reading them first is the first sieve of quote attribution systems (Muzny et
al., "A Two-stage Sieve Approach for Quote Attribution", 2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.ledger.parsed import sentence_of, text_of
from rag.ledger.speaker_types import speaker_type
from rag.lexicon import (
    ADJACENT_MENTION_MAX_TOKENS,
    ATTRIBUTION_DASHES,
    MENTION_PREPOSITIONS,
    TEXT_CUE_FORMS,
    is_past_form,
    is_speech_form,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from rag.ledger.speakers import People

# A quotation whose words end in one of these hands the sentence on to its attribution.
_HANDS_ON = tuple(",?!—–-…")
_CLOSERS = frozenset(". ; : ( ) [ ] ! ?".split())
_RELATIVE = frozenset("who whom whose which that".split())
_OPENING_MARKS = frozenset({"“", "‘", '"', "''"})


@dataclass(frozen=True)
class AdjacentCue:
    """The cue (a speech verb, or the dash of '“…” - Sanders'), the speaker as written, and
    the head word of that mention (a name's last word, or a description's noun)."""

    cue: Token
    mention: Span
    head: Token


def adjacent_cue(
    doc: Doc, a: int, b: int, quoted: Sequence[range], people: People
) -> AdjacentCue | None:
    """The attribution right after the quotation ``doc.text[a:b]`` (marks included), when
    its words say who spoke (whether that speaker can speak is the caller's test)."""
    start = _first_token_at(doc, b)
    if start is None:
        start = _dash_line_after(doc, b)  # '“…”' then a line of its own: '- Bernie Sanders.'
    if start is None or _in_quote(doc[start], quoted):
        return None
    inner = text_of(doc)[a:b].rstrip("”\"' ")
    first = doc[start]
    if first.text in ATTRIBUTION_DASHES:
        return _dash(doc, start, people)
    if _cued_before(doc, a, quoted):
        return None  # 'Cruz said he'd make sand “glow in the dark,” and Trump vowed …'
    if _is_cue(first) and not first.lower_.endswith("ing"):
        return _verb_first(doc, start, people)
    if inner.endswith(_HANDS_ON) or first.is_lower:
        return _mention_first(doc, start, quoted, people)
    return None


def _cued_before(doc: Doc, a: int, quoted: Sequence[range]) -> bool:
    """True when a speech verb stands before the quotation in its sentence: that sentence's
    own cue introduces it."""
    span = doc.char_span(a, len(text_of(doc)), alignment_mode="expand")
    if span is None:
        return False
    sentence = sentence_of(doc, span[0].i)
    return any(_is_cue(t) and not _in_quote(t, quoted) for t in doc[sentence.start : span[0].i])


def _first_token_at(doc: Doc, offset: int) -> int | None:
    """The first token at or after ``offset`` on the same line, skipping spaces."""
    span = doc.char_span(offset, len(text_of(doc)), alignment_mode="expand")
    if span is None:
        return None
    for tok in span:
        if "\n" in tok.text:
            return None
        if not tok.is_space:
            return tok.i
    return None


def _dash_line_after(doc: Doc, offset: int) -> int | None:
    """The dash opening the line right after ``offset``, when the rest of this line is
    blank."""
    rest = text_of(doc)[offset:]
    line_end = rest.find("\n")
    if line_end < 0 or rest[:line_end].strip():
        return None
    following = rest[line_end:].lstrip()
    at = len(text_of(doc)) - len(following)
    first = _first_token_at(doc, at) if following else None
    return first if first is not None and doc[first].text in ATTRIBUTION_DASHES else None


def _in_quote(tok: Token, quoted: Sequence[range]) -> bool:
    return any(tok.idx in r for r in quoted)


def _is_cue(tok: Token) -> bool:
    """A speech verb as it stands in text: a verb, or a past form ('Tweeted', 'wrote'),
    which the tagger may have read as a name or a noun."""
    return is_speech_form(tok.lower_) and (tok.pos_ in ("VERB", "AUX") or is_past_form(tok.lower_))


def _dash(doc: Doc, dash: int, people: People) -> AdjacentCue | None:
    """'“…” - Bernie Sanders.': a name alone after a dash, to the end of its line."""
    end = dash + 1
    while (
        end < len(doc) and "\n" not in doc[end].text and end - dash <= ADJACENT_MENTION_MAX_TOKENS
    ):
        end += 1
    words = [t for t in doc[dash + 1 : end] if not t.is_punct and not t.is_space]
    if not words or not all(t.text[:1].isupper() for t in words):
        return None
    mention = doc[words[0].i : words[-1].i + 1]
    head = _person_head(mention, people)
    return AdjacentCue(doc[dash], mention, head) if head is not None else None


def _verb_first(doc: Doc, verb: int, people: People) -> AdjacentCue | None:
    """'“…,” said Tom Hale, a campaign adviser': the noun phrase after the verb."""
    end = verb + 1
    while end < len(doc) and end - verb <= ADJACENT_MENTION_MAX_TOKENS and _in_mention(doc[end]):
        end += 1
    if end == verb + 1 or doc[verb + 1].pos_ == "ADP":
        return None  # 'said Tuesday', 'said in a statement'
    if end < len(doc) and doc[end].pos_ in ("VERB", "AUX"):
        return None  # 'said the candidate could …': the subject of what was said
    phrase = doc[verb + 1 : end]
    head = _person_head(phrase, people) or _noun_head(phrase)
    return AdjacentCue(doc[verb], _with_relative_clause(doc, phrase, people), head)


def _mention_first(
    doc: Doc, start: int, quoted: Sequence[range], people: People
) -> AdjacentCue | None:
    """'“…,” screenwriter Ann Vega wrote', '“…,” an intelligence source, who was not
    authorized to speak, told Fox News': what stands between the quotation and the verb."""
    if doc[start].text == ",":  # '”, he said' (the comma outside the marks)
        start += 1
    limit = min(len(doc), start + 3 * ADJACENT_MENTION_MAX_TOKENS)
    verb = next(
        (
            i
            for i in range(start, limit)
            if _verb_after_mention(doc[i]) or _stops(doc[i], quoted) or doc[i].text in _CLOSERS
        ),
        None,
    )
    if verb is None or verb == start or not _verb_after_mention(doc[verb]):
        return None
    region = doc[start:verb]
    if region[-1].text == ",":
        region = doc[start : verb - 1]
    segments = _segments(region)
    first = segments[0]
    if not _mention_like(first, people):
        return None
    if not all(_aside(s, people) for s in segments[1:]):
        return None  # '“America-first” policies expounded by …, including …, stressed'
    head = _person_head(first, people)
    mention = first
    if head is None and len(segments) > 1 and _mention_like(segments[1], people):
        head = _person_head(segments[1], people)  # "her adviser, Jake Sullivan, said"
        if head is not None:
            mention = doc[first.start : segments[1].end]
    if head is None:
        head = _noun_head(first)
        mention = region  # a description keeps its clauses ("a source, who …,")
    if doc[verb].lower_ in TEXT_CUE_FORMS and speaker_type(mention, head) != "document":
        return None  # "read" speaks only for a text ('“…,” the email read')
    return AdjacentCue(doc[verb], mention, head)


def _verb_after_mention(tok: Token) -> bool:
    """A speech verb right after its subject, as the tagger may have left it: 'states' and
    'state' read as nouns ('“…,” a voice-over in the ad states.'), or a text's 'read'."""
    if _is_cue(tok) or tok.lower_ in TEXT_CUE_FORMS:
        return True
    after = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    return (
        tok.is_lower
        and is_speech_form(tok.lower_)
        and tok.i > 0
        and tok.nbor(-1).pos_ in ("NOUN", "PROPN")
        and (after is None or after.is_punct or after.pos_ == "ADP")
    )


def _aside(segment: Span, people: People) -> bool:
    """What may stand between a speaker and their verb, set off by commas: an appositive
    ('the head of Right to Rise USA'), a relative clause ('who was not authorized …'), or
    an adverb ('meanwhile')."""
    return (
        not segment
        or segment[0].lower_ in ("who", "whose", "which")
        or (len(segment) == 1 and segment[0].pos_ == "ADV")
        or _mention_like(segment, people)
    )


def _stops(tok: Token, quoted: Sequence[range]) -> bool:
    return "\n" in tok.text or _in_quote(tok, quoted) or tok.text in _OPENING_MARKS


def _in_mention(tok: Token) -> bool:
    """Whether ``tok`` may continue a noun phrase after a verb ('former secretary of state
    Hillary Clinton'); a comma, a clause, a date or 'in a statement' ends it."""
    if tok.is_punct and tok.text not in ("'s", "’s", ".", "-"):
        return False
    if tok.text == "-" and not tok.whitespace_ and not tok.nbor(-1).whitespace_:
        return True  # inside a word ('voice-over')
    if tok.is_punct and tok.text in (".", "-") and not tok.nbor(-1).text[:1].isupper():
        return False  # the sentence's full stop, not an initial ('Steven H. Warren')
    if tok.ent_type_ in ("DATE", "TIME") or tok.lower_ in _RELATIVE:
        return False
    if tok.pos_ == "ADP":
        return tok.lower_ in MENTION_PREPOSITIONS
    return tok.pos_ not in ("VERB", "AUX", "SCONJ", "CCONJ", "ADV", "SPACE", "PART") or (
        tok.text in ("'s", "’s")
    )


def _with_relative_clause(doc: Doc, mention: Span, people: People) -> Span:
    """A description with the relative clause that follows it ('the boy, who was wearing
    …'), as the article writes it; a name stays a name."""
    if _person_head(mention, people) is not None:
        return mention
    at = mention.end
    if at < len(doc) and doc[at].text == "," and at + 1 < len(doc):
        at += 1
    if at >= len(doc) or doc[at].lower_ not in ("who", "whose"):
        return mention
    end = at
    while end < len(doc) and doc[end].text not in (",", ".", ";") and "\n" not in doc[end].text:
        end += 1
    return doc[mention.start : end]


def _segments(region: Span) -> list[Span]:
    """``region`` cut at its commas."""
    doc = region.doc
    cuts = [t.i for t in region if t.text == ","]
    bounds = [region.start, *[c + 1 for c in cuts]]
    ends = [*cuts, region.end]
    return [doc[s:e] for s, e in zip(bounds, ends, strict=True)]


def _mention_like(span: Span, people: People) -> bool:
    return (
        0 < len(span) <= ADJACENT_MENTION_MAX_TOKENS
        and span[0].pos_ != "ADP"  # 'for instance, and Trump vowed'
        and _noun_phrase(span, people)
    )


def _noun_phrase(span: Span, people: People) -> bool:
    """A name or a description: no verb in it, unless the tagger took a known name or a
    noun for one ("Will wrote", "screenwriter Ann Vega")."""
    if any(t.pos_ == "CCONJ" for t in span):
        return False  # 'Dovere and Debenedetti wrote': two speakers, for the parse
    name = _person(span, people)
    if name is not None:
        return all(
            _in_mention(t)
            or t.i >= name.start - 1  # the name, and a role the tagger misread before it
            or _named(t)
            for t in span
        )
    return all(_in_mention(t) or _named(t) for t in span)


def _named(tok: Token) -> bool:
    """A word of a name ('Right to Rise USA'), not of a date."""
    return bool(tok.ent_type_) and tok.ent_type_ not in ("DATE", "TIME")


def _person_head(span: Span, people: People) -> Token | None:
    """The last word of the name of a person in ``span``."""
    name = _person(span, people)
    return name[-1] if name is not None else None


def _person(span: Span, people: People) -> Span | None:
    """The name of a person in ``span`` (not a possessor: "Obama's chief of staff"), or a
    surname the article gives someone."""
    for ent in span.ents:
        if ent.label_ == "PERSON" and _heads(ent[-1], span):
            return ent
    for tok in reversed(span):
        if tok.text[:1].isupper() and people.names(tok.text) and _heads(tok, span):
            return span.doc[tok.i : tok.i + 1]
    return None


def _heads(tok: Token, span: Span) -> bool:
    """True when the name ending at ``tok`` is the phrase's head, not a possessor or a
    modifier of a noun after it ("a Trump supporter", "Obama's chief of staff", "Hillary
    Clinton's right-hand woman"); what follows a preposition does not count ('Jason
    Gilbert of Cheyenne')."""
    for after in tok.doc[tok.i + (tok.pos_ != "PART") : span.end]:
        if after.pos_ == "ADP":
            return True
        if after.text in ("'s", "’s") or after.pos_ in ("NOUN", "PROPN"):
            return False
    return True


def _noun_head(span: Span) -> Token:
    """A description's head word: the last before a preposition ('a producer for …')."""
    for tok in span:
        if tok.pos_ == "ADP" and tok.i > span.start:
            return tok.nbor(-1)
    return span[-1]
