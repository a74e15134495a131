"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings, fused by chunk id with
reciprocal rank fusion. Fusion is keyed by chunk id, never by text: two articles can share a
passage word for word, and each must keep its own citation.

Left out for now: reranking with a cross-encoder, and metadata filters (outlet, date).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.bm25 import BM25Index
from rag.embed import Embedder
from rag.settings import Settings
from rag.store import ChromaStore, Hit
from rag.types import Passage


def fuse(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(id) = sum over rankings of 1 / (k + rank), rank from 1.
    Ties keep the order in which ids were first seen."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class HybridRetriever:
    def __init__(
        self, store: ChromaStore, bm25: BM25Index | None, embedder: Embedder, settings: Settings
    ) -> None:
        self.store = store
        self.bm25 = bm25
        self.embedder = embedder
        self.settings = settings

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        k = k or self.settings.k
        n = max(self.settings.candidates, k)
        dense = self.store.query(self.embedder.embed_query(question), n)
        hits: dict[str, Hit] = {h.chunk.chunk_id: h for h in dense}
        keyword = self.bm25.search(question, n) if self.bm25 else []
        # BM25 may name chunks that a later, interrupted ingest removed: keep only stored ones.
        hits.update(self.store.get([cid for cid, _ in keyword if cid not in hits]))
        rankings = [
            [h.chunk.chunk_id for h in dense],
            [cid for cid, _ in keyword if cid in hits],
        ]
        fused = fuse(rankings, self.settings.rrf_k)[:k]
        return [_passage(rank, hits[cid], score) for rank, (cid, score) in enumerate(fused, 1)]


def _passage(rank: int, hit: Hit, score: float) -> Passage:
    meta = hit.metadata
    return Passage(
        rank=rank,
        chunk=hit.chunk,
        score=score,
        title=str(meta.get("title") or hit.chunk.doc_id),
        source=meta.get("source"),
        published_at=meta.get("published_at"),
        path=meta.get("path"),
        url=meta.get("url"),
    )
