"""The real all-MiniLM-L6-v2 on onnxruntime, and the adapters LangChain and Chroma use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rag.backends.embed import LangChainEmbeddings, get_embedder
from rag.backends.store import Index
from rag.ingest.pipeline import ingest_paths
from rag.settings import Settings
from tests.conftest import ROOT, SEEDS


@pytest.fixture(scope="module")
def minilm():
    return get_embedder(Settings(embedder="minilm"))


# Published by sentence-transformers for all-MiniLM-L6-v2 (its STS usage example).
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("The cat sits outside", "The dog plays in the garden", 0.2838),
        ("A man is playing guitar", "A woman watches TV", -0.0327),
        ("The new movie is awesome", "The new movie is so great", 0.8939),
    ],
)
def test_matches_the_reference_model(minilm, a: str, b: str, expected: float) -> None:
    va, vb = minilm.embed([a, b])
    assert float(va @ vb) == pytest.approx(expected, abs=0.001)


def test_vectors_are_unit_length_and_independent_of_batch_padding(minilm) -> None:
    alone = minilm.embed(["Peace cannot mean capitulation."])[0]
    batch = minilm.embed(["Peace cannot mean capitulation.", "A much longer sentence " * 20])
    assert np.linalg.norm(alone) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(alone, batch[0], atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


def test_many_batches_of_mixed_lengths_keep_each_text_its_own_vector(minilm) -> None:
    """Texts are batched by token count across several batches; each vector still belongs
    to its own text, in the order given, whatever its neighbours' lengths."""
    words = "the minister said that peace cannot mean capitulation in Brussels".split()
    texts = [" ".join(words[: 1 + (7 * i) % len(words)]) * (1 + i % 4) for i in range(40)]
    assert len(texts) > 2 * minilm.batch_size
    together = minilm.embed(texts)
    alone = np.stack([minilm.embed([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_langchain_adapter(minilm) -> None:
    lc = LangChainEmbeddings(minilm)
    docs = lc.embed_documents(["one", "two"])
    assert len(docs) == 2 and len(docs[0]) == 384
    assert np.allclose(lc.embed_query("one"), docs[0], atol=1e-5)


def test_a_later_process_reopens_the_collection_with_its_embedding_function(
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path / "home", embedder="minilm")
    ingest_paths(Index(settings), [SEEDS], settings)
    script = textwrap.dedent(
        f"""
        import chromadb
        import rag.backends.store  # registers the embedding function by name
        client = chromadb.PersistentClient(path={str(settings.home / "chroma")!r})
        col = client.get_collection("news_chunks")  # no embedding function passed
        res = col.query(query_texts=["Peace cannot mean capitulation"], n_results=1)
        print(res["documents"][0][0])
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert "Peace cannot mean capitulation" in out.stdout
