"""How often the code alone says "the articles don't say" (`rag/answer/scope.py`: an outlet or a
name the question uses that the index does not hold), on answerable and unanswerable questions,
before any model runs.

    python scripts/check_scope.py --index index-eval-corpus \\
        --queries ../shared/eval/multihop_rag/queries_dev.json        # MultiHop-RAG (null_query)
    python scripts/check_scope.py --index index --queries ../shared/eval/seeds_qa_dev.jsonl

MultiHop-RAG: Tang & Yang (2024), ODC-BY.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.pipeline import Pipeline
from rag.settings import Settings


def questions(path: Path) -> list[tuple[str, bool]]:
    """(question, unanswerable) from MultiHop-RAG's JSON list or the seed questions' JSON lines."""
    text = path.read_text("utf-8")
    if path.suffix == ".json":
        return [(q["query"], q["question_type"] == "null_query") for q in json.loads(text)]
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [(r["question"], not r["answerable"]) for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--show", action="store_true", help="print each question the check fires on")
    a = ap.parse_args()
    pipeline = Pipeline.open(Settings.from_env(index_dir=a.index))
    fired = {True: 0, False: 0}
    total = {True: 0, False: 0}
    by_outlet = 0
    ms = []
    for question, unanswerable in questions(a.queries):
        t = time.perf_counter()
        outlets, _ = pipeline.unknown_outlets(question)
        names = pipeline.unknown_names(question)
        ms.append((time.perf_counter() - t) * 1000)
        total[unanswerable] += 1
        if outlets or names:
            fired[unanswerable] += 1
            by_outlet += bool(outlets) and unanswerable
            if a.show:
                print(f"{'unanswerable' if unanswerable else 'ANSWERABLE'}: {outlets} {names} "
                      f"| {question[:100]}")  # fmt: skip
    print(json.dumps({
        "unanswerable_caught": f"{fired[True]}/{total[True]}",
        "of_them_by_outlet": by_outlet,
        "answerable_caught": f"{fired[False]}/{total[False]}",
        "ms_p50": round(statistics.median(ms), 2) if ms else None,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
