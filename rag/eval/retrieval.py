"""Retrieval evaluation on a MultiHop-RAG style query file (`rag eval retrieval`).

The metric is the official one of MultiHop-RAG (Tang & Yang, 2024): queries without evidence
(null_query) are not scored; a retrieved chunk is relevant when any evidence `fact`, all
whitespace removed, is a substring of the chunk's text, all whitespace removed; Hits@k is the
share of queries with a relevant chunk in the top k, MRR@10 uses the first relevant rank.

Every query goes through `HybridRetriever.retrieve`, the path `rag ask` uses. Results are appended
to the output file one JSON line per query as they finish, so an interrupted run resumes where it
stopped; lines written with other retrieval settings are not reused.

Left out: answer quality (see `rag.eval.answers`), and queries without evidence.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.eval.jsonl import RowWriter, read_rows
from rag.index.manifest import embeds_int8
from rag.search.retrieve import HybridRetriever
from rag.settings import Settings

_WS = re.compile(r"\s+")
RETRIEVAL_FIELDS = (
    "k",
    "candidates",
    "rrf_k",
    "rerank_candidates",
    "sentence_weight",
    "outlet_boost",
    "outlet_filter",
    "date_boost",
    "decompose",
    "clause_text",
    "whole_weight",
    "dedupe",
    "w_dense",
    "w_bm25",
    "headers",
    "sentence_vectors",
    "chunk_tokens",
    "chunk_overlap_tokens",
    "embed_model",
)


@dataclass(frozen=True)
class EvalQuery:
    id: Any
    query: str
    question_type: str
    facts: list[str]


def load_queries(path: Path) -> list[EvalQuery]:
    """Scored queries (those with evidence) from a JSON list or JSON lines file."""
    if not path.is_file():
        raise InputError(f"No such query file: {path}.")
    text = path.read_text("utf-8")
    try:
        items = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON ({e.msg}, line {e.lineno}).") from None
    queries = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("query"), str):
            raise InputError(f"{path}: item {i} has no 'query' text.")
        facts = [e["fact"] for e in item.get("evidence_list") or [] if e.get("fact")]
        if item.get("question_type") == "null_query" or not facts:
            continue
        queries.append(
            EvalQuery(item.get("id", i), item["query"], item.get("question_type", "query"), facts)
        )
    return queries


def fingerprint(settings: Settings) -> str:
    """The settings that change what retrieval returns; results are reused only when equal."""
    values = {f: str(getattr(settings, f)) for f in RETRIEVAL_FIELDS}
    if embeds_int8(settings):  # only when int8, so that float32 results keep their fingerprint
        values["embed_int8"] = "True"
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:12]


def is_relevant(text: str, facts: list[str]) -> bool:
    flat = _WS.sub("", text)
    return any(_WS.sub("", f) in flat for f in facts)


def first_relevant(texts: list[str], facts: list[str]) -> int | None:
    """1-based rank of the first relevant text, or None."""
    for rank, text in enumerate(texts, 1):
        if is_relevant(text, facts):
            return rank
    return None


def read_done(path: Path | None, config: str) -> dict[str, dict[str, Any]]:
    """Finished results in an output file, by query id (as a string), for this config only."""
    return {qid: row for qid, row in read_rows(path).items() if row.get("config") == config}


def run(
    retriever: HybridRetriever,
    queries: list[EvalQuery],
    k: int,
    output: Path | None,
    on_done: Callable[[], None] = lambda: None,
) -> list[dict[str, Any]]:
    """Retrieve for every query not already in `output`; return the rows of all queries."""
    config = fingerprint(retriever.settings.with_(k=k))
    done = read_done(output, config)
    rows = []
    # Keep this config's finished lines only (drops half-written and stale ones).
    with RowWriter(output, keep=done) as sink:
        for q in queries:
            row = done.get(str(q.id))
            if row is None:
                row = _retrieve_one(retriever, q, k, config)
                sink.write(row)
            rows.append(row)
            on_done()
    return rows


def _retrieve_one(retriever: HybridRetriever, q: EvalQuery, k: int, config: str) -> dict[str, Any]:
    t = time.perf_counter()
    retrieval = retriever.retrieve(q.query, k)
    elapsed = (time.perf_counter() - t) * 1000
    timings = {key: round(v, 2) for key, v in retrieval.timings_ms.items()}
    return {
        "id": q.id,
        "query": q.query,
        "retrieved": [
            {
                "chunk_id": p.chunk.chunk_id,
                "doc_id": p.chunk.doc_id,
                "start": p.chunk.start,
                "end": p.chunk.end,
                "text": p.chunk.text,
            }
            for p in retrieval.passages
        ],
        "latency_ms": {**timings, "retrieve": round(elapsed, 2)},
        "config": config,
    }


@dataclass
class Scores:
    queries: int
    hits_at_4: float
    hits_at_10: float
    mrr_at_10: float


def score(rows: list[dict[str, Any]], queries: list[EvalQuery]) -> dict[str, Any]:
    """Overall and per question type scores, and latency percentiles."""
    by_id = {str(q.id): q for q in queries}
    ranks: dict[str, list[int | None]] = {}
    for row in rows:
        q = by_id[str(row["id"])]
        rank = first_relevant([r["text"] for r in row["retrieved"]], q.facts)
        ranks.setdefault(q.question_type, []).append(rank)
    every = [r for rs in ranks.values() for r in rs]
    lat = [row["latency_ms"] for row in rows]
    return {
        "overall": asdict(_scores(every)),
        "by_type": {t: asdict(_scores(rs)) for t, rs in sorted(ranks.items())},
        "latency_ms": {
            part: _percentiles([x[part] for x in lat if part in x])
            for part in ("retrieve", "dense", "bm25", "rerank")
        },
    }


def _scores(ranks: list[int | None]) -> Scores:
    n = len(ranks) or 1
    return Scores(
        len(ranks),
        round(sum(r is not None and r <= 4 for r in ranks) / n, 4),
        round(sum(r is not None and r <= 10 for r in ranks) / n, 4),
        round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4),
    )


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def iter_table(report: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    """Rows of the printed table: name, queries, Hits@4, Hits@10, MRR@10."""
    for name, s in [*report["by_type"].items(), ("overall", report["overall"])]:
        yield (
            name,
            str(s["queries"]),
            f"{s['hits_at_4']:.3f}",
            f"{s['hits_at_10']:.3f}",
            f"{s['mrr_at_10']:.3f}",
        )
