"""Throughput of the bulk embedder (all-MiniLM-L6-v2 in torch with bfloat16 autocast, the one a
large ingest uses on a CPU with AVX512-BF16 or AMX, or on a GPU) by batch size, on the same
chunk-sized texts as `bench_embed.py`.

Measured on 2 Xeon cores with AMX (2026-12-05): batches of 16 embed 98-102 chunks/s against 92-97
for 32 (the batch it keeps), 58 for 128. The whole ingest did not follow: `bench_ingest.py
--articles 609 --which ours` gave 74.1 chunks/s with 16 against 74.5 and 78.8 with 32, because
there the writes of one window share the two cores with the embedding of the next.

Each batch size runs the texts three times after one warm-up call; it reports chunks/s per run,
the median, and the least cosine of its vectors to the first batch size's.

    python scripts/bench_bulk_embed.py                      # batches 16, 32, 16, 32, 8
    python scripts/bench_bulk_embed.py --texts 768 --batches 8 16 32 64

MultiHop-RAG: Tang & Yang (2024), ODC-BY.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from bench_embed import windows  # a sibling script: `python scripts/...` puts scripts/ first

from rag.llm.embed import SentenceTransformerEmbedder, bf16_capable


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=int, default=768)
    ap.add_argument("--batches", type=int, nargs="+", default=[16, 32, 16, 32, 8])
    a = ap.parse_args()
    device = bf16_capable()
    if device is None:
        sys.exit("no bulk embedder here: no bfloat16 instructions on this CPU and no GPU")
    texts = windows(a.texts)
    embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", bf16=True, device=device)
    embedder.embed_documents(texts[:64])
    ref = None
    for batch in a.batches:
        embedder.batch_size = batch
        rates = []
        for _ in range(3):
            t = time.perf_counter()
            vectors = np.array(embedder.embed_documents(texts))
            rates.append(len(texts) / (time.perf_counter() - t))
        ref = vectors if ref is None else ref
        cos = float((vectors * ref).sum(1).min())
        runs = " ".join(f"{r:.1f}" for r in rates)
        print(
            f"batch {batch:3d}  {runs}  median {statistics.median(rates):.1f} chunks/s"
            f"  (min cosine to the first row {cos:.6f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
