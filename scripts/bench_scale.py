"""The cost curve (issue 13, item 4): indexes of 1k, 10k, 100k and 1M chunks, embedded Chroma and
a `chroma run` server, measured for write throughput, size on disk, start-up and retrieval latency.

Embedding a million chunks on a CPU is out of reach (about 35 chunks a second), so the vectors are
reused: the real MultiHop-RAG index (built once with `rag eval retrieval` or `rag ingest`) gives
every article, chunk and vector; an index of N chunks is the real articles first, then synthetic
copies of them (each chunk's sentences shuffled, a new outlet and date, the source chunk's vector
plus small noise) until N chunks. Everything is written through the product's own store, document
table, keyword index and manifest, so `Pipeline.open` reads it like any ingested index.

Steps (each resumable; run the heavy ones under `flock /tmp/cpu.lock`):

    python scripts/bench_scale.py prepare --source /tmp/mh-bf16        # read the real index once
    python scripts/bench_scale.py build --size 100000 [--budget-s 500]   # rerun until "done"
    python scripts/bench_scale.py build --size 10000 --server           # write through a server
    python scripts/bench_scale.py measure --size 100000 [--server]
    python scripts/bench_scale.py update --size 100000 [--runs 3]   # add and delete one article
    python scripts/bench_scale.py table

Results are kept, one JSON object per step, in scripts/data/bench_scale.jsonl (`--results`).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.index.docstore import DocStore  # noqa: E402
from rag.index.ingest import chunk_metas  # noqa: E402
from rag.index.keyword import TantivyKeywordIndex  # noqa: E402
from rag.index.manifest import IndexPaths, write_manifest  # noqa: E402
from rag.index.store import ChromaStore  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.sources.chunk import chunk_id, header, indexed_text  # noqa: E402
from rag.types import Chunk, Document  # noqa: E402

WORK = Path(os.environ.get("BENCH_DIR", "/tmp/scale"))
RESULTS = ROOT / "scripts" / "data" / "bench_scale.jsonl"
QUERIES = ROOT.parent / "shared" / "eval" / "multihop_rag" / "queries_dev.json"
CHROMA = Path(sys.executable).with_name("chroma")
NOISE = 0.02  # per-dimension noise on a copied unit vector: a copy stays a near neighbour
WRITE_BATCH = 5000  # chunks per store write (the server's cap is 5,461)
CITIES = [
    "Avon",
    "Bexley",
    "Carlow",
    "Dunmore",
    "Elgin",
    "Fenwick",
    "Galway",
    "Hexham",
    "Ilford",
    "Jarrow",
    "Kendal",
    "Leith",
]
CITIES += [
    "Morley",
    "Newry",
    "Oban",
    "Penrith",
    "Redcar",
    "Selby",
    "Thirsk",
    "Usk",
    "Wells",
    "Yeovil",
    "Ashby",
    "Brora",
]
PAPERS = [
    "Courier",
    "Herald",
    "Gazette",
    "Post",
    "Ledger",
    "Observer",
    "Chronicle",
    "Tribune",
    "Sentinel",
    "Times",
]
OUTLETS = [f"The {c} {p}" for c in CITIES for p in PAPERS]  # 240 new outlets


@dataclass
class Source:
    """One real article with its chunks and their vectors."""

    doc: Document
    chunks: list[Chunk]
    vectors: Any  # float32 array, one row per chunk


def settings_for(index: Path, url: str | None = None) -> Settings:
    return Settings.from_env(env={}, index_dir=index, chroma_url=url or "")


# -- prepare -----------------------------------------------------------------------------------


def prepare(source: Path) -> None:
    """Read the real index once (articles, chunks, vectors) into WORK/source.pkl."""
    paths = IndexPaths(source)
    store = ChromaStore(paths.chroma)
    vectors: dict[str, Any] = {}
    for ids, vecs in store.all_vectors():
        vectors.update(zip(ids, vecs, strict=True))
    by_doc: dict[str, list[Chunk]] = {}
    for hit in store.all_hits():
        by_doc.setdefault(hit.chunk.doc_id, []).append(hit.chunk)
    docs = DocStore(paths.documents)
    sources = []
    for doc in docs:
        chunks = sorted(by_doc.get(doc.doc_id, []), key=lambda c: c.start)
        if chunks:
            vecs = np.stack([vectors[c.chunk_id] for c in chunks])
            sources.append(Source(doc, chunks, vecs))
    docs.close()
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / "source.pkl", "wb") as f:
        pickle.dump(sources, f)
    n = sum(len(s.chunks) for s in sources)
    print(f"{len(sources)} articles, {n} chunks -> {WORK / 'source.pkl'}")


def load_sources() -> list[Source]:
    with open(WORK / "source.pkl", "rb") as f:
        return pickle.load(f)


# -- the synthetic stream ------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def copy_of(src: Source, n: int) -> Source:
    """Copy `n` (1, 2, ...) of an article: each chunk's sentences shuffled (a chunk becomes one
    paragraph of the copy, so offsets stay exact), a new outlet and date, noisy vectors."""
    rng = random.Random(f"{n}:{src.doc.doc_id}")
    outlet = OUTLETS[rng.randrange(len(OUTLETS))]
    day = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    doc_id = f"{src.doc.doc_id}#copy{n}"
    bodies = []
    for c in src.chunks:
        sentences = _SENTENCE.split(c.text.strip())
        rng.shuffle(sentences)
        bodies.append(" ".join(sentences))
    text = "\n\n".join(bodies)
    doc = replace(
        src.doc, doc_id=doc_id, text=text, source=outlet, published_at=f"{day}T12:00:00+00:00",
        url=None, path=None, story=None, pages=(),
    )  # fmt: skip
    chunks, at = [], 0
    for i, body in enumerate(bodies):
        chunks.append(Chunk(chunk_id(doc_id, i), doc_id, at, at + len(body), body))
        at += len(body) + 2
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, NOISE, src.vectors.shape)
    vecs = src.vectors + noise.astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return Source(doc, chunks, vecs)


def stream(sources: list[Source]) -> Iterator[Source]:
    """The real articles, then copy 1 of each, copy 2 of each, ..."""
    yield from sources
    n = 1
    while True:
        for src in sources:
            yield copy_of(src, n)
        n += 1


def articles_for(sources: list[Source], size: int) -> Iterator[Source]:
    """The first articles of the stream that together hold `size` chunks (the last one cut)."""
    left = size
    for art in stream(sources):
        if left <= 0:
            return
        if len(art.chunks) > left:
            art = Source(art.doc, art.chunks[:left], art.vectors[:left])
        left -= len(art.chunks)
        yield art


# -- build ---------------------------------------------------------------------------------------


def index_dir(size: int, server: bool) -> Path:
    return WORK / f"{size}{'-server' if server else ''}"


def build(size: int, server: bool, budget_s: float) -> dict[str, Any] | None:
    """Write the index of `size` chunks, resuming where an earlier run stopped (a document row
    is written after its chunks, so a stored row means a whole article). Stops after
    `budget_s` seconds of writing; returns the results when the index is complete."""
    index = index_dir(size, server)
    paths = IndexPaths(index)
    progress_file = index / "bench-progress.json"
    done = json.loads(progress_file.read_text()) if progress_file.exists() else {}
    if done.get("complete"):
        print(f"{index}: complete")
        return None
    with maybe_server(index / "chroma-data" if server else None) as url:
        settings = settings_for(index, url)
        index.mkdir(parents=True, exist_ok=True)
        store = ChromaStore(paths.chroma, url=url) if url else ChromaStore(paths.chroma)
        docs = DocStore(paths.documents)
        keywords = TantivyKeywordIndex(paths.keywords)
        have = set(docs.hashes())
        written = done.get("chunks", 0)
        write_s = done.get("write_s", 0.0)
        keyword_s = done.get("keyword_s", 0.0)
        started = time.perf_counter()
        pending: list[Source] = []
        for art in articles_for(load_sources(), size):
            if art.doc.doc_id in have:
                continue
            pending.append(art)
            if sum(len(a.chunks) for a in pending) >= WRITE_BATCH:
                t = time.perf_counter()
                n, kw = write(store, keywords, docs, pending)
                written += n
                keyword_s += kw
                write_s += time.perf_counter() - t
                pending = []
                save_progress(progress_file, chunks=written, write_s=write_s, keyword_s=keyword_s)
                print(f"  {written} chunks, {written / write_s:.0f}/s", flush=True)
                if time.perf_counter() - started > budget_s:
                    keywords.close()
                    docs.close()
                    print("budget spent: run again to resume")
                    return None
        t = time.perf_counter()
        n, kw = write(store, keywords, docs, pending)
        written += n
        keyword_s += kw
        write_s += time.perf_counter() - t
        keywords.close()
        save_progress(progress_file, chunks=written, write_s=write_s, keyword_s=keyword_s)
        count = store.count()
        write_manifest(paths, settings, {"documents": len(docs), "chunks": count})
        docs.close()
    result = {
        "step": "build",
        "size": size,
        "mode": "server" if server else "embedded",
        "chunks": count,
        "write_s": round(write_s, 1),
        "write_per_s": round(written / write_s, 1) if write_s else None,
        "keyword_s": round(keyword_s, 1),  # of write_s: upserts and commits into tantivy
        "disk_mb": disk_mb(index),
        "rss_mb": rss_mb(),
    }
    save_progress(
        progress_file, chunks=written, write_s=write_s, keyword_s=keyword_s, complete=True
    )
    return result


def write(
    store: ChromaStore, keywords: TantivyKeywordIndex, docs: DocStore, arts: list[Source]
) -> tuple[int, float]:
    """As ingest writes a window: the chunks (with the product's metadata) in one store write,
    one keyword-index commit, then the articles' rows. Returns (chunks, seconds of keywords)."""
    if not arts:
        return 0, 0.0
    chunks, vectors, metas = [], [], []
    for art in arts:
        head = header(art.doc)
        chunks += art.chunks
        vectors += art.vectors.tolist()
        metas += chunk_metas(art.doc, head, art.chunks)
    store.upsert(chunks, vectors, metas)
    t = time.perf_counter()
    for art in arts:
        head = header(art.doc)
        rows = [(c.chunk_id, indexed_text(head, c.text)) for c in art.chunks]
        keywords.upsert(art.doc.doc_id, rows, art.doc.source)
    keywords.commit()
    keyword_s = time.perf_counter() - t
    docs.put_many([(a.doc, f"bench:{a.doc.doc_id}", len(a.chunks)) for a in arts])
    return len(chunks), keyword_s


def save_progress(path: Path, **values: Any) -> None:
    path.write_text(json.dumps(values))


def disk_mb(index: Path) -> float:
    total = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


# -- a chroma server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def maybe_server(data: Path | None) -> Iterator[str | None]:
    """A `chroma run` serving `data` for the block (None: no server)."""
    if data is None:
        yield None
        return
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{url}/api/v2/heartbeat", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- measure -------------------------------------------------------------------------------------


def questions(n: int) -> list[str]:
    """The first `n` scored MultiHop-RAG dev questions (a fixed set)."""
    rows = json.loads(QUERIES.read_text("utf-8"))
    return [r["query"] for r in rows if r.get("evidence_list")][:n]


def measure(size: int, server: bool, n: int) -> dict[str, Any]:
    """Start-up and latency in a fresh process (nothing warm but the OS file cache); in server
    mode the server serves the embedded build's folder, as `chroma run --path` does."""
    index = index_dir(size, False)
    cmd = [sys.executable, __file__, "_probe", "--size", str(size), "--queries", str(n)]
    if not server:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    served_view(index)
    t = time.perf_counter()
    with maybe_server(index / "chroma") as url:
        server_s = time.perf_counter() - t
        assert url
        out = subprocess.run(
            [*cmd, "--url", url], stdout=subprocess.PIPE, text=True, check=True
        ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "mode": "server", "server_start_s": round(server_s, 2)}


def served_view(index: Path) -> Path:
    """`index` as a client of a server sees it: its keyword index and document table, and a
    manifest saying the chunks live on a server (the product refuses to open an embedded
    index's folder through a server, rightly: an ingest would write elsewhere)."""
    view = index.with_name(index.name + "-served")
    view.mkdir(exist_ok=True)
    for name in ("keywords", "documents.sqlite"):
        if not (view / name).exists():
            (view / name).symlink_to(index / name)
    manifest = json.loads((index / "manifest.json").read_text())
    manifest.update(store="server", collection="chunks")
    (view / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return view


def probe(size: int, n: int, url: str | None) -> dict[str, Any]:
    """In a fresh process: Pipeline.open (embedder, keyword index, document table, retriever),
    the first question, then `n` questions timed one by one, then the keyword index alone."""
    t0 = time.perf_counter()
    from rag.pipeline import Pipeline

    t_import = time.perf_counter()
    index = index_dir(size, False)
    pipeline = Pipeline.open(settings_for(served_view(index) if url else index, url))
    t_open = time.perf_counter()
    qs = questions(n)
    pipeline.retrieve(qs[0])
    t_first = time.perf_counter()
    ms, dense, bm25 = [], [], []
    for q in qs:
        found = pipeline.retrieve(q)
        ms.append(found.timings_ms["total"])
        dense.append(found.timings_ms["dense"])
        bm25.append(found.timings_ms["bm25"])
    keyword_ms = []
    assert pipeline.keywords is not None
    for q in qs:
        t = time.perf_counter()
        pipeline.keywords.search(q, pipeline.settings.candidates)
        keyword_ms.append((time.perf_counter() - t) * 1000)
    return {
        "step": "measure",
        "size": size,
        "mode": "server" if url else "embedded",
        "import_s": round(t_import - t0, 2),
        "open_s": round(t_open - t_import, 2),
        "first_query_s": round(t_first - t_open, 2),
        "startup_s": round(t_first - t_import, 2),
        "p50_ms": round(pct(ms, 50), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "dense_p50_ms": round(pct(dense, 50), 1),
        "bm25_p50_ms": round(pct(bm25, 50), 1),
        "keyword_search_p50_ms": round(pct(keyword_ms, 50), 1),
        "keyword_search_p95_ms": round(pct(keyword_ms, 95), 1),
        "queries": len(ms),
        "rss_mb": rss_mb(),
        **rss_parts(),
    }


def update(size: int, runs: int) -> dict[str, Any]:
    """Add one article and delete it again, `runs` times: the cost of keeping the index current
    at this size. Two ways:
    - whole `rag ingest` processes (what a cron job pays, imports included), with the time the
      model takes to embed the article's chunks taken off; that time is measured here, warm, on
      the same texts, because the ingest's own "in X s" also counts the writes, which are the
      index's cost;
    - inside one process that keeps its imports and embedder (what `rag serve` pays for an
      upload), timed from the second round on."""
    index = index_dir(size, False)
    folder = WORK / "update-articles"
    article = folder / "bench-update.txt"
    sources = load_sources()
    src, other = sources[0].doc, sources[1].doc
    # An article that stays, ingested once before timing: an ingest refuses an empty folder,
    # and the delete is then a prune of the one file that went.
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench-anchor.txt").write_text(f"{other.title}\n\n{other.text}", "utf-8")
    article.unlink(missing_ok=True)  # and no article left in the index by an interrupted run
    rag_ingest(folder, index, "--prune")
    model_s = embedding_seconds(article, f"{src.title} (update 0)\n\n{src.text}", index)
    add_s, delete_s = [], []
    for r in range(runs):
        article.write_text(f"{src.title} (update {r})\n\n{src.text}", "utf-8")
        t = time.perf_counter()
        out = rag_ingest(folder, index)
        add_s.append(time.perf_counter() - t - model_s)
        assert re.search(r"Embedded \d+ chunks from 1 new or changed", out), out
        article.unlink()
        t = time.perf_counter()
        out = rag_ingest(folder, index, "--prune")
        delete_s.append(time.perf_counter() - t)
        assert "1 removed" in out, out
    warm_add, warm_delete = in_process(folder, article, src, index, runs)
    return {
        "step": "update",
        "size": size,
        "mode": "embedded",
        "add_s": round(float(np.median(add_s)), 2),
        "delete_s": round(float(np.median(delete_s)), 2),
        "model_s": round(model_s, 2),
        "warm_add_s": round(float(np.median(warm_add)), 2),
        "warm_delete_s": round(float(np.median(warm_delete)), 2),
        "runs": runs,
    }


def embedding_seconds(article: Path, text: str, index: Path) -> float:
    """The model's time (median of 3, warm) to embed the chunks ingest makes of `text`."""
    from rag.index.ingest import chunks_of
    from rag.pipeline import default_embedder
    from rag.sources.load import find_files, load_file

    article.write_text(text, "utf-8")
    settings = settings_for(index)
    embedder = default_embedder(settings)
    (doc,) = load_file(find_files([article])[0])
    article.unlink()
    head, chunks = chunks_of(doc, settings, embedder)
    texts = [indexed_text(head, c.text) for c in chunks]
    embedder.embed_documents(texts)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        embedder.embed_documents(texts)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def in_process(
    folder: Path, article: Path, src: Document, index: Path, runs: int
) -> tuple[list[float], list[float]]:
    """Add and delete seconds inside one process (the embedder loaded once, its embedding time
    included: the index work alone is what is left after `model_s`)."""
    from rag.pipeline import default_embedder, ingest_into

    settings = settings_for(index)
    embedder = default_embedder(settings)  # loaded once, as `rag serve` holds it
    add_s, delete_s = [], []
    for r in range(runs + 1):  # the first round pays the imports: not counted
        article.write_text(f"{src.title} (warm {r})\n\n{src.text}", "utf-8")
        t = time.perf_counter()
        report = ingest_into(settings, [folder], embedder=embedder)
        added = time.perf_counter() - t
        assert report.embedded_documents == 1, report
        article.unlink()
        t = time.perf_counter()
        report = ingest_into(settings, [folder], prune=True, embedder=embedder)
        deleted = time.perf_counter() - t
        assert report.removed == 1, report
        if r:
            add_s.append(added)
            delete_s.append(deleted)
    return add_s, delete_s


def rag_ingest(folder: Path, index: Path, *flags: str) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "rag.cli", "ingest", str(folder), "--index", str(index), *flags]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stderr


def pct(values: list[float], p: int) -> float:
    return float(np.percentile(values, p)) if values else float("nan")


def rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_parts() -> dict[str, float]:
    """The process's resident memory now, by kind (MB): its own allocations (`anon`) and the
    pages of mapped files it has touched (`file`: the keyword index, SQLite, libraries), which
    the kernel can drop and other processes share."""
    parts: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            parts[f"rss_{key[3:].lower()}_mb"] = round(int(value.split()[0]) / 1024, 1)
    return parts


# -- the table -----------------------------------------------------------------------------------


def table(results: Path) -> str:
    """The latest result per (step, size, mode), as one markdown table."""
    latest: dict[tuple[str, int, str], dict[str, Any]] = {}
    for line in results.read_text().splitlines():
        r = json.loads(line)
        latest[(r["step"], r["size"], r["mode"])] = r
    sizes = sorted({k[1] for k in latest})
    head = (
        "| chunks | mode | write chunks/s | keyword s of it | add 1 article s | delete 1 s "
        "| add / delete in a running process s | disk MB | start-up s (open + 1st query) "
        "| server start s | p50 ms | p95 ms "
        "| dense p50 | keyword p50 | keyword alone p95 | RSS MB |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for size in sizes:
        for mode in ("embedded", "server"):
            b = latest.get(("build", size, mode), {})
            m = latest.get(("measure", size, mode), {})
            u = latest.get(("update", size, mode), {})
            if not b and not m:
                continue
            cells = [
                f"{size:,}",
                mode,
                b.get("write_per_s", "–"),
                b.get("keyword_s", "–"),
                u.get("add_s", "–"),
                u.get("delete_s", "–"),
                f"{u['warm_add_s']} / {u['warm_delete_s']}" if "warm_add_s" in u else "–",
                b.get("disk_mb", latest.get(("build", size, "embedded"), {}).get("disk_mb", "–")),
                m.get("startup_s", "–"),
                m.get("server_start_s", "–"),
                m.get("p50_ms", "–"),
                m.get("p95_ms", "–"),
                m.get("dense_p50_ms", "–"),
                m.get("bm25_p50_ms", "–"),
                m.get("keyword_search_p95_ms", "–"),
                m.get("rss_mb", "–"),
            ]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def record(result: dict[str, Any] | None, results: Path) -> None:
    if result is None:
        return
    result["machine"] = f"{os.cpu_count()} CPUs"
    print(json.dumps(result))
    results.parent.mkdir(parents=True, exist_ok=True)
    with results.open("a") as f:
        f.write(json.dumps(result) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "step", choices=["prepare", "build", "measure", "update", "table", "clean", "_probe"]
    )
    ap.add_argument("--source", type=Path, default=Path("/tmp/mh-bf16"))
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--server", action="store_true")
    ap.add_argument("--url")
    ap.add_argument("--budget-s", type=float, default=500)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--runs", type=int, default=3, help="update: add/delete rounds (median)")
    a = ap.parse_args()
    if a.step == "prepare":
        prepare(a.source)
    elif a.step == "build":
        record(build(a.size, a.server, a.budget_s), a.results)
    elif a.step == "measure":
        record(measure(a.size, a.server, a.queries), a.results)
    elif a.step == "update":
        record(update(a.size, a.runs), a.results)
    elif a.step == "_probe":
        print(json.dumps(probe(a.size, a.queries, a.url)))
    elif a.step == "clean":
        shutil.rmtree(index_dir(a.size, a.server), ignore_errors=True)
    else:
        print(table(a.results))


if __name__ == "__main__":
    main()
