"""Time a cold `rag ask`, as a terminal user runs it: N fresh processes, medians.

    python scripts/bench_ask.py [--question Q] [--runs 5] [--model NAME] [--index DIR] [--split]

Each run is a new `rag ask --json` process, so nothing is cached between runs (llama.cpp would
otherwise reuse the whole prompt of a repeated question and report a misleading first token).
Reports the process wall time (interpreter start, imports, opening the index, loading the models
and answering), and the answer's own timings (retrieval, first token and total, measured from the
question reaching the pipeline). `wall - total` is the start-up cost a long-running `rag serve`
pays once.

With `--split`, each run is instead a small driver that takes the steps `rag ask` takes (the same
functions: `Pipeline.open(preload=True)`, `ask`) and stamps each one: imports, opening the index
and the embedder (the LLM loads alongside), waiting for the LLM, retrieval, first token, total.

`--cwd DIR` runs another checkout of the project (e.g. a `git worktree` of an older commit) with
the same interpreter, for before/after figures from one machine in one session. Prints one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

DRIVER = r"""
import json, sys, time
t0 = time.perf_counter()
from rag import privacy
from rag.ask import ask
from rag.pipeline import Pipeline
from rag.settings import Settings
privacy.apply()
t_imports = time.perf_counter()
overrides = json.loads(sys.argv[2])
pipeline = Pipeline.open(Settings.from_env(**overrides), preload=True)
t_open = time.perf_counter()
pipeline.generator
t_model = time.perf_counter()
answer = ask(pipeline, sys.argv[1]).answer
t = answer.timings_ms
print(json.dumps({
    "imports_ms": (t_imports - t0) * 1000,
    "open_index_and_embedder_ms": (t_open - t_imports) * 1000,
    "wait_for_llm_ms": (t_model - t_open) * 1000,
    "retrieve_ms": t["retrieve"],
    "first_token_ms": t["first_token"],
    "total_ms": t["total"],
    "answer": answer.text,
}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--question", default="What did Patrushev say about AUKUS?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model")
    ap.add_argument("--index")
    ap.add_argument("--cwd", help="run this checkout of the project (default: this one)")
    ap.add_argument("--split", action="store_true", help="stamp each step (in-process driver)")
    args = ap.parse_args()
    if args.split:
        overrides = {"index_dir": args.index, "model": args.model}
        cmd = [sys.executable, "-c", DRIVER, args.question, json.dumps(overrides)]
    else:
        cmd = [sys.executable, "-m", "rag.cli", "ask", args.question, "--json"]
        cmd += ["--model", args.model] if args.model else []
        cmd += ["--index", args.index] if args.index else []
    runs, walls = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=args.cwd)
        walls.append(time.perf_counter() - t)
        runs.append(json.loads(done.stdout))

    def p50(values: list[float]) -> float:
        return round(statistics.median(values))

    report: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "checkout": os.path.abspath(args.cwd or "."),
        "question": args.question,
        "runs": args.runs,
        "answer": runs[-1]["answer"],
        "process_wall_ms_p50": p50([w * 1000 for w in walls]),
    }
    if args.split:
        for key in runs[-1]:
            if key.endswith("_ms"):
                report[f"{key}_p50"] = p50([r[key] for r in runs])
    else:
        for key in ("retrieve", "first_token", "total"):
            report[f"{key}_ms_p50"] = p50([r["timings_ms"][key] for r in runs])
        report["startup_ms_p50"] = p50(
            [w * 1000 - r["timings_ms"]["total"] for w, r in zip(walls, runs, strict=True)]
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
