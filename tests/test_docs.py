"""What the README and docs tell users to type exists: settings and Python names."""

from __future__ import annotations

import re

import pytest

import rag
from rag.settings import Settings
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_documented_settings_exist(doc) -> None:
    fields = {name.upper() for name in Settings.model_fields}
    named = set(re.findall(r"\bRAG_([A-Z][A-Z0-9_]*[A-Z0-9])\b", doc.read_text()))
    assert named - fields == set(), f"{doc.name} names settings that do not exist"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_documented_imports_exist(doc) -> None:
    for names in re.findall(r"^from rag import ([\w, ]+)", doc.read_text(), re.M):
        for name in (n.strip() for n in names.split(",")):
            assert callable(getattr(rag, name, None)), f"{doc.name}: rag.{name} is not callable"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_documented_paths_exist(doc) -> None:
    named = set(re.findall(r"`((?:rag|tests|scripts)/[\w/]+(?:\.py)?/?)`", doc.read_text()))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"{doc.name} names files that do not exist: {missing}"
