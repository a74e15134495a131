"""The vector store: Chroma, persisted under the index folder. chromadb is imported only here.

Holds one collection of chunks (text, embedding, document id, offsets, document metadata).
Whole documents (their text, for citations and the viewer, and a content hash for incremental
ingest) live in `docstore`, not here: Chroma has no place for unembedded records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.types import Chunk

COLLECTION = "chunks"


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    metadata: dict[str, Any]


class ChromaStore:
    def __init__(self, path: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path),
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
        )
        self._col = self._client.get_or_create_collection(
            COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def count(self) -> int:
        return self._col.count()

    def upsert(
        self, chunks: list[Chunk], embeddings: list[list[float]], doc_meta: dict[str, Any]
    ) -> None:
        if not chunks:
            return
        meta = {k: v for k, v in doc_meta.items() if v is not None}
        self._col.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=embeddings,  # type: ignore[arg-type]
            documents=[c.text for c in chunks],
            metadatas=[
                {**meta, "doc_id": c.doc_id, "start": c.start, "end": c.end} for c in chunks
            ],
        )

    def delete_document(self, doc_id: str) -> None:
        self._col.delete(where={"doc_id": doc_id})

    def query(self, embedding: list[float], n: int) -> list[Hit]:
        n = min(n, self.count())
        if n <= 0:
            return []
        res = self._col.query(
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
                res["distances"][0],  # type: ignore[index]
                strict=True,
            )
        ]

    def get(self, ids: list[str]) -> dict[str, Hit]:
        if not ids:
            return {}
        res = self._col.get(ids=ids, include=["documents", "metadatas"])
        return {
            cid: _hit(cid, text, meta, 0.0)
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True)  # type: ignore[arg-type]
        }

    def all_texts(self) -> tuple[list[str], list[str]]:
        """(ids, texts) of every chunk, for building the BM25 index."""
        res = self._col.get(include=["documents"])
        return list(res["ids"]), list(res["documents"] or [])


def _hit(cid: str, text: str, meta: Any, score: float) -> Hit:
    chunk = Chunk(cid, str(meta["doc_id"]), int(meta["start"]), int(meta["end"]), text)
    return Hit(chunk, float(score), dict(meta))
