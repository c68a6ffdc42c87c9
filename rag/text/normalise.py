"""Text normalisation shared by quote checking and quote lookup."""

from __future__ import annotations

_TABLE = {"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}


def normalise(text: str) -> tuple[str, list[int]]:
    """Casefolded text with quotes, dashes and spaces unified, and the map back to offsets."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        ch = _TABLE.get(ch, ch)
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        lower = ch.lower()
        out.append(lower if len(lower) == 1 else ch)  # keep one char per offset
        where.append(i)
    return "".join(out), where
