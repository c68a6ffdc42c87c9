"""The claim check: what a model-written answer states outside quotation marks must be in
the passages it cites.

- A description attached to a person ("X, the former chairman of …", "the EU's chief X",
  "X, who is …") must be written in a cited passage, in a sentence that names that person.
  Otherwise it is dropped and the rest of the sentence kept.
- A proper name, number or date that no cited passage holds removes its sentence.

Matching allows normal variation: case, possessives, hyphenation, "U.S."/"US", number
formats ("1,000", "3.5bn", "five", "5 per cent"), and abbreviated titles ("Gen"/"General").
What was removed is returned, to be listed on the Answer. Quoted words are not judged here:
``rag.answer.cite`` verifies them against the sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

from rag.answer.cite import MARKER, find_quotes
from rag.lexicon import (
    COURTESY_TITLES,
    NUMBER_SCALES,
    NUMBER_WORDS,
    TITLE_FORMS,
)
from rag.text.sentences import answer_sentences, split_sentences
from rag.types import ClaimKind, Unsupported

_NAME_LABELS = frozenset(
    "PERSON ORG GPE NORP LOC FAC EVENT WORK_OF_ART LAW PRODUCT LANGUAGE".split()
)
_NUMBER_LABELS = frozenset("CARDINAL MONEY PERCENT QUANTITY".split())
_DATE_LABELS = frozenset("DATE TIME".split())
_MODIFIER_DEPS = frozenset("compound amod poss nmod det nummod case".split())
_DETERMINERS = frozenset("the a an".split())
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|%")


@dataclass(frozen=True)
class Evidence:
    """A cited text an answer may lean on. Its first ``context`` characters are the text
    before the cited span (shown to the model, not yet inside the citation)."""

    n: int
    text: str
    context: int = 0
    cited: bool = True  # False: shown to the model, not cited by the answer


@dataclass
class ClaimReport:
    """The answer text after the check, what was removed, the citations whose support lay
    in their context (to be widened over it), and the passages it cited for a claim."""

    text: str
    removed: list[Unsupported] = field(default_factory=list)
    widen: set[int] = field(default_factory=set)
    cited: set[int] = field(default_factory=set)  # passages whose [n] the check added


@dataclass(frozen=True)
class _Claim:
    kind: ClaimKind
    start: int
    end: int
    tokens: tuple[str, ...]
    person: str = ""  # descriptions: the described person's surname, normalised
    drop: tuple[int, int] = (0, 0)  # descriptions: the text to cut when unsupported


# --- normalised tokens ---------------------------------------------------------------------


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Normalised word tokens of ``text`` with their offsets."""
    text = text.replace("’", "'").replace("‘", "'")
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text):
        word = m.group(0).lower()
        if word == "%":
            word = "percent"
        elif word[0].isdigit():
            word = re.sub(r",(?=\d{3}\b)", "", word)
        elif re.fullmatch(r"(?:[^\W\d_]\.){2,}", word):
            word = word.replace(".", "")
        else:
            word = re.sub(r"'s$", "", word).replace("'", "")
            units = NUMBER_WORDS.get(word) or ("1" if word == "one" else "")
            if _compound_number(text, out, units, m.start()):  # "seventy-five"
                out[-1] = (str(int(out[-1][0]) + int(units)), out[-1][1], m.end())
                continue
            word = NUMBER_WORDS.get(word, word)
            if word in NUMBER_SCALES and out and out[-1][0][0].isdigit():
                word = NUMBER_SCALES[word]
            if word == "cent" and out and out[-1][0] == "per":
                out[-1] = ("percent", out[-1][1], m.end())
                continue
        if word:
            out.append((word, m.start(), m.end()))
    return out


def _compound_number(text: str, out: list[tuple[str, int, int]], word: str, at: int) -> bool:
    """True when ``word`` (a digit from 1 to 9) ends a hyphenated tens word."""
    if not (out and len(word) == 1 and word.isdigit() and word != "0"):
        return False
    tens, _, end = out[-1]
    return tens in {"20", "30", "40", "50", "60", "70", "80", "90"} and text[end:at] == "-"


