"""Ablation of the retrieval techniques on MultiHop-RAG dev queries, in one process.

Runs `HybridRetriever.retrieve` (the path `rag ask` and `rag eval retrieval` use) under a list of
settings, on an index that `rag eval retrieval` has built, and prints one Markdown row per
configuration. Query embeddings are cached across configurations (same text, same vector), so
latencies here are not the product's; take those from `rag eval retrieval`.

    PYTHONPATH=$PWD .venv/bin/python scripts/ablate_retrieval.py --index index-eval-corpus \
        --queries ../shared/eval/multihop_rag/queries_dev.json [--limit N] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import privacy
from rag.eval import retrieval as ev
from rag.llm.embed import Embedder
from rag.pipeline import Pipeline, default_embedder
from rag.settings import Settings

# The defaults before tuning, with every technique off; rows switch them on one at a time.
OFF = {
    "w_dense": 1.0,
    "w_bm25": 1.0,
    "candidates": 20,
    "outlet_boost": 0.0,
    "date_boost": 0.0,
    "decompose": False,
    "clause_text": False,
    "dedupe": 0.0,
    "rerank_candidates": 0,
}
BOOSTS = {**OFF, "outlet_boost": 1.0, "date_boost": 0.5}
SPLIT = {**BOOSTS, "decompose": True}
# Cumulative: each row adds one technique to the row above it (the two decomposition rows are
# alternatives). Settings not named here come from the defaults, RAG_* environment, then --set.
CONFIGS: list[tuple[str, dict]] = [
    ("dense only", {**OFF, "w_bm25": 0.0}),
    ("BM25 only", {**OFF, "w_dense": 0.0}),
    ("hybrid RRF, equal weights", OFF),
    ("+ outlet boost", {**OFF, "outlet_boost": 1.0}),
    ("+ date boost", BOOSTS),
    ("+ decomposition, clause text", {**SPLIT, "clause_text": True}),
    ("+ decomposition, whole-question text", SPLIT),
    ("+ duplicate collapse", {**SPLIT, "dedupe": 0.6}),
    ("+ tuned fusion (w_dense 0.1, 50 candidates) = defaults", {}),
    ("defaults, w_dense 0 (BM25 alone in fusion)", {"w_dense": 0.0}),
    ("defaults + sentence second stage (10 candidates, weight 1)", {"rerank_candidates": 10}),
]


class CachedEmbedder:
    """The real embedder with a cache of query vectors (same Protocol)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self._cache = inner, inner.name, {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if text not in self._cache:
            self._cache[text] = self.inner.embed_query(text)
        return self._cache[text]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        todo = [x for x in dict.fromkeys(texts) if x not in self._cache]
        self._cache.update(zip(todo, self.inner.embed_queries(todo), strict=True))
        return [self._cache[x] for x in texts]

    def tokenize(self, text: str) -> list[str]:
        return self.inner.tokenize(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument(
        "--split",
        choices=["all", "odd", "even"],
        default="all",
        help="queries with odd or even ids only (tune on one half, report on the other)",
    )
    ap.add_argument("--only", nargs="*", help="names (prefixes) of configurations to run")
    ap.add_argument("--set", nargs="*", default=[], help="extra KEY=VALUE for every config")
    ap.add_argument(
        "--grid",
        nargs="*",
        default=[],
        help="KEY=V1,V2,...: instead of the ablation rows, every combination over the defaults",
    )
    args = ap.parse_args()
    privacy.apply()
    queries = [
        q
        for q in ev.load_queries(args.queries)
        if args.split == "all" or int(q.id) % 2 == (args.split == "odd")
    ][: args.limit]
    extra = dict(kv.split("=", 1) for kv in args.set)
    base = Settings.from_env(index_dir=args.index)
    embedder = CachedEmbedder(default_embedder(base))
    pipeline = Pipeline.open(base, embedder=embedder)
    retriever = pipeline.retriever
    assert retriever is not None, "ingest the corpus first (rag eval retrieval does)"
    print(
        "| configuration | Hits@4 | Hits@10 | MRR@10 | comparison H@4 | inference H@4 "
        "| temporal H@4 |"
    )
    print("|---|---|---|---|---|---|---|")
    configs = CONFIGS
    if args.grid:
        keys = [g.split("=", 1)[0] for g in args.grid]
        values = [g.split("=", 1)[1].split(",") for g in args.grid]
        configs = [
            (
                " ".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True)),
                dict(zip(keys, combo, strict=True)),
            )
            for combo in itertools.product(*values)
        ]
    # (The --bm25 K1,B rows went with bm25s: tantivy's BM25 parameters are fixed, k1 1.2, b 0.75.)
    for name, changes in configs:
        if args.only and not any(o in name for o in args.only):
            continue
        env = {f"RAG_{k.upper()}": str(v) for k, v in {**changes, **extra}.items()}
        retriever.settings = Settings.from_env(env=env, index_dir=args.index)
        t = time.perf_counter()
        rows = ev.run(retriever, queries, 10, None)
        r = ev.score(rows, queries)
        o, bt = r["overall"], r["by_type"]
        h4 = {
            t: bt.get(t, {}).get("hits_at_4", 0.0)
            for t in ("comparison_query", "inference_query", "temporal_query")
        }
        print(
            f"| {name} | {o['hits_at_4']:.3f} | {o['hits_at_10']:.3f} | {o['mrr_at_10']:.3f} "
            f"| {h4['comparison_query']:.3f} | {h4['inference_query']:.3f} "
            f"| {h4['temporal_query']:.3f} |",
            flush=True,
        )
        print(f"  ({len(queries)} queries, {time.perf_counter() - t:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
