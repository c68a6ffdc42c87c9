"""Speakers: the noun phrase that said a quotation, resolved to a person the article names
(pronouns to the last person who spoke; name variants merged), with their role."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from rag.ledger.cues import is_speech_verb
from rag.ledger.parsed import quotations_of, text_of
from rag.ledger.people import same_full_name
from rag.ledger.speaker_types import (
    ORGANISATION_LABELS,
    SpeakerType,
    headline_end,
    is_proportion,
    noun_type,
    speaker_type,
    written_as_name,
)
from rag.lexicon import (
    DOCUMENT_NOUNS,
    MEN_TITLES,
    NAME_PREFIX_TITLES,
    NOBODY,
    NOT_PEOPLE,
    QUOTE_MARKS,
    SPEAKER_PRONOUNS,
    WOMEN_TITLES,
)
from rag.text.names import name_span, surname

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# Parts of speech of a first word that a PERSON entity holds but a name does not, when it
# opens a sentence or a headline ('Without Bloomberg', 'Will Sanders win?'). Elsewhere the
# tagger's part of speech is not trusted: 'Will' and 'Said' are first names too.
NOT_NAME_POS = frozenset({"ADP", "DET", "ADV", "SCONJ", "CCONJ", "PRON", "VERB", "AUX", "PART"})

SENTENCE_END = re.compile(r"[.!?][\"”’']*\s|\n")

INDEFINITE = re.compile(r"(?:a|an)\s", re.IGNORECASE)

ANONYMITY = re.compile(
    r"anonymity|not to be (?:named|identified)|not be (?:named|identified)|unnamed|"
    r"not authori[sz]ed|declined to be (?:named|identified)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Who:
    """A resolved speaker: the name (or description) and where the article writes it, and
    the role the mention gives them, with its offsets (empty when none)."""

    name: str
    kind: str = "direct"  # 'anonymous' when unnamed
    name_span: tuple[int, int] = (0, 0)
    role: str = ""
    role_span: tuple[int, int] = (0, 0)
    appositive: str = ""  # a second description after the name, when the role is before it
    appositive_span: tuple[int, int] = (0, 0)
    paragraph: int = 0  # where they last spoke (for pronouns and uncued quotes)
    attributed_at: int = -1  # where the sentence that last said they spoke starts
    via: str = ""  # whom that sentence credits for the report ('according to CNN'), if any
    via_span: tuple[int, int] = (0, 0)


Sex = Literal["man", "woman", ""]  # '' when no title tells


@dataclass
class _Person:
    """One person: the fullest form of their name and where it is first written that way,
    where the article mentions them, and 'man' or 'woman' when its titles tell."""

    name: str
    start: int
    end: int
    mentions: list[int]
    sex: Sex = ""

    def mention(self, at: int, sex: Sex) -> None:
        """One more mention of this person, at ``at``, with the sex its title tells ('')."""
        self.mentions.append(at)
        self.sex = self.sex or sex


class People:
    """The people an article names. Variants of one name merge (Sir Richard Barrons = Gen
    Barrons = Barrons) to the fullest form, kept with the offsets of its first occurrence;
    people who share a surname stay apart (Bill and Hillary Clinton), and a bare surname is
    the one of them mentioned last before it. A title keeps to the person it is known to
    belong to: "Mrs. Schlafly" stays Phyllis after her son John is named. A title is known
    to be someone's when it comes with their full name, or when the person it goes to is
    clearly the one meant (see ``_clearly``); a guess between two is not recorded."""

    def __init__(
        self,
        text: str,
        spans: Iterable[tuple[int, int]],
        starts: dict[int, int] | None = None,
    ) -> None:
        self.text = text
        # where an entity's name starts, past a first word that is no name ('Beneath Clinton')
        self._starts = starts or {}
        self.by_surname: dict[str, list[_Person]] = {}
        named = sorted(
            (n for n in (name_span(text, a, b) for a, b in spans) if n[0]), key=lambda n: n[1]
        )
        for name, a, b in named:  # full names first: they tell people apart
            if len(name.split()) > 1:
                sex = title_sex(text, a)
                group = self.by_surname.setdefault(surname(name).lower(), [])
                person = next((p for p in group if _same(p, name, sex)), None)
                if person is None:
                    group.append(_Person(name, a, b, [a], sex))
                    continue
                person.mention(a, sex)
                if (len(name.split()), len(name)) > (len(person.name.split()), len(person.name)):
                    person.name, person.start, person.end = name, a, b
        self._bare: dict[int, _Person] = {}
        for name, a, b in named:
            if len(name.split()) > 1:
                continue
            sex = title_sex(text, a)
            group = self.by_surname.setdefault(name.lower(), [])
            if not group:
                group.append(_Person(name, a, b, [a], sex))
                continue
            person = self._bare[a] = _last_before(group, a, sex)
            person.mention(a, sex if self._clearly(person, group, a) else "")

    def _clearly(self, person: _Person, group: list[_Person], at: int) -> bool:
        """Whether a bare mention at ``at`` is clearly ``person``: no one else of the group
        was named before it, or ``person`` was named since the others, in a later sentence
        (not 'Laura Bush and George W. Bush toured …', where the last named tells nothing)."""
        mine = [m for m in person.mentions if m < at]
        others = [m for p in group if p is not person for m in p.mentions if m < at]
        if not others:
            return True
        last, other = max(mine, default=-1), max(others)
        return other < last and bool(SENTENCE_END.search(self.text, other, last))

    @classmethod
    def of(cls, doc: Doc) -> People:
        """The people of a parsed article: its PERSON entities, less a first word that opens
        a sentence and is no name there ('Beneath Clinton', 'Will Sanders win?'), unless the
        article writes the same words as a name elsewhere ('Will Hurd')."""
        text = text_of(doc)
        spans: list[tuple[int, int]] = []
        starts: dict[int, int] = {}
        for e in doc.ents:
            if e.label_ != "PERSON":
                continue
            first = e.start
            if doc[first].is_sent_start and not _written_as_name_elsewhere(doc, e):
                while first < e.end - 1 and doc[first].pos_ in NOT_NAME_POS:
                    first += 1
            spans.append((doc[first].idx, e.end_char))
            starts[e.start_char] = doc[first].idx
        return cls(text, spans, starts)

    def names(self, word: str) -> bool:
        """True when ``word`` is the surname of a person the article names ("trump" too)."""
        return word.strip().lower() in self.by_surname

    def person(self, start: int, end: int) -> Who:
        """The person written at ``text[start:end]``, by their fullest name: its span is this
        mention when it writes that name, else that name's first occurrence."""
        name, a, b = name_span(self.text, self._starts.get(start, start), end)
        if not name:
            return Who("")
        sex = title_sex(self.text, a)
        group = self.by_surname.get(surname(name).lower(), [])
        if len(name.split()) > 1:
            person = next((p for p in group if _same(p, name, sex)), None)
        else:
            person = self._bare.get(a) or (_last_before(group, a, sex) if group else None)
        if person is None or person.name == name:
            return Who(name, name_span=(a, b))
        return Who(person.name, name_span=(person.start, person.end))


