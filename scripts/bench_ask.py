"""Time a cold `rag ask`, as a terminal user runs it: N fresh processes, medians.

    python scripts/bench_ask.py [--question Q] [--runs 5] [--model NAME] [--index DIR] [--split]

Each run is a new `rag ask` process, so nothing is cached between runs (llama.cpp would
otherwise reuse the whole prompt of a repeated question and report a misleading first token).
Reports the process wall time (interpreter start, imports, opening the index, loading the models
and answering), and the answer's own timings (first token and total, measured from the question
reaching the pipeline, as the terminal prints them, to 0.1 s). `wall - total` is the start-up
cost that a long-running `rag serve` pays once.

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
import re
import statistics
import subprocess
import sys
import time

DRIVER = r"""
import json, sys, time
t0 = time.perf_counter()
from rag import privacy
from rag.answer.ask import ask
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
}), flush=True)  # now: at exit llama.cpp points stdout at /dev/null while it frees the model
"""


def _timings(stderr: str, stdout: str) -> dict[str, object]:
    m = re.search(r"first token ([\d.]+) s · total ([\d.]+) s", stderr)
    if m is None:
        raise SystemExit(f"no timing line in the output of rag ask:\n{stderr[-2000:]}")
    first, total = float(m.group(1)) * 1000, float(m.group(2)) * 1000
    return {
        "answer": stdout.strip().splitlines()[0],
        "timings_ms": {"first_token": first, "total": total},
    }


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
        # The terminal form, whose last stderr line every version prints: "first token 5.2 s ·
        # total 7.9 s" (some versions' --json output is lost at exit; see DRIVER).
        cmd = [sys.executable, "-m", "rag.cli", "ask", args.question]
        cmd += ["--model", args.model] if args.model else []
        cmd += ["--index", args.index] if args.index else []
    runs, walls = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=args.cwd)
        walls.append(time.perf_counter() - t)
        runs.append(json.loads(done.stdout) if args.split else _timings(done.stderr, done.stdout))

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
        for key in ("first_token", "total"):
            report[f"{key}_ms_p50"] = p50([r["timings_ms"][key] for r in runs])
        report["startup_ms_p50"] = p50(
            [w * 1000 - r["timings_ms"]["total"] for w, r in zip(walls, runs, strict=True)]
        )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
