"""The small error family users see. The CLI turns each into a one-line message."""

from __future__ import annotations


class RagError(Exception):
    """Base of every error meant for a user, not a traceback."""


class InputError(RagError):
    """An article file or record that cannot be read; names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        return type(self), (self.path, self.problem)  # (it can cross from a worker process)


class ConfigError(RagError):
    """A setting or an installation problem the user can fix."""


class ModelError(RagError):
    """A local model file is missing, damaged or cannot be loaded."""


class LLMError(RagError):
    """The LLM endpoint could not be reached or answered badly."""


class PromptError(RagError):
    """A prompt file is missing or was formatted with missing variables."""


class QuestionError(RagError):
    """A question that cannot be asked as it is (empty, or too long)."""


class NotFoundError(RagError):
    """An article id that is not in the index."""