def _written_as_name_elsewhere(doc: Doc, entity: Span) -> bool:
    """Whether the entity's words stand somewhere else in the article where they do not
    open a sentence ('… ,” Will Hurd said'): then its first word is part of the name."""
    text, words = text_of(doc), entity.text
    at = text.find(words)
    while at >= 0:
        token = doc.char_span(at, at + len(words), alignment_mode="expand")
        if token is not None and at != entity.start_char and not token[0].is_sent_start:
            return True
        at = text.find(words, at + 1)
    return False


def title_sex(text: str, at: int) -> Sex:
    """'man' or 'woman' when the word just before ``text[at:]`` is a title that tells
    ('Mr.', 'Mrs.', 'Dame'), written as a title (capitalised: not the verb in 'will miss
    Bush'); '' otherwise."""
    before = text[max(at - _TITLE_WINDOW, 0) : at]
    words = before.split()
    if not before[-1:].isspace() or not words:
        return ""  # nothing, or no space, before the name: no title word in front of it
    word = words[-1].rstrip(".")
    if not word[:1].isupper():
        return ""
    word = word.lower()
    return "man" if word in MEN_TITLES else "woman" if word in WOMEN_TITLES else ""


# Characters before a name that can hold a title: the longest, its full stop and a space.
_TITLE_WINDOW = max(map(len, MEN_TITLES | WOMEN_TITLES)) + 2


