"""Ingest: files, URLs and feeds -> documents -> chunks (offsets kept) -> embeddings -> Chroma,
keyword index, documents table, manifest.

Two stages, so that a long ingest shows a true rate and ETA:
1. Read: every source is loaded and extracted, each new or changed document is chunked, and
   near-duplicates are linked to their story (`stories`). Nothing is written yet.
2. Embed and write: chunks of many documents are embedded together (one model call per few
   hundred chunks, sorted by length inside the embedder, so batches are full and little padding
   is computed), then each window is committed in the order that keeps the stores consistent:
   its chunks to Chroma, then one keyword-index commit, then each document's row.

Incremental: a document whose content hash (text, metadata and chunking) is unchanged is skipped;
a changed one has its old chunks replaced. Because each document is committed on its own, an
interrupted run leaves every finished document usable, and the next run picks up the rest: a
document without its row is done again, and Chroma's replace and the keyword index's upsert are
idempotent, so a replay converges wherever the run was killed. URLs and feeds
remember what they fetched (ETag, Last-Modified, feed entry ids) only after the run succeeded,
so an interrupted run fetches them again rather than losing them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import InputError, RagError
from rag.index.checkpoints import checkpoint
from rag.index.docstore import DocStore
from rag.index.keyword import TantivyKeywordIndex, build
from rag.index.lock import writing
from rag.index.manifest import (
    IndexPaths,
    build_params,
    check_compatible,
    require_folder,
    resolved,
    write_manifest,
)
from rag.index.space import disk_full, is_disk_full
from rag.index.store import ChromaStore, open_store
from rag.llm.embed import Embedder
from rag.settings import Settings
from rag.sources.chunk import chunk_document, header, indexed_text
from rag.sources.deadline import capped
from rag.sources.load import (
    MB,
    Problem,
    SourceFile,
    degenerate,
    find_files,
    load_fetched,
    load_file,
    valid_unicode,
)
from rag.sources.sentences import scoring_spans
from rag.types import Chunk, Document, day_number

if TYPE_CHECKING:
    from rag.sources.fetch import Feed, Fetched, Fetcher, FetchState

# Chunks embedded per model call: big enough that the embedder's length-sorted batches are full,
# small enough that a crash loses little work and the progress bar moves.
EMBED_WINDOW = 256
# From this many chunks on, loading the bulk (bfloat16 / GPU) embedder, about 6 s for torch,
# pays for itself.
BULK_MIN_CHUNKS = 400
FETCH_STATE = "fetch.json"
NO_OUTLET = ""  # the key, in IngestReport.outlets, of documents that name no outlet


@dataclass(frozen=True)
class Sources:
    """What to ingest: files and folders, page URLs, and feed URLs."""

    paths: Sequence[Path] = ()
    urls: Sequence[str] = ()
    feeds: Sequence[str] = ()


@dataclass
class IngestReport:
    files: int = 0
    documents: int = 0  # documents seen in the input
    embedded_documents: int = 0
    embedded_chunks: int = 0
    pending_chunks: int = 0  # chunks of new or changed documents, to be embedded and written
    unchanged: int = 0
    removed: int = 0
    converted: int = 0  # chunks of an old keyword index (bm25s) converted, once
    total_documents: int = 0
    total_chunks: int = 0
    problems: list[Problem] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)  # documents in, by type
    outlets: Counter[str] = field(default_factory=Counter)  # documents in, by outlet
    dated: int = 0  # documents in with a publication date
    linked: int = 0  # new documents linked to an earlier copy of the same story
    fetched: int = 0  # pages and feeds fetched over HTTP
    not_modified: int = 0  # of those, unchanged since the last run (HTTP 304)
    embed_seconds: float = 0.0  # wall time of stage 2 (embedding and writing)
    embedder: str = ""  # which embedder stage 2 used


class Progress:
    """What ingest tells its caller as it goes; the CLI draws a Rich bar from it. `start` opens
    a stage ("Reading" files, "Embedding" chunks) of `total` steps."""

    def start(self, total: int, stage: str = "Ingesting") -> None: ...
    def advance(self, label: str, steps: int = 1) -> None: ...


def content_hash(doc: Document, settings: Settings) -> str:
    fields: list[object] = [
        doc.text,
        doc.title,
        doc.source,
        doc.published_at,
        doc.url,
        doc.author,
        doc.path,
        build_params(settings),
    ]
    # Added later, and only when set, so that documents without them keep their old hash and
    # an upgrade does not re-embed an unchanged archive.
    extra = {"language": doc.language, "pages": list(doc.pages)}
    extra = {k: v for k, v in extra.items() if v}
    if extra:
        fields.append(extra)
    payload = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class _Pending:
    doc: Document
    digest: str
    chunks: list[Chunk]
    head: str
    signature: bytes | None


@dataclass
class _Fetches:
    """What was fetched in this run, recorded in the fetch state only once the run is done."""

    pages: list[Fetched] = field(default_factory=list)
    feeds: list[tuple[Feed, list[str], bool]] = field(default_factory=list)  # ids, all done


def ingest(
    paths: Sequence[Path] | Sources,
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    prune: bool = False,
    progress: Progress | None = None,
    bulk_factory: Callable[[], Embedder | None] | None = None,
    writer: str = "rag ingest",
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest `paths` (or `Sources`) into `settings.index_dir`, holding the index's write lock
    (`rag.index.lock`) as `writer`; another writer is waited for up to `wait_s`, then refused."""
    sources = paths if isinstance(paths, Sources) else Sources(paths=paths)
    root = settings.index_dir
    require_folder(root)
    files = find_files(sources.paths) if sources.paths else []  # before the lock: fails fast
    report = IngestReport(files=len(files))
    try:
        with writing(root, writer, wait_s=wait_s, on_wait=on_wait):
            args = (embedder_factory, prune, progress, bulk_factory, report)
            # decided under the lock: another writer may have just made the index
            _ingest(sources, files, resolved(settings), *args)
    except RagError:
        raise
    except Exception as e:
        # Whichever store hit it, a full disk is said as one line (see `rag.index.space`).
        if is_disk_full(e, root):
            left = report.pending_chunks - report.embedded_chunks
            raise disk_full(root, report.total_chunks, left) from None
        raise
    return report


