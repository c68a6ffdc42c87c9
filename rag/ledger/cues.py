"""Cues: the speech verb that introduces a quotation (or "according to"), its subject, the
sentence around it, and what kind of quotation it is."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rag.ledger.parsed import quotations_of, sentence_of, text_of
from rag.ledger.speaker_types import speaker_type
from rag.lexicon import (
    NOT_PEOPLE,
    OWN_TEXT_NOUNS,
    PHRASAL_SPEECH_VERBS,
    PUBLISHING_LEMMAS,
    SCARE_QUOTE_MAX_WORDS,
    SPEECH_LEMMAS,
    SUBORDINATORS,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


def sentence_bounds(doc: Doc, a: int, b: int) -> tuple[int, int]:
    """Start of the sentence holding ``a`` to the end of the one holding ``b - 1``."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return a, b
    start, end = sentence_of(doc, span[0].i).start_char, sentence_of(doc, span[-1].i).end_char
    while end > start and text_of(doc)[end - 1].isspace():
        end -= 1
    return start, end


def find_cue(
    doc: Doc, a: int, b: int, quoted: Sequence[range] = ()
) -> tuple[Token, Token] | tuple[None, None]:
    """The speech verb that introduces the quotation [a, b) and its subject token: in the
    quotation's sentences (outside the quotation), else in a short sentence right after it
    in its paragraph ('“…?” Todd asked.'; a sentence that opens the next paragraph introduces
    what follows it), else in the sentence before it when that one ends in a colon, else
    any verb whose clause ends in a colon right before it ('X resisted: “…”'). The closest
    cue whose subject can speak wins. Neither the verb nor its subject may stand inside any
    of the ``quoted`` spans: words someone is quoted as saying do not introduce another
    quotation."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return None, None
    sentences = list({(s.start, s.end): s for s in (sentence_of(doc, t.i) for t in span)}.values())
    best = _closest_cue(sentences, a, b, quoted)
    if best is None and sentences[-1].end < len(doc):
        after = sentence_of(doc, sentences[-1].end)
        between = text_of(doc)[b : after.start_char]
        starts_after = not between.strip() and "\n" not in between
        if starts_after and len(after) <= 15 and after[0].text not in "“\"'":
            best = _closest_cue([after], a, b, quoted)
    if best is None and sentences[0].start > 0:
        before = sentence_of(doc, sentences[0].start - 1)
        if before.text.rstrip().endswith(":"):
            best = _closest_cue([before], a, b, quoted)
    if best is None:
        best = _colon_cue(doc, a, b, quoted)
    return best if best is not None else (None, None)


def _outside(tok: Token, a: int, b: int, quoted: Sequence[range]) -> bool:
    return not (a <= tok.idx < b or any(tok.idx in r for r in quoted))


def governing_cue(doc: Doc, a: int, b: int, quoted: Sequence[range]) -> tuple[Token, Token] | None:
    """'Pence praised Cruz for showing “…”', 'Pew found that “…”': a quotation set inside the
    reporter's clause is the words of the subject of the verb that governs it, whatever the
    verb, when that subject can speak. Less sure than a speech verb's subject (the ledger
    records it as method ``clause``); used when ``find_cue`` finds none."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None or len(text_of(doc)[a:b].split()) <= SCARE_QUOTE_MAX_WORDS:
        return None  # a word or two in quotation marks is as likely the reporter's
    head = span.root.head
    for _ in range(_GOVERNOR_STEPS):
        if a <= head.idx < b:
            return None
        if not _outside(head, a, b, quoted):  # 'citing her “long experience,” “firm grasp …”'
            head = head.head  # a quotation beside it in a list: the verb governs both
            continue
        if head.pos_ == "VERB":
            subject = subject_of(head)
            if subject is not None and _outside(subject, a, b, quoted) and can_speak(subject):
                return head, subject
        if head.head.i == head.i:
            return None
        head = head.head
    return None


_GOVERNOR_STEPS = 4  # how many words up the parse a quotation's governing verb may be


def _colon_cue(doc: Doc, a: int, b: int, quoted: Sequence[range]) -> tuple[Token, Token] | None:
    """'X resisted: “…”', 'Stone shot back:' then the quotation: the verb of the clause that
    ends in the colon right before the quotation is the cue, when its subject can speak."""
    at = _token_at(doc, a) - 1
    while at >= 0 and doc[at].is_space:
        at -= 1
    if at < 0 or doc[at].text != ":":
        return None
    verb = doc[at].head
    while verb.pos_ != "VERB" and verb.dep_ != "ROOT" and verb.head.i != verb.i:
        verb = verb.head
    subject = subject_of(verb) if verb.pos_ == "VERB" else None
    if subject is None or not _outside(subject, a, b, quoted) or not can_speak(subject):
        return None
    return verb, subject


