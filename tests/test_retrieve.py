import pytest

from rag.bm25 import BM25Index
from rag.retrieve import HybridRetriever, fuse
from rag.store import ChromaStore
from rag.types import Chunk


def test_rrf_scores_and_order():
    fused = fuse([["a", "b", "c"], ["c", "a"]], k=60)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)
    assert [cid for cid, _ in fused] == ["a", "c", "b"]


def test_fusion_is_keyed_by_chunk_id_not_text(tmp_path, embedder):
    """Two articles sharing a passage word for word each keep their own result."""
    store = ChromaStore(tmp_path / "chroma")
    shared = "The ministers agreed on a new transit corridor through the Caspian region."
    chunks = [
        Chunk("a.txt::0", "a.txt", 0, len(shared), shared),
        Chunk("b.txt::0", "b.txt", 0, len(shared), shared),
        Chunk("c.txt::0", "c.txt", 0, 20, "Football results fro"),
    ]
    for c in chunks:
        store.upsert([c], embedder.embed_documents([c.text]), {"title": c.doc_id})
    bm25 = BM25Index.build([c.chunk_id for c in chunks], [c.text for c in chunks])
    from rag.settings import Settings

    retriever = HybridRetriever(store, bm25, embedder, Settings(k=3))
    passages = retriever.retrieve("transit corridor Caspian")
    top_two = {p.chunk.doc_id for p in passages[:2]}
    assert top_two == {"a.txt", "b.txt"}
    assert [p.rank for p in passages] == [1, 2, 3]


def test_bm25_ignores_unknown_words_and_round_trips(tmp_path):
    index = BM25Index.build(["x::0", "y::0"], ["Patrushev spoke about AUKUS", "Raisi in Tehran"])
    assert index.search("zzzz qqqq", 5) == []
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded is not None
    assert loaded.search("AUKUS", 5)[0][0] == "x::0"


def test_seed_retrieval_finds_the_aukus_paragraph(seed_settings, embedder):
    from rag.index import IndexPaths

    paths = IndexPaths(seed_settings.index_dir)
    retriever = HybridRetriever(
        ChromaStore(paths.chroma), BM25Index.load(paths.bm25), embedder, seed_settings
    )
    passages = retriever.retrieve("What did Patrushev say about AUKUS?")
    assert passages[0].chunk.doc_id == "001_72ccaa6fd02313a0.txt"
    assert "AUKUS" in passages[0].chunk.text
    assert passages[0].source == "Iran Press"
