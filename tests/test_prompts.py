from __future__ import annotations

from pathlib import Path

import pytest

from rag.backends.prompts import PROMPTS_DIR, load_prompt
from rag.errors import PromptError


def test_every_prompt_file_loads() -> None:
    names = sorted(p.stem for p in PROMPTS_DIR.glob("*.txt"))
    assert names == [
        "abstain",
        "abstain_answer",
        "context",
        "ledger_question",
        "ledger_row",
        "ledger_system",
        "passage",
        "question",
        "rewrite",
        "speaker_question",
        "speaker_system",
        "system",
    ]
    for name in names:
        assert load_prompt(name).template.strip()


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(PromptError, match="needs question"):
        load_prompt("question").format(passages="[1] x")


def test_unknown_variable_is_an_error() -> None:
    with pytest.raises(PromptError, match="no field colour"):
        load_prompt("context").format(context="x", colour="red")


def test_values_with_braces_are_not_reinterpreted() -> None:
    text = load_prompt("context").format(context="a {curly} passage")
    assert "{curly}" in text


def test_missing_prompt_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="not found"):
        load_prompt("nope", tmp_path)


def test_bad_template_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text("unclosed {brace")
    with pytest.raises(PromptError, match="bad template"):
        load_prompt("bad", tmp_path)