def _title_form(word: str) -> str:
    return TITLE_FORMS.get(word, word)


class _Source:
    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.toks = tokens(evidence.text)
        self.words = [_title_form(w) for w, _, _ in self.toks]
        self.vocabulary = set(self.words)
        self.sentences = split_sentences(evidence.text)
        self.cited_vocabulary = {
            w for w, (_, a, _) in zip(self.words, self.toks, strict=True) if a >= evidence.context
        }

    def phrase(self, wanted: Sequence[str]) -> list[int]:
        """Character offsets where the token sequence ``wanted`` starts."""
        wanted = [_title_form(w) for w in wanted]
        n = len(wanted)
        return [
            self.toks[i][1]
            for i in range(len(self.words) - n + 1)
            if n and self.words[i : i + n] == wanted
        ]

    def near(self, at: int, word: str) -> bool:
        """True when ``word`` is in the sentence holding offset ``at``."""
        a, b = next(((a, b) for a, b in self.sentences if a <= at < b), (at, at + 1))
        return any(
            w == word and a <= x < b for w, (_, x, _) in zip(self.words, self.toks, strict=True)
        )

    def in_context(self, at: int) -> bool:
        return at < self.evidence.context


# --- finding claims ------------------------------------------------------------------------


def _protected(text: str) -> list[tuple[int, int]]:
    """Quotations (with their marks) and citation markers: not judged here."""
    spans = [(q.start - 1, q.end + 1) for q in find_quotes(text)]
    return spans + [m.span() for m in MARKER.finditer(text)]


