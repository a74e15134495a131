"""The two embedded keyword engines the index could keep its BM25 side in, measured on the same
chunks: tantivy (what `rag.index.keyword` uses) and SQLite FTS5 (in Python's own sqlite3).

What counts for the product: a question's keyword search (the retriever asks for 50 candidates),
adding and deleting one article with its commit, the bulk load, and the size on disk. The chunks
are windows of 180 words of the MultiHop-RAG articles, then copies of them, as in
`bench_scale.py` (a copy's sentences are shuffled, which leaves its bag of words as it was), until
N chunks. Both engines get the very same terms (`rag.index.keyword.Stemmer`: lowercase, stop words
out, Snowball English), so what differs is the engine: tantivy's BM25 over a term query per word,
FTS5's `bm25()` over the same words joined with OR. The questions are the first 200 of
MultiHop-RAG dev, one warm-up pass, then timed.

    python scripts/bench_keyword_engines.py --sizes 100000 1000000

MultiHop-RAG: Tang & Yang (2024), ODC-BY.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tantivy

from rag.index.keyword import Stemmer, _schema

SHARED = Path(__file__).resolve().parents[2] / "shared/eval/multihop_rag"
K = 50  # candidates the retriever asks each engine for
WORDS = 180  # words per chunk: about the index's 256 word pieces
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

Article = tuple[str, list[str]]  # doc id, its chunks' terms (space-joined)


def base_articles(stemmer: Stemmer) -> list[Article]:
    out = []
    for a in json.loads((SHARED / "corpus.json").read_text("utf-8")):
        w = a["body"].split()
        chunks = [" ".join(w[i : i + WORDS]) for i in range(0, len(w), WORDS)]
        out.append((a["url"], [" ".join(stemmer.terms(c)) for c in chunks]))
    return out


def articles(base: list[Article], size: int) -> Iterator[Article]:
    """The real articles, then copy 1 of each, copy 2, ... until `size` chunks. A copy's terms
    are its source's, in another order (as a sentence-shuffled copy's bag of words is)."""
    left, n = size, 0
    while left > 0:
        for doc, chunks in base:
            if left <= 0:
                return
            if n:
                rng = random.Random(f"{n}:{doc}")
                chunks = [" ".join(rng.sample(c.split(), len(c.split()))) for c in chunks]
            chunks = chunks[:left]
            left -= len(chunks)
            yield (f"{doc}#copy{n}" if n else doc), chunks
        n += 1


class Tantivy:
    def __init__(self, path: Path) -> None:
        self.index = tantivy.Index(_schema(), path=str(path))
        self.writer = self.index.writer(64_000_000, 1)

    def add(self, doc: str, chunks: list[str]) -> None:
        self.writer.delete_documents_by_term("doc_id", doc)
        for i, terms in enumerate(chunks):
            self.writer.add_document(
                tantivy.Document(chunk_id=f"{doc}:{i}", doc_id=doc, terms=terms)
            )

    def delete(self, doc: str) -> None:
        self.writer.delete_documents_by_term("doc_id", doc)

    def commit(self) -> None:
        self.writer.commit()
        self.index.reload()

    def search(self, terms: list[str]) -> list[str]:
        # As `TantivyKeywordIndex.search` asks it: one term query per word, boosted by count.
        schema, clauses = self.index.schema, []
        for w, n in Counter(terms).items():
            q = tantivy.Query.term_query(schema, "terms", w)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, float(n))))
        searcher = self.index.searcher()
        hits = searcher.search(tantivy.Query.boolean_query(clauses), K, count=False).hits
        return [searcher.doc(a)["chunk_id"][0] for _, a in hits]


class Fts5:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path / "fts.sqlite3", isolation_level=None)
        self.db.executescript(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE VIRTUAL TABLE fts USING fts5(terms, tokenize='unicode61');
            CREATE TABLE chunk(id INTEGER PRIMARY KEY, chunk_id TEXT, doc_id TEXT);
            CREATE INDEX chunk_doc ON chunk(doc_id);
            BEGIN;
            """
        )

    def add(self, doc: str, chunks: list[str]) -> None:
        self.delete(doc)
        for i, terms in enumerate(chunks):
            row = self.db.execute(
                "INSERT INTO chunk(chunk_id, doc_id) VALUES (?, ?)", (f"{doc}:{i}", doc)
            ).lastrowid
            self.db.execute("INSERT INTO fts(rowid, terms) VALUES (?, ?)", (row, terms))

    def delete(self, doc: str) -> None:
        rows = [r for (r,) in self.db.execute("SELECT id FROM chunk WHERE doc_id = ?", (doc,))]
        for r in rows:
            self.db.execute("DELETE FROM fts WHERE rowid = ?", (r,))
        self.db.execute("DELETE FROM chunk WHERE doc_id = ?", (doc,))

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def search(self, terms: list[str]) -> list[str]:
        # Repeated words repeated in the OR: bm25() counts each phrase of the query.
        match = " OR ".join(f'"{w}"' for w in terms)
        rows = self.db.execute(
            "SELECT chunk.chunk_id FROM fts JOIN chunk ON chunk.id = fts.rowid "
            "WHERE fts MATCH ? ORDER BY rank LIMIT ?",
            (match, K),
        )
        return [r for (r,) in rows]


