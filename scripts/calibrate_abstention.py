"""Fit pass 1's decision parameters (`rag/data/calibration.json`) on dev questions.

    python scripts/calibrate_abstention.py collect --queries Q.json --index DIR --output F.jsonl \
        [--exclude-sample 200 --exclude-seed 0] [--answerable 120] [--unanswerable 120]
    python scripts/calibrate_abstention.py collect --queries seeds_qa_dev.jsonl --index DIR \
        --output F.jsonl                      # the seed questions, appended to the same file
    python scripts/calibrate_abstention.py fit F.jsonl [--write rag/data/calibration.json] \
        [--plot calibration.png]

`collect` runs retrieval, the evidence units and pass 1 (`rag.answer.evidence.choose`), exactly as
`rag ask` does, on questions that are NOT in the evaluation sample (`--exclude-sample/--seed`,
the stratified sample `rag eval answers --sample N --seed S` draws), and writes one JSON line per
question: the three features, every unit's probability and whether its article is gold, and, for
yes/no questions, P(Yes) / (P(Yes) + P(No)) after the evidence. It resumes from its output.

`fit` fits a logistic regression of "unanswerable" on the features and picks the abstention
threshold from cross-validated predictions: the lowest one whose abstention precision is at least
`--precision` (0.8) at the share of unanswerable questions expected in use (`--prior`, 0.126 as
in MultiHop-RAG dev), because a wrong abstention costs an answer. It also picks the Yes/No
threshold (best accuracy) and the probability above which a unit is cited beside the model's
own list (best F1 of gold articles, precision first). With matplotlib installed it draws the
calibration: P(unanswerable) for answerable and unanswerable questions, and the Yes share.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from functools import partial
from pathlib import Path
from typing import Any

from rag import privacy
from rag.answer.evidence import Calibration, choose, yes_share
from rag.answer.prompt import ANSWER, evidence_line, evidence_messages
from rag.answer.route import route
from rag.answer.units import build_units
from rag.eval.answers import Item, load_items, stratified_sample
from rag.eval.jsonl import RowWriter, read_rows
from rag.pipeline import Pipeline
from rag.settings import Settings

YES_NO = {"yes", "no"}


def collect(args: argparse.Namespace) -> None:
    from rag.llm.embed import similarities

    items = load_items(args.queries)
    if args.exclude_sample:
        held = {i.id for i in stratified_sample(items, args.exclude_sample, args.exclude_seed)}
        items = [i for i in items if i.id not in held]
    rng = random.Random(args.seed)
    answerable = [i for i in items if i.answerable]
    unanswerable = [i for i in items if not i.answerable]
    rng.shuffle(answerable)
    rng.shuffle(unanswerable)
    chosen = answerable[: args.answerable] + unanswerable[: args.unanswerable]
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index), preload=True)
    generator = pipeline.generator
    similarity = partial(similarities, pipeline.embedder)
    # Pass 1 with no extra units: the fit decides the threshold for those from the raw P(id).
    cal = Calibration(extra_unit_at=2.0)
    done = read_rows(args.output)
    with RowWriter(args.output) as sink:
        for n, item in enumerate(chosen, 1):
            key = f"{args.queries.name}:{item.id}"
            if key in done:
                continue
            plan = route(item.question)
            passages = pipeline.retrieve(item.question).passages
            units = build_units(
                item.question, passages, similarity, budget_tokens=pipeline.settings.prompt_budget
            )
            row: dict[str, Any] = {
                "id": key,
                "question": item.question,
                "answerable": item.answerable,
                "route": plan.kind,
                "gold_answer": item.gold_answer,
            }
            if units:
                prompt = generator.chat_prompt(evidence_messages(item.question, units, plan))
                c = choose(generator, prompt, units, cal)
                row.update(
                    features=list(c.features),
                    chosen=list(c.chosen),
                    units=[
                        {"id": u.id, "p": c.unit_p[u.id], "gold": _is_gold(u.doc_id, item)}
                        for u in units
                    ],
                )
                if plan.kind == "yes_no":
                    head = prompt + evidence_line(c.chosen) + ANSWER
                    row["yes_share"] = yes_share(generator, head)
            sink.write(row)
            print(f"{n}/{len(chosen)} {key} {row.get('features')}", file=sys.stderr)


def _is_gold(doc_id: str, item: Item) -> bool:
    return doc_id in item.gold_docs or Path(doc_id).name in item.gold_docs


def fit(args: argparse.Namespace) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    rows = [r for r in read_rows(args.features).values() if r.get("features")]
    x = np.array([r["features"] for r in rows])
    y = np.array([0 if r["answerable"] else 1 for r in rows])
    model = LogisticRegression(C=1.0)
    cv = cross_val_predict(model, x, y, cv=5, method="predict_proba")[:, 1]
    abstain_at, table = _threshold(cv, y, args.precision, args.prior)
    model.fit(x, y)
    yes_at, yes_acc = _yes_threshold(rows)
    extra_at, extra = _extra_unit_threshold(rows)
    params = {
        "source": f"scripts/calibrate_abstention.py fit {args.features.name}",
        "features": ["none_share", "best_p", "best_relevance"],
        "weights": [round(float(w), 4) for w in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 4),
        "abstain_at": abstain_at,
        "yes_at": yes_at,
        "extra_unit_at": extra_at,
        "notes": {
            "questions": len(rows),
            "unanswerable": int(y.sum()),
            "cross_validated_at_threshold": table,
            "yes_no_accuracy": yes_acc,
            "extra_units": extra,
        },
    }
    print(json.dumps(params, indent=2))
    if args.write:
        args.write.write_text(json.dumps(params, indent=2) + "\n", "utf-8")
    if args.plot:
        _plot(args.plot, cv, y, abstain_at, rows, yes_at)


def _threshold(
    p: Any, y: Any, precision: float, prior: float
) -> tuple[float, dict[str, float]]:
    """The lowest threshold whose abstention precision reaches `precision` (most recall), with
    precision computed at the share of unanswerable questions users are expected to ask
    (`prior`), not at the share in this fit set: the fit set holds many more unanswerable ones
    than real use, and at the real share every wrong abstention weighs more."""
    share = float((y == 1).mean())
    w_pos, w_neg = prior / share, (1 - prior) / (1 - share)
    best = (1.0, {"precision": 0.0, "recall": 0.0})
    for t in sorted({round(float(v), 3) for v in p}, reverse=True):
        flagged = p >= t
        if not flagged.any():
            continue
        tp = float(flagged[y == 1].sum()) * w_pos
        fp = float(flagged[y == 0].sum()) * w_neg
        prec = tp / (tp + fp)
        rec = float(flagged[y == 1].mean())
        if prec >= precision:
            best = (t, {"precision": round(prec, 3), "recall": round(rec, 3), "prior": prior})
    return best


def _yes_threshold(rows: list[dict[str, Any]]) -> tuple[float, float]:
    pairs = [
        (r["yes_share"], str(r["gold_answer"]).strip().lower() == "yes")
        for r in rows
        if "yes_share" in r and str(r.get("gold_answer", "")).strip().lower() in YES_NO
    ]
    if not pairs:
        return 0.5, 0.0
    grid = [i / 100 for i in range(5, 96)]
    scores = [
        (sum((s >= t) == gold for s, gold in pairs) / len(pairs), -abs(t - 0.5), t) for t in grid
    ]
    acc, _, t = max(scores)
    return t, round(acc, 3)


def _extra_unit_threshold(rows: list[dict[str, Any]]) -> tuple[float, dict[str, float]]:
    """Best F1 of gold articles over the units chosen (the model's list plus those above t)."""
    best: tuple[float, float, dict[str, float]] = (-1.0, 1.0, {})
    for t in [i / 20 for i in range(1, 20)]:
        tp = fp = fn = 0
        for r in rows:
            if not r["answerable"]:
                continue
            ids = set(r["chosen"]) | {u["id"] for u in r["units"] if u["p"] >= t}
            gold_units = {u["id"] for u in r["units"] if u["gold"]}
            tp += len(ids & gold_units)
            fp += len(ids - gold_units)
            fn += 0 if ids & gold_units else 1
        prec = tp / max(tp + fp, 1)
        rec = tp / max(tp + fn, 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-9)
        if f1 > best[0]:
            best = (f1, t, {"precision": round(prec, 3), "f1": round(f1, 3)})
    return best[1], best[2]


def _plot(path: Path, p: Any, y: Any, t: float, rows: list[dict[str, Any]], yes_at: float) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)", file=sys.stderr)
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    bins = [i / 20 for i in range(21)]
    a.hist(p[y == 0], bins=bins, alpha=0.6, label="answerable")
    a.hist(p[y == 1], bins=bins, alpha=0.6, label="unanswerable")
    a.axvline(t, color="k", ls="--", label=f"abstain at {t:.2f}")
    a.set_xlabel("P(unanswerable), cross-validated")
    a.set_ylabel("questions")
    a.legend()
    a.set_title("Abstention")
    shares = [
        (r["yes_share"], str(r["gold_answer"]).strip().lower())
        for r in rows
        if "yes_share" in r and str(r.get("gold_answer", "")).strip().lower() in YES_NO
    ]
    b.hist([s for s, g in shares if g == "yes"], bins=bins, alpha=0.6, label="gold Yes")
    b.hist([s for s, g in shares if g == "no"], bins=bins, alpha=0.6, label="gold No")
    b.axvline(yes_at, color="k", ls="--", label=f"Yes at {yes_at:.2f}")
    b.set_xlabel("P(Yes) / (P(Yes) + P(No))")
    b.legend()
    b.set_title("Yes / No")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot: {path}", file=sys.stderr)


def main() -> None:
    privacy.apply()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--queries", type=Path, required=True)
    c.add_argument("--index", type=Path, required=True)
    c.add_argument("--output", type=Path, required=True)
    c.add_argument("--exclude-sample", type=int, default=0)
    c.add_argument("--exclude-seed", type=int, default=0)
    c.add_argument("--answerable", type=int, default=10**9)
    c.add_argument("--unanswerable", type=int, default=10**9)
    c.add_argument("--seed", type=int, default=1)
    f = sub.add_parser("fit")
    f.add_argument("features", type=Path)
    f.add_argument("--precision", type=float, default=0.8)
    # MultiHop-RAG dev: 126 of 1,000 questions have no answer in the corpus.
    f.add_argument("--prior", type=float, default=0.126, help="share of unanswerable questions")
    f.add_argument("--write", type=Path)
    f.add_argument("--plot", type=Path)
    args = ap.parse_args()
    collect(args) if args.command == "collect" else fit(args)


if __name__ == "__main__":
    main()
