"""Embedding throughput of the ONNX embedder (all-MiniLM-L6-v2) on chunk-sized texts: how the
batch size and the way the cores are used change chunks per second, for the float32 export and its
int8 quantisation. This is what chose `OnnxEmbedder`'s batches of 8 run on one thread each, one
batch per core at once.

The texts are windows of 180 words (about 230 word pieces, near the index's 256-token chunks) of
the first MultiHop-RAG articles, sorted by length as the embedder sorts them. Each configuration
runs the same batches after one warm-up run and reports chunks/s and the cosine of its vectors to
the first configuration's.

    python scripts/bench_embed.py                  # float32 and int8, each way, batches 8 and 32
    python scripts/bench_embed.py --texts 768 --batches 4 8 16

MultiHop-RAG: Tang & Yang (2024), ODC-BY.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from rag.llm.catalogue import models_dir
from rag.llm.embed import OnnxEmbedder, load_embedder, mean_pooled
from rag.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared/eval/multihop_rag/corpus.json"


def windows(n: int, words: int = 180) -> list[str]:
    texts: list[str] = []
    for article in json.loads(CORPUS.read_text("utf-8")):
        w = article["body"].split()
        texts += [" ".join(w[i : i + words]) for i in range(0, len(w), words)]
        if len(texts) >= n:
            return texts[:n]
    return texts


def feeds(embedder: OnnxEmbedder, texts: list[str], batch: int) -> list[dict[str, Any]]:
    """The embedder's model inputs for `texts`, sorted by length and cut into batches (with the
    rows each batch holds), made before the clock starts."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = []
    for at in range(0, len(order), batch):
        rows = order[at : at + batch]
        out.append({**embedder.model_inputs([texts[i] for i in rows]), "rows": rows})
    return out


def run(path: Path, batches: list[dict[str, Any]], threads: int, parallel: int, n: int) -> Any:
    """chunks/s and the vectors: `parallel` batches at once on a session of `threads` threads
    (0: onnxruntime's default, one per core)."""
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    wants = {i.name for i in session.get_inputs()}

    def one(b: dict[str, Any]) -> Any:
        out = session.run(None, {k: v for k, v in b.items() if k in wants})[0]
        return mean_pooled(out, b["attention_mask"])

    one(batches[-1])
    t = time.perf_counter()
    if parallel > 1:
        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(one, batches))
    else:
        results = [one(b) for b in batches]
    seconds = time.perf_counter() - t
    vectors = np.zeros((n, results[0].shape[1]), dtype=np.float32)
    for b, v in zip(batches, results, strict=True):
        vectors[b["rows"]] = v
    return n / seconds, vectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=int, default=384)
    ap.add_argument("--batches", type=int, nargs="+", default=[8, 32])
    a = ap.parse_args()
    cores = max(1, os.cpu_count() or 1)
    texts = windows(a.texts)
    settings = Settings.from_env()
    for int8 in (False, True):
        embedder = load_embedder(settings.embed_model, models_dir(settings), int8=int8)
        assert isinstance(embedder, OnnxEmbedder)
        ref = None
        for batch in a.batches:
            b = feeds(embedder, texts, batch)
            for label, threads, parallel in (
                (f"one run at a time, {cores} threads", 0, 1),
                (f"{cores} runs at once, 1 thread each", 1, cores),
            ):
                rate, vectors = run(embedder.onnx_path, b, threads, parallel, len(texts))
                ref = vectors if ref is None else ref
                cos = float((vectors * ref).sum(1).min())
                precision = "int8" if int8 else "float32"
                print(
                    f"{precision:8s} batch {batch:3d}  {label:28s} {rate:6.1f} chunks/s"
                    f"  (min cosine to the first row {cos:.4f})",
                    flush=True,
                )
        t = time.perf_counter()
        embedder.embed_documents(texts)
        print(
            f"{'int8' if int8 else 'float32':8s} OnnxEmbedder.embed_documents as shipped "
            f"(batch {embedder.batch_size}, {embedder.workers} workers): "
            f"{len(texts) / (time.perf_counter() - t):.1f} chunks/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
