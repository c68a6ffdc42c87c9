"""Who-said-what question answering over news articles, with verified citations.

from rag import ask
answer = ask('Who said "Peace cannot mean capitulation"?')
answer.text, answer.citations, answer.abstained
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# This package never downloads models or reports telemetry.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

if TYPE_CHECKING:
    from rag.answer.check import QuoteVerdict
    from rag.api import Engine, ask, check, get_chain, list_quotes, list_speakers
    from rag.types import Answer, Article, Citation, Passage, Quote, QuoteCheck, SearchFilter

__all__ = [
    "Answer",
    "Article",
    "Citation",
    "Engine",
    "Passage",
    "Quote",
    "QuoteCheck",
    "QuoteVerdict",
    "SearchFilter",
    "ask",
    "check",
    "get_chain",
    "list_quotes",
    "list_speakers",
]

_LAZY = {
    "ask": "rag.api",
    "check": "rag.api",
    "QuoteVerdict": "rag.answer.check",
    "list_quotes": "rag.api",
    "list_speakers": "rag.api",
    "Quote": "rag.types",
    "get_chain": "rag.api",
    "Engine": "rag.api",
    "SearchFilter": "rag.types",
    "Answer": "rag.types",
    "Article": "rag.types",
    "Citation": "rag.types",
    "Passage": "rag.types",
    "QuoteCheck": "rag.types",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