def _ingest(
    sources: Sources,
    files: list[SourceFile],
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    prune: bool,
    progress: Progress | None,
    bulk_factory: Callable[[], Embedder | None] | None,
    report: IngestReport,
) -> None:
    from rag.sources.stories import Stories, signature

    progress = progress or Progress()
    index = IndexPaths(settings.index_dir)
    check_compatible(index, settings)
    fetches = _Fetches()
    state = _fetch_state(index) if sources.urls or sources.feeds else None
    # Chroma is opened when something is to be written: a run that finds nothing new or changed
    # (a feed pulled every 15 minutes) does not pay its import and load (about 1 s). It is
    # opened in a thread from the first new or changed document on, while the embedder loads
    # (0.3 s less for one added article). A new index, and a Chroma server, are opened at once:
    # the folder is made whole, and an unreachable server is said before anything is read.
    opening: list[Future[ChromaStore]] = []

    def open_soon() -> None:
        if not opening:
            pool = ThreadPoolExecutor(1, thread_name_prefix="open-chroma")
            opening.append(pool.submit(open_store, settings, index.chroma))
            pool.shutdown(wait=False)

    def store() -> ChromaStore:
        open_soon()
        return opening[0].result()

    if settings.chroma_url or not index.chroma.exists():
        store()
    keywords = open_keywords(index, store, report)
    docs = DocStore(index.documents)
    embedder: Embedder | None = None
    try:
        known = docs.hashes()
        stories = Stories(docs.near_copies)
        first_copies: set[str] = set()
        seen: set[str] = set()
        file_labels = {str(f.path) for f in files}
        loaded_files: set[str] = set()
        pending: list[_Pending] = []
        progress.start(len(files) + len(sources.urls) + len(sources.feeds), "Reading")
        for label, loaded in _read(sources, files, settings, report, state, fetches):
            if loaded is not None and label in file_labels:
                loaded_files.update(d.path for d in loaded if d.path)
            for doc in loaded or []:
                if doc.doc_id in seen:
                    report.problems.append(
                        Problem(label, f"{label}: duplicate document id {doc.doc_id!r}, skipped")
                    )
                    continue
                seen.add(doc.doc_id)
                _count(report, doc)
                digest = content_hash(doc, settings)
                if known.get(doc.doc_id) == digest:
                    report.unchanged += 1
                    continue
                open_soon()
                embedder = embedder or embedder_factory()
                try:
                    head, chunks = read_chunks(doc, label, settings, embedder)
                except InputError as e:
                    report.problems.append(Problem(label, str(e)))
                    continue
                sig = signature(doc.text)
                if sig is not None:
                    story = stories.story_of(doc.doc_id, sig)
                    if story is not None:
                        doc = replace(doc, story=story)
                        first_copies.add(story)
                        report.linked += 1
                    stories.add(doc.doc_id, sig, doc.story)
                pending.append(_Pending(doc, digest, chunks, head, sig))
            progress.advance(label)
        if pending:
            assert embedder is not None
            report.pending_chunks = sum(len(p.chunks) for p in pending)
            report.total_chunks = docs.total_chunks()  # before: what a full disk's message measures
            _embed_and_write(
                pending, store(), keywords, docs, embedder, settings, report, progress, bulk_factory
            )
        for story in first_copies:
            first = docs.get(story)
            if first is not None and first.story is None:
                docs.set_story(story, story)
        if prune:
            # Fetched documents (no path) are never pruned: a site being down is not a deletion.
            gone = [
                doc_id
                for doc_id, path in docs.paths().items()
                if doc_id not in seen
                and path is not None
                and (not Path(path).exists() or path in loaded_files)
            ]
            if gone:
                # The row goes last, as it came last: a run killed before it prunes again.
                store().delete_documents(gone)
                for doc_id in gone:
                    keywords.delete(doc_id)
                keywords.commit()
                for doc_id in gone:
                    docs.delete(doc_id)
                report.removed += len(gone)
        report.total_documents = len(docs)
        report.total_chunks = docs.total_chunks()
        write_manifest(
            index,
            settings,
            {"documents": report.total_documents, "chunks": report.total_chunks},
        )
        if state is not None:
            _remember(state, fetches)
    finally:
        keywords.close()
        docs.close()


