"""What a clause check costs (issue: answers that do not mislead): the first read of a clause
(its sentences and question, a new prompt after the cached system turn) against the read of its
opposite after the same sentences (only the question's tokens are new), on held-out MultiHop-RAG
yes/no questions that make claims.

    python scripts/bench_claim_reads.py --index index-eval-corpus --n 30

Prints the median seconds and prompt tokens of each kind of read. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

from rag import privacy
from rag.answer.claims import (
    check_messages,
    clause_claims,
    nearest_sentences,
    relates_reports,
    reworded,
)
from rag.answer.contrast import opposite
from rag.llm.embed import similarities
from rag.pipeline import Pipeline
from rag.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from yes_no_signal import DEV, held_out_yes_no


def main() -> None:
    privacy.apply()
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=Path, default=Path(DEV))
    ap.add_argument("--n", type=int, default=30, help="questions")
    args = ap.parse_args()
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index), preload=True)
    generator, retriever = pipeline.generator, pipeline.retriever
    assert retriever is not None
    similarity = partial(similarities, pipeline.embedder)
    items = [i for i in held_out_yes_no(args.queries, 0) if not relates_reports(i.question)]
    first: list[float] = []
    second: list[float] = []
    tokens: list[tuple[int, int]] = []
    for item in items[: args.n]:
        for sub, claim in clause_claims(retriever.clauses(item.question)):
            found = [p for p in pipeline.retrieve(claim).passages if p.source in sub.sources]
            sentences = nearest_sentences(claim, found, similarity)
            other = opposite(claim, [s.text for s in sentences])
            if other is None or not sentences:
                continue
            prompt = generator.chat_prompt(
                check_messages(claim, sentences, " / ".join(sub.sources))
            )
            denied = reworded(prompt, claim, other)
            t = time.perf_counter()
            generator.probabilities(prompt, ["Yes", "No"])
            first.append(time.perf_counter() - t)
            t = time.perf_counter()
            generator.probabilities(denied, ["Yes", "No"])
            second.append(time.perf_counter() - t)
            cached = generator.prompt_tokens(prompt[: prompt.index(f"Question: {claim}")])
            new = generator.prompt_tokens(denied) - cached
            tokens.append((generator.prompt_tokens(prompt), new))
    print(f"{len(first)} clauses with an opposite")
    print(
        f"first read:    {statistics.median(first):.3f} s p50,"
        f" {statistics.median(a for a, _ in tokens)} prompt tokens p50"
    )
    print(
        f"opposite read: {statistics.median(second):.3f} s p50,"
        f" {statistics.median(b for _, b in tokens)} new prompt tokens p50 (the sentences are"
        " cached)"
    )


if __name__ == "__main__":
    main()
