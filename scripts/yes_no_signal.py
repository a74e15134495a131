"""How well do the model's Yes/No probabilities separate gold Yes from gold No? (issue: answers
that do not mislead). Measured on MultiHop-RAG dev yes/no questions that are NOT in the
evaluation sample (`rag eval answers --sample 200 --seed 0`), so that any threshold chosen here is
not tuned on the questions it is scored on.

    python scripts/yes_no_signal.py collect --index index-eval-corpus --output yn.jsonl [--n 160]
    python scripts/yes_no_signal.py report yn.jsonl

`collect` runs retrieval, the evidence units and pass 1 as `rag ask` does, then reads
P(Yes) / (P(Yes) + P(No)) as the answer's first token in several ways (each a few tens of tokens
after the cached evidence):

- ev: after the chosen evidence ("Evidence: S2, S5\\nAnswer:"), as answers are decided today;
- none: after "Evidence: NONE\\nAnswer:", the same question with its evidence disowned: the
  model's prior for this wording, which the contrast ev - none (in log-odds) cancels;
- clause_*: the question split into its clauses (one per outlet or date it names,
  `rag.search.query`), each asked on its own ("Is it true that ...?") after the same evidence;
  the smallest share (a Yes needs every clause) and its contrast with NONE.

`report` prints the AUROC of each signal (and of its contrasts) by question type, and the best
balanced accuracy a single threshold reaches on these questions.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from rag import privacy
from rag.answer.claims import clause_claims as clause_pairs
from rag.answer.claims import logit
from rag.answer.evidence import Calibration, choose, yes_share
from rag.answer.prompt import ANSWER, EVIDENCE, evidence_line, evidence_messages
from rag.answer.route import route
from rag.answer.units import build_units, render_units
from rag.answer.yes_no import order_claim, order_holds, order_units
from rag.eval.answers import Item, load_items, stratified_sample
from rag.eval.jsonl import RowWriter, read_rows
from rag.pipeline import Pipeline
from rag.search.query import SubQuery
from rag.settings import Settings

YES_NO = {"yes", "no"}


def clause_questions(question: str, clauses: Sequence[SubQuery]) -> list[str]:
    """Each clause of `question` as a question of its own: "Does the Verge article imply X" stays
    a question, "while Fortune focuses on Y" becomes "Is it true that Fortune focuses on Y?"."""
    return [q for _, q in clause_pairs(clauses)]


CHECK_SYSTEM = (
    "You check one claim against sentences from a news article. Answer Yes only if the "
    "sentences support the claim; answer No if they contradict it or do not say it."
)


def check_messages(clause: str, units: Sequence[Any]) -> list[dict[str, str]]:
    body = render_units(list(units)) if units else "(no sentences)"
    user = f"{body}\n\nClaim to check: {clause}\nAnswer Yes or No."
    return [{"role": "system", "content": CHECK_SYSTEM}, {"role": "user", "content": user}]


DEV = "../shared/eval/multihop_rag/queries_dev.json"


def held_out_yes_no(
    queries: Path, seed: int, exclude_sample: int = 200, exclude_seed: int = 0
) -> list[Item]:
    """The yes/no questions of `queries` outside the evaluation sample (`rag eval answers
    --sample 200 --seed 0`), in an order shuffled by `seed`."""
    items = load_items(queries)
    held = {i.id for i in stratified_sample(items, exclude_sample, exclude_seed)}
    items = [
        i
        for i in items
        if i.id not in held
        and str(i.gold_answer).strip().lower() in YES_NO
        and route(i.question).kind == "yes_no"
    ]
    random.Random(seed).shuffle(items)
    return items


def collect(args: argparse.Namespace) -> None:
    from rag.llm.embed import similarities

    items = held_out_yes_no(args.queries, args.seed, args.exclude_sample, args.exclude_seed)
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index), preload=True)
    generator = pipeline.generator
    similarity = partial(similarities, pipeline.embedder)
    cal = Calibration.load()
    done = read_rows(args.output)
    with RowWriter(args.output) as sink:
        for n, item in enumerate(items[: args.n], 1):
            if item.id in done:
                continue
            plan = route(item.question)
            passages = pipeline.retrieve(item.question).passages
            units = build_units(
                item.question, passages, similarity, budget_tokens=pipeline.settings.prompt_budget
            )
            if not units:
                continue
            prompt = generator.chat_prompt(evidence_messages(item.question, units, plan))
            c = choose(generator, prompt, units, cal)
            chosen = evidence_line(c.chosen) + ANSWER
            none = evidence_line(()) + ANSWER
            row: dict[str, Any] = {
                "id": item.id,
                "type": item.question_type,
                "gold": str(item.gold_answer).strip().lower(),
                "ev": yes_share(generator, prompt + chosen),
                "none": yes_share(generator, prompt + none),
                "clauses": [],
                "features": list(c.features),  # pass 1: NONE share, best P(id), relevance
            }
            assert pipeline.retriever is not None
            clauses = pipeline.retriever.clauses(item.question)
            for clause in clause_questions(item.question, clauses):
                # The same evidence, another question: the cached evidence is reused (a new
                # chat_prompt() would start the question's evaluation over).
                p = prompt.replace(f"Question: {item.question}", f"Question: {clause}")
                s_, upper, title = generator.probabilities(p + EVIDENCE, [" S", " NONE", " None"])
                row["clauses"].append(
                    {
                        "q": clause,
                        "ev": yes_share(generator, p + chosen),
                        "none": yes_share(generator, p + none),
                        # pass 1 for the clause alone: does the model see evidence for it?
                        "evidence": s_ / (s_ + upper + title) if s_ + upper + title else 0.5,
                    }
                )
            # Each clause against its own article's units only, asked as a check of one claim
            # (a fresh prompt: only the fixed system text is cached).
            row["checks"] = []
            for sub, clause in clause_pairs(clauses) if args.checks else []:
                own = [u for u in units if not sub.sources or u.passage.source in sub.sources]
                if not own:
                    continue
                head = generator.chat_prompt(check_messages(clause, own))
                plain = generator.chat_prompt(check_messages(clause, []))
                row["checks"].append(
                    {
                        "q": clause,
                        "ev": yes_share(generator, head),
                        "none": yes_share(generator, plain),
                    }
                )
            claim = order_claim(item.question, pipeline.retriever.plan(item.question).outlets)
            pair = order_units(claim, units, c.chosen) if claim else None
            row["order"] = None if pair is None else order_holds(*pair)
            sink.write(row)
            print(
                f"{n} {item.id} {row['gold']} ev={row['ev']:.3f} none={row['none']:.3f} "
                f"clauses={len(row['clauses'])}",
                file=sys.stderr,
            )


def signals(r: dict[str, Any]) -> dict[str, float]:
    s = {"ev": logit(r["ev"]), "none": logit(r["none"])}
    s["ev-none"] = s["ev"] - s["none"]
    cl = r["clauses"] or [{"ev": r["ev"], "none": r["none"]}]
    s["clause_min"] = min(logit(c["ev"]) for c in cl)
    s["clause_min-none"] = min(logit(c["ev"]) - logit(c["none"]) for c in cl)
    s["ev-none+clause"] = s["ev-none"] + s["clause_min-none"]
    if all("evidence" in c for c in r["clauses"]) and r["clauses"]:
        s["clause_evidence_min"] = min(logit(c["evidence"]) for c in r["clauses"])
        s["clause_evidence_mean"] = sum(logit(c["evidence"]) for c in r["clauses"]) / len(
            r["clauses"]
        )
    if r.get("checks"):
        s["check_min"] = min(logit(c["ev"]) for c in r["checks"])
        s["check_min-none"] = min(logit(c["ev"]) - logit(c["none"]) for c in r["checks"])
        s["check_mean"] = sum(logit(c["ev"]) for c in r["checks"]) / len(r["checks"])
    if "features" in r:
        none_share, best_p, relevance = r["features"]
        s["-none_share"] = -none_share
        s["best_p"] = best_p
        s["relevance"] = relevance
    return s


def auroc(scores: list[float], gold: list[bool]) -> float:
    pos = [s for s, g in zip(scores, gold, strict=True) if g]
    neg = [s for s, g in zip(scores, gold, strict=True) if not g]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def at_threshold(yes: list[bool], gold: list[bool]) -> tuple[float, float]:
    """(accuracy, balanced accuracy) of the decisions `yes` against `gold`: balanced is the mean
    of the accuracy on gold Yes and on gold No, 0.5 for "Yes" to all."""
    pairs = list(zip(yes, gold, strict=True))
    tpr = sum(y and g for y, g in pairs) / max(sum(gold), 1)
    tnr = sum(not (y or g) for y, g in pairs) / max(len(gold) - sum(gold), 1)
    return sum(y == g for y, g in pairs) / max(len(gold), 1), (tpr + tnr) / 2


def best_balanced(scores: list[float], gold: list[bool]) -> tuple[float, float]:
    best = (0.0, 0.0)
    for t in sorted(set(scores)):
        best = max(best, (at_threshold([s >= t for s in scores], gold)[1], t))
    return best


def parser(
    n: int, description: str | None = None
) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser, argparse.ArgumentParser]:
    """The yes/no scripts' command line: `collect` (questions, index, output, how many, shuffle
    seed) and `report ROWS`; each script adds its own options to the two sub-parsers."""
    ap = argparse.ArgumentParser(description=description)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--queries", type=Path, default=Path(DEV))
    c.add_argument("--index", type=Path, required=True)
    c.add_argument("--output", type=Path, required=True)
    c.add_argument("--n", type=int, default=n)
    c.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("report")
    r.add_argument("rows", type=Path)
    return ap, c, r


def report(args: argparse.Namespace) -> None:
    rows = list(read_rows(args.rows).values())
    if args.with_features:
        rows = [r for r in rows if "features" in r]
    kinds = ["all", *sorted({r["type"] for r in rows})]
    names = list(dict.fromkeys(n for r in rows for n in signals(r)))
    print(f"{'signal':18}" + "".join(f"{k[:12]:>14}" for k in kinds) + "   best balanced (all)")
    for name in names:
        cells = []
        for k in kinds:
            rs = [r for r in rows if k == "all" or r["type"] == k]
            have = [r for r in rs if name in signals(r)]
            gold = [r["gold"] == "yes" for r in have]
            cells.append(auroc([signals(r)[name] for r in have], gold))
        have = [r for r in rows if name in signals(r)]
        bal, t = best_balanced([signals(r)[name] for r in have], [r["gold"] == "yes" for r in have])
        print(f"{name:18}" + "".join(f"{c:14.3f}" for c in cells) + f"   {bal:.3f} at {t:+.2f}")
    counts = {k: sum(1 for r in rows if k == "all" or r["type"] == k) for k in kinds}
    print("questions", counts, "gold yes", sum(r["gold"] == "yes" for r in rows))
    ordered = [(r["order"], r["gold"]) for r in rows if r.get("order") is not None]
    print("date order read by the code (holds, gold):", dict(Counter(ordered)))


def main() -> None:
    privacy.apply()
    ap, c, r = parser(160, __doc__.split("\n\n")[0])
    c.add_argument("--checks", action="store_true", help="also each clause as a claim check")
    c.add_argument("--exclude-sample", type=int, default=200)
    c.add_argument("--exclude-seed", type=int, default=0)
    r.add_argument("--with-features", action="store_true", help="only rows with pass 1 features")
    args = ap.parse_args()
    collect(args) if args.cmd == "collect" else report(args)


if __name__ == "__main__":
    main()
