"""How well does the comparison of two reports (`rag/answer/compare.py`) separate gold Yes from
gold No on questions about how reports relate? (issue: answers that do not mislead).

    python scripts/yes_no_relations.py collect --index index-eval-corpus --output yr.jsonl --n 80
    python scripts/yes_no_relations.py report yr.jsonl

Measured on MultiHop-RAG dev yes/no relation questions outside the 200-question evaluation
sample (`rag eval answers --sample 200 --seed 0`), so the threshold chosen here is not tuned on
the questions it is scored on. For each question it records, over the same sentences of each
report that `rag ask` shows the model:
- `same`: P(Same) against P(Different), the question `rag ask` asks (no direction);
- `agree` / `differ`: P(Yes) for "Do these reports agree on this?" and for "... differ on
  this?", whose contrast cancels the model's Yes prior another way.
`report` maps each onto the question's direction (`asks_same`) and prints the AUROC and the
accuracy and balanced accuracy at each threshold.
"""

from __future__ import annotations

import argparse
import math
import sys
from functools import partial
from pathlib import Path
from typing import Any

from rag import privacy
from rag.answer.compare import (
    SAME_AT,
    asks_same,
    compare_messages,
    p_same,
    relates_reports,
    reports,
)
from rag.eval.jsonl import RowWriter, read_rows
from rag.llm.embed import similarities
from rag.pipeline import Pipeline
from rag.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from yes_no_signal import DEV, auroc, best_balanced, held_out_yes_no


def _yes(pipeline: Pipeline, question: str, found: Any, ask: str) -> float:
    messages = compare_messages(question, found)
    body = messages[1]["content"].rsplit("\nOn what", 1)[0]
    messages[1]["content"] = f"{body}\n{ask} Answer Yes or No, from these sentences only."
    g = pipeline.generator
    yes, no = g.probabilities(g.chat_prompt(messages), ["Yes", "No"])
    return yes / (yes + no)


def collect(args: argparse.Namespace) -> None:
    items = [
        i
        for i in held_out_yes_no(args.queries, args.seed)
        if relates_reports(i.question) and asks_same(i.question) is not None
    ]
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index), preload=True)
    similarity = partial(similarities, pipeline.embedder)
    done = read_rows(args.output)
    with RowWriter(args.output) as sink:
        for n, item in enumerate(items[: args.n], 1):
            if item.id in done:
                continue
            passages = pipeline.retrieve(item.question).passages
            found = reports(pipeline, item.question, passages, similarity)
            row: dict[str, Any] = {
                "id": item.id,
                "type": item.question_type,
                "gold": str(item.gold_answer).strip().lower(),
                "asks_same": asks_same(item.question),
                "reports": [[r.label, [s.text for s in r.sentences]] for r in found],
            }
            if found:
                row["same"] = p_same(pipeline.generator, item.question, found)
                on = "On what the question asks about,"
                row["agree"] = _yes(pipeline, item.question, found, f"{on} do these reports agree?")
                row["differ"] = _yes(
                    pipeline, item.question, found, f"{on} do these reports differ?"
                )
            sink.write(row)
            print(
                f"{n} {item.id} {row['gold']} same-asked={row['asks_same']} "
                f"P(Same) {row.get('same', float('nan')):.2f}",
                file=sys.stderr,
            )


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def signals(r: dict[str, Any]) -> dict[str, float]:
    """Each signal as evidence for Yes: for a question that asks whether the reports differ,
    agreement counts against."""
    sign = 1 if r["asks_same"] else -1
    return {
        "same/different": sign * _logit(r["same"]),
        "agree - differ": sign * (_logit(r["agree"]) - _logit(r["differ"])),
        "P(Yes) asked as the question": _logit(r["agree"] if r["asks_same"] else r["differ"]),
    }


def report(args: argparse.Namespace) -> None:
    rows = [r for r in read_rows(args.rows).values() if "same" in r]
    for name, rs in (
        ("all", rows),
        ("asks same", [r for r in rows if r["asks_same"]]),
        ("asks different", [r for r in rows if not r["asks_same"]]),
    ):
        gold = [r["gold"] == "yes" for r in rs]
        print(f"{name}: {len(rs)} questions, {sum(gold)} gold Yes")
        if not rs:
            continue
        for signal in signals(rs[0]):
            scores = [signals(r)[signal] for r in rs]
            bal, t = best_balanced(scores, gold)
            print(f"  {signal:29} AUROC {auroc(scores, gold):.3f}, best bal. {bal:.3f} at {t:+.2f}")
        for at in sorted({0.3, 0.4, 0.5, 0.6, 0.7, SAME_AT}):
            yes = [(r["same"] >= at) == r["asks_same"] for r in rs]
            tpr = sum(y and g for y, g in zip(yes, gold, strict=True)) / max(sum(gold), 1)
            tnr = sum(not (y or g) for y, g in zip(yes, gold, strict=True)) / max(
                len(gold) - sum(gold), 1
            )
            acc = sum(y == g for y, g in zip(yes, gold, strict=True)) / len(gold)
            mark = "  (rag ask)" if at == SAME_AT else ""
            print(
                f"  Same at P >= {at:.2f}: accuracy {acc:.3f}, balanced {(tpr + tnr) / 2:.3f}{mark}"
            )
        print(f"  Yes to all: accuracy {sum(gold) / len(gold):.3f}, balanced 0.500")


def main() -> None:
    privacy.apply()
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--queries", type=Path, default=Path(DEV))
    c.add_argument("--index", type=Path, required=True)
    c.add_argument("--output", type=Path, required=True)
    c.add_argument("--n", type=int, default=80)
    c.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("report")
    r.add_argument("rows", type=Path)
    args = ap.parse_args()
    collect(args) if args.cmd == "collect" else report(args)


if __name__ == "__main__":
    main()
