"""Split article text into paragraph chunks on sentence boundaries, keeping exact offsets.

Every chunk satisfies ``text[chunk.start:chunk.end] == chunk.text``. A paragraph is one
chunk unless it is longer than ``max_chars``; then it is cut between sentences. Short
heading lines (no closing punctuation) are joined to the paragraph that follows them.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.text.sentences import paragraph_spans, split_sentences, trim
from rag.types import Chunk

# Bump when chunk boundaries change: every article is re-chunked on its next ingest.
CHUNKER_VERSION = 1


def chunk_text(article_id: str, text: str, max_chars: int = 900) -> list[Chunk]:
    """Chunks of ``text`` for the article ``article_id``."""
    spans: list[tuple[int, int]] = []
    for start, end in paragraph_spans(text):
        spans.extend(_pack(text, start, end, max_chars))
    return [
        Chunk(article_id=article_id, index=i, start=a, end=b, text=text[a:b])
        for i, (a, b) in enumerate(spans)
    ]


def _pack(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Greedily pack whole sentences of one paragraph into spans of at most max_chars."""
    if end - start <= max_chars:
        yield start, end
        return
    current: tuple[int, int] | None = None
    for s_start, s_end in split_sentences(text, start, end):
        for piece in _split_long(text, s_start, s_end, max_chars):
            if current is None:
                current = piece
            elif piece[1] - current[0] <= max_chars:
                current = (current[0], piece[1])
            else:
                yield current
                current = piece
    if current is not None:
        yield current


def _split_long(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """A sentence longer than max_chars is cut at the last space before the limit."""
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        yield trim(text, start, cut)
        start = trim(text, cut, end)[0]
    if start < end:
        yield start, end
