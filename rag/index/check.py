"""`rag index check [--repair]`: verify that the four parts of an index agree, and mend them.

An index is written in steps (see `rag.index.ingest`): per window of documents, their chunks go into
Chroma, then one commit of the keyword index, then each document's row into the documents table
(a row means "this document is complete"); the manifest is written last. A kill -9 can land
between any two steps, and a later ingest does not always notice: chunks of a document that is no
longer in the input stay forever. So the parts are
compared here, each difference becomes one `Finding` a user can read, and `repair` mends exactly
what differs, from what the index itself holds: a document is re-chunked from the text in its
row, never from its source file, which may have changed or gone.

Chunks and rows are the primary record; the keyword index and the manifest's counts are derived
from them. While the primary record disagrees, what they should be is only known after the repair,
so their content is compared only once the primary record agrees; a keyword index or manifest
that is missing altogether, or a keyword index in the old format (bm25s), is always reported.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rag.index.docstore import DocStore

# ingest's own sentence writer, private there: a repaired document gets exactly the sentence
# vectors an ingest writes, from one place.
from rag.index.ingest import _store_sentences, chunk_metas, chunks_of, content_hash
from rag.index.keyword import TantivyKeywordIndex, build
from rag.index.manifest import (
    IndexPaths,
    check_compatible,
    read_manifest,
    resolved,
    write_manifest,
)
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
KEYWORDS_STALE = "keywords-stale"
KEYWORDS_MISSING = "keywords-missing"
KEYWORDS_OLD = "keywords-old-format"
KEYWORDS_LEFTOVER = "keywords-leftover"
KEYWORDS = frozenset({KEYWORDS_STALE, KEYWORDS_MISSING, KEYWORDS_OLD, KEYWORDS_LEFTOVER})
QUOTES_STALE = "quotes-stale"
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
    """Every disagreement between Chroma, the documents table, the keyword index and the
    manifest, one
    finding each, ordered by document; [] for a consistent (or absent) index. With a
    `chroma_url` in `settings`, the chunks are read from that server."""
    if not paths.root.is_dir():
        return []
    scan = _scan(paths, settings)
    findings = _document_findings(scan)
    primary_ok = not findings
    findings += _keyword_findings(paths, scan, compare=primary_ok)
    findings += _manifest_findings(scan, compare=primary_ok)
    findings += _quote_findings(paths)
    return findings


def repair(
    paths: IndexPaths,
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    findings: list[Finding] | None = None,
) -> list[str]:
    """Mend what `findings` (by default, a fresh `check`) report; one line per action taken.

    `settings` must be those the index was built with (checked against the manifest, when there
    is one): re-chunked documents must come out as ingest made them. An embedding precision left
    unset is the index's (`built_with`)."""
    todo = check(paths, settings) if findings is None else findings
    if not todo:
        return []
    settings = built_with(paths, settings)
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
        if kinds & KEYWORDS:
            # Rebuilt whole from Chroma (which the steps above made right), in a sibling folder
            # that replaces the old one in a rename; the old format's folder goes after it.
            keywords = build(paths.keywords, store.keyword_rows())
            what = "converted the old keyword index (bm25s)" if paths.bm25.is_dir() else "rebuilt"
            actions.append(
                f"{paths.keywords.name}/: {what} from {_n(keywords.count(), 'chunk')} in Chroma"
            )
            shutil.rmtree(paths.bm25, ignore_errors=True)
        elif changed:
            keywords = TantivyKeywordIndex(paths.keywords)
            try:
                for doc_id in sorted(delete):
                    keywords.delete(doc_id)
                for doc_id, chunks, outlet in store.keyword_rows(sorted(rechunk)):
                    keywords.upsert(doc_id, chunks, outlet)
                keywords.commit()
            finally:
                keywords.close()
            actions.append(
                f"{paths.keywords.name}/: updated for {_n(len(delete | rechunk), 'document')}"
            )
        if QUOTES_STALE in kinds:
            stale = docs.stale_quotes()
            docs.redo_quotes(stale)
            done = _n(len(stale), "document")
            actions.append(f"{paths.documents.name}: attributions extracted for {done}")
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


