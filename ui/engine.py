"""What one `rag serve` process holds beside its `Pipeline`: uploads and the document lookup.
No Gradio here; the app calls it, and tests can too.

The pipeline is opened by the caller (the CLI) with the LLM loading in the background, so the
page is up in seconds and a question asked meanwhile waits for the model instead of failing. An
empty index is a normal state (the user can add articles from the page). Uploads are copied under
`<index>/uploads/` and go through the same ingest as `rag ingest`.

Llama.cpp is not thread-safe: the app runs questions and uploads one at a time (Gradio's
concurrency limit), and this class does not lock again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.answer.ask import AnswerStream, ask
from rag.errors import IndexMissingError, InputError
from rag.index.ingest import IngestReport, Progress
from rag.index.space import disk_full, is_disk_full
from rag.pipeline import Pipeline
from rag.sources.load import MB, SUFFIXES
from rag.types import Document, Passage

UPLOADS = "uploads"
EMPTY_HINT = (
    "No articles are indexed yet. Add article files (.txt, .md, .html, .pdf, .json) under "
    '"Add articles", or run `rag ingest PATH` and restart.'
)


class Engine:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    @property
    def model_ready(self) -> bool:
        return self.pipeline.model_ready

    def stream(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        on_reading: Callable[[list[Passage]], None] | None = None,
    ) -> AnswerStream:
        """The answer as it streams; `on_reading` gets the retrieved passages first."""
        if self.pipeline.is_empty:
            raise IndexMissingError(EMPTY_HINT)
        return ask(self.pipeline, question, history, on_reading=on_reading)

    def document(self, doc_id: str) -> Document:
        """An indexed document by id; anything else is refused. The id is only ever a key in
        the documents table, never a path."""
        doc = self.pipeline.document(doc_id) if doc_id else None
        if doc is None:
            raise InputError(f"No indexed document has the id {doc_id!r}.")
        return doc

    def said(self, doc_id: str) -> list[tuple[int, int, str]]:
        """(start, end, speaker) of every attribution of a document, for the reader."""
        return [
            (*a.content, a.speaker)
            for _, a in self.pipeline.documents.quotes(doc_id=doc_id)
            if a.speaker
        ]

    def people(
        self, limit: int = 30
    ) -> list[tuple[str, int, list[tuple[str, int, int, str, str]]]]:
        """The most quoted speakers (at most `limit`) with their quotes, for the chat's "People"
        list: (name, count, [(doc_id, start, end, title, quote)])."""
        from rag.search.quotes import find_quotes

        docs = self.pipeline.documents
        out = []
        for key, name, count in docs.speakers()[:limit]:
            quotes = [
                (q.doc.doc_id, *q.attribution.content, q.doc.title, q.text)
                for q in find_quotes(docs, speaker=key)
            ]
            out.append((name, count, quotes))
        return out

    def add_files(self, files: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Copy uploaded files under <index>/uploads/ and ingest them. A file that cannot be read
        is reported and removed again; the rest, and the existing index, are kept."""
        if not files:
            raise InputError("No files given.")
        bad = [Path(f).name for f in files if Path(f).suffix.lower() not in SUFFIXES]
        if bad:
            kinds = ", ".join(sorted(SUFFIXES))
            raise InputError(f"Not an article file: {', '.join(bad)}. Use {kinds}.")
        cap = self.pipeline.settings.max_file_mb
        big = [Path(f).name for f in files if Path(f).stat().st_size > cap * MB]
        if big:
            raise InputError(
                f"Over the {cap:g} MB cap (RAG_MAX_FILE_MB): {', '.join(big)}. "
                "Raise the cap and restart the server to add them."
            )
        folder = self.pipeline.settings.index_dir / UPLOADS
        folder.mkdir(parents=True, exist_ok=True)
        copies: list[Path] = []
        try:
            for f in files:
                target = folder / Path(f).name  # the name only: an upload never picks its folder
                copies.append(target)
                shutil.copyfile(f, target)
        except OSError as e:
            # A full disk (or another write error) leaves no half-copied upload behind.
            for target in copies:
                target.unlink(missing_ok=True)
            root = self.pipeline.settings.index_dir
            if is_disk_full(e, root):
                size = sum(Path(f).stat().st_size for f in files)
                raise disk_full(root, 0, 0, upload=size) from None
            raise InputError(f"Cannot save the upload in {folder}: {e.strerror or e}.") from None
        report = self.pipeline.ingest(copies, progress=progress)
        for problem in report.problems:
            Path(problem.path).unlink(missing_ok=True)
        return report
