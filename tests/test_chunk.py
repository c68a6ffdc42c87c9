from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.chunk import chunk_text
from rag.text.sentences import paragraph_spans, split_sentences
from tests.conftest import SEED_FILE

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü’'", min_size=1, max_size=12)
FIRST = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
SENTENCE = st.builds(
    lambda first, words, end: " ".join([first.capitalize(), *words]) + end,
    FIRST,
    st.lists(WORD, max_size=40),
    st.sampled_from([".", "!", "?", ".”", "…", ""]),
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=8).map(" ".join)
ARTICLE = st.builds(
    lambda paras, seps: "".join(p + s for p, s in zip(paras, seps, strict=False)),
    st.lists(PARAGRAPH, min_size=1, max_size=10),
    st.lists(st.sampled_from(["\n", "\n\n", "\r\n", "  \n", "\n \n"]), min_size=10, max_size=10),
)


@settings(max_examples=150, deadline=None)
@given(ARTICLE, st.integers(min_value=100, max_value=1500))
def test_every_chunk_is_the_exact_article_span(text: str, max_chars: int) -> None:
    chunks = chunk_text("a", text, max_chars)
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert len(c.text) <= max_chars
    # In order, not overlapping, and every non-space character is in some chunk.
    for a, b in itertools.pairwise(chunks):
        assert a.end <= b.start
    covered = "".join(c.text for c in chunks)
    assert "".join(covered.split()) == "".join(text.split())
    assert [c.index for c in chunks] == list(range(len(chunks)))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(SENTENCE.filter(lambda s: s[-1] in ".!?”…" and len(s) <= 200), min_size=2, max_size=30)
)
def test_long_paragraphs_are_cut_between_sentences(sentences: list[str]) -> None:
    text = " ".join(sentences)
    ends = {s_end for _, s_end in split_sentences(text)}
    for c in chunk_text("a", text, 200):
        assert c.end in ends, f"chunk ends mid-sentence: {c.text[-30:]!r}"


def test_sentence_split_respects_abbreviations_and_quotes() -> None:
    text = (
        "Mr. Whitaker met Gen. Kellogg in the U.S. on Monday. “It was fine,” he said. Then he left!"
    )
    sentences = [text[a:b] for a, b in split_sentences(text)]
    assert sentences == [
        "Mr. Whitaker met Gen. Kellogg in the U.S. on Monday.",
        "“It was fine,” he said.",
        "Then he left!",
    ]


def test_headings_join_the_paragraph_they_introduce() -> None:
    text = "Brussels alarm\nThe alarm grew. Ministers met.\nGerman Nato\nA general looked shocked."
    paras = [text[a:b] for a, b in paragraph_spans(text)]
    assert paras == [
        "Brussels alarm\nThe alarm grew. Ministers met.",
        "German Nato\nA general looked shocked.",
    ]


def test_seed_article_chunks_are_paragraphs() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    chunks = chunk_text("seed", text, 900)
    barrot = [c for c in chunks if "Peace cannot mean capitulation" in c.text]
    assert len(barrot) == 1
    assert barrot[0].text.startswith("Her view was echoed by France’s Foreign Minister")
    assert all(text[c.start : c.end] == c.text for c in chunks)