def _inside(a: int, b: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(x <= a and b <= y for x, y in spans)


def _overlaps(a: int, b: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a < y and x < b for x, y in spans)


def _span_tokens(text: str, a: int, b: int) -> tuple[str, ...]:
    return tuple(w for w, _, _ in tokens(text[a:b]))


def _descriptions(doc: Doc, protected: list[tuple[int, int]]) -> list[_Claim]:
    """Descriptions attached to a person: modifiers before the name, an appositive, a
    'who is …' clause, or the noun a name stands in apposition to."""
    text = doc.text
    claims: list[_Claim] = []
    heads = {e.root.i: e for e in doc.ents if e.label_ == "PERSON"}
    for tok in doc:
        if (
            tok.pos_ == "PROPN"
            and tok.i not in heads
            and any(c.dep_ == "appos" for c in tok.children)
        ):
            heads[tok.i] = doc[tok.i : tok.i + 1]
    for i, name in heads.items():
        head = doc[i]
        if _inside(name.start_char, name.end_char, protected):
            continue
        surname = tokens(name.text)
        person = surname[-1][0] if surname else ""
        spans: list[tuple[int, int, int, int]] = []  # (desc start, end, drop start, end)
        before = [c for c in head.lefts if c.dep_ in _MODIFIER_DEPS and c.i < name.start]
        if before:
            left = min(c.left_edge.i for c in before)
            desc = [t for t in doc[left : name.start] if t.lower_ not in _DETERMINERS]
            if desc and not all(t.ent_type_ == "PERSON" for t in desc):
                start = doc[left].idx
                spans.append((desc[0].idx, _end(desc[-1]), start, name.start_char))
        for child in head.children:
            if child.dep_ == "appos" or (
                child.dep_ == "relcl" and any(g.dep_ in ("attr", "acomp") for g in child.children)
            ):
                core = child
                if child.dep_ == "relcl":
                    core = next(g for g in child.children if g.dep_ in ("attr", "acomp"))
                a, b = core.left_edge.i, core.right_edge.i
                while a <= b and doc[a].lower_ in _DETERMINERS:
                    a += 1
                if a > b:
                    continue
                spans.append((doc[a].idx, _end(doc[b]), *_comma_bounded(doc, child)))
        if head.dep_ == "appos" and head.head.pos_ in ("NOUN", "PROPN"):
            noun = head.head  # "the EU's chief, Kaja Kallas, said": the name is the appositive
            a = noun.left_edge.i
            while a <= noun.i and doc[a].lower_ in _DETERMINERS:
                a += 1
            if a <= noun.i:
                cut_end = head.left_edge.idx
                spans.append((doc[a].idx, _end(noun), noun.left_edge.idx, cut_end))
        for a, b, cut_a, cut_b in spans:
            if _overlaps(a, b, protected) or b <= a:
                continue
            claims.append(
                _Claim("description", a, b, _span_tokens(text, a, b), person, (cut_a, cut_b))
            )
    return claims


def _looks_like_a_name(tok: Token) -> bool:
    """A proper noun, or a capitalised word the parser took for another part of speech
    ("SCOTUS rulings"): mid-sentence, or an acronym anywhere."""
    text = tok.text
    if not text[:1].isupper() or text == "I":
        return False
    acronym = len(text) > 1 and text.isupper()
    return tok.pos_ == "PROPN" or acronym or not tok.is_sent_start


def _end(tok: Token) -> int:
    return int(tok.idx + len(tok.text))


def _comma_bounded(doc: Doc, child: Token) -> tuple[int, int]:
    """The text to cut for an appositive or clause: from the comma (or bracket) before it
    to the one after it, so 'X, the …, said' becomes 'X said'."""
    a, b = child.left_edge.i, child.right_edge.i
    start = doc[a].idx
    end = _end(doc[b])
    if a > 0 and doc[a - 1].text in (",", "("):
        start = doc[a - 1].idx
    if b + 1 < len(doc) and doc[b + 1].text in (",", ")"):
        end = _end(doc[b + 1])
        if doc[b + 1].text == "," and a > 0 and doc[a - 1].text != ",":
            end = doc[b + 1].idx
    return start, end


def _facts(doc: Doc, protected: list[tuple[int, int]]) -> list[_Claim]:
    """Names, numbers and dates outside quotations."""
    text = doc.text
    claims: list[_Claim] = []
    covered: set[int] = set()
    for ent in doc.ents:
        if _overlaps(ent.start_char, ent.end_char, protected):
            continue
        kind: ClaimKind | None = None
        if ent.label_ in _NAME_LABELS:
            kind = "name"
        elif ent.label_ in _NUMBER_LABELS:
            kind = "number"
        elif ent.label_ in _DATE_LABELS:
            kind = "date"
        if kind is None:
            continue
        covered.update(range(ent.start, ent.end))
        words = _span_tokens(text, ent.start_char, ent.end_char)
        if kind == "number":
            words = tuple(w for w in words if w[0].isdigit() or w in NUMBER_SCALES.values())
        elif kind == "date":  # "last week" claims nothing checkable; "Thursday", "2029" do
            words = tuple(
                w for w, a, _ in tokens(ent.text) if w[0].isdigit() or ent.text[a].isupper()
            )
        else:
            words = tuple(w for w in words if w not in _DETERMINERS)
        if words:
            claims.append(_Claim(kind, ent.start_char, ent.end_char, words))
    spans = [(doc[i].idx, _end(doc[i])) for i in covered]
    for tok in doc:
        if tok.i in covered or _overlaps(tok.idx, _end(tok), protected):
            continue
        word = tokens(tok.text)
        if word and _looks_like_a_name(tok):
            claims.append(_Claim("name", tok.idx, _end(tok), (word[0][0],)))
    for token, a, b in tokens(text):  # numbers the parser did not mark ("seventy-five")
        if token[0].isdigit() and not _overlaps(a, b, protected) and not _overlaps(a, b, spans):
            claims.append(_Claim("number", a, b, (token,)))
    return claims


# --- judging -------------------------------------------------------------------------------


def _supported(claim: _Claim, sources: Sequence[_Source]) -> tuple[_Source, bool] | None:
    """The first source holding the claim, and whether only its context part holds it."""
    wanted = [w for w in claim.tokens if w not in COURTESY_TITLES] or list(claim.tokens)
    for source in sources:
        hits = source.phrase(wanted)
        if claim.kind == "description":
            hits = [at for at in hits if source.near(at, claim.person)]
        if hits:
            return source, all(source.in_context(at) for at in hits)
        if claim.kind == "description":
            continue
        words = {_title_form(w) for w in wanted} if claim.kind == "name" else set(wanted)
        # A variant of a name ("Gen Barrons" for "General Sir Richard Barrons"), or a number
        # written differently ("€377 billion" for "377 billion euros").
        if words <= source.vocabulary:
            return source, not words <= source.cited_vocabulary
    return None


def check_claims(
    text: str, evidence: Sequence[Evidence], nlp: Language | None = None
) -> ClaimReport:
    """Drop unsupported descriptions of people and remove sentences with an unsupported
    name, number or date. ``evidence``: the passages the model was shown; a claim found
    only in one the answer does not cite gets that passage's [n] added to its sentence."""
    if not text.strip():
        return ClaimReport(text)
    if nlp is None:
        from rag.backends.nlp import load_nlp

        nlp = load_nlp()
    blanked = MARKER.sub(lambda m: " " * len(m.group(0)), text)
    doc = nlp(blanked)
    protected = _protected(text)
    sources = [_Source(e) for e in sorted(evidence, key=lambda e: not e.cited)]
    report = ClaimReport(text)
    sentences = answer_sentences(text)
    cite: dict[tuple[int, int], set[int]] = {}

    def sentence_of(at: int) -> tuple[int, int]:
        return next(((a, b) for a, b in sentences if a <= at < b), (at, at))

    def supported(claim: _Claim) -> bool:
        found = _supported(claim, sources)
        if found is None:
            return False
        source, context_only = found
        if context_only:
            report.widen.add(source.evidence.n)
        if not source.evidence.cited:
            cite.setdefault(sentence_of(claim.start), set()).add(source.evidence.n)
        return True

    cuts: list[tuple[int, int]] = []
    for claim in _descriptions(doc, protected):
        if not supported(claim):
            cuts.append(claim.drop)
            report.removed.append(
                Unsupported(
                    kind="description",
                    text=text[claim.start : claim.end],
                    sentence=text[slice(*sentence_of(claim.start))],
                    action="dropped",
                )
            )
    removed_sentences: list[tuple[int, int]] = []
    for claim in _facts(doc, protected):
        if _overlaps(claim.start, claim.end, cuts) or supported(claim):
            continue
        sentence = sentence_of(claim.start)
        if sentence not in removed_sentences:
            removed_sentences.append(sentence)
        report.removed.append(
            Unsupported(
                kind=claim.kind,
                text=text[claim.start : claim.end],
                sentence=text[slice(*sentence)],
                action="sentence removed",
            )
        )
    inserts = [
        _marker_at(text, span, numbers)
        for span, numbers in cite.items()
        if span not in removed_sentences
    ]
    report.cited = {
        n for span, numbers in cite.items() if span not in removed_sentences for n in numbers
    }
    report.text = _edit(text, cuts + removed_sentences, inserts)
    return report


def _marker_at(text: str, sentence: tuple[int, int], numbers: set[int]) -> tuple[int, str]:
    """Where to add citation markers to a sentence: after its markers if it has some, else
    before its final full stop, else at its end."""
    a, b = sentence
    markers = "".join(f"[{n}]" for n in sorted(numbers))
    body = text[a:b]
    trailing = re.search(r"(?:\[\d+\]\s*)+\.?$", body)
    if trailing:
        at = a + len(body.rstrip(".").rstrip())
        return at, markers
    if body.endswith("."):
        return b - 1, " " + markers
    return b, " " + markers


def _edit(text: str, cuts: Sequence[tuple[int, int]], inserts: Sequence[tuple[int, str]]) -> str:
    """``text`` without ``cuts`` and with ``inserts`` (position, text), tidied."""
    if not cuts and not inserts:
        return text
    keep = [True] * len(text)
    for a, b in cuts:
        for i in range(a, b):
            keep[i] = False
    before: dict[int, str] = {}
    for at, piece in inserts:
        before[at] = before.get(at, "") + piece
    out = []
    for i, ch in enumerate(text):
        out.append(before.get(i, ""))
        if keep[i]:
            out.append(ch)
    out.append(before.get(len(text), ""))
    result = "".join(out)
    result = re.sub(r"[ \t]+([,.;:!?])", r"\1", result)
    result = re.sub(r"[ \t]{2,}", " ", result)
    result = re.sub(r"^[\s,;:]+", "", result)
    return result.strip()