def open_keywords(
    index: IndexPaths, store: Callable[[], ChromaStore], report: IngestReport | None = None
) -> TantivyKeywordIndex:
    """The index's keyword index, built once from the chunks in Chroma where it is missing: a
    new index, or one from before the incremental keyword index (bm25s, `bm25/`), which is
    converted and its old folder removed."""
    import shutil

    if TantivyKeywordIndex.exists(index.keywords):
        keywords = TantivyKeywordIndex(index.keywords)
    else:
        keywords = build(index.keywords, store().keyword_rows())
        if index.bm25.is_dir() and report is not None:
            report.converted = keywords.count()
    # Removed only once the new index is in place (a run killed in between converts again).
    shutil.rmtree(index.bm25, ignore_errors=True)
    return keywords


def chunks_of(doc: Document, settings: Settings, embedder: Embedder) -> tuple[str, list[Chunk]]:
    """A document's header and chunks, as ingest stores them (and a repair redoes them)."""
    head = header(doc) if settings.headers else ""
    chunks = chunk_document(
        doc,
        settings.chunk_tokens,
        settings.chunk_overlap_tokens,
        # Sizes in the model's word pieces; an embedder without a tokenizer falls back to words.
        getattr(embedder, "tokenize", None),
        head,
    )
    return head, chunks


def read_chunks(
    doc: Document, label: str, settings: Settings, embedder: Embedder
) -> tuple[str, list[Chunk]]:
    """`chunks_of`, within the read time cap (`rag.sources.deadline`): the splitter takes about
    5 s per MB of text without sentence breaks, so a 10 MB line would hold the ingest for a
    minute before its 35,000 chunks were even embedded."""
    where = label if doc.doc_id in label else f"{label} ({doc.doc_id})"
    return capped(partial(chunks_of, doc, settings, embedder), settings.max_read_s, where)


def preview(paths: Sequence[Path] | Sources, settings: Settings) -> Iterator[Document | Problem]:
    """Every document as ingest would store it, and every problem, without touching the index
    (`rag ingest --dry-run`). Nothing is fetched conditionally, so every page shows."""
    sources = paths if isinstance(paths, Sources) else Sources(paths=paths)
    files = find_files(sources.paths) if sources.paths else []
    report = IngestReport()
    for _label, loaded in _read(sources, files, settings, report, None, _Fetches()):
        yield from report.problems
        report.problems.clear()
        yield from loaded or []


