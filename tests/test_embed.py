"""The default embedder (onnxruntime over a cached ONNX export) gives the vectors and word pieces
of the reference (sentence-transformers), so an index built with either answers the same."""

from pathlib import Path

import numpy as np
import onnx
import pytest

from rag.llm.embed import OnnxEmbedder, SentenceTransformerEmbedder, _model_path, load_embedder

from .conftest import SEEDS


@pytest.fixture(scope="module")
def texts() -> list[str]:
    articles = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    # Chunks are at most 256 word pieces; keep the texts inside that window.
    return [a[:900] for a in articles] + ["What did Patrushev say about AUKUS?", "Dushanbe"]


def test_default_embedder_is_onnx_and_cached(embedder, tmp_path):
    assert isinstance(embedder, OnnxEmbedder)
    folder = _model_path("all-MiniLM-L6-v2")
    assert isinstance(folder, Path)
    stat = (folder / "model.safetensors").stat()
    # what the first export version left in the cache: replaced, not kept beside the new one
    first = [
        tmp_path / f"all-MiniLM-L6-v2-{stat.st_size}-{stat.st_mtime_ns}{s}.onnx"
        for s in ("", "-int8")
    ]
    for path in first:
        path.write_bytes(b"an older export")
    fresh = load_embedder("all-MiniLM-L6-v2", tmp_path)  # exports into the cache
    (exported,) = tmp_path.glob("all-MiniLM-L6-v2-*.onnx")
    assert isinstance(fresh, OnnxEmbedder) and fresh.onnx_path == exported
    assert not list(tmp_path.glob("*.tmp"))  # written atomically
    # eager attention: no guard against fully masked rows after each softmax (13% of the time)
    ops = {node.op_type for node in onnx.load(str(exported)).graph.node}
    assert "Softmax" in ops and "IsNaN" not in ops
    written = exported.stat().st_mtime_ns
    again = load_embedder("all-MiniLM-L6-v2", tmp_path)  # cached: not exported a second time
    assert again.onnx_path == exported and exported.stat().st_mtime_ns == written


def test_onnx_matches_sentence_transformers(float32_embedder, texts):
    embedder = float32_embedder
    reference = SentenceTransformerEmbedder()
    a = np.asarray(embedder.embed_documents(texts))
    b = np.asarray(reference.embed_documents(texts))
    assert a.shape == b.shape == (len(texts), 384)
    assert (a * b).sum(axis=1).min() > 0.9999
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert all(embedder.tokenize(t) == reference.tokenize(t) for t in texts)


def test_long_text_is_truncated_not_refused(embedder):
    long = "word " * 2000
    (vector,) = embedder.embed_documents([long])
    assert len(vector) == 384 and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert len(embedder.tokenize(long)) == 2000  # counting never truncates


# Order is checked on the float32 model: the int8 one scales activations per batch (dynamic
# quantisation), so its vectors move a little (cosine >= 0.98) with their batch-mates.
def test_batches_keep_input_order(float32_embedder, texts):
    embedder = float32_embedder
    one_by_one = [embedder.embed_query(t) for t in texts]
    together = embedder.embed_queries(texts)
    assert np.allclose(one_by_one, together, atol=1e-5)


def test_batches_run_at_once_keep_input_order(float32_embedder, texts):
    embedder = float32_embedder
    # Batches of 2 over 3 threads: 11 batches, finishing in any order, each row back in its place.
    many = [f"{t} ({n})" for n in range(3) for t in texts]
    folder = _model_path("all-MiniLM-L6-v2")
    assert isinstance(folder, Path)
    threaded = OnnxEmbedder("x", embedder.onnx_path, folder, 256, batch_size=2, workers=3)
    one_by_one = np.asarray([embedder.embed_query(t) for t in many])
    assert np.allclose(one_by_one, threaded.embed_documents(many), atol=1e-5)


def test_int8_embedder_is_cached_beside_the_export_and_close_to_float32(
    float32_embedder, texts, tmp_path
):
    int8 = load_embedder("all-MiniLM-L6-v2", tmp_path, int8=True)
    assert isinstance(int8, OnnxEmbedder) and int8.name.endswith("int8")
    (quantised,) = tmp_path.glob("all-MiniLM-L6-v2-*-int8.onnx")
    (plain,) = (p for p in tmp_path.glob("all-MiniLM-L6-v2-*.onnx") if p != quantised)
    assert quantised.stat().st_size < 0.8 * plain.stat().st_size  # int8 weights, not a copy
    assert not list(tmp_path.glob("*.tmp"))
    a = np.asarray(float32_embedder.embed_documents(texts))
    b = np.asarray(int8.embed_documents(texts))
    cosine = (a * b).sum(axis=1)
    # Another model, close to the float32 one: what it does to retrieval is measured in
    # scripts/RETRIEVAL_RESULTS.md, and an index records which of the two built it.
    assert cosine.min() > 0.97 and cosine.mean() < 0.9999
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert load_embedder("all-MiniLM-L6-v2", tmp_path, int8=True).name == int8.name  # cached
