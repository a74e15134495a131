"""The vector store: Chroma, persisted under the index folder. chromadb is imported only here.

Holds two collections: chunks (body text, embedding of header + body, document id, offsets,
document metadata, the header) and their sentences (embedding, offsets, the chunk they belong to),
which the second retrieval stage scores one by one.
Whole documents (their text, for citations and the viewer, and a content hash for incremental
ingest) live in `docstore`, not here: Chroma has no place for unembedded records.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rag.errors import StoreError
from rag.sources.chunk import chunk_id, indexed_text
from rag.types import Chunk, Hit

COLLECTION = "chunks"
SENTENCES = "sentences"


def import_backend() -> None:
    """Import chromadb now, in the calling thread (see `rag.llm.generate.import_backend`)."""
    import chromadb  # noqa: F401


# The open-source Chroma server refuses batches over 5,461 records; reads are paged the same.
BATCH = 5000
PROBE = 256  # chunk ids asked for at once when looking for an earlier version's leftovers

# How a collection's record ids are made from chunk ids, recorded in the collection's metadata.
# Chroma holds every record id in memory three times (its vector segment's id maps, read from a
# pickle when the index loads), and a chunk id is its document's id, often a URL, and a
# position: about 100 characters. Measured on 200,000 vectors, long ids against short: peak
# memory 517 against 487 MB, first query 0.77 against 0.67 s. A collection created since keys
# each chunk by a 24-character hash of its chunk id and keeps the chunk id in the metadata; one
# created before has no such entry, is keyed by the chunk ids themselves, and keeps working.
IDS = "rag:ids"
HASHED = "blake2b-96"


def hashed_key(chunk_id: str) -> str:
    return hashlib.blake2b(chunk_id.encode("utf-8"), digest_size=12).hexdigest()


def _same(chunk_id: str) -> str:
    return chunk_id


def _key_of(collection: Any) -> Callable[[str], str]:
    return hashed_key if (collection.metadata or {}).get(IDS) == HASHED else _same


class ChromaStore:
    def __init__(
        self,
        path: Path,
        fresh: bool = False,
        *,
        url: str | None = None,
        token: str | None = None,
        collection: str = COLLECTION,
    ) -> None:
        """The embedded store in `path`, or, with `url`, a Chroma server (`chroma run`), with
        `token` sent as a bearer token for a deployment behind an authenticating proxy.
        `fresh`: drop chromadb's per-process cache of opened clients first, so that what
        another process wrote since is read from disk (a server reloading after a CLI
        ingest); otherwise a second client for the same folder shares the first one's state."""
        import chromadb
        from chromadb.api.client import SharedSystemClient
        from chromadb.config import Settings as ChromaSettings

        if fresh:
            SharedSystemClient.clear_system_cache()
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            self._client = _http_client(url, token, chroma_settings)
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        try:
            # The metadata is that of a new collection; an existing one keeps its own.
            metadata = {"hnsw:space": "cosine", IDS: HASHED}
            self._col = self._client.get_or_create_collection(
                collection, metadata=metadata, embedding_function=None
            )
            self._sent = self._client.get_or_create_collection(
                f"{collection}-{SENTENCES}" if collection != COLLECTION else SENTENCES,
                metadata=metadata,
                embedding_function=None,
            )
        except Exception as e:
            if url:
                raise _unreachable(url, e) from None
            raise
        self._key = _key_of(self._col)
        self._sentence_key = _key_of(self._sent)

    def count(self) -> int:
        return self._col.count()

    def upsert(
        self,
        chunks: list[Chunk],
        embeddings: list[list[float]],
        doc_meta: dict[str, Any] | list[dict[str, Any]],
    ) -> None:
        """Chunks with their vectors and metadata: one dict for all (the chunks of one
        document), or one per chunk (chunks of several documents in one write)."""
        if not chunks:
            return
        metas = doc_meta if isinstance(doc_meta, list) else [doc_meta] * len(chunks)
        for at in range(0, len(chunks), BATCH):
            part = chunks[at : at + BATCH]
            self._col.upsert(
                ids=[self._key(c.chunk_id) for c in part],
                embeddings=embeddings[at : at + BATCH],  # type: ignore[arg-type]
                documents=[c.text for c in part],
                metadatas=[
                    {
                        **{k: v for k, v in meta.items() if v is not None},
                        "doc_id": c.doc_id,
                        "chunk_id": c.chunk_id,
                        "start": c.start,
                        "end": c.end,
                    }
                    for c, meta in zip(part, metas[at : at + BATCH], strict=True)
                ],
            )

    def upsert_sentences(
        self, chunks: list[Chunk], spans: list[list[tuple[int, int]]], embeddings: list[list[float]]
    ) -> None:
        """Sentences of a document's chunks (`spans[i]` for `chunks[i]`, offsets in the document
        text), in one write."""
        ids, metas = [], []
        for c, chunk_spans in zip(chunks, spans, strict=True):
            for i, (s, e) in enumerate(chunk_spans):
                ids.append(self._sentence_key(f"{c.chunk_id}#{i}"))
                metas.append({"chunk_id": c.chunk_id, "doc_id": c.doc_id, "start": s, "end": e})
        if ids:
            self._sent.upsert(ids=ids, embeddings=embeddings, metadatas=metas)  # type: ignore[arg-type]

    def replace_documents(
        self,
        doc_ids: list[str],
        chunks: list[Chunk],
        embeddings: list[list[float]],
        metas: list[dict[str, Any]],
    ) -> None:
        """Make `chunks` the chunks of `doc_ids`: upsert them (a chunk id is the document's id
        and the chunk's position, so a changed chunk is overwritten in place), then delete
        what is left of the old versions. Never delete first: a reader, or a crash, between
        the two steps sees the old or the new text, never a document without chunks."""
        if not doc_ids:
            return
        self.upsert(chunks, embeddings, metas)
        stale = self._beyond(doc_ids, Counter(c.doc_id for c in chunks))
        if stale:
            self._col.delete(ids=stale)
        self._sent.delete(where=_of_documents(doc_ids))

    def _beyond(self, doc_ids: list[str], kept: Counter[str]) -> list[str]:
        """Record ids of these documents' chunks from position `kept[doc]` on: what is left of a
        longer earlier version, or of an ingest killed before the document's row was written.
        A version's chunk ids are its positions 0..n-1, written in order, so they are found by
        asking for the ids after the kept ones, a page at a time, until a page comes back
        short. (Asking by `doc_id` metadata instead scans it: 6 s at a million chunks.)"""
        stale: list[str] = []
        for doc_id in doc_ids:
            at = kept[doc_id]
            while True:
                page = [self._key(chunk_id(doc_id, i)) for i in range(at, at + PROBE)]
                found = self._col.get(ids=page, include=[])["ids"]
                stale += found
                if len(found) < PROBE:
                    break
                at += PROBE
        return stale

    def delete_document(self, doc_id: str) -> None:
        self.delete_documents([doc_id])

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Every chunk and sentence of these documents, in one write per collection (the chunks
        by id, see `_beyond`)."""
        if not doc_ids:
            return
        ids = self._beyond(doc_ids, Counter())
        if ids:
            self._col.delete(ids=ids)
        self._sent.delete(where=_of_documents(doc_ids))

    def warm(self) -> None:
        """Load the vector index into memory now. Chroma reads a collection's HNSW files on the
        first call that touches it (5 to 7 s at a million chunks on 2 cores); one query with a
        stored vector, run while the embedding model loads, takes that off the user's first
        question."""
        got: Any = self._col.get(limit=1, include=["embeddings"])
        if len(got["ids"]):
            self._col.query(query_embeddings=[got["embeddings"][0]], n_results=1, include=[])

    def query(self, embedding: list[float], n: int) -> list[Hit]:
        # No count() first: Chroma (1.x) returns what there is when asked for more, or none
        # from an empty collection, and a count costs about 30 ms a query at 100k chunks.
        if n <= 0:
            return []
        # chromadb's result types mark every field optional; the ones asked for are present.
        res: Any = self._col.query(
            query_embeddings=[embedding],  # type: ignore[arg-type]
            n_results=n,
            include=["documents", "metadatas", "distances"],
        )
        return [
            _hit(cid, text, meta, 1.0 - dist)
            for cid, text, meta, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=True,
            )
        ]

    def get(self, ids: list[str]) -> dict[str, Hit]:
        if not ids:
            return {}
        res: Any = self._col.get(
            ids=[self._key(i) for i in ids], include=["documents", "metadatas"]
        )
        hits = (
            _hit(cid, text, meta, 0.0)
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
        )
        return {h.chunk.chunk_id: h for h in hits}

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, Any]:
        """{chunk_id: array of its sentence embeddings (rows normalised)}."""
        import numpy as np

        if not chunk_ids:
            return {}
        where: Any = {"chunk_id": {"$in": chunk_ids}}
        res: Any = self._sent.get(where=where, include=["embeddings", "metadatas"])
        rows: dict[str, list[Any]] = {}
        for meta, vec in zip(res["metadatas"] or [], res["embeddings"], strict=True):  # type: ignore[arg-type]
            rows.setdefault(str(meta["chunk_id"]), []).append(vec)
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in rows.items()}

    def _pages(self, include: list[str], where: Any = None) -> Any:
        """Every chunk (or those `where` selects), `BATCH` at a time (a server caps what one
        call may return)."""
        at = 0
        while True:
            res: Any = self._col.get(where=where, include=include, limit=BATCH, offset=at)  # type: ignore[arg-type]
            if not res["ids"]:
                return
            yield res
            at += len(res["ids"])

    def all_hits(self) -> Iterator[Hit]:
        """Every chunk with its text and metadata, read a page at a time."""
        for res in self._pages(["documents", "metadatas"]):
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True):
                yield _hit(cid, text, meta, 0.0)

    def keyword_rows(
        self, doc_ids: list[str] | None = None
    ) -> Iterator[tuple[str, list[tuple[str, str]], str | None]]:
        """(doc id, [(chunk id, indexed text)], outlet) of these documents (None: every one), as
        the keyword index holds them: for a rebuild (a repair, or an index from before
        `rag.index.keyword`) or a repair's update."""
        if doc_ids is not None and not doc_ids:
            return
        by_doc: dict[str, list[tuple[str, str]]] = {}
        outlet: dict[str, str | None] = {}
        where = None if doc_ids is None else _of_documents(doc_ids)
        for res in self._pages(["documents", "metadatas"], where):
            for key, text, meta in zip(
                res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True
            ):
                cid = _chunk_id(key, meta)
                doc_id = str(meta.get("doc_id") or cid.rsplit("::", 1)[0])
                # The header, when the chunk has one, then the body: what ingest indexed.
                indexed = indexed_text(meta.get("header") or "", text)
                by_doc.setdefault(doc_id, []).append((cid, indexed))
                outlet.setdefault(doc_id, meta.get("source"))
        for doc_id, chunks in by_doc.items():
            yield doc_id, chunks, outlet[doc_id]

    def all_vectors(self) -> Iterator[tuple[list[str], Any]]:
        """(ids, float32 array of their embeddings) of every chunk, a page at a time."""
        import numpy as np

        for res in self._pages(["embeddings", "metadatas"]):
            ids = [_chunk_id(k, m) for k, m in zip(res["ids"], res["metadatas"], strict=True)]
            yield ids, np.asarray(res["embeddings"], dtype=np.float32)

    def all_metadata(self) -> tuple[list[str], list[dict[str, Any]]]:
        """(ids, metadata) of every chunk, for filtering BM25 results by outlet or date."""
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        for res in self._pages(["metadatas"]):
            ids += [_chunk_id(k, m) for k, m in zip(res["ids"], res["metadatas"], strict=True)]
            metas += [dict(m) for m in res["metadatas"] or []]
        return ids, metas