def _token_at(doc: Doc, offset: int) -> int:
    """Index of the first token starting at or after ``offset``."""
    span = doc.char_span(offset, len(text_of(doc)), alignment_mode="expand")
    return span.start if span is not None else len(doc)


def _closest_cue(
    sentences: list[Span], a: int, b: int, quoted: Sequence[range]
) -> tuple[Token, Token] | None:
    def inside(tok: Token) -> bool:
        return not _outside(tok, a, b, quoted)

    span = sentences[0].doc.char_span(a, b, alignment_mode="expand")
    governing = next((t for t in span.root.ancestors if _as_cue(t)), None) if span else None
    candidates = []
    for sent in sentences:
        for tok in sent:
            if inside(tok) or _aside_without(tok, a, b):
                continue
            cue = _as_cue(tok) or _participle_on_quotation(tok, inside)
            if cue is not None and inside(cue[1]):
                cue = _subject_outside(tok, inside) or _named_between(sent, b, tok, inside)
            if cue is not None and not inside(cue[1]):
                distance = abs(tok.idx - (a if tok.idx < a else b))
                candidates.append(((tok != governing, distance), cue))
    # The nearest cue whose clause holds the quotation ("Ortiz said the approach remained “…”, but
    # she also warned": said), then the closest; of those, the first whose subject can speak
    # ("De Blasio said the move was made … and said, “…”": not "the move"); else the first,
    # for the extractor to leave unattributed.
    candidates.sort(key=lambda c: c[0])
    typed = next((c for _, c in candidates if can_speak(c[1])), None)
    return typed or (candidates[0][1] if candidates else None)


def _participle_on_quotation(
    tok: Token, inside: Callable[[Token], bool]
) -> tuple[Token, Token] | None:
    """'Flea shared the news, writing “Feels great …”' parsed with the participle hung on a
    word of the quotation: it goes with the verb outside the quotation that the quotation
    hangs on, and that verb's subject speaks."""
    after_comma = tok.i > 0 and tok.doc[tok.i - 1].text == ","
    if not (after_comma and tok.tag_ == "VBG" and is_speech_verb(tok) and inside(tok.head)):
        return None
    head = tok.head
    while inside(head) and head.head.i != head.i:
        head = head.head
    if inside(head) or head.pos_ not in ("VERB", "AUX"):
        return None
    subject = subject_of(head)
    return (tok, subject) if subject is not None else None


def _aside_without(tok: Token, a: int, b: int) -> bool:
    """True when ``tok`` stands in parentheses that leave out the quotation ``[a, b)``: an
    aside ('(think Eleanor Roosevelt)') says nothing of who said the words outside it."""
    return any(o < tok.idx < c and not o <= a < b <= c for o, c in _asides(tok.doc))


def _asides(doc: Doc) -> list[tuple[int, int]]:
    """Spans of the article's parentheses, each closed within its paragraph (cached)."""
    cached: list[tuple[int, int]] | None = doc.user_data.get("rag_asides")
    if cached is None:
        text = text_of(doc)
        cached = [(m.start(), m.end()) for m in re.finditer(r"\([^()\n]*\)", text)]
        doc.user_data["rag_asides"] = cached
    return cached


def can_speak(subject: Token) -> bool:
    """True when the subject token, as its phrase, is a kind of thing that can speak."""
    phrase = subject.doc[subject.left_edge.i : subject.right_edge.i + 1]
    return speaker_type(phrase, subject) is not None


def _subject_outside(verb: Token, inside: Callable[[Token], bool]) -> tuple[Token, Token] | None:
    """'“Meh,” wrote a Trump supporter': a second subject of the verb, outside the quotation,
    when the parser made a quoted word its first."""
    subject = next(
        (c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and not inside(c)), None
    )
    return (verb, subject) if subject is not None else None


def _named_between(
    sent: Span, b: int, verb: Token, inside: Callable[[Token], bool]
) -> tuple[Token, Token] | None:
    """'“…,” William M. Daley, Obama's former chief of staff, said' parsed with a word of the
    quotation as the verb's subject: the person named between the quotation and the verb."""
    for ent in sent.ents:
        named = ent.label_ == "PERSON" and b <= ent.start_char and ent.end <= verb.i
        if named and not inside(ent.root):
            return verb, ent.root
    return None


def _as_cue(tok: Token) -> tuple[Token, Token] | None:
    """(cue token, speaker token) when ``tok`` is a speech verb with a subject, or the
    "according" of "according to X"."""
    if tok.lower_ == "according":
        source = according_to(tok)
        return (tok, source) if source is not None else None
    if not is_speech_verb(tok):
        return None
    subject = subject_of(tok)
    return (tok, subject) if subject is not None else None


