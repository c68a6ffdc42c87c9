"""Prompt templates, loaded by name from ``prompts/*.txt`` (package data) and filled strictly."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.errors import PromptError
from rag.settings import package_data

PROMPTS_DIR = package_data("prompts")


@dataclass(frozen=True)
class Prompt:
    """A ``str.format`` template; every field must be given, no other may be."""

    name: str
    template: str

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(
            f for _, f, _, _ in string.Formatter().parse(self.template) if f is not None
        )

    def format(self, **values: object) -> str:
        missing = self.fields - set(values)
        if missing:
            raise PromptError(f"prompt {self.name!r} needs {', '.join(sorted(missing))}")
        extra = set(values) - self.fields
        if extra:
            raise PromptError(f"prompt {self.name!r} has no field {', '.join(sorted(extra))}")
        return self.template.format(**values)


@lru_cache(maxsize=64)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    """The template ``prompts/<name>.txt`` (trailing newline removed)."""
    path = directory / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise PromptError(f"{path}: prompt file not found") from e
    try:
        list(string.Formatter().parse(text))
    except ValueError as e:
        raise PromptError(f"{path}: bad template ({e}); write literal braces as {{{{ }}}}") from e
    return Prompt(name, text.rstrip("\n"))
