"""Which article should a claim check cite? (`rag/answer/claims.py`.) For each clause of held-out
yes/no questions that make claims, how often the article of the sentence it would quote is one
of the question's gold articles, for three ways of choosing it among the clause's own outlet's
retrieved passages:

- nearest: the sentence nearest the clause in meaning, among all of them (what the product does);
- best article: the outlet's best-ranked passage's article (its nearest sentence);
- majority: the article that most of the three nearest sentences come from.

No model runs: retrieval and the embedder only, a few minutes for 150 questions.

    python scripts/clause_citations.py --index index-eval-corpus --n 150

The questions are MultiHop-RAG dev yes/no questions outside the 200-question evaluation sample
(`held_out_yes_no`), without those about how reports relate. MultiHop-RAG: Tang & Yang (2024),
ODC-BY.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from functools import partial
from pathlib import Path

from rag.answer.claims import clause_claims, nearest_sentences, relates_reports
from rag.llm.embed import similarities
from rag.pipeline import Pipeline
from rag.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from yes_no_signal import DEV, held_out_yes_no


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=Path, default=Path(DEV))
    ap.add_argument("--n", type=int, default=150)
    a = ap.parse_args()
    items = [i for i in held_out_yes_no(a.queries, 0) if not relates_reports(i.question)]
    pipeline = Pipeline.open(Settings.from_env(index_dir=a.index), preload=True)
    similarity = partial(similarities, pipeline.embedder)
    assert pipeline.retriever is not None
    gold = Counter[str]()
    for item in items[: a.n]:
        for sub, claim in clause_claims(pipeline.retriever.clauses(item.question)):
            found = pipeline.retrieve(claim).passages
            own = [p for p in found if not sub.sources or p.source in sub.sources] or found
            near = nearest_sentences(claim, own, similarity)
            if not near:
                continue
            best = own[0].chunk.doc_id
            majority = Counter(s.passage.chunk.doc_id for s in near).most_common(1)[0][0]
            gold["clauses"] += 1
            gold["nearest"] += near[0].passage.chunk.doc_id in item.gold_docs
            gold["best article"] += best in item.gold_docs
            gold["majority"] += majority in item.gold_docs
            gold["a gold article among them"] += any(p.chunk.doc_id in item.gold_docs for p in own)
    n = gold.pop("clauses", 0)
    print(f"{n} clauses of {min(a.n, len(items))} questions; the cited article is gold for:")
    for name, hits in gold.items():
        print(f"  {name:28s} {hits / max(1, n):.3f} ({hits})")


if __name__ == "__main__":
    main()