def according_to(tok: Token) -> Token | None:
    """X of 'according to X', when ``tok`` is its "according"."""
    if tok.lower_ != "according" or tok.i + 1 >= len(tok.doc) or tok.nbor(1).lower_ != "to":
        return None
    return next((c for c in tok.nbor(1).children if c.dep_ == "pobj"), None)


def is_speech_verb(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX"):
        return False
    return tok.lemma_.lower() in SPEECH_LEMMAS or _speech_particle(tok) is not None


def _speech_particle(verb: Token) -> Token | None:
    """The particle that makes ``verb`` a speech verb ('pointed out'), if any."""
    lemma = verb.lemma_.lower()
    return next(
        (
            c
            for c in verb.children
            if c.dep_ == "prt" and f"{lemma} {c.lower_}" in PHRASAL_SPEECH_VERBS
        ),
        None,
    )


def subject_of(verb: Token) -> Token | None:
    """Who does the speaking of ``verb``: its subject; for a passive speech verb, the agent
    ('X was asked by Y': Y), none without one ('X was asked, “…”' names only the addressee),
    except when X is quoted ('X was quoted as saying')."""
    passive = any(c.dep_ == "nsubjpass" for c in verb.children)
    if passive and is_speech_verb(verb) and verb.lemma_.lower() != "quote":
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        return next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if subjects:
        # A dateline the parser made a second subject ('LONDON (Reuters) - Jane Roe said')
        child = subjects[1] if len(subjects) > 1 and _dateline(subjects[0]) else subjects[0]
        # 'Or maybe Jeb Bush, digital consultant Phil Musser says': what was said, set off by a
        # comma, that the parser made a second subject; the subject beside the verb speaks
        last = subjects[-1]
        beside = child.i < last.i and last.right_edge.i == verb.i - 1
        between = verb.doc[child.i + 1 : last.left_edge.i]
        joined = any(t.dep_ == "cc" for t in between)  # 'Porter … and her deputy Reyes said'
        if beside and not joined and any(t.text == "," for t in between):
            child = last
        if child.lower_ in ("who", "that", "which") and verb.dep_ in ("relcl", "acl"):
            publisher = publisher_of(verb.head)
            if publisher is not None or verb.dep_ == "relcl":
                return publisher or verb.head
        return child
    if _name_as_compound(verb):  # '“Cruz,” Beck joked': the parser's compound is the subject
        return verb.doc[verb.i - 1]
    statement = verb.head
    if (
        verb.dep_ == "acl"
        and verb.tag_ == "VBG"  # not "a website called …"
        and statement.lemma_.lower() in NOT_PEOPLE
        and statement.dep_ == "dobj"
    ):
        return subject_of(statement.head)  # "X issued a statement saying …": X
    if verb.dep_ == "acl" and (
        verb.head.pos_ == "PROPN"
        or (verb.head.pos_ == "NOUN" and verb.head.lemma_.lower() not in NOT_PEOPLE)
    ):
        return verb.head  # "a sign saying …", "Murphy, the head of …, Tweeted"
    if verb.dep_ == "conj":  # "he smiled and said"
        return subject_of(verb.head)
    if verb.dep_ in ("advcl", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        head = verb.head
        after_comma = verb.i > 0 and verb.doc[verb.i - 1].text == ","
        if verb.dep_ == "advcl" and verb.tag_ == "VBG" and after_comma:
            head = _main_clause(head)
        return subject_of(head)  # "…, saying …"
    if verb.dep_ == "ROOT":
        return _named_before(verb)
    return None


def _named_before(verb: Token) -> Token | None:
    """'In a statement, her adviser, Jake Sullivan, said' parsed with no subject for the
    verb: the person whose phrase ends right before the comma that precedes it ('…, Col.
    Tom Vance, a spokesman in Baghdad, said'), not one named inside it ('…, an aide to Gen.
    Tom Reyes, said'). Not for a command ('If you see Tom Reyes, tell him …')."""
    if verb.i < 2 or verb.doc[verb.i - 1].text != "," or verb.tag_ == "VB":
        return None
    tok = verb.doc[verb.i - 2]
    while tok.right_edge.i < verb.i:  # the phrase that ends there (its comma aside)
        if tok.ent_type_ == "PERSON" and tok.dep_ not in ("pobj", "dobj", "poss", "compound"):
            return tok
        if tok.head.i == tok.i or tok.head.i >= verb.i:
            return None
        tok = tok.head
    return None


def publisher_of(text: Token) -> Token | None:
    """Who put out the text a relative clause speaks for: 'Sanders released a statement that
    accused …' (Sanders), 'The Post ran a piece that noted …' (the Post); None otherwise.
    Only a kind of text that speaks for whoever puts it out, with no author of its own
    ('a letter from Jane Porter', 'her statement'), not one they were sent."""
    verb = text.head
    if text.dep_ != "dobj" or text.lemma_.lower() not in OWN_TEXT_NOUNS:
        return None
    if verb.pos_ != "VERB" or verb.lemma_.lower() not in PUBLISHING_LEMMAS:
        return None
    authored = any(
        c.dep_ in ("poss", "compound") or (c.dep_ == "prep" and c.lower_ in ("from", "by"))
        for c in text.children
    )
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
    if authored or passive:
        return None
    subject = subject_of(verb)
    return subject if subject is not None and can_speak(subject) else None


def _main_clause(verb: Token) -> Token:
    """The verb of the clause that a participle set off by a comma goes with, which the
    parser often hangs on the last clause before it: 'Hannity said … after the senator won
    his primary, remarking …' (Hannity remarked); 'Byrne wrote the agents knew to brace for
    it, saying …' (Byrne said)."""
    while _subordinate(verb):
        verb = verb.head
    return verb


def _subordinate(verb: Token) -> bool:
    """An adverbial clause with its conjunction ('after …'), or what a speech verb reports."""
    if verb.dep_ == "ccomp":
        return is_speech_verb(verb.head)
    marks = {c.lower_ for c in verb.children if c.dep_ == "mark"}
    return verb.dep_ == "advcl" and bool(marks & SUBORDINATORS)


def _dateline(subject: Token) -> bool:
    """True for the first word of a sentence written in capitals ('LONDON (Reuters) -',
    'PHILADELPHIA, July 25 (UPI) —'): a dateline, which the parser may make a subject."""
    return subject.i == subject.sent.start and subject.text.isupper() and len(subject.text) > 2


def _name_as_compound(verb: Token) -> bool:
    """True when the word right before ``verb`` is a name the parser hung on it as a
    compound, a relation no verb has: a misparse of the name as its subject."""
    if verb.i == 0:
        return False
    before = verb.doc[verb.i - 1]
    return before.dep_ == "compound" and before.head.i == verb.i and before.pos_ == "PROPN"


def cue_text_of(cue: Token) -> str:
    """The cue as the article writes it: the verb, with its particle ('pointed out') and its
    object when short ('told The National'); a long object is cut after its head noun ('told
    a caucus meeting')."""
    if cue.lower_ == "according":
        return "according to"
    start, end = cue, cue
    # 'will say', 'would not say', 'did not tell': what the verb does not assert on its own
    helpers = [c for c in cue.lefts if c.dep_ in ("aux", "neg") and c.is_lower]
    between = cue.doc[helpers[0].i : cue.i] if helpers else ()
    if any(c.tag_ == "MD" or c.dep_ == "neg" for c in helpers) and all(
        t.dep_ in ("aux", "neg", "advmod") and not t.is_punct for t in between
    ):
        start = helpers[0]
    particle = _speech_particle(cue)
    if particle is not None and particle.i == cue.i + 1:
        end = particle  # 'pointed out', not 'pointed'
    for child in cue.children:
        if child.dep_ in ("dobj", "dative") and child.i > cue.i and child.i - cue.i <= 3:
            whole = child.right_edge
            end = whole if whole.idx + len(whole.text) - cue.idx <= 60 else child
            break
    # Never into a quotation: 'explains “the advantages of peace”' is the verb alone.
    opening = next((a for a, _ in quotations_of(cue.doc) if cue.idx < a <= end.idx), None)
    if opening is not None:
        before = [t for t in cue.doc[cue.i : end.i + 1] if t.idx + len(t.text) <= opening]
        end = before[-1] if before else cue
        while end.i > cue.i and (end.is_punct or end.is_space or end.dep_ == "det"):
            end = end.nbor(-1)  # 'declared a “caliphate”' is 'declared'
    return str(text_of(cue.doc)[start.idx : end.idx + len(end.text)])


def quote_kind(doc: Doc, a: int, b: int) -> str:
    """'direct' when the quotation is a sentence of its own, 'partial' when it sits inside
    the reporter's sentence."""
    inner = text_of(doc)[a:b].strip("“”\"' .,")
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None or not inner:
        return "direct"
    first_word = inner.split()[0]
    sentence = sentence_of(doc, span[0].i)
    before = text_of(doc)[sentence.start_char : a].strip()
    starts_sentence = first_word[:1].isupper() and (not before or before.endswith((":", ",")))
    return "direct" if starts_sentence else "partial"
