from __future__ import annotations

from pathlib import Path

import pytest

from rag.backends.llm import describe_llm, resolve_endpoint, uses_embedded
from rag.settings import Settings


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_env_overrides_with_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_HOME", str(tmp_path / "idx"))
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_RETRIEVAL", "dense")
    monkeypatch.setenv("RAG_CHUNK_MAX_CHARS", "500")
    s = Settings()
    assert (s.home, s.top_k, s.retrieval, s.chunk_max_chars) == (tmp_path / "idx", 7, "dense", 500)


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL", "magic")
    with pytest.raises(ValueError, match="retrieval"):
        Settings()


def test_default_home_is_a_per_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_HOME", raising=False)
    assert "rag-news" in str(Settings().home)


def test_no_endpoint_configured_means_the_embedded_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RAG_LLM_BASE_URL", "RAG_LLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert uses_embedded(s)
    assert "embedded" in describe_llm(s)


def test_openai_variables_select_that_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://llm.example:8000/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("RAG_LLM_MODEL", "my-model")
    s = Settings()
    assert not uses_embedded(s)
    endpoint = resolve_endpoint(s)
    assert (endpoint.kind, endpoint.base_url, endpoint.model) == (
        "remote",
        "http://llm.example:8000/v1",
        "my-model",
    )
    assert endpoint.api_key == "sk-secret-value"
    # The key never shows in what is printed or logged.
    assert "sk-secret-value" not in repr(s) and "sk-secret-value" not in describe_llm(s)
    assert "sk-secret-value" not in endpoint.describe() and "sk-secret" not in repr(endpoint)


def test_rag_variables_win_over_openai_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://a/v1")
    monkeypatch.setenv("RAG_LLM_BASE_URL", "http://b/v1")
    assert Settings().llm_base_url == "http://b/v1"
