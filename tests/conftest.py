"""Shared fixtures: isolated settings, the fakes registered through the real registries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.backends.embed import register_embedder
from rag.backends.llm import register_chat_model
from rag.settings import Settings
from tests.fakes import HashEmbedder, QueuedChatModel

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_054a51117a7b1a50.txt"
SHARED = ROOT.parent / "shared"

# One fake chat model per test; the registry hands out the current one.
_CURRENT: dict[str, QueuedChatModel] = {}
register_chat_model("fake", lambda settings, on_status: _CURRENT["fake"])
register_embedder("hash", lambda settings: HashEmbedder())

for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RAG_LLM_BASE_URL", "RAG_LLM_API_KEY"):
    os.environ.pop(var, None)


@pytest.fixture
def fake_llm() -> QueuedChatModel:
    model = QueuedChatModel(replies=[], calls=[])
    _CURRENT["fake"] = model
    return model


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Fast settings: a fresh index in tmp_path, the hash embedder and the fake LLM (which
    the ledger's model step leaves alone at ingest unless a test turns it on)."""
    return Settings(
        home=tmp_path / "home", embedder="hash", llm="fake", seeds_dir=SEEDS, ledger_model=False
    )


@pytest.fixture
def real_settings(tmp_path: Path) -> Settings:
    """The user's defaults (MiniLM, the embedded model) with a fresh index in tmp_path."""
    return Settings(home=tmp_path / "home", seeds_dir=SEEDS)