def pct(values: list[float], p: int) -> float:
    return sorted(values)[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def measure(engine: Any, folder: Path, base: list[Article], size: int, queries: list[list[str]]):
    t = time.perf_counter()
    chunks = 0
    for doc, cs in articles(base, size):
        engine.add(doc, cs)
        chunks += len(cs)
    engine.commit()
    load_s = time.perf_counter() - t
    disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
    for q in queries:  # warm-up: the pages a question reads, as in a running server
        engine.search(q)
    ms, results = [], []
    for q in queries:
        t = time.perf_counter()
        results.append(engine.search(q))
        ms.append((time.perf_counter() - t) * 1000)
    updates = []
    for n in range(3):  # an article changed (upserted) and another removed, one commit
        doc, cs = base[n]
        t = time.perf_counter()
        engine.add(doc, list(reversed(cs)))
        engine.delete(base[-1 - n][0])
        engine.commit()
        updates.append(time.perf_counter() - t)
    return {
        "chunks": chunks,
        "load_s": round(load_s, 1),
        "disk_mb": round(disk, 1),
        "search_ms_p50": round(statistics.median(ms), 2),
        "search_ms_p95": round(pct(ms, 95), 2),
        "update_s_median": round(statistics.median(updates), 3),
    }, results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--questions", type=int, default=200)
    a = ap.parse_args()
    stemmer = Stemmer()
    base = base_articles(stemmer)
    raw = json.loads((SHARED / "queries_dev.json").read_text("utf-8"))[: a.questions]
    queries = [stemmer.terms(q["query"]) for q in raw]
    for size in a.sizes:
        found = {}
        for name, make in (("tantivy", Tantivy), ("fts5", Fts5)):
            folder = Path(tempfile.mkdtemp(prefix=f"kw-{name}-"))
            try:
                figures, found[name] = measure(make(folder), folder, base, size, queries)
            finally:
                shutil.rmtree(folder)
            print(json.dumps({"engine": name, "size": size, **figures}), flush=True)
        # A copy scores as its source does, and the engines break such ties differently: so
        # the overlap is counted on source chunks (copy suffix dropped), without repeats.
        same = [overlap(x, y) for x, y in zip(found["tantivy"], found["fts5"], strict=True)]
        print(f"size {size}: top-10 source-chunk overlap, mean {statistics.mean(same):.3f}")


def overlap(x: list[str], y: list[str]) -> float:
    """The share of the smaller top-10 source set that the other holds."""
    a, b = sources(x), sources(y)
    return len(a & b) / max(1, min(len(a), len(b)))


def sources(chunk_ids: list[str]) -> set[str]:
    """The source chunks of the first ten results."""
    return {re.sub(r"#copy\d+(?=:)", "", c) for c in chunk_ids[:10]}


if __name__ == "__main__":
    main()
