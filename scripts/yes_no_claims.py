"""How well does the claim check (`rag/answer/claims.py`) separate gold Yes from gold No?
(issue: answers that do not mislead). Each clause of a yes/no question is read on its own
against the three sentences of its own outlet nearest to it in meaning, exactly as `rag ask`
does; P(Yes) of the least sure clause decides.

    python scripts/yes_no_claims.py collect --index index-eval-corpus --output yc.jsonl --n 120
    python scripts/yes_no_claims.py report yc.jsonl

Measured on MultiHop-RAG dev yes/no questions outside the 200-question evaluation sample
(`rag eval answers --sample 200 --seed 0`), so that the threshold chosen here is not tuned on
the questions it is scored on. `report` splits them into questions that make claims and
questions about how reports relate (`relates_reports`: the product does not check those), and
prints the AUROC and, at each threshold, the accuracy and balanced accuracy.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any

from rag import privacy
from rag.answer.claims import HOLDS_AT, check_question, margin, relates_reports
from rag.eval.answers import load_items
from rag.eval.jsonl import RowWriter, read_rows
from rag.llm.embed import similarities
from rag.pipeline import Pipeline
from rag.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from yes_no_signal import DEV, at_threshold, auroc, best_balanced, held_out_yes_no, logit, parser


def collect(args: argparse.Namespace) -> None:
    items = held_out_yes_no(args.queries, args.seed)
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index), preload=True)
    similarity = partial(similarities, pipeline.embedder)
    assert pipeline.retriever is not None
    done = read_rows(args.output)
    with RowWriter(args.output) as sink:
        for n, item in enumerate(items[: args.n], 1):
            if item.id in done or (args.claims_only and relates_reports(item.question)):
                continue
            passages = pipeline.retrieve(item.question).passages
            checks = check_question(pipeline, item.question, passages, similarity)
            row: dict[str, Any] = {
                "id": item.id,
                "type": item.question_type,
                "gold": str(item.gold_answer).strip().lower(),
                "checks": [
                    {
                        "q": c.claim,
                        "ev": c.p_yes,
                        "opposite": c.opposite,
                        "ev_opposite": c.p_opposite,
                        "margin": c.margin,
                        "sentences": [x.text for x in c.sentences],
                    }
                    for c in checks
                ],
            }
            sink.write(row)
            shares = " ".join(f"{c['ev']:.2f}" for c in row["checks"])
            print(f"{n} {item.id} {row['gold']} P(Yes) per clause: {shares}", file=sys.stderr)


def signals(r: dict[str, Any]) -> dict[str, float]:
    ch = r["checks"]
    if not ch:
        return {}
    return {
        "least sure": min(logit(c["ev"]) for c in ch),
        "mean": sum(logit(c["ev"]) for c in ch) / len(ch),
        # today's decision (>= 0: Yes): every clause must hold (`claims.margin`)
        "margin": min(margin(c["ev"], c.get("ev_opposite")) for c in ch),
    }


def report(args: argparse.Namespace) -> None:
    items = {i.id: i for i in load_items(args.queries)}
    rows = [r for r in read_rows(args.rows).values() if r["checks"]]
    groups = {
        "claims": [r for r in rows if not relates_reports(items[r["id"]].question)],
        "relation": [r for r in rows if relates_reports(items[r["id"]].question)],
    }
    for group, rs in groups.items():
        if not rs:
            continue
        gold = [r["gold"] == "yes" for r in rs]
        print(f"{group}: {len(rs)} questions, {sum(gold)} gold Yes")
        for name in ("least sure", "mean", "margin"):
            scores = [signals(r)[name] for r in rs]
            bal, t = best_balanced(scores, gold)
            print(
                f"  {name:11} AUROC {auroc(scores, gold):.3f}  best balanced {bal:.3f} at {t:+.2f}"
            )
        for at in sorted({0.3, 0.4, 0.5, 0.6, HOLDS_AT}):
            acc, bal = at_threshold([min(c["ev"] for c in r["checks"]) >= at for r in rs], gold)
            mark = "  (without opposites)" if at == HOLDS_AT else ""
            print(f"  Yes at P >= {at:.2f}: accuracy {acc:.3f}, balanced {bal:.3f}{mark}")
        acc, bal = at_threshold([signals(r)["margin"] >= 0 for r in rs], gold)
        print(f"  Yes when every clause holds (rag ask): accuracy {acc:.3f}, balanced {bal:.3f}")
        with_opposite = [
            (c, r["gold"] == "yes") for r in rs for c in r["checks"] if c.get("opposite")
        ]
        if with_opposite:
            # Clauses of gold-Yes questions are mostly true; of gold-No ones, some are false.
            scores = [logit(c["ev"]) - logit(c["ev_opposite"]) for c, _ in with_opposite]
            plain = [logit(c["ev"]) for c, _ in with_opposite]
            golds = [g for _, g in with_opposite]
            print(
                f"  clauses with an opposite: {len(with_opposite)}; AUROC against the question's"
                f" gold: P(Yes) {auroc(plain, golds):.3f}, against the opposite"
                f" {auroc(scores, golds):.3f}"
            )


def main() -> None:
    privacy.apply()
    ap, c, r = parser(120)
    r.add_argument("--queries", type=Path, default=Path(DEV))
    c.add_argument(
        "--claims-only", action="store_true", help="skip questions about how reports relate"
    )
    args = ap.parse_args()
    collect(args) if args.cmd == "collect" else report(args)


if __name__ == "__main__":
    main()