def _embed_and_write(
    pending: list[_Pending],
    store: ChromaStore,
    keywords: TantivyKeywordIndex,
    docs: DocStore,
    embedder: Embedder,
    settings: Settings,
    report: IngestReport,
    progress: Progress,
    bulk_factory: Callable[[], Embedder | None] | None,
) -> None:
    total = sum(len(p.chunks) for p in pending)
    bulk = bulk_factory() if bulk_factory and total >= BULK_MIN_CHUNKS else None
    embed_with = bulk or embedder
    report.embedder = type(embed_with).__name__ + (" (bfloat16)" if bulk else "")
    progress.start(total, "Embedding")
    started = time.perf_counter()

    def write(window: list[_Pending], vectors: list[list[float]]) -> None:
        chunks = [c for p in window for c in p.chunks]
        metas = [m for p in window for m in chunk_metas(p.doc, p.head, p.chunks)]
        # One write for the window (Chroma's cost is per call), one keyword commit, then each
        # document's row: a crash in between leaves new chunks under an old row, which the next
        # run (or `rag index check --repair`) redoes, never a row without its chunks.
        store.replace_documents([p.doc.doc_id for p in window], chunks, vectors, metas)
        checkpoint("chunks-written")
        if settings.sentence_vectors:
            _store_sentences(store, embed_with, chunks)
        for p in window:
            keywords.upsert(
                p.doc.doc_id, [(c.chunk_id, indexed_text(p.head, c.text)) for c in p.chunks],
                p.doc.source,
            )  # fmt: skip
        keywords.commit()
        for p in window:
            docs.put(p.doc, p.digest, len(p.chunks), p.signature)
            checkpoint("row-written")
            report.embedded_documents += 1
            report.embedded_chunks += len(p.chunks)
            progress.advance(p.doc.doc_id, len(p.chunks))

    # A window is written (Chroma, keyword commit, rows, with the attributions extracted on the
    # way) while the next one embeds: the writes run mostly on one core, which embedding alone
    # would leave idle part of the time. One window in flight at most, so that writes keep their
    # order and memory stays bounded; an error in either surfaces here, and leaving the block
    # waits for the write in flight, so an interrupted run has finished every window it began.
    with ThreadPoolExecutor(1, thread_name_prefix="write") as writer:
        writing: Future[None] | None = None
        for window in _windows(pending, EMBED_WINDOW):
            vectors = embed_with.embed_documents(
                [indexed_text(p.head, c.text) for p in window for c in p.chunks]
            )
            checkpoint("embedded")
            if writing is not None:
                writing.result()
            writing = writer.submit(write, window, vectors)
        if writing is not None:
            writing.result()
    report.embed_seconds = time.perf_counter() - started


def _windows(pending: list[_Pending], size: int) -> Iterator[list[_Pending]]:
    window: list[_Pending] = []
    count = 0
    for p in pending:
        window.append(p)
        count += len(p.chunks)
        if count >= size:
            yield window
            window, count = [], 0
    if window:
        yield window


def _count(report: IngestReport, doc: Document) -> None:
    report.documents += 1
    report.kinds[doc.kind] += 1
    report.outlets[doc.source or NO_OUTLET] += 1
    report.dated += bool(doc.published_at)


def _read(
    sources: Sources,
    files: list[SourceFile],
    settings: Settings,
    report: IngestReport,
    state: FetchState | None,
    fetches: _Fetches,
) -> Iterator[tuple[str, list[Document] | None]]:
    """(label, documents or None when the source failed) for every source; failures, and
    documents that are not article text (`degenerate`), are added to `report.problems` with one
    line each."""
    for label, loaded in _load_sources(sources, files, settings, report, state, fetches):
        if loaded is not None:
            kept = []
            for doc in map(valid_unicode, loaded):
                why = degenerate(doc.text)
                if why:
                    report.problems.append(Problem(label, f"{label}: {why}, skipped."))
                else:
                    kept.append(doc)
            loaded = kept
        yield label, loaded


