"""The Python API: an Engine owns one index and its chain; ``ask()`` uses a shared one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.runnables import Runnable

if TYPE_CHECKING:
    from rag.ingest.feeds import Politeness, PollResult

from rag.answer.check import CheckThresholds, QuoteVerdict, check_quote
from rag.answer.check_answer import compose_check, verdict_answer
from rag.answer.conversation import Turn
from rag.answer.provenance import with_edits
from rag.answer.retrieve import Retriever
from rag.backends.feed_state import FeedState
from rag.backends.keyword import KeywordIndex
from rag.backends.llm import StatusFn, chat_model
from rag.backends.store import Index
from rag.errors import ConfigError, NotFoundError, QuestionError
from rag.ingest.pipeline import IngestReport, ProgressFn, ingest_paths, ingest_urls, is_url
from rag.ledger.read import Ledger, Speaker, SpeakerPage
from rag.settings import Settings, get_settings
from rag.types import (
    Answer,
    AnswerChunk,
    Article,
    ArticleInfo,
    ArticleVersion,
    Feed,
    LLMStatus,
    Quote,
    SearchFilter,
)

log = logging.getLogger(__name__)


def _log_status(message: str) -> None:
    log.warning(message)


class Engine:
    """One index (RAG_HOME), its retriever, and the answer chain over it."""

    def __init__(self, settings: Settings | None = None, on_status: StatusFn = _log_status) -> None:
        self.settings = settings or get_settings()
        self.on_status = on_status
        self._lock = threading.RLock()
        self._corpus_lock = threading.Lock()  # one indexing of seeds/, the others wait for it
        self._index: Index | None = None
        self._retriever: Retriever | None = None
        self._chain: Runnable[Any, AnswerChunk] | None = None
        self._ledger: Ledger | None = None
        self._llm: BaseChatModel | None = None
        self._llm_lock = threading.Lock()  # starting the model does not hold up the index
        self._llm_state = LLMStatus()
        self._feed_state: FeedState | None = None
        self._politeness: Politeness | None = None  # robots.txt and pauses, kept between polls

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index(self.settings)
            return self._index

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever.for_index(self.index, KeywordIndex(self.index))
            return self._retriever

    @property
    def ledger(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                self._ledger = Ledger(self.index)
            return self._ledger

    @property
    def chain(self) -> Runnable[Any, AnswerChunk]:
        """request → ledger or retriever → answer. The chat model is started by the first
        question that needs it (ledger answers do not)."""
        with self._lock:
            if self._chain is None:
                from rag.answer.chain import build_chain

                self._chain = build_chain(
                    self.retriever,
                    self.llm,
                    self.ledger if self.settings.ledger else None,
                    self.settings.ledger_summary,
                    CheckThresholds.of(self.settings),
                    self.index.meaning_similarity,
                )
            return self._chain

    def llm(self) -> BaseChatModel:
        """The chat model the settings select (starting the local server if needed)."""
        with self._llm_lock:
            if self._llm is None:
                self._llm_state = LLMStatus(state="starting")
                try:
                    self._llm = chat_model(self.settings, self.on_status)
                except Exception as e:
                    self._llm_state = LLMStatus(state="error", detail=str(e))
                    raise
                self._llm_state = LLMStatus(state="ready")
            return self._llm

    # --- the model, for long-running hosts (the UI) ------------------------------------------

    def warm_up(self) -> threading.Thread:
        """Open the index and start the LLM in the background; the caller stays responsive."""

        def run() -> None:
            try:
                self.ensure_corpus()
                self.llm()  # starts the local server
            except Exception as e:  # reported through llm_status
                log.warning("warm-up failed: %s", e)

        thread = threading.Thread(target=run, name="rag-warm-up", daemon=True)
        thread.start()
        return thread

    @property
    def llm_status(self) -> LLMStatus:
        """Where the model is: not started, starting, ready, or failed (with why)."""
        return self._llm_state

    def describe(self) -> dict[str, str]:
        """What this engine uses, secret-free, for people to read."""
        from rag.backends.llm import describe_llm

        s = self.settings
        return {
            "LLM": describe_llm(s),
            "LLM status": str(self.llm_status),
            "Embedder": "all-MiniLM-L6-v2 (onnxruntime)" if s.embedder == "minilm" else s.embedder,
            "Index": s.chroma_url or str(s.home / "chroma"),
            "Retrieval": f"{s.retrieval}, top {s.top_k}",
            "Quote ledger": f"{'on' if s.ledger else 'off'} ({s.ledger_extractor}; answers "
            f"composed from records{', summaries by the LLM' if s.ledger_summary else ''})",
            "Model cache": str(s.model_cache),
        }

    def vectorstore(self) -> Any:
        """The chunks as a LangChain ``Chroma`` vector store (same collection, same embedder),
        for code that expects a standard LangChain VectorStore."""
        return self.index.vectorstore()

    # --- the corpus ----------------------------------------------------------------------

    def ingest(
        self,
        sources: Sequence[Path | str],
        progress: ProgressFn | None = None,
        metadata: dict[str, dict[str, str]] | None = None,
    ) -> IngestReport:
        """Index files, folders and web pages (``http(s)://`` URLs)."""
        urls = [str(s) for s in sources if isinstance(s, str) and is_url(s)]
        paths = [Path(s) for s in sources if not (isinstance(s, str) and is_url(s))]
        report = IngestReport()
        if paths or not urls:
            report = ingest_paths(self.index, paths, self.settings, progress, metadata)
        if urls:
            report.absorb(ingest_urls(self.index, urls, self.settings, progress))
        self._catch_up_keyword()
        return report

    def ensure_corpus(self) -> IngestReport | None:
        """Index the default corpus (seeds/) when the index is empty; a caller arriving while
        another is doing it waits for it to finish."""
        if self.index.count_articles():
            return None
        with self._corpus_lock:
            if self.index.count_articles():
                return None
            seeds = self.settings.seeds_dir
            if not seeds.is_dir():
                raise ConfigError(f"the index is empty and the default corpus {seeds} is missing")
            self.on_status(f"The index is empty: indexing the default corpus in {seeds}…")
            return self.ingest([seeds])

    def list_articles(self) -> list[ArticleInfo]:
        return self.index.list_articles()

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """The articles with these ids that the index holds, by id."""
        return self.index.get_articles(list(article_ids))

    def get_article(self, article_id: str) -> Article:
        return self.index.get_article(article_id)

    # --- feeds ----------------------------------------------------------------------------

    @property
    def feed_state(self) -> FeedState:
        if self._feed_state is None:
            self._feed_state = FeedState(self.settings.home / "feeds.sqlite")
        return self._feed_state

    def add_feed(self, url: str) -> Feed:
        """Follow an RSS/Atom feed, a sitemap, or the feed a page links to."""
        from rag.ingest.feeds import add_feed

        return add_feed(url, self.feed_state, self.settings)

    def feeds(self) -> list[Feed]:
        return self.feed_state.feeds()

    def remove_feed(self, url: str) -> None:
        if not self.feed_state.remove(url):
            raise NotFoundError(f"no feed {url!r} is followed (rag feeds list shows them)")

    def poll_feeds(
        self, every: float, force: bool = False, progress: ProgressFn | None = None
    ) -> list[PollResult]:
        """Poll the feeds that are due (all when ``force``), indexing new and changed items."""
        from rag.ingest.feeds import Politeness, poll_due

        if self._politeness is None:
            self._politeness = Politeness(self.settings)
        results = poll_due(
            self.index, self.feed_state, self.settings, every, force, progress, self._politeness
        )
        self._catch_up_keyword()
        return results

    def versions(self, article_id: str) -> list[ArticleVersion]:
        """The earlier texts of an article that changed since it was first indexed."""
        return self.index.versions(article_id)

    def remove(self, article_id: str) -> None:
        self.index.remove(article_id)
        self._catch_up_keyword()

    def _catch_up_keyword(self) -> None:
        """Bring the keyword index up to date now, so the next question does not wait for it.
        What was written is safe either way: a failure here is retried by the next query."""
        try:
            self.retriever.keyword.refresh()
        except Exception as e:
            log.warning("the keyword index will catch up on the next question: %s", e)

    # --- the quote ledger -----------------------------------------------------------------

    def quotes(self, speaker: str = "", article_id: str = "") -> list[Quote]:
        """Ledger rows, optionally one speaker's (any name variant) or one article's."""
        self.ensure_corpus()
        ids = [article_id] if article_id else []
        return [r.quote for r in self.ledger.quotes(speaker, ids)]

    def speaker(self, name: str) -> list[SpeakerPage]:
        """The people ``name`` refers to (one, or several who share a surname asked alone),
        each with every quotation of theirs across articles, by date."""
        self.ensure_corpus()
        return self.ledger.speaker_pages(name)

    def speakers(self, article_id: str = "") -> list[Speaker]:
        """People and sources in the ledger, most quoted first."""
        self.ensure_corpus()
        return self.ledger.speakers([article_id] if article_id else [])

    def check(
        self, claim: str, speaker: str = "", filters: SearchFilter | None = None
    ) -> QuoteVerdict:
        """Was ``claim`` said (by ``speaker``, if named), in those words? One verdict, with
        the ledger's quotations that show it, and every article that prints it, earliest
        first, with how its earlier versions printed it when they differ."""
        claim = self.check_question(claim)
        self.ensure_corpus()
        ids = self.retriever.articles_matching(filters) if filters else None
        if ids == []:  # the filters allow no article
            return QuoteVerdict("not_found", claim, speaker.strip(), (), 0, 0)
        scope = filters or SearchFilter()
        verdict = check_quote(
            self.ledger,
            claim,
            speaker.strip(),
            CheckThresholds.of(self.settings),
            ids or (),
            self.index.meaning_similarity,
            lambda words: self.retriever.printing(words, scope),
        )
        return replace(verdict, carriers=with_edits(verdict.carriers, self.index.versions_of))

    def check_answer(self, verdict: QuoteVerdict, articles: Mapping[str, Article]) -> Answer:
        """The verdict in words, citing the quotations it rests on (``articles``: theirs)."""
        return verdict_answer(verdict.claim, verdict, compose_check(verdict, articles))

    # --- questions -----------------------------------------------------------------------

    def stream(self, question: str, filters: SearchFilter | None = None) -> Iterator[AnswerChunk]:
        """Answer text pieces as the model writes them, then the checked Answer."""
        question = self.check_question(question)
        self.ensure_corpus()
        request = {"question": question, "filters": filters or SearchFilter()}
        for attempt in (1, 2):
            answer: Answer | None = None
            for chunk in self.chain.stream(request):
                if isinstance(chunk, Answer):
                    answer = chunk
                else:
                    yield chunk
            if answer is not None and answer.error and attempt == 1 and self._server_died():
                self.on_status("The local model server stopped; restarting it…")
                with self._lock, self._llm_lock:
                    self._chain = None
                    self._llm = None
                continue
            if answer is not None:
                yield answer
            return

    def check_question(self, question: str) -> str:
        """The question, stripped; an error a person can act on when it cannot be asked."""
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"the question is {len(question)} characters long; the limit is {limit} "
                "(RAG_MAX_QUESTION_CHARS)"
            )
        return question

    def _server_died(self) -> bool:
        """True when the answer failed because the embedded server it used is gone: none
        runs, or another process has started a new one (on another port)."""
        from rag.backends.llm import embedded_server, uses_embedded

        if not uses_embedded(self.settings):
            return False
        running = embedded_server(self.settings).running()
        used = str(getattr(self._llm, "openai_api_base", "") or "")
        return running is None or (bool(used) and used.rstrip("/") != running.base_url)

    def chat(
        self, question: str, history: Sequence[Turn] = (), filters: SearchFilter | None = None
    ) -> tuple[str, Iterator[AnswerChunk]]:
        """A follow-up made standalone with the history, and the stream answering it."""
        from rag.answer.conversation import needs_rewrite, standalone_question

        llm = self.llm() if needs_rewrite(question, history) else None
        standalone = standalone_question(question, history, llm)
        return standalone, self.stream(standalone, filters)

    def ask(self, question: str, filters: SearchFilter | None = None) -> Answer:
        answer: Answer | None = None
        for chunk in self.stream(question, filters):
            if isinstance(chunk, Answer):
                answer = chunk
        if answer is None:  # the chain always ends with an Answer
            raise RuntimeError("the answer chain ended without an answer")
        return answer