def _same(person: _Person, name: str, sex: Sex) -> bool:
    """A full name is this person's: their name's variant, and no title says otherwise."""
    return same_full_name(person.name, name) and not (sex and person.sex and sex != person.sex)


def _last_before(group: list[_Person], offset: int, sex: Sex = "") -> _Person:
    """Of the people who share a surname, the one a bare mention at ``offset`` is: of its
    title's sex when one of them is known to be (else not of the other), the one mentioned
    last before it (the first mentioned, when none is before)."""
    if sex:
        group = [p for p in group if p.sex == sex] or [p for p in group if not p.sex] or group
    before = [
        (max(m for m in p.mentions if m < offset), p) for p in group if min(p.mentions) < offset
    ]
    return (
        max(before, key=lambda m: m[0])[1] if before else min(group, key=lambda p: min(p.mentions))
    )


def mention_of(speaker: Token, quote: tuple[int, int], cue: Token | None = None) -> Span:
    """The speaker's noun phrase as written: for a name, its compounds and titles; for a
    description, the whole phrase ("a producer for Yahoo Studios"). Never what lies inside
    the quotation or the cue verb."""
    doc = speaker.doc
    named = any(e.label_ == "PERSON" for e in doc[speaker.left_edge.i : speaker.i + 1].ents)
    right = speaker.i
    conjoined = _group(speaker) and any(c.dep_ == "conj" and _group(c) for c in speaker.rights)
    for child in speaker.rights:
        keep = (
            ("compound", "flat", "nmod")
            if named
            else ("compound", "flat", "nmod", "prep", "acl", "relcl", "appos", "amod")
        )
        # 'the Ohio senator and Republican presidential candidate': one speaker, two roles
        joined = not named and conjoined and child.dep_ in ("cc", "conj")
        if child.dep_ in keep or joined or (child.dep_ == "prep" and child.lower_ == "of"):
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
    while len(span) > 1 and (span[-1].is_punct or span[-1].tag_ in ("WP", "WDT")):
        span = span[:-1]  # "critics who said …": not "who"
    return span


def _group(tok: Token) -> bool:
    """A noun for people or a body ('senator', 'officials', 'Republicans'), not a name."""
    if tok.ent_type_ == "NORP":
        return True
    kind = noun_type(tok.lemma_.lower(), tok.lower_)
    return tok.pos_ == "NOUN" and kind in ("people", "organisation")


def speaker_fields(who: Who) -> dict[str, Any]:
    """The Quote fields naming the speaker, with their offsets."""
    return {
        "speaker": who.name,
        "speaker_start": who.name_span[0],
        "speaker_end": who.name_span[1],
        "speaker_role": who.role,
        "role_start": who.role_span[0],
        "role_end": who.role_span[1],
        "speaker_appositive": who.appositive,
        "appositive_start": who.appositive_span[0],
        "appositive_end": who.appositive_span[1],
    }


