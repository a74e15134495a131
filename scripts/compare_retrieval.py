"""Which queries changed between two `rag eval retrieval --output` files: the rank of the first
relevant chunk (the official MultiHop-RAG rule) before and after, for every query whose Hits@4 or
Hits@10 changed, and how many moved up or down.

    python scripts/compare_retrieval.py BEFORE.jsonl AFTER.jsonl --queries queries_dev.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.eval.retrieval import first_relevant, load_queries


def ranks(path: Path, facts: dict[str, list[str]]) -> dict[str, int | None]:
    out = {}
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        texts = [r["text"] for r in row["retrieved"]]
        out[str(row["id"])] = first_relevant(texts, facts[str(row["id"])])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--queries", type=Path, required=True)
    a = ap.parse_args()
    queries = {str(q.id): q for q in load_queries(a.queries)}
    facts = {i: q.facts for i, q in queries.items()}
    before, after = ranks(a.before, facts), ranks(a.after, facts)
    up = down = 0
    for i in sorted(before, key=lambda x: int(x) if x.isdigit() else x):
        b, c = before[i], after.get(i)
        if b == c:
            continue
        better = (c or 99) < (b or 99)
        up, down = up + better, down + (not better)
        hit = [(r is not None and r <= n) for r in (b, c) for n in (4, 10)]
        if hit[:2] != hit[2:]:
            rank = lambda r: "-" if r is None else str(r)  # noqa: E731
            print(f"{i:>5} {queries[i].question_type:16s} rank {rank(b):>2} -> {rank(c):>2}  "
                  f"{queries[i].query[:70]!r}")  # fmt: skip
    print(f"first relevant rank changed for {up + down} of {len(before)} queries: "
          f"{up} better, {down} worse")  # fmt: skip


if __name__ == "__main__":
    main()