_DEFAULT: Engine | None = None
_DEFAULT_LOCK = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine for the environment's settings."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Engine()
        return _DEFAULT


def ask(
    question: str, *, filters: SearchFilter | None = None, engine: Engine | None = None
) -> Answer:
    """Answer ``question`` from the indexed articles, with checked citations.

    In a fresh interpreter this uses RAG_HOME (ingesting seeds/ if the index is empty) and
    the configured or embedded LLM.
    """
    return (engine or default_engine()).ask(question, filters)


def check(
    claim: str,
    speaker: str = "",
    filters: SearchFilter | None = None,
    *,
    engine: Engine | None = None,
) -> QuoteVerdict:
    """Was ``claim`` said (by ``speaker``, if named), in those words? The verdict
    (verbatim, reworded, cut, misattributed or not_found) with the quotations that show it."""
    return (engine or default_engine()).check(claim, speaker, filters)


def list_quotes(
    speaker: str = "", article_id: str = "", *, engine: Engine | None = None
) -> list[Quote]:
    """The quote ledger: every quote (or one speaker's, any name variant, or one article's)."""
    return (engine or default_engine()).quotes(speaker, article_id)


def list_speakers(article_id: str = "", *, engine: Engine | None = None) -> list[Speaker]:
    """People and unnamed sources in the ledger, most quoted first."""
    return (engine or default_engine()).speakers(article_id)


def get_chain(engine: Engine | None = None) -> Runnable[Any, AnswerChunk]:
    """The LangChain runnable behind ``ask()`` (invoke / stream / batch)."""
    engine = engine or default_engine()
    engine.ensure_corpus()
    return engine.chain
