"""One settings object. Every field has an environment override (prefix ``RAG_``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "rag-news"


def package_data(name: str) -> Path:
    """The folder of data shipped inside the package: ``prompts`` or ``seeds`` (the
    project's top-level folders, installed as ``rag.prompts`` and ``rag.seeds``)."""
    return Path(str(resources.files(f"rag.{name}")))


class Settings(BaseSettings):
    """Settings for the index, the embedder, retrieval and the LLM."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=None, extra="ignore", populate_by_name=True
    )

    # --- where things live -------------------------------------------------------------
    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)),
        description="Where the index lives (Chroma files, keyword index, server state).",
    )
    model_cache: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)) / "models",
        description="Where verified model files are assembled once and reused by every index.",
    )
    seeds_dir: Path = Field(
        default_factory=lambda: package_data("seeds"),
        description="Default corpus ingested by ask() when the index is empty.",
    )
    collection: str = Field(
        "news", description="Name prefix of the Chroma collections of this index."
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8000). Unset: embedded "
        "Chroma under RAG_HOME.",
    )

    # --- ingest and chunking -----------------------------------------------------------
    chunk_max_chars: int = Field(
        900, ge=100, description="Longest chunk; longer paragraphs split at sentence ends."
    )
    context_chars: int = Field(
        400, ge=0, description="Article text before a passage shown to the model as context."
    )
    max_file_mb: float = Field(20.0, gt=0, description="Larger article files are refused.")
    ledger: bool = Field(
        True,
        description="Extract who-said-what into the quote ledger at ingest (spaCy) and "
        "answer attribution questions from it first.",
    )
    parse_workers: int = Field(
        1,
        ge=0,
        description="Processes that parse articles for the ledger at ingest while this one "
        "embeds them (0: parse in the ingesting process, one step after the other).",
    )
    ledger_extractor: Literal["rules", "textacy"] = Field(
        "rules",
        description="Who-said-what extractor: this project's rules, or textacy's "
        "direct_quotations (for comparison; needs the 'compare' extra).",
    )
    ledger_model: bool = Field(
        True,
        description="At ingest, ask the LLM who said the quotations the rules cannot "
        "attribute, or that two nearby speakers could have said (a multiple-choice "
        "question over the names in the passage; cached). Off: such quotations stay "
        "unattributed, and ingest never calls the LLM.",
    )
    ledger_summary: bool = Field(
        True,
        description="Add one sentence by the LLM, checked against the records, to 'what has X "
        "said about Z' answers over several records. Every other attribution answer is "
        "composed from the ledger's records alone, without the LLM.",
    )

    # --- the web -----------------------------------------------------------------------
    fetch_timeout: float = Field(
        30.0, gt=0, description="Seconds one web page may take, from connect to last byte."
    )
    fetch_max_mb: float = Field(
        5.0, gt=0, description="Larger web responses are refused (read as a stream)."
    )
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed per request.")
    fetch_allow_private: bool = Field(
        False,
        description="Fetch loopback, link-local and private addresses too. Off: such URLs are "
        "refused, checked after DNS resolution and after every redirect.",
    )

    watch_host_delay: float = Field(
        1.0,
        ge=0,
        description="Seconds between two requests to one host when polling feeds "
        "(longer when its robots.txt asks for a crawl delay).",
    )
    watch_max_items: int = Field(
        50,
        ge=1,
        description="New or changed items indexed per feed per poll (the rest wait "
        "for the next poll).",
    )

    # --- embeddings ---------------------------------------------------------------------
    embedder: str = Field(
        "minilm",
        description="Embedder name: 'minilm' (all-MiniLM-L6-v2 on onnxruntime) or one "
        "registered with rag.backends.embed.register_embedder.",
    )
    embed_batch_size: int = Field(
        16, ge=1, description="Texts per embedding batch (texts of similar token counts)."
    )
    embed_threads: int = Field(
        0, ge=0, description="Embedding batches run at once; 0 = one per core this process may use."
    )

    # --- retrieval ----------------------------------------------------------------------
    retrieval: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="hybrid = dense + BM25 fused by reciprocal rank."
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages put in front of the model.")
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are refused (they would crowd out passages)."
    )
    candidates: int = Field(30, ge=1, description="Candidates per retriever before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    min_similarity: float = Field(
        0.15,
        description="Dense passages below this cosine similarity count as irrelevant unless "
        "keyword search also finds them.",
    )

    # --- quote checking ('rag check') --------------------------------------------------
    check_min_overlap: float = Field(
        0.5,
        gt=0,
        le=1,
        description="A claimed quotation is compared with the ledger's quotations that hold "
        "at least this share of its words.",
    )
    check_min_similarity: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Word similarity (0–1) from which a quotation counts as the claim's "
        "original, said in other words; when no quotation reaches it, the claim is compared by "
        "meaning (check_min_meaning).",
    )
    check_min_meaning: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Cosine similarity of meaning (the embedder's) from which a quotation "
        "that shares too few words with the claim still counts as its original, reworded; "
        "below it, the claim is not found. Calibrated in docs/evaluation.md.",
    )
    check_min_nearest: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A claim that is not found is shown with the quotation closest to it in "
        "meaning (the claimed speaker's, when one is named) from this similarity up, marked as "
        "not close enough to count; 1 shows none.",
    )

    # --- LLM ----------------------------------------------------------------------------
    llm: str = Field(
        "auto",
        description="'auto' (a configured endpoint if any, else the embedded model), "
        "'openai' (the configured endpoint), 'embedded', or a registered chat-model name.",
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("RAG_LLM_BASE_URL", "OPENAI_BASE_URL", "llm_base_url"),
        description="OpenAI-compatible endpoint (RAG_LLM_BASE_URL or OPENAI_BASE_URL).",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("RAG_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key"),
        description="API key for the endpoint (RAG_LLM_API_KEY or OPENAI_API_KEY). Never logged.",
    )
    llm_model: str | None = Field(
        None,
        description="Model name at the endpoint; default gpt-4o-mini for a hosted endpoint, "
        "the bundled Qwen2.5-Coder-1.5B-Instruct for the embedded one.",
    )
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    llm_max_tokens: int = Field(384, ge=16, description="Longest answer, in tokens.")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds to wait for one LLM reply.")
    llm_max_retries: int = Field(2, ge=0, description="Retries of a failed LLM request.")

    # --- the web page -------------------------------------------------------------------
    ui_auth: SecretStr | None = Field(
        None,
        description="'user:password' for the page; required to bind anywhere but 127.0.0.1.",
    )
    ui_concurrency: int = Field(1, ge=1, description="Questions answered at once by the page.")
    ui_queue_size: int = Field(
        64, ge=1, description="Questions waiting before new ones are refused with a 'busy' message."
    )

    # --- embedded model server ----------------------------------------------------------
    server_port: int = Field(0, ge=0, description="Port of the embedded server; 0 = any free.")
    server_ctx: int = Field(4096, ge=512, description="Context window of the embedded model.")
    server_threads: int = Field(0, ge=0, description="llama.cpp threads; 0 = all cores.")
    server_start_timeout: float = Field(
        300.0, gt=0, description="Seconds to wait for the embedded server to answer."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
