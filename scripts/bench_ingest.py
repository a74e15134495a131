"""Ingest throughput (chunks/s) on the MultiHop-RAG corpus: `rag ingest` against the naive
LlamaIndex pipeline on the same embedding model (all-MiniLM-L6-v2, from the embedded package).

The naive pipeline is what the LlamaIndex docs show: `IngestionPipeline` with a
`SentenceSplitter` sized like ours (256 tokens, 40 overlap), `HuggingFaceEmbedding` (torch,
sentence-transformers) and a `ChromaVectorStore`, one call over all documents. It needs two
packages that the product does not: `pip install llama-index-embeddings-huggingface
llama-index-vector-stores-chroma`.

Each run ingests into a fresh temporary folder and counts wall time from the first file read to the
last write. The naive pipeline loads its model before the clock starts; ours loads its embedders
inside the timed region (as `rag ingest` does), so the comparison is, if anything, against us.
`RAG_BULK_BF16=0` measures ours without the bfloat16 bulk embedder.

    python scripts/bench_ingest.py --articles 609 --runs 1 --which both
    python scripts/bench_ingest.py --articles 609 --runs 1 --which int8     # and float32
    python scripts/bench_ingest.py --articles 609 --runs 1 --which quotes   # extraction's cost

MultiHop-RAG: Tang & Yang (2024), ODC-BY.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared/eval/multihop_rag/corpus.json"


def write_corpus(articles: int, folder: Path) -> Path:
    items = json.loads(CORPUS.read_text("utf-8"))[:articles]
    path = folder / "corpus.json"
    path.write_text(json.dumps(items), "utf-8")
    return path


def run_ours(corpus: Path, folder: Path, int8: bool | None = None) -> tuple[int, float]:
    """`rag ingest` as the CLI runs it: the clock includes loading its embedders (the ONNX one
    for chunking, and the bulk one where this machine has bfloat16 or a GPU). `int8` None: as
    for a new index (int8 unless RAG_EMBED_INT8 says otherwise); False: float32."""
    from rag.pipeline import ingest_into
    from rag.settings import Settings

    settings = Settings.from_env(index_dir=folder / "index", embed_int8=int8)
    t0 = time.perf_counter()
    report = ingest_into(settings, [corpus])
    seconds = time.perf_counter() - t0
    print(f"  ours: embedder {report.embedder}, stage 2 {report.embed_seconds:.1f} s", flush=True)
    return report.embedded_chunks, seconds


def run_ours_without_quotes(corpus: Path, folder: Path) -> tuple[int, float]:
    """`run_ours` with the attribution extractor (who said what) replaced by one that finds
    nothing: what extraction costs an ingest, everything else equal."""
    from rag.index import docstore

    extract = docstore.extract_attributions
    docstore.extract_attributions = lambda text: []  # type: ignore[assignment]
    try:
        return run_ours(corpus, folder)
    finally:
        docstore.extract_attributions = extract  # type: ignore[assignment]


def run_naive(corpus: Path, folder: Path) -> tuple[int, float]:
    import chromadb
    from llama_index.core import Document
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.llm.embed import _model_path

    embed = HuggingFaceEmbedding(model_name=str(_model_path("all-MiniLM-L6-v2")), device="cpu")
    embed.get_text_embedding("warm up")
    client = chromadb.PersistentClient(str(folder / "naive"))
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("naive"))
    # No vector_store= in the pipeline: it hands Chroma every node in one call, which fails
    # over Chroma's batch cap (5,461); adding in batches is what a user of it ends up writing.
    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(chunk_size=256, chunk_overlap=40), embed]
    )
    t0 = time.perf_counter()
    items = json.loads(corpus.read_text("utf-8"))
    docs = [
        Document(text=i["body"], metadata={k: i[k] for k in ("title", "source", "published_at")})
        for i in items
    ]
    nodes = pipeline.run(documents=docs)
    for at in range(0, len(nodes), 5000):
        store.add(nodes[at : at + 5000])
    return len(nodes), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=609)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument(
        "--which",
        choices=["ours", "naive", "both", "int8", "quotes"],
        default="both",
        help="int8: ours in float32 (bfloat16 bulk embedding where the machine has it), ours in "
        "int8 and the naive one; "
        "quotes: ours against ours without attribution extraction",
    )
    a = ap.parse_args()
    runners = {
        "ours": run_ours,
        "ours-float32": partial(run_ours, int8=False),
        "ours-int8": partial(run_ours, int8=True),
        "naive": run_naive,
        "no-quotes": run_ours_without_quotes,
    }
    names = {
        "both": ["ours", "naive"],
        "int8": ["ours-float32", "ours-int8", "naive"],
        "quotes": ["ours", "no-quotes"],
    }.get(a.which, [a.which])
    rates: dict[str, list[float]] = {n: [] for n in names}
    for run in range(a.runs):
        for name in names:  # interleaved, so both see the same machine load
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                chunks, seconds = runners[name](write_corpus(a.articles, folder), folder)
            rates[name].append(chunks / seconds)
            print(
                f"run {run + 1} {name}: {chunks} chunks in {seconds:.1f} s = "
                f"{chunks / seconds:.1f} chunks/s",
                flush=True,
            )
    for name, values in rates.items():
        print(f"{name}: median {statistics.median(values):.1f} chunks/s over {len(values)} runs")
    against = names[-1]
    for name in names[:-1]:
        ratio = statistics.median(rates[name]) / statistics.median(rates[against])
        print(f"{name} / {against}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
