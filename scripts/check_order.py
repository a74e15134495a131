"""How often the dates alone decide a yes/no question about the order of two reports, and how
often they are right (issue: answers that do not mislead). MultiHop-RAG (Tang & Yang, 2024;
ODC-BY) dev questions; each side's date is its gold article's, so this checks the rule, not
retrieval.

    python scripts/check_order.py [--queries ../shared/eval/multihop_rag/queries_dev.json]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from rag.answer.units import Unit
from rag.answer.yes_no import order_answer, order_claim
from rag.search.query import OutletMatcher
from rag.types import Chunk, Passage

DATA = Path("../shared/eval/multihop_rag")


def _unit(source: str, day: str) -> Unit:
    passage = Passage(1, Chunk("c", source, 0, 1, "."), 1.0, source, source, day)
    return Unit(1, passage, 0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=Path, default=DATA / "queries_dev.json")
    ap.add_argument("--corpus", type=Path, default=DATA / "corpus.json")
    args = ap.parse_args()
    corpus = json.loads(args.corpus.read_text("utf-8"))
    matcher = OutletMatcher(sorted({str(a["source"]) for a in corpus}))
    counts: Counter[str] = Counter()
    for q in json.loads(args.queries.read_text("utf-8")):
        gold = str(q["answer"]).strip().lower()
        if gold not in ("yes", "no"):
            continue
        counts["yes/no questions"] += 1
        order = order_claim(q["query"], matcher.find(q["query"]))
        if order is None:
            continue
        counts["an order claimed"] += 1
        days: dict[str, str] = {}
        for e in q["evidence_list"]:
            days.setdefault(e["source"], e["published_at"][:10])
        first = [s for s in order.first if s in days]
        second = [s for s in order.second if s in days]
        if not first or not second:
            continue
        said = order_answer(
            order, _unit(first[0], days[first[0]]), _unit(second[0], days[second[0]])
        )
        if said is not None:
            counts["decided by the dates"] += 1
            counts["right"] += said == (gold == "yes")
    for name, n in counts.items():
        print(f"{name:24} {n}")


if __name__ == "__main__":
    main()