def _of_documents(doc_ids: list[str]) -> Any:
    """A `where` filter for the records of these documents (Chroma wants `$in` only for two
    or more values)."""
    return {"doc_id": {"$in": doc_ids}} if len(doc_ids) > 1 else {"doc_id": doc_ids[0]}


def open_store(settings: Any, path: Path, fresh: bool = False) -> ChromaStore:
    """The store `settings` ask for: a Chroma server when `chroma_url` is set, else the
    embedded one in `path`."""
    if settings.chroma_url:
        return ChromaStore(
            path,
            url=settings.chroma_url,
            token=settings.chroma_token or None,
            collection=settings.chroma_collection,
        )
    return ChromaStore(path, fresh)


def _http_client(url: str, token: str | None, chroma_settings: Any) -> Any:
    from urllib.parse import urlsplit

    import chromadb

    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"RAG_CHROMA_URL={url}: expected http(s)://HOST:PORT.")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        return chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            headers=headers,
            settings=chroma_settings,
        )
    except Exception as e:  # chromadb raises ValueError, httpx errors, ... for a dead server
        raise _unreachable(url, e) from None


def _unreachable(url: str, e: Exception) -> StoreError:
    reason = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
    return StoreError(
        f"Cannot reach the Chroma server at {url} ({reason}). Start it with "
        "`chroma run --path DIR --host 127.0.0.1 --port PORT`, or unset RAG_CHROMA_URL to use "
        "the index folder's own store."
    )


def _chunk_id(key: str, meta: Any) -> str:
    """The chunk id of a record: in its metadata, or its record id in a collection from before
    `HASHED`."""
    return str((meta or {}).get("chunk_id") or key)


def _hit(key: str, text: str, meta: Any, score: float) -> Hit:
    chunk = Chunk(
        _chunk_id(key, meta), str(meta["doc_id"]), int(meta["start"]), int(meta["end"]), text
    )
    return Hit(chunk, float(score), dict(meta))