def built_with(paths: IndexPaths, settings: Settings, probe: int = 20) -> Settings:
    """`settings` with the embedding precision the index was built with: as set, or as its
    manifest records (`resolved`). When the manifest is lost or unreadable but documents are
    stored, the precision is the one whose build parameters give their stored content hashes
    (the first of `probe` documents that either gives): the default for a new index would make
    a float32 index's rewritten manifest say int8, and its questions miss their chunks."""
    readable = _manifest_error(paths) is None and paths.manifest.is_file()
    if settings.embed_int8 is not None or readable or not paths.documents.is_file():
        return resolved(settings)
    docs = DocStore(paths.documents)
    try:
        for doc_id, digest in list(docs.hashes().items())[:probe]:
            doc = docs.get(doc_id)
            for int8 in (False, True):
                candidate = settings.with_(embed_int8=int8)
                if doc is not None and content_hash(doc, candidate) == digest:
                    return candidate
    finally:
        docs.close()
    return resolved(settings)


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


def _quote_findings(paths: IndexPaths) -> list[Finding]:
    """Documents whose attributions (who said what) this version of the extractor did not
    write: an index from before it, or from an older one. Read-only, like `_rows`."""
    from rag.index.docstore import QUOTES_VERSION

    if not paths.documents.is_file():
        return []
    db = sqlite3.connect(paths.documents.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
        if not columns:
            return []
        if "quotes_version" in columns:
            sql = "SELECT COUNT(*) FROM documents WHERE quotes_version IS NOT ?"
            stale = int(db.execute(sql, (QUOTES_VERSION,)).fetchone()[0])
        else:
            stale = int(db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
    finally:
        db.close()
    if not stale:
        return []
    return [
        Finding(
            QUOTES_STALE,
            None,
            f"{_n(stale, 'document')} without attributions (who said what) from this version; "
            "--repair extracts them",
        )
    ]


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


def _keyword_findings(paths: IndexPaths, scan: _Scan, *, compare: bool) -> list[Finding]:
    where = f"{paths.keywords.name}/"
    out = []
    tmp = paths.keywords.with_name(paths.keywords.name + ".tmp")
    if tmp.exists():
        out.append(
            Finding(
                KEYWORDS_LEFTOVER,
                None,
                f"{tmp.name}/: left over from an interrupted rebuild; --repair removes it",
            )
        )
    if not TantivyKeywordIndex.exists(paths.keywords):
        if paths.bm25.is_dir():
            out.append(
                Finding(
                    KEYWORDS_OLD,
                    None,
                    f"{paths.bm25.name}/: the keyword index is in the old format (bm25s); "
                    "--repair (or the next ingest) converts it",
                )
            )
        elif not scan.empty:
            out.append(
                Finding(
                    KEYWORDS_MISSING, None, f"{where}: the keyword index is missing; --repair "
                    "rebuilds it",
                )
            )  # fmt: skip
        return out
    if not compare:
        return out
    saved = TantivyKeywordIndex(paths.keywords).chunk_ids()
    stored = {h.chunk.chunk_id for hits in scan.chunks.values() for h in hits}
    missing, extra = len(stored - saved), len(saved - stored)
    if missing or extra:
        out.append(
            Finding(
                KEYWORDS_STALE,
                None,
                f"{where}: the keyword index has {len(saved)} chunks, Chroma {len(stored)} "
                f"({missing} not indexed, {extra} gone); --repair rebuilds it",
            )
        )
    return out


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


def _chunk_number(chunk_id: str) -> tuple[int, str]:
    number = chunk_id.rpartition("::")[2]
    return (int(number), "") if number.isdigit() else (-1, chunk_id)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
