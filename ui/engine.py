"""What one `rag serve` process holds: the index and the models, loaded once and shared by all
sessions. No Gradio here; the app calls it, and tests can too.

The embedding model and the index load before the server starts answering; the LLM loads in a
background thread right away, so the page is up in seconds and a question asked meanwhile waits for
the model instead of failing. An empty index is a normal state (the user can add articles from the
page), so `assistant` is None until something is ingested. Uploads are copied under
`<index>/uploads/` and go through the same `ingest` as `rag ingest`.

Llama.cpp is not thread-safe: the app runs questions and uploads one at a time (Gradio's
concurrency limit), and this class does not lock again.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Generator, Sequence
from pathlib import Path

from rag.ask import DEFAULT_PARTS, Assistant, Parts
from rag.embed import Embedder
from rag.errors import IndexMissingError, InputError
from rag.generate import Generator as TextGenerator
from rag.ingest import IngestReport, Progress, ingest
from rag.load import SUFFIXES
from rag.settings import Settings
from rag.types import Answer, Document

UPLOADS = "uploads"
EMPTY_HINT = (
    "No articles are indexed yet. Add article files (.txt, .md, .html, .json) under "
    '"Add articles", or run `rag ingest PATH` and restart.'
)


class Engine:
    def __init__(self, settings: Settings, parts: Parts = DEFAULT_PARTS) -> None:
        self.settings = settings
        self._base = parts
        self._embedder: Embedder | None = None
        self._generator: TextGenerator | None = None
        self._model_error: BaseException | None = None
        self._model_ready = threading.Event()
        self._loader: threading.Thread | None = None
        # The Assistant asks these factories for its parts: they hand out the one shared copy.
        self._parts = Parts(embedder=lambda s: self.embedder, generator=lambda s: self.generator)
        self.assistant = self._open()

    # -- loading -------------------------------------------------------------------------------

    def _open(self) -> Assistant | None:
        try:
            return Assistant(self.settings, self._parts)  # raises on a mismatched index
        except IndexMissingError:
            return None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._base.embedder(self.settings)
        return self._embedder

    def start_loading_model(self) -> None:
        if self._loader is not None:
            return

        def load() -> None:
            try:
                self._generator = self._base.generator(self.settings)
            except BaseException as e:  # reported to whoever asks next, not lost in a thread
                self._model_error = e
            finally:
                self._model_ready.set()

        self._loader = threading.Thread(target=load, name="load-model", daemon=True)
        self._loader.start()

    @property
    def model_ready(self) -> bool:
        return self._model_ready.is_set()

    @property
    def generator(self) -> TextGenerator:
        """The LLM; waits while it is loading, starts loading it if nobody has."""
        self.start_loading_model()
        self._model_ready.wait()
        if self._model_error is not None:
            raise self._model_error
        assert self._generator is not None
        return self._generator

    # -- answering -----------------------------------------------------------------------------

    def stream(
        self, question: str, history: Sequence[tuple[str, str]] = ()
    ) -> Generator[str, None, Answer]:
        if self.assistant is None:
            raise IndexMissingError(EMPTY_HINT)
        return self.assistant.stream(question, history=history)

    def document(self, doc_id: str) -> Document:
        """An indexed document by id; anything else is refused. The id is only ever a key in
        the documents table, never a path."""
        doc = self.assistant.document(doc_id) if self.assistant and doc_id else None
        if doc is None:
            raise InputError(f"No indexed document has the id {doc_id!r}.")
        return doc

    # -- adding articles -----------------------------------------------------------------------

    def add_files(self, files: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Copy uploaded files under <index>/uploads/ and ingest them. A file that cannot be read
        is reported and removed again; the rest, and the existing index, are kept."""
        if not files:
            raise InputError("No files given.")
        bad = [Path(f).name for f in files if Path(f).suffix.lower() not in SUFFIXES]
        if bad:
            kinds = ", ".join(sorted(SUFFIXES))
            raise InputError(f"Not an article file: {', '.join(bad)}. Use {kinds}.")
        folder = self.settings.index_dir / UPLOADS
        folder.mkdir(parents=True, exist_ok=True)
        copies = []
        for f in files:
            target = folder / Path(f).name  # the name only: an upload never picks its folder
            shutil.copyfile(f, target)
            copies.append(target)
        report = ingest(copies, self.settings, lambda: self.embedder, progress=progress)
        for problem in report.problems:
            Path(problem.path).unlink(missing_ok=True)
        if self.assistant is None:
            self.assistant = self._open()
        else:
            self.assistant.reload()
        return report
