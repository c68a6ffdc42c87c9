"""The folders of rag/ are layers: each imports only the ones below it, and only the store
talks to Chroma."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

# What each layer may import from rag (besides types, lexicon, settings and errors).
ALLOWED = {
    "text": set(),
    "backends": {"text"},
    "ledger": {"text", "backends"},
    "ingest": {"text", "backends", "ledger"},
    "answer": {"text", "backends", "ledger"},
    "evaluation": {"text", "backends", "ledger", "ingest", "answer", "api"},
}
SHARED = {"types", "lexicon", "settings", "errors"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((ROOT / "rag" / layer).glob("*.py")):
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] != "rag" or len(parts) < 2 or parts[1] in {layer, *SHARED}:
                    continue
                if parts[1] not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, wrong


def test_only_the_store_talks_to_chroma() -> None:
    talking = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "rag").rglob("*.py")
        if any(m.split(".")[0] in {"chromadb", "langchain_chroma"} for m in _imports(path))
    )
    assert talking == ["rag/backends/store.py"]