def resolve_speaker(mention: Span, speaker: Token, people: People, last_person: Who | None) -> Who:
    """The speaker a mention names (canonical name, where written, role); kind 'anonymous'
    when unnamed; an empty name when nobody."""
    # A surname the article gives someone is a name whatever its tag ('Will wrote').
    known_name = speaker.text[:1].isupper() and (
        people.names(speaker.text) or written_as_name(speaker)
    )
    if speaker.lower_ in NOBODY or not (
        known_name
        or any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in mention)
        or noun_type(speaker.lemma_.lower(), speaker.lower_) is not None  # 'the editorial'
        or is_proportion(speaker)  # 'six in 10'
    ):
        return Who("")
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
            role_span = _find(text_of(mention.doc), role, mention.start_char, person.start_char)
        if not role:
            role, role_span = _appositive_role(speaker)
            return replace(who, role=role, role_span=role_span)
        appositive, appositive_span = _appositive_after(speaker, person)
        return replace(
            who,
            role=role,
            role_span=role_span,
            appositive=appositive,
            appositive_span=appositive_span,
        )
    named = speaker.head
    if speaker.dep_ == "appos" and named.ent_type_ == "PERSON" and named.pos_ == "PROPN":
        # "Maria Lund, 32, a former staff member … who said": the staff member is her
        role_span = (mention.start_char, mention.end_char)
        return replace(_person_at(named, people), role=mention.text, role_span=role_span)
    agent = _agent_person(speaker)
    if agent is not None:  # "an argument made by Monica Crowley"
        return people.person(agent.start_char, agent.end_char)
    if speaker.lower_ in SPEAKER_PRONOUNS or speaker.lower_ in ("who",):
        reporter = _reporting_person(speaker, people)
        if reporter is not None:
            return reporter
        kind = _type_of(speaker.doc, last_person)
        if speaker.lower_ in ("they", "them") and kind == "person":
            return Who("")  # 'they' is not one person
        if speaker.lower_ in ("he", "she", "him", "her") and (
            kind == "document" or _plural(speaker.doc, last_person)
        ):
            return Who("")  # nor is "she" the complaint or the officials
        if last_person is not None and speaker.lower_ not in ("i", "we"):
            return Who(last_person.name, name_span=last_person.name_span)
        return Who("")
    # A name spaCy did not tag as a person (a surname alone is often tagged ORG); a
    # several-word organisation keeps its whole name ("General Electric").
    organisation = [
        e for e in mention.ents if e.start <= speaker.i < e.end and e.label_ in ORGANISATION_LABELS
    ]
    fuller = None if people.names(speaker.text) else _fuller_name(mention, speaker)
    if fuller is not None:  # 'The Post said', after 'The Washington Post'
        return fuller
    if (speaker.pos_ == "PROPN" or known_name) and not (organisation and len(organisation[0]) > 1):
        return people.person(mention.start_char, mention.end_char)
    text = mention.text.strip()
    return Who(text, "anonymous", _find(text_of(mention.doc), text, mention.start_char))


def _fuller_name(mention: Span, speaker: Token) -> Who | None:
    """The fuller name a one-word name stands for ('the Post': 'The Washington Post';
    'Fiorina': 'Carly Fiorina', which the tagger took for an organisation): the last name
    of two to four capitalised words, ending with it, that the article writes before it
    outside its headline; ``None`` when there is none."""
    words = [t for t in mention if t.lower_ != "the"]
    if len(words) != 1 or words[0] != speaker or speaker.pos_ != "PROPN":
        return None
    doc = mention.doc
    headline = headline_end(doc)
    earlier = [
        e
        for e in doc.ents
        if e.label_ in ORGANISATION_LABELS
        and headline < e.start_char
        and e.end_char <= mention.start_char
        and 1 < len(name := [t for t in e if t.lower_ != "the"]) <= 4
        and all(t.pos_ == "PROPN" for t in name)
        and e[-1].text == speaker.text
    ]
    if not earlier:
        return None
    named = earlier[-1]
    return Who(named.text, name_span=(named.start_char, named.end_char))


def _type_of(doc: Doc, who: Who | None) -> SpeakerType | None:
    """The speaker type of ``who`` as the article writes their name; None when unknown."""
    if who is None or who.name_span == (0, 0):
        return None
    span = doc.char_span(*who.name_span, alignment_mode="expand")
    return None if span is None else speaker_type(span, span.root)


def _plural(doc: Doc, who: Who | None) -> bool:
    """Whether ``who`` is written as several people ('officials', 'his aides')."""
    if who is None or who.name_span == (0, 0):
        return False
    span = doc.char_span(*who.name_span, alignment_mode="expand")
    return span is not None and span.root.tag_ == "NNS"  # not NNPS: "Sanders" is tagged so


def _reporting_person(pronoun: Token, people: People) -> Who | None:
    """'he' or 'she' in the clause a named person's speech verb reports stands for that person
    ('Trump said he responded: “…”'); None otherwise."""
    if pronoun.lower_ not in ("he", "she"):
        return None
    for verb in pronoun.head.ancestors:
        if not is_speech_verb(verb):
            continue
        subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
        if subject is None or subject.ent_type_ != "PERSON" or subject.pos_ != "PROPN":
            return None
        who = _person_at(subject, people)
        return who if who.name else None
    return None


