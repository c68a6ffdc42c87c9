"""One person across articles: the ledger's speaker names that write the same person's name
("Gen Sir Richard Barrons", "Richard Barrons", "Barrons") merged, different people who share
a surname ("Bill Clinton", "Hillary Clinton") kept apart."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from rapidfuzz import fuzz, process

from rag.lexicon import NAME_PARTICLES, NAME_SPELLING_MIN_SCORE, NICKNAMES, SPELT_OUT_TITLES
from rag.text.names import strip_titles


@lru_cache(maxsize=1 << 16)
def name_words(name: str) -> tuple[str, ...]:
    """A person's name as compared: titles dropped, casefolded, accents folded, full stops
    and a possessive dropped, and an outlet's or country's possessive before the name
    ('Gen Jean-Noël Barrot' → ('jean-noel', 'barrot'); "Britain's Keir Starmer" → ('keir',
    'starmer'))."""
    text = unicodedata.normalize("NFKD", strip_titles(name).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = [w.strip(".,") for w in text.replace("’", "'").split()]
    words = [w for w in words if any(ch.isalpha() for ch in w)]
    while len(words) > 1 and (words[0].endswith("'s") or words[0] in SPELT_OUT_TITLES):
        words.pop(0)  # "Commentary's Noah Rothman", "Mister Rogers"
    return tuple(words)


def _given_names(words: Sequence[str]) -> list[str]:
    """The words of a name before its surname, without particles ('bill de blasio' →
    ['bill']; 'de blasio' → [], a surname alone)."""
    return [w for w in words[:-1] if w not in NAME_PARTICLES]


class LastWords:
    """The last words of names, to find the ones a name could match without comparing it
    with every name: only names whose last word is spelt alike can (see refers_to)."""

    def __init__(self, names: Iterable[tuple[int, str]]) -> None:
        self._by_last: dict[str, set[int]] = {}
        for key, name in names:
            words = name_words(name)
            if words:
                self._by_last.setdefault(words[-1], set()).add(key)
        self._keys = list(self._by_last)

    def near(self, name: str) -> set[int]:
        """The keys of the names whose last word is ``name``'s, or spelt alike."""
        words = name_words(name)
        if not words:
            return set()
        found = process.extract(
            words[-1],
            self._keys,
            scorer=fuzz.ratio,
            score_cutoff=NAME_SPELLING_MIN_SCORE,
            processor=None,
            limit=None,
        )
        keys = {words[-1], *(k for k, _, _ in found)}
        return {i for k in keys for i in self._by_last.get(k, ())}


def is_personal_name(name: str) -> bool:
    """A name as people's are written (every word capitalised but particles: 'Ursula von
    der Leyen'), not a description ('a senior official', 'the White House')."""
    words = strip_titles(name).split()
    return bool(words) and all(w[0].isupper() or w.lower() in NAME_PARTICLES for w in words)


def same_person(a: str, b: str) -> bool:
    """Whether two full names (two words or more) can write one person: the same surname
    (perhaps spelt two ways) and first names that agree, one perhaps an initial of the
    other ('R. Barrons', 'Richard Barrons'; not 'Mary Smith', 'John Smith')."""
    x, y = name_words(a), name_words(b)
    gx, gy = _given_names(x), _given_names(y)
    if not gx or not gy or not _spelled_alike(x[-1], y[-1]):
        return False
    return _given_names_agree(gx, gy)


def same_full_name(a: str, b: str) -> bool:
    """Whether two full names in one article write one person: as :func:`same_person`, and
    their first words agree too (an article writes a person's name whole, so a headline's
    'Hillary Clinton Slams Donald Trump' is not Donald Trump)."""
    x, y = _given_names(name_words(a)), _given_names(name_words(b))
    return bool(x and y) and _first_names_agree(x[0], y[0]) and same_person(a, b)