def _load_sources(
    sources: Sources,
    files: list[SourceFile],
    settings: Settings,
    report: IngestReport,
    state: FetchState | None,
    fetches: _Fetches,
) -> Iterator[tuple[str, list[Document] | None]]:
    max_bytes = int(settings.max_file_mb * MB)
    cap = settings.max_read_s
    for src in files:
        label = str(src.path)
        load = partial(capped, partial(load_file, src, max_bytes), cap, label)
        yield label, _guarded(label, load, report)
    if not (sources.urls or sources.feeds):
        return
    from rag.sources.fetch import Fetcher

    with Fetcher(timeout_s=settings.fetch_timeout_s, max_bytes=max_bytes) as fetcher:
        for url in sources.urls:
            page = partial(_page, fetcher, url, state, report, fetches, cap)
            yield url, _guarded(url, page, report)
        for url in sources.feeds:
            feed = partial(_feed, fetcher, url, state, report, fetches, cap)
            yield url, _guarded(url, feed, report)


def _guarded(
    label: str, load: Callable[[], list[Document]], report: IngestReport, within: str = ""
) -> list[Document] | None:
    """`load()`, or None with the failure added to the report as one line (ending with
    `within`, e.g. the feed a page was listed in)."""
    try:
        return load()
    except InputError as e:
        report.problems.append(Problem(label, f"{str(e).rstrip('.')}{within}."))
    except OSError as e:
        report.problems.append(Problem(label, f"{label}: cannot read ({e.strerror or e}){within}."))
    return None


def _page(
    fetcher: Fetcher,
    url: str,
    state: FetchState | None,
    report: IngestReport,
    fetches: _Fetches,
    cap: float,
    defaults: dict[str, str] | None = None,
) -> list[Document]:
    fetched = fetcher.fetch(url, state)
    report.fetched += 1
    if fetched.not_modified:
        report.not_modified += 1
        report.unchanged += 1
        return []
    read = partial(load_fetched, fetched, defaults, fetcher.max_bytes)
    loaded = capped(read, cap, url)
    fetches.pages.append(fetched)
    return loaded


def _feed(
    fetcher: Fetcher,
    url: str,
    state: FetchState | None,
    report: IngestReport,
    fetches: _Fetches,
    cap: float,
) -> list[Document]:
    """The new entries' pages of one feed; a page that fails is a problem of its own, and its
    entry stays unseen, so the next run tries it again."""
    from rag.sources.fetch import read_feed, short_url

    feed = read_feed(fetcher, url, state, read_s=cap)
    report.fetched += 1
    if feed.not_modified:
        report.not_modified += 1
        return []
    if not feed.entries:
        raise InputError(f"{url}: the feed lists no entries, nothing to ingest.")
    out: list[Document] = []
    done: list[str] = []
    for entry in feed.new:
        if not entry.link:
            shown = entry.id if len(entry.id) <= 80 else entry.id[:79] + "…"
            report.problems.append(Problem(url, f"{url}: entry {shown!r} has no link, skipped."))
            continue
        given = {"title": entry.title, "published_at": entry.published_at, "author": entry.author}
        defaults = {k: v for k, v in given.items() if v}
        page = partial(_page, fetcher, entry.link, None, report, fetches, cap, defaults)
        loaded = _guarded(entry.link, page, report, f" (listed in the feed {short_url(url)})")
        if loaded is not None:
            out.extend(loaded)
            done.append(entry.id)
    fetches.feeds.append((feed, done, len(done) == len(feed.new)))
    return out


def _fetch_state(index: IndexPaths) -> FetchState:
    from rag.sources.fetch import FetchState

    return FetchState(index.root / FETCH_STATE)


def _remember(state: FetchState, fetches: _Fetches) -> None:
    for fetched in fetches.pages:
        state.remember(fetched)
    for feed, ids, complete in fetches.feeds:
        state.mark_seen(feed.url, ids)
        if complete:
            state.remember(feed.fetched)
    state.save()


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


def chunk_metas(doc: Document, head: str, chunks: list[Chunk]) -> list[dict[str, str | int | None]]:
    """Each chunk's metadata: its document's, plus for PDFs the page it starts on and the pages
    that start inside it, so that any cited span inside can name its page."""
    meta: dict[str, str | int | None] = {
        "title": doc.title,
        "source": doc.source,
        "published_at": doc.published_at,
        "day": day_number(doc.published_at),
        "url": doc.url,
        "path": doc.path,
        "header": head or None,
    }
    if not doc.pages:
        return [meta] * len(chunks)
    out = []
    for c in chunks:
        breaks = [
            f"{number}@{start}"
            for number, start in enumerate(doc.pages, 1)
            if c.start < start < c.end
        ]
        out.append({**meta, "page": doc.page_at(c.start) or 1, "page_breaks": ",".join(breaks)})
    return out