def _person_at(tok: Token, people: People) -> Who:
    """The person whose PERSON entity holds ``tok``."""
    ent = next(e for e in tok.doc.ents if e.start <= tok.i < e.end)
    return people.person(ent.start_char, ent.end_char)


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
    """The speaker's first appositive ('Miller, a co-author of …'), with the ones written
    on to it without a space: the parser splits 'co-author' into three."""
    appositives = [child for child in speaker.children if child.dep_ == "appos"]
    if not appositives:
        return "", (0, 0)
    first = last = appositives[0]
    for child in appositives[1:]:
        if child.left_edge.i != last.right_edge.i + 1 or last.right_edge.whitespace_:
            break
        last = child
    doc = speaker.doc
    end = last.right_edge.i
    while end > first.left_edge.i and (doc[end].dep_ == "cc" or doc[end].is_punct):
        end -= 1  # 'Porter, a Democrat, and …': not 'a Democrat, and'
    if doc[end].is_quote or doc[end + 1 : end + 2].text in QUOTE_MARKS:
        end = last.right_edge.i  # a title's closing mark stays: 'author of “Why Cities Fail,”'
    a = first.left_edge.idx
    b = a + len(doc[first.left_edge.i : end + 1].text.rstrip(" ,"))
    a, b = _whole_quotations(doc, a, b)
    role = text_of(doc)[a:b].strip(" ,")
    return role, _find(text_of(doc), role, a)


def _appositive_after(speaker: Token, person: Span) -> tuple[str, tuple[int, int]]:
    """The speaker's appositive when the article writes it right after their name and it
    describes them in words, in whole brackets ('Simon Rosenberg, president of the New
    Democrat Network'; 'Republican of Alabama'); not 'R-Ky.', nor someone's name."""
    role, (a, b) = _appositive_role(speaker)
    if not role or text_of(speaker.doc)[person.end_char : a].strip() != ",":
        return "", (0, 0)
    span = speaker.doc.char_span(a, b, alignment_mode="contract")
    described = (
        span is not None
        and span.root.ent_type_ != "PERSON"
        and any(t.is_alpha and t.is_lower for t in span)
    )
    balanced = all(role.count(o) == role.count(c) for o, c in ("()", "[]"))
    return (role, (a, b)) if described and balanced else ("", (0, 0))


def _whole_quotations(doc: Doc, a: int, b: int) -> tuple[int, int]:
    """``[a, b)`` with a quotation it cuts taken in whole when it is a title: closed in the
    same paragraph, and no speech verb before it in the role ("a co-author of ''Those Guys
    Have All the Fun: Inside the World of ESPN.''", which the parser split at its colon);
    else ended before its opening mark."""
    for qa, qb in quotations_of(doc):
        if a <= qa < b < qb:
            if speaks_within(doc, a, qa):
                return a, _before_clause(doc, a, qa)  # 'a senator [who once warned that “…”]'
            closed = text_of(doc)[qb - 1] in QUOTE_MARKS and "\n" not in text_of(doc)[b:qb]
            return (a, qb) if closed else (a, qa)
    return a, b


def _before_clause(doc: Doc, a: int, b: int) -> int:
    """Where the first clause in ``doc.text[a:b]`` that is not its start begins ('a senator
    who once warned that': before 'who'); ``b`` when there is none."""
    span = doc.char_span(a, b, alignment_mode="contract")
    for tok in span if span is not None else ():
        if tok.dep_ in ("relcl", "acl") and tok.left_edge.idx > a:
            return tok.left_edge.idx
    return b


def speaks_within(doc: Doc, start: int, end: int) -> bool:
    """True when a speech verb stands in ``doc.text[start:end]`` ('a senator who once warned
    that “…”': the quotation after it is what she said, not a title)."""
    span = doc.char_span(start, end, alignment_mode="contract")
    return span is not None and any(is_speech_verb(t) for t in span)


def personlike(description: str) -> bool:
    """True unless the description's last word names a text ('the report', 'the remarks')."""
    words = description.lower().split()
    if not words:
        return False
    last = words[-1].strip(".,")
    return last not in NOT_PEOPLE and last.removesuffix("s") not in DOCUMENT_NOUNS
