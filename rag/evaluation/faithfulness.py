"""The evaluation's own faithfulness check: does an answer say, outside quotation marks,
anything the passages it cites do not?

Written for ``rag eval`` and deliberately independent of the product's claim checker
(``rag.answer.claims``), so it can catch that checker's misses. It is simple on purpose:

- names: capitalised words (a sentence's first word only when the corpus never writes it in
  lower case), each looked for in the cited text;
- numbers: digit groups, commas ignored;
- person descriptions: "Name, the/a/an …," / "Name, who is/was …," / "Name (…)": the
  description's words must appear as one phrase in the cited text (``unsupported``), and in
  the article within ``NEAR`` characters of the person's surname (``role_ok``).

Case, possessives, hyphens and "U.S."/"US" are normalised away before any comparison.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

NEAR = 300
# Its own rule for what is quoted (the evaluation's check must not share the product's).
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|''.*?''|‘[^’]*\s[^’]*’")
_MARKERS = re.compile(r"\[\d+\]")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w’'.\-]*|\d[\d,.]*\w*")
_NAME = r"[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'.\-]+)*"
_DESC = r"(?![^,]*\bthat\b)[^,;:()“”\"\[\]]{3,90}?"  # "said that …" is no description
_DESCRIPTIONS = [
    re.compile(rf"(?P<name>{_NAME}),\s+(?:the|a|an)\s+(?P<desc>{_DESC}),"),
    # Without an article, only when a lower-case verb follows: "X, France’s minister, said".
    re.compile(
        rf"(?P<name>{_NAME}),\s+(?!(?:the|a|an|who)\s)"
        rf"(?P<desc>(?=[^,]*(?:\b[a-z]|’s|'s)){_DESC}),\s+[a-z]"
    ),
    re.compile(
        rf"(?P<name>{_NAME}),\s+who\s+(?:is|was|has been|had been|serves as|served as)\s+"
        r"(?:the\s+|a\s+|an\s+)?(?P<desc>[^,;:()“”\"\[\]]{3,90}?),"
    ),
    re.compile(rf"(?P<name>{_NAME})\s+\((?:the\s+|a\s+|an\s+)?(?P<desc>[^()“”\"\[\]]{{3,90}})\)"),
]
_SENTENCE_END = re.compile(r"(?:^|[.!?][\"”’')\]]*|\n)$")


def plain(text: str) -> str:
    """Casefolded words only: possessives, dots of abbreviations ("U.S." = "US"), commas
    in numbers and hyphens removed."""
    text = text.replace("’", "'").replace("‘", "'").lower()
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", "") + " ", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text).replace("%", " percent")
    text = re.sub(r"[^\w.]+|(?<!\d)\.|\.(?!\d)", " ", text)
    return " ".join(text.split())


def outside_quotes(text: str) -> str:
    """The answer with quoted words and citation markers blanked (offsets kept)."""
    text = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    return _MARKERS.sub(lambda m: " " * len(m.group(0)), text)


@dataclass
class Faithfulness:
    """What the check found in one answer."""

    unsupported: list[str] = field(default_factory=list)
    descriptions: list[tuple[str, str]] = field(default_factory=list)  # (person, description)
    role_ok: bool | None = None


def check(
    answer: str,
    cited: Iterable[str],
    article: str = "",
    lowercase_words: frozenset[str] = frozenset(),
) -> Faithfulness:
    """Names, numbers and person descriptions of ``answer`` not in the ``cited`` texts;
    ``role_ok`` when the answer describes someone: is each description in ``article``
    near that person's surname. ``lowercase_words``: words the corpus writes in lower
    case (a sentence's first word among them is not a name)."""
    support = f" {plain(' '.join(cited))} "
    words = set(support.split())
    text = outside_quotes(answer)
    result = Faithfulness()
    for m in _WORD.finditer(text):
        word = m.group(0).rstrip(",-'’")
        if not word:
            continue
        if word[0].isdigit():
            number = plain(word)
            if number and number not in words:
                result.unsupported.append(word)
            continue
        if not word[0].isupper() or word == "I":
            continue
        if starts_sentence(answer, m.start()) and plain(word) in lowercase_words:
            continue
        key = plain(word)
        if key and not all(part in words for part in key.split()):
            result.unsupported.append(word)
    written = _MARKERS.sub(lambda m: " " * len(m.group(0)), answer)  # quotes kept, offsets too
    for pattern in _DESCRIPTIONS:
        for m in pattern.finditer(text):
            # The description as the answer writes it: a quotation inside it ('Springfield,
            # called the “Gem City” by locals,') is part of the phrase looked for.
            name, desc = m.group("name"), written[m.start("desc") : m.end("desc")].strip()
            result.descriptions.append((name, desc))
            if f" {plain(desc)} " not in support:
                result.unsupported.append(desc)
    if result.descriptions and article:
        result.role_ok = all(described_near(article, n, d) for n, d in result.descriptions)
    result.unsupported = list(dict.fromkeys(result.unsupported))
    return result


def starts_sentence(text: str, at: int) -> bool:
    """True when ``text[at:]`` begins a sentence (markers and closing quotes skipped)."""
    before = _MARKERS.sub("", text[:at]).rstrip()
    return bool(_SENTENCE_END.search(before))


def described_near(article: str, name: str, description: str) -> bool:
    """True when ``description`` is written in ``article`` within ``NEAR`` characters of
    the surname of ``name``."""
    surname = re.sub(r"[’']s?$", "", name.split()[-1])  # Trump’s, Sanders’
    wanted = f" {plain(description)} "
    for m in re.finditer(rf"\b{re.escape(surname)}\b", article):
        window = article[max(0, m.start() - NEAR) : m.end() + NEAR]
        if wanted in f" {plain(window)} ":
            return True
    return False


def lowercase_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Words written in lower case somewhere in ``texts``."""
    return frozenset(
        plain(w) for t in texts for w in re.findall(r"\b[a-z][a-z’'\-]*\b", t) if plain(w)
    )
