"""`rag index check [--repair]`: verify that the four parts of an index agree, and mend them.

An index is written in steps (see `rag.index.ingest`): per window of documents, their chunks go into
Chroma, then each document's row into the documents table (a row means "this document is
complete"); the BM25 index is rebuilt from every stored chunk at the end and swapped in; the
manifest is written last. A kill -9 can land between any two steps, and a later ingest does not
always notice: chunks of a document that is no longer in the input stay forever, and a BM25
index that missed a rebuild is only rebuilt when some chunk changes again. So the parts are
compared here, each difference becomes one `Finding` a user can read, and `repair` mends exactly
what differs, from what the index itself holds: a document is re-chunked from the text in its
row, never from its source file, which may have changed or gone.

Chunks and rows are the primary record; BM25 and the manifest's counts are derived from them.
While the primary record disagrees, what BM25 and the counts should be is only known after the
repair (which rebuilds both), so their content is compared only once the primary record agrees;
a BM25 folder or manifest that is missing altogether is always reported.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.index.bm25 import IDS_FILE, SOURCE_FILE, BM25Index, fingerprint
from rag.index.docstore import DocStore

# ingest's own sentence writer, private there: a repaired document gets exactly the sentence
# vectors an ingest writes, from one place.
from rag.index.ingest import _store_sentences, chunk_metas, chunks_of, content_hash
from rag.index.manifest import IndexPaths, check_compatible, read_manifest, write_manifest
from rag.index.store import ChromaStore, open_store
from rag.llm.embed import Embedder
from rag.settings import Settings
from rag.sources.chunk import indexed_text
from rag.sources.stories import signature
from rag.types import Hit

# Chunk and document findings: the primary record disagrees with itself.
ORPHAN_CHUNKS = "orphan-chunks"
MISSING_CHUNKS = "missing-chunks"
CHUNK_COUNT = "chunk-count"
CHUNK_TEXT = "chunk-text"
ORPHAN_SENTENCES = "orphan-sentences"
# Derived parts.
BM25_STALE = "bm25-stale"
BM25_MISSING = "bm25-missing"
BM25_LEFTOVER = "bm25-leftover"
MANIFEST_COUNTS = "manifest-counts"
MANIFEST_MISSING = "manifest-missing"

PRIMARY = frozenset({ORPHAN_CHUNKS, MISSING_CHUNKS, CHUNK_COUNT, CHUNK_TEXT, ORPHAN_SENTENCES})
# Findings that repair mends by re-chunking the document from its row.
RECHUNK = frozenset({MISSING_CHUNKS, CHUNK_COUNT, CHUNK_TEXT})
REPAIRS = "--repair re-chunks and re-embeds it from its stored text"


@dataclass(frozen=True)
class Finding:
    kind: str
    doc_id: str | None
    message: str  # one line, for the user


@dataclass
class _Scan:
    """What the index holds, read without writing to it."""

    rows: dict[str, tuple[int, str]] = field(default_factory=dict)  # doc_id -> (chunks, text)
    chunks: dict[str, list[Hit]] = field(default_factory=dict)  # doc_id -> its chunks
    sentences: dict[str, list[str]] = field(default_factory=dict)  # doc_id -> orphan sentence ids
    manifest: dict[str, Any] | None = None
    manifest_error: str | None = None

    @property
    def chunk_count(self) -> int:
        return sum(len(hits) for hits in self.chunks.values())

    @property
    def empty(self) -> bool:
        return not self.rows and not self.chunks and self.manifest is None


def check(paths: IndexPaths, settings: Settings | None = None) -> list[Finding]:
    """Every disagreement between Chroma, the documents table, BM25 and the manifest, one
    finding each, ordered by document; [] for a consistent (or absent) index. With a
    `chroma_url` in `settings`, the chunks are read from that server."""
    if not paths.root.is_dir():
        return []
    scan = _scan(paths, settings)
    findings = _document_findings(scan)
    primary_ok = not findings
    findings += _bm25_findings(paths, scan, compare=primary_ok)
    findings += _manifest_findings(scan, compare=primary_ok)
    return findings


def repair(
    paths: IndexPaths,
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    findings: list[Finding] | None = None,
) -> list[str]:
    """Mend what `findings` (by default, a fresh `check`) report; one line per action taken.

    `settings` must be those the index was built with (checked against the manifest, when there
    is one): re-chunked documents must come out as ingest made them."""
    todo = check(paths, settings) if findings is None else findings
    if not todo:
        return []
    manifest_readable = _manifest_error(paths) is None
    if manifest_readable:
        check_compatible(paths, settings)
    kinds = {f.kind for f in todo}
    actions: list[str] = []
    store = open_store(settings, paths.chroma)
    docs = DocStore(paths.documents)
    try:
        rows = set(docs.hashes())
        delete = {f.doc_id for f in todo if f.kind == ORPHAN_CHUNKS and f.doc_id}
        rechunk = {f.doc_id for f in todo if f.kind in RECHUNK and f.doc_id}
        # Sentences whose chunk is gone: with the document's row, the document is rebuilt whole
        # (its sentences come back if this index keeps them); without, they are deleted.
        for f in todo:
            if f.kind == ORPHAN_SENTENCES and f.doc_id:
                (rechunk if f.doc_id in rows else delete).add(f.doc_id)
        delete -= rechunk
        if delete:
            store.delete_documents(sorted(delete))
            actions += [
                f"{d}: deleted its chunks and sentences (no document row)" for d in sorted(delete)
            ]
        if rechunk:
            actions += _rechunk(sorted(rechunk), store, docs, settings, embedder_factory)
        changed = bool(delete or rechunk)
        bm25_kinds = {BM25_STALE, BM25_MISSING, BM25_LEFTOVER}
        if changed or kinds & bm25_kinds:
            for leftover in _leftovers(paths):
                shutil.rmtree(leftover, ignore_errors=True)
                actions.append(f"{leftover.name}: removed (left over from an interrupted swap)")
        if changed or kinds & {BM25_STALE, BM25_MISSING}:
            ids, texts = store.all_indexed_texts()
            BM25Index.build(ids, texts).save(paths.bm25)
            actions.append(f"{paths.bm25.name}/: rebuilt the keyword index from {len(ids)} chunks")
        if changed or kinds & {MANIFEST_COUNTS, MANIFEST_MISSING}:
            if not manifest_readable:
                paths.manifest.unlink(missing_ok=True)  # write_manifest reads the old one first
            counts = {"documents": len(docs), "chunks": store.count()}
            write_manifest(paths, settings, counts)
            actions.append(
                f"{paths.manifest.name}: written ({counts['documents']} documents, "
                f"{counts['chunks']} chunks)"
            )
    finally:
        docs.close()
    return actions


def _rechunk(
    doc_ids: list[str],
    store: ChromaStore,
    docs: DocStore,
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
) -> list[str]:
    """Re-chunk and re-embed documents from the text in their rows, as ingest does, and write
    their rows again (same content hash, so the next ingest skips them)."""
    embedder = embedder_factory()
    actions = []
    for doc_id in doc_ids:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        head, chunks = chunks_of(doc, settings, embedder)
        vectors = embedder.embed_documents([indexed_text(head, c.text) for c in chunks])
        # The same order as ingest: chunks first, the row last, so that a repair killed
        # midway leaves what the next check finds again.
        store.replace_documents([doc_id], chunks, vectors, chunk_metas(doc, head, chunks))
        if settings.sentence_vectors and chunks:
            _store_sentences(store, embedder, chunks)
        docs.put(doc, content_hash(doc, settings), len(chunks), signature(doc.text))
        actions.append(
            f"{doc_id}: re-chunked and re-embedded from its stored text "
            f"({_n(len(chunks), 'chunk')})"
        )
    return actions


def _scan(paths: IndexPaths, settings: Settings | None) -> _Scan:
    scan = _Scan()
    if paths.documents.is_file():
        scan.rows = _rows(paths)
    server = settings is not None and bool(settings.chroma_url)
    if server or paths.chroma.is_dir():
        store = open_store(settings, paths.chroma) if settings else ChromaStore(paths.chroma)
        ids: set[str] = set()
        for hit in store.all_hits():
            scan.chunks.setdefault(hit.chunk.doc_id, []).append(hit)
            ids.add(hit.chunk.chunk_id)
        scan.sentences = _orphan_sentences(store, ids)
    scan.manifest_error = _manifest_error(paths)
    if scan.manifest_error is None:
        scan.manifest = read_manifest(paths)
    return scan


def _rows(paths: IndexPaths) -> dict[str, tuple[int, str]]:
    """doc_id -> (chunk count, text) of every row. Read straight from SQLite, read-only:
    DocStore has no reader for the chunk counts, and opening it may migrate the file."""
    uri = paths.documents.resolve().as_uri() + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    try:
        cur = db.execute("SELECT doc_id, chunks, text FROM documents")
        return {doc_id: (int(n), text) for doc_id, n, text in cur}
    except sqlite3.OperationalError:  # no table yet: DocStore was never opened on this file
        return {}
    finally:
        db.close()


def _orphan_sentences(store: ChromaStore, chunk_ids: set[str]) -> dict[str, list[str]]:
    # Read-only use of the sentence collection: ChromaStore has no reader for all of it, and the
    # store's interface is not widened for a check.
    res: Any = store._sent.get(include=["metadatas"])
    out: dict[str, list[str]] = defaultdict(list)
    for sid, meta in zip(res["ids"], res["metadatas"] or [], strict=True):
        if str(meta["chunk_id"]) not in chunk_ids:
            out[str(meta["doc_id"])].append(sid)
    return dict(out)


def _document_findings(scan: _Scan) -> list[Finding]:
    out: list[Finding] = []
    for doc_id in sorted(scan.rows.keys() | scan.chunks.keys() | scan.sentences.keys()):
        hits = scan.chunks.get(doc_id, [])
        row = scan.rows.get(doc_id)
        if row is None and hits:
            out.append(
                Finding(
                    ORPHAN_CHUNKS,
                    doc_id,
                    f"{doc_id}: {_n(len(hits), 'chunk')} in Chroma but no document row "
                    "(an interrupted ingest); --repair deletes them",
                )
            )
        elif row is not None:
            out += _row_findings(doc_id, row, hits)
        orphans = scan.sentences.get(doc_id, [])
        if orphans:
            fix = "--repair re-chunks the document" if row is not None else "--repair deletes them"
            out.append(
                Finding(
                    ORPHAN_SENTENCES,
                    doc_id,
                    f"{doc_id}: {_n(len(orphans), 'sentence vector')} whose chunk is gone; {fix}",
                )
            )
    return out


def _row_findings(doc_id: str, row: tuple[int, str], hits: list[Hit]) -> list[Finding]:
    expected, text = row
    if not hits:
        if expected == 0:
            return []
        return [
            Finding(
                MISSING_CHUNKS,
                doc_id,
                f"{doc_id}: the document row says {_n(expected, 'chunk')} but Chroma has none; "
                + REPAIRS,
            )
        ]
    want = [f"{doc_id}::{i}" for i in range(expected)]
    have = sorted((h.chunk.chunk_id for h in hits), key=_chunk_number)
    if have != want:
        what = (
            f"Chroma has {len(hits)}"
            if len(hits) != expected
            else f"their ids are not {doc_id}::0 to ::{expected - 1}"
        )
        return [
            Finding(
                CHUNK_COUNT,
                doc_id,
                f"{doc_id}: the document row says {_n(expected, 'chunk')} but {what}; {REPAIRS}",
            )
        ]
    wrong = sum(text[h.chunk.start : h.chunk.end] != h.chunk.text for h in hits)
    if wrong:
        return [
            Finding(
                CHUNK_TEXT,
                doc_id,
                f"{doc_id}: {wrong} of {len(hits)} chunks do not match the document's stored text "
                f"(an ingest was interrupted before the row was written); {REPAIRS}",
            )
        ]
    return []


def _bm25_findings(paths: IndexPaths, scan: _Scan, *, compare: bool) -> list[Finding]:
    where = f"{paths.bm25.name}/"
    leftovers = [p.name for p in _leftovers(paths)]
    if not paths.bm25.is_dir():
        if scan.empty and not leftovers:
            return []  # nothing ingested yet
        left = f", {' and '.join(leftovers)} left behind (killed mid-swap)" if leftovers else ""
        return [
            Finding(
                BM25_MISSING,
                None,
                f"{where}: the keyword index is missing{left}; --repair rebuilds it",
            )
        ]
    out = [
        Finding(
            BM25_LEFTOVER,
            None,
            f"{name}: left over from an interrupted keyword-index swap; --repair removes it",
        )
        for name in leftovers
    ]
    if not compare:
        return out
    try:
        ids = json.loads((paths.bm25 / IDS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return [
            *out,
            Finding(
                BM25_MISSING,
                None,
                f"{where}: no readable {IDS_FILE} (an interrupted write); --repair rebuilds it",
            ),
        ]
    texts = {
        h.chunk.chunk_id: indexed_text(str(h.metadata.get("header") or ""), h.chunk.text)
        for hits in scan.chunks.values()
        for h in hits
    }
    saved = [str(i) for i in ids]
    missing, extra = len(texts.keys() - set(saved)), len(set(saved) - texts.keys())
    if missing or extra or len(set(saved)) != len(saved):
        out.append(
            Finding(
                BM25_STALE,
                None,
                f"{where}: the keyword index has {len(saved)} chunk ids, Chroma {len(texts)} "
                f"({missing} not indexed, {extra} gone; an ingest was interrupted before it was "
                "rebuilt); --repair rebuilds it",
            )
        )
    elif _bm25_texts_differ(paths, saved, texts):
        out.append(
            Finding(
                BM25_STALE,
                None,
                f"{where}: the keyword index was built from older chunk texts (an ingest was "
                "interrupted before it was rebuilt); --repair rebuilds it",
            )
        )
    return out


def _bm25_texts_differ(paths: IndexPaths, ids: list[str], texts: dict[str, str]) -> bool:
    """Whether the saved index was built from other texts than the chunks now stored.

    Same ids are not enough: a document changed without changing its number of chunks keeps
    its chunk ids, and an ingest killed before the rebuild leaves BM25 on the old words. The
    index keeps the fingerprint of its input (`rag.index.bm25.fingerprint`); an index written before
    fingerprints existed cannot be compared and counts as current."""
    if not ids:
        return False
    try:
        saved = (paths.bm25 / SOURCE_FILE).read_text("utf-8").strip()
    except OSError:
        return False
    return saved != fingerprint(ids, [texts[i] for i in ids])


def _manifest_findings(scan: _Scan, *, compare: bool) -> list[Finding]:
    if scan.manifest_error is not None:
        return [
            Finding(
                MANIFEST_MISSING,
                None,
                f"manifest.json: unreadable ({scan.manifest_error}); --repair writes it anew",
            )
        ]
    if scan.manifest is None:
        if not scan.rows and not scan.chunks:
            return []
        return [
            Finding(
                MANIFEST_MISSING,
                None,
                f"manifest.json: missing, though the index holds {_n(len(scan.rows), 'document')} "
                "(an ingest was interrupted before its last step); --repair writes it",
            )
        ]
    if not compare:
        return []
    said = (scan.manifest.get("documents"), scan.manifest.get("chunks"))
    have = (len(scan.rows), scan.chunk_count)
    if said == have:
        return []
    return [
        Finding(
            MANIFEST_COUNTS,
            None,
            f"manifest.json: says {said[0]} documents and {said[1]} chunks, the index holds "
            f"{have[0]} and {have[1]}; --repair rewrites it",
        )
    ]


def _manifest_error(paths: IndexPaths) -> str | None:
    try:
        read_manifest(paths)
    except (OSError, ValueError) as e:
        return str(e).splitlines()[0] if str(e) else type(e).__name__
    return None


def _leftovers(paths: IndexPaths) -> list[Path]:
    """The `bm25.tmp` and `bm25.old` siblings that `BM25Index.save` leaves if killed."""
    siblings = (paths.bm25.with_name(paths.bm25.name + s) for s in (".tmp", ".old"))
    return [p for p in siblings if p.exists()]


def _chunk_number(chunk_id: str) -> tuple[int, str]:
    number = chunk_id.rpartition("::")[2]
    return (int(number), "") if number.isdigit() else (-1, chunk_id)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
