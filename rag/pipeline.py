"""The composition root: the one place that builds the concrete parts from `Settings`.

`Pipeline.open(settings)` opens the document store, Chroma, the keyword index, the embedder and the
retriever; the generator (the LLM) loads on first use, or in the background after `preload()`.
The CLI, the chat UI, the eval commands, the scripts and the tests all get their parts here;
nothing else names `ChromaStore`, `SentenceTransformerEmbedder` or `LlamaCppGenerator`.

Opening is parallel where it pays: the LLM (C code that releases the GIL) loads in a thread while
the index and the embedding model open, so a cold `rag ask` waits for the slower of the two, not
their sum. `ingest()` writes with this pipeline's embedder and then `refresh()`es what is kept in
memory (the keyword index's searcher, and the outlet names the retriever matches).

Other processes: `ingest()` takes the index's write lock (`rag.index.lock`); a reader takes none,
and `retrieve()` first checks the manifest, reloading after another process's ingest. The store is
the index folder's own Chroma or, with `chroma_url`, a Chroma server (`rag.index.store.open_store`);
the model is in process or, with `llm_url`, any OpenAI-compatible server (`rag.llm.server`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from pathlib import Path
from typing import Any

from rag.answer.evidence import Calibration
from rag.errors import IndexMismatchError, IndexMissingError
from rag.index.docstore import DocStore
from rag.index.ingest import IngestReport, Progress, Sources, ingest
from rag.index.keyword import TantivyKeywordIndex
from rag.index.manifest import (
    IndexPaths,
    check_compatible,
    embeds_int8,
    read_manifest,
    require_ingested,
    resolved,
)
from rag.index.store import ChromaStore, open_store
from rag.index.store import import_backend as import_store_backend
from rag.llm.embed import Embedder
from rag.llm.embed import import_backend as import_embedder_backend
from rag.llm.generate import Generator
from rag.llm.generate import import_backend as import_generator_backend
from rag.search.retrieve import HybridRetriever
from rag.settings import Settings
from rag.types import Document, Retrieval

EMPTY_HINT = "Nothing has been ingested into {index} yet. Run `rag ingest [PATH]` first."


def default_embedder(settings: Settings) -> Embedder:
    from rag.llm.catalogue import models_dir
    from rag.llm.embed import load_embedder

    return load_embedder(settings.embed_model, models_dir(settings), int8=embeds_int8(settings))


def default_generator(settings: Settings) -> Generator:
    """The model server at `llm_url` when there is one, else the GGUF model in process."""
    if settings.llm_url:
        from rag.llm.server import ServerGenerator

        return ServerGenerator(settings, api_key=os.environ.get("OPENAI_API_KEY"))
    from rag.llm.catalogue import resolve
    from rag.llm.generate import LlamaCppGenerator

    return LlamaCppGenerator(resolve(settings.model, settings), settings, name=settings.model)


def _import_generator_backend(settings: Settings) -> None:
    """llama_cpp, in this thread (see rag.llm.generate.import_backend); a model server needs
    none."""
    if not settings.llm_url:
        import_generator_backend()


class Pipeline:
    """The assembled parts of one index. Use `Pipeline.open`; the constructor only stores."""

    def __init__(
        self,
        settings: Settings,
        documents: DocStore,
        store: ChromaStore,
        embedder: Embedder,
        generator: Generator | Future[Generator] | None = None,
        load_generator: Callable[[Settings], Generator] | None = None,
    ) -> None:
        self.settings = settings
        self.paths = IndexPaths(settings.index_dir)
        self.documents = documents
        self.store = store
        self.embedder = embedder
        self._generator = generator
        self._load_generator = load_generator or default_generator
        self._lock = threading.Lock()
        self.retriever: HybridRetriever | None = None
        self.keywords: TantivyKeywordIndex | None = None
        self.calibration = Calibration.load()  # pass 1's fitted decision parameters
        self._stamp: tuple[int, int] | None = None
        self._refresh_lock = threading.Lock()
        self.refresh()

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        load_generator: Callable[[Settings], Generator] | None = None,
        preload: bool = False,
        allow_empty: bool = False,
    ) -> Pipeline:
        """Open the index in `settings.index_dir`. An index that does not exist yet, or was built
        with other settings, is refused before any model loads (cheap, and the message says what
        to do), unless `allow_empty` (the chat page, which can ingest uploads). With `preload`, the
        LLM starts loading at once, alongside the index and the embedder. `embedder` and
        `generator` replace the default parts (tests, servers that share them);
        `load_generator` replaces how the LLM is loaded."""
        settings = resolved(settings)
        paths = IndexPaths(settings.index_dir)
        if allow_empty:
            check_compatible(paths, settings)
        else:
            require_ingested(paths, settings)
        # Every library is imported here, in this thread; the workers only load weights.
        import_store_backend()
        pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="open")
        loading: Generator | Future[Generator] | None = generator
        warming: Future[None] | None = None
        try:
            # Fresh: the index as it is on disk now, not as an earlier client in this process
            # saw it (another process may have written since).
            store = open_store(settings, paths.chroma, fresh=True)
            if not settings.chroma_url:
                # Chroma reads its vector index on the first query (about 5 s at a million
                # chunks): first of all, so that the other imports, the embedding model, the
                # keyword index and the documents table load meanwhile (it releases the GIL),
                # rather than in the user's first question. Waited for before open() returns,
                # so that no query outlives it (a later open() stops this client).
                warming = pool.submit(store.warm)
            _import_generator_backend(settings)
            import_embedder_backend()
            if generator is None and preload:
                loading = pool.submit(load_generator or default_generator, settings)
            embedding = pool.submit(default_embedder, settings) if embedder is None else None
            documents = DocStore(paths.documents)
            pipeline = cls(
                settings,
                documents,
                store,
                embedder or embedding.result(),  # type: ignore[union-attr]
                loading,
                load_generator,
            )
            if warming is not None:
                warming.result()
            return pipeline
        except BaseException:
            # llama.cpp points stderr at /dev/null while it loads a model; an error raised now
            # would be printed into nothing. Let the loads finish (or fail) first.
            pending: list[Future[Any]] = [f for f in (loading, warming) if isinstance(f, Future)]
            wait(pending)
            raise
        finally:
            pool.shutdown(wait=False)  # a model still loading finishes in its thread

    # -- the generator -------------------------------------------------------------------------

    def preload(self) -> None:
        """Start loading the LLM in a background thread (no-op when loaded or loading)."""
        with self._lock:
            if self._generator is None:
                _import_generator_backend(self.settings)
                pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-model")
                self._generator = pool.submit(self._load_generator, self.settings)
                pool.shutdown(wait=False)

    @property
    def model_ready(self) -> bool:
        g = self._generator
        return g is not None and (not isinstance(g, Future) or g.done())

    @property
    def generator(self) -> Generator:
        """The LLM; waits while it loads, and loads it now if nobody asked before. A load that
        failed raises its error to every caller, not only to the thread that ran it."""
        self.preload()
        g = self._generator
        if isinstance(g, Future):
            g = g.result()
            self._generator = g
        assert g is not None
        return g

    # -- the index -----------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        """Nothing ingested yet (as of now: an ingest by another process counts)."""
        self.refresh_if_changed()
        return self.retriever is None

    def refresh(self, reopen: bool = False) -> None:
        """Reload what is kept in memory after an ingest: the document table sees new rows at
        once, but the keyword index's searcher sees a commit only after `reload()`, the retriever
        keeps the outlet names, and, after another process wrote (`reopen`), Chroma's client
        keeps its own view of the vector segments."""
        with self._refresh_lock:
            self._stamp = self._manifest_stamp()
            manifest = read_manifest(self.paths)
            if manifest is None or not manifest.get("documents"):
                self.retriever = None
                return
            if reopen:
                self.store = open_store(self.settings, self.paths.chroma, fresh=True)
            self.retriever = HybridRetriever(
                self.store, self._keywords(), self.embedder, self.settings, self.documents
            )

    def _keywords(self) -> TantivyKeywordIndex | None:
        """The keyword index, opened once and reloaded after each ingest; None (dense search
        only) where it is missing, which `rag index check` reports and `--repair` rebuilds."""
        if self.keywords is not None:
            self.keywords.reload()
        elif TantivyKeywordIndex.exists(self.paths.keywords):
            self.keywords = TantivyKeywordIndex(self.paths.keywords)
        elif self.paths.bm25.is_dir():
            raise IndexMismatchError(
                f"The keyword index of {self.paths.root} is in the old format (bm25s). Run "
                "`rag ingest` or `rag index check --repair` once to convert it."
            )
        return self.keywords

    def refresh_if_changed(self) -> bool:
        """Refresh when the manifest changed since the last look (another process ingested):
        one stat() per question, so a running server answers from new articles at once."""
        if self._manifest_stamp() == self._stamp:
            return False
        self.refresh(reopen=True)
        return True

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.paths.manifest.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino  # written by replace(): a new inode on every write

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        self.refresh_if_changed()
        if self.retriever is None:
            raise IndexMissingError(EMPTY_HINT.format(index=self.settings.index_dir))
        return self.retriever.retrieve(question, k)

    def unknown_outlets(self, question: str) -> tuple[list[str], list[tuple[str, int]]]:
        """The publishers `question` names that the index holds no article from, and the
        index's outlets with their article counts (`HybridRetriever.unknown_outlets`)."""
        self.refresh_if_changed()
        if self.retriever is None:
            return [], []
        return self.retriever.unknown_outlets(question), self.retriever.outlets()

    def unknown_names(self, question: str) -> list[str]:
        """Names `question` uses that no indexed article has (`HybridRetriever.unknown_names`)."""
        self.refresh_if_changed()
        return [] if self.retriever is None else self.retriever.unknown_names(question)

    def document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def also_in(self, doc_id: str) -> list[str]:
        """Outlets that carried the same story (near-duplicates linked at ingest)."""
        return self.documents.also_in(doc_id)

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        progress: Progress | None = None,
        writer: str = "rag serve (a chat upload)",
    ) -> IngestReport:
        """Ingest files into this index with this pipeline's embedder, then refresh. Another
        writer at work refuses it at once (IndexBusyError), rather than keep a chat waiting."""
        report = ingest(
            paths, self.settings, lambda: self.embedder, prune=prune, progress=progress,
            writer=writer,
        )  # fmt: skip
        self.refresh()
        return report


def ingest_into(
    settings: Settings,
    paths: Sequence[Path] | Sources,
    *,
    prune: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest without opening a pipeline (`rag ingest`): the embedding model loads only when a
    document is new or changed, so re-ingesting an unchanged folder takes a second. A large
    ingest embeds with the bulk embedder where this machine has one (bfloat16, GPU); one given
    by the caller is used as it is. Another writer is waited for up to `wait_s`."""
    settings = resolved(settings)
    return ingest(
        paths,
        settings,
        (lambda: embedder) if embedder else (lambda: default_embedder(settings)),
        prune=prune,
        progress=progress,
        bulk_factory=(
            # the int8 model is the index's model: bfloat16 vectors would be another one's
            None
            if embedder or not settings.bulk_bf16 or settings.embed_int8
            else partial(bulk_embedder, settings)
        ),
        wait_s=wait_s,
        on_wait=on_wait,
    )


def bulk_embedder(settings: Settings) -> Embedder | None:
    from rag.llm.embed import load_bulk_embedder

    return load_bulk_embedder(settings.embed_model)