def _given_names_agree(x: Sequence[str], y: Sequence[str]) -> bool:
    """A first name of one is a first name of the other ('Donald', 'Billionaire Donald'),
    and the names after it, where both have one, agree too ('George W.' is not 'George
    H.W.')."""
    for i, a in enumerate(x):
        for j, b in enumerate(y):
            if i and j:  # one side's first given name must be in it ('John F.', 'Robert F.')
                continue
            if _first_names_agree(a, b):
                rest_x, rest_y = x[i + 1 :], y[j + 1 :]
                return not (rest_x and rest_y) or _first_names_agree(rest_x[0], rest_y[0])
    return False


def _spelled_alike(a: str, b: str) -> bool:
    """One surname, perhaps spelt two ways ('Barrons', 'Barons'; 'Zelensky', 'Zelenskyy')."""
    return a == b or (min(len(a), len(b)) > 3 and fuzz.ratio(a, b) >= NAME_SPELLING_MIN_SCORE)


def _first_names_agree(a: str, b: str) -> bool:
    """The same first name, an initial of it, or its short form ('Chuck', 'Charles')."""
    if a == b or NICKNAMES.get(a, a) == NICKNAMES.get(b, b):
        return True
    short, long = sorted((a, b), key=len)
    return len(short) == 1 and long.startswith(short)


def refers_to(query: str, name: str, mentions: Sequence[str] = ()) -> bool:
    """Whether ``query`` as someone asks it ('Gen Barrons', 'Hillary Clinton', 'barons')
    names the speaker the ledger calls ``name`` (written ``mentions`` in the articles). A
    surname alone, on either side, names anyone of that surname; two full names must be
    one person's (so 'Hillary Clinton' is not 'Bill Clinton', whom an article calls
    'Clinton'). A description ('a spokesman') is matched by its last word."""
    q, w = name_words(query), name_words(name)
    if not q or not w:
        return False
    if q == w:
        return True
    if not _given_names(q) or not _given_names(w) or not is_personal_name(name):
        # a two-letter surname ('Xi', 'Li') must be spelt the same; an initial never names
        return (
            q[-1] == w[-1] if len(q[-1]) == 2 else len(q[-1]) > 2 and _spelled_alike(q[-1], w[-1])
        )
    full = [m for m in mentions if _given_names(name_words(m))]
    return any(same_person(query, v) for v in (name, *full))


def merge_names(
    names: Sequence[str], mentions: Mapping[str, Iterable[str]] | None = None
) -> dict[str, str]:
    """Each of the ledger's speaker names (most quoted first) mapped to the one it merges
    into. Full names merge into the fullest name of the same person; a name that could be
    either of two people ('J. Smith' beside 'John Smith' and 'Jane Smith') stays apart. A
    surname alone merges into the one full name with that surname, when its own
    ``mentions`` (how the articles write that speaker) include the surname alone: 'Barrons' into
    'Richard Barrons', whom an article calls 'Gen Barrons'; not 'Biden' into 'Hunter
    Biden' when no article calls him 'Biden'."""
    written = mentions or {}
    order = {n: i for i, n in enumerate(names)}
    full = sorted(
        (n for n in names if is_personal_name(n) and _given_names(name_words(n))),
        key=lambda n: (_has_initial(n), -len(name_words(n)), order[n]),
    )
    out: dict[str, str] = {}
    heads: list[str] = []
    for n in full:
        matches = [h for h in heads if same_person(n, h)]
        out[n] = matches[0] if len(matches) == 1 else n
        if not matches:
            heads.append(n)
    for n in names:
        if n in out:
            continue
        words = name_words(n)
        holders = [h for h in heads if words and name_words(h)[-1] == words[-1]]
        if holders and not any(name_words(m) == words for m in written.get(holders[0], ())):
            holders = []  # no article calls them by the surname alone
        single = is_personal_name(n) and not _given_names(words) and len(holders) == 1
        out[n] = holders[0] if single else n
    return out


def _has_initial(name: str) -> bool:
    return any(len(w) == 1 for w in name_words(name))
