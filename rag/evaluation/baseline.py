"""The naive LangChain tutorial pipeline, kept as the yardstick ``rag bench`` measures against.

RecursiveCharacterTextSplitter(1000, 200) → LangChain's Chroma with the same embeddings →
similarity top-4 → the same chat model and prompt files. No hybrid retrieval, no quote
anchoring, no context sentences, no citation or quote checks.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag.answer.cite import is_abstention
from rag.backends.embed import Embedder
from rag.backends.prompts import load_prompt
from rag.backends.store import plain_vectorstore
from rag.evaluation.eval import Case, Prediction, Span
from rag.ingest.metadata import read_metadata_table
from rag.ingest.readers import discover, load_file

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
_MARKER = re.compile(r"\[(\d+)\]")


class NaivePipeline:
    """Split, embed, top-4, ask: what most RAG tutorials build."""

    def __init__(
        self,
        articles_dir: Path,
        home: Path,
        embedder: Embedder,
        llm: BaseChatModel,
        metadata: Path | None = None,
    ) -> None:
        self.llm = llm
        self.store = plain_vectorstore(home, "naive", embedder)
        if self.store._collection.count() == 0:
            self._index(articles_dir, metadata)

    def _index(self, articles_dir: Path, metadata: Path | None) -> int:
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        table = read_metadata_table(metadata) if metadata else None
        files, _ = discover([articles_dir])
        docs: list[Document] = []
        for path in files:
            articles, _ = load_file(path, 50_000_000, table)
            docs.extend(
                Document(page_content=a.text, metadata={"article_id": a.id, "title": a.title})
                for a in articles
            )
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        chunks = splitter.split_documents(docs)
        for lo in range(0, len(chunks), 256):
            self.store.add_documents(chunks[lo : lo + 256])
        return len(chunks)

    def predict(self, case: Case) -> Prediction:
        start = time.perf_counter()
        docs = self.store.similarity_search(case.question, k=TOP_K)
        passages = "\n\n".join(
            load_prompt("passage").format(n=n, context="", text=d.page_content)
            for n, d in enumerate(docs, 1)
        )
        abstain = load_prompt("abstain").template
        messages = [
            SystemMessage(load_prompt("system").format(abstain=abstain)),
            HumanMessage(load_prompt("question").format(passages=passages, question=case.question)),
        ]
        first: float | None = None
        parts: list[str] = []
        for chunk in self.llm.stream(messages):
            if first is None:
                first = time.perf_counter() - start
            parts.append(str(chunk.content))
        text = "".join(parts).strip()
        spans = [_span(d) for d in docs]
        cited = [int(n) for n in _MARKER.findall(text) if 1 <= int(n) <= len(docs)]
        return Prediction(
            text=text,
            abstained=is_abstention(text, abstain),
            citations=[spans[n - 1] for n in dict.fromkeys(cited)],
            support=[
                t
                for n in dict.fromkeys(cited)
                for t in (docs[n - 1].metadata.get("title", ""), docs[n - 1].page_content)
            ],
            passages=spans,
            latency=time.perf_counter() - start,
            ttft=first,
        )


def _span(doc: Any) -> Span:
    start = int(doc.metadata.get("start_index", 0))
    return Span(
        article_id=doc.metadata["article_id"], start=start, end=start + len(doc.page_content)
    )
