"""Ingest: files -> documents -> chunks (offsets kept) -> embeddings -> Chroma, documents table,
BM25 index, manifest.

Incremental: a document whose content hash (text, metadata and chunking) is unchanged is skipped;
a changed one has its old chunks replaced. Each document is committed on its own (chunks, then its
row in the documents table), so an interrupted run leaves every finished document usable, and the
next run picks up the rest. The BM25 index is rebuilt from the stored chunks at the end and
swapped in atomically.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.bm25 import BM25Index
from rag.chunk import chunk_document, header, indexed_text
from rag.docstore import DocStore
from rag.embed import Embedder
from rag.errors import InputError
from rag.index import IndexPaths, build_params, check_compatible, write_manifest
from rag.load import Problem, SourceFile, find_files, load_file
from rag.query import day_number
from rag.sentences import scoring_spans
from rag.settings import Settings
from rag.store import ChromaStore
from rag.types import Chunk, Document


@dataclass
class IngestReport:
    files: int = 0
    documents: int = 0  # documents seen in the input
    embedded_documents: int = 0
    embedded_chunks: int = 0
    unchanged: int = 0
    removed: int = 0
    total_documents: int = 0
    total_chunks: int = 0
    problems: list[Problem] = field(default_factory=list)


class Progress:
    """What ingest tells its caller as it goes; the CLI draws a Rich bar from it."""

    def start(self, total: int) -> None: ...
    def advance(self, label: str) -> None: ...


def content_hash(doc: Document, settings: Settings) -> str:
    payload = json.dumps(
        [
            doc.text,
            doc.title,
            doc.source,
            doc.published_at,
            doc.url,
            doc.author,
            doc.path,
            build_params(settings),
        ],
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    progress = progress or Progress()
    files = find_files(paths)  # raises InputError for a missing path or an empty folder
    index = IndexPaths(settings.index_dir)
    check_compatible(index, settings)
    store = ChromaStore(index.chroma)
    docs = DocStore(index.documents)
    report = IngestReport(files=len(files))
    embedder: Embedder | None = None
    try:
        known = docs.hashes()
        seen: set[str] = set()
        loaded_files: set[str] = set()
        progress.start(len(files))
        for src in files:
            loaded = _load(src, report)
            if loaded is not None:
                loaded_files.add(str(src.path.resolve()))
            for doc in loaded or []:
                if doc.doc_id in seen:
                    report.problems.append(
                        Problem(str(src.path), f"duplicate document id {doc.doc_id!r}, skipped")
                    )
                    continue
                seen.add(doc.doc_id)
                report.documents += 1
                digest = content_hash(doc, settings)
                if known.get(doc.doc_id) == digest:
                    report.unchanged += 1
                    continue
                embedder = embedder or embedder_factory()
                head = header(doc) if settings.headers else ""
                chunks = chunk_document(
                    doc,
                    settings.chunk_tokens,
                    settings.chunk_overlap_tokens,
                    # Sizes in the model's word pieces; an embedder without a tokenizer
                    # falls back to words.
                    getattr(embedder, "tokenize", None),
                    head,
                )
                vectors = embedder.embed_documents([indexed_text(head, c.text) for c in chunks])
                store.delete_document(doc.doc_id)
                store.upsert(chunks, vectors, _chunk_meta(doc, head))
                if settings.sentence_vectors:
                    _store_sentences(store, embedder, chunks)
                docs.put(doc, digest, len(chunks))  # last: marks the document as complete
                report.embedded_documents += 1
                report.embedded_chunks += len(chunks)
            progress.advance(src.rel)
        if prune:
            for doc_id, path in docs.paths().items():
                if doc_id in seen:
                    continue
                gone = path is None or not Path(path).exists() or path in loaded_files
                if gone:
                    store.delete_document(doc_id)
                    docs.delete(doc_id)
                    report.removed += 1
        if report.embedded_chunks or report.removed or not index.bm25.exists():
            ids, texts = store.all_indexed_texts()
            BM25Index.build(ids, texts).save(index.bm25)
        report.total_documents = len(docs)
        report.total_chunks = store.count()
        write_manifest(
            index,
            settings,
            {"documents": report.total_documents, "chunks": report.total_chunks},
        )
    finally:
        docs.close()
    return report


def _load(src: SourceFile, report: IngestReport) -> list[Document] | None:
    try:
        return load_file(src)
    except InputError as e:
        report.problems.append(Problem(str(src.path), str(e)))
    except OSError as e:
        report.problems.append(Problem(str(src.path), f"{src.path}: cannot read ({e.strerror})"))
    return None


def _store_sentences(store: ChromaStore, embedder: Embedder, chunks: list[Chunk]) -> None:
    """Every sentence of every chunk, embedded alone, for the second retrieval stage. A sentence
    in the overlap of two chunks is stored with each (it is short; keying by chunk keeps the
    lookup one query)."""
    per_chunk = [[(c.start + s, c.start + e) for s, e in scoring_spans(c.text)] for c in chunks]
    texts = [
        c.text[s - c.start : e - c.start]
        for c, spans in zip(chunks, per_chunk, strict=True)
        for s, e in spans
    ]
    store.upsert_sentences(chunks, per_chunk, embedder.embed_documents(texts))


def _chunk_meta(doc: Document, head: str) -> dict[str, str | int | None]:
    return {
        "title": doc.title,
        "source": doc.source,
        "published_at": doc.published_at,
        "day": day_number(doc.published_at),
        "url": doc.url,
        "path": doc.path,
        "header": head or None,
    }
