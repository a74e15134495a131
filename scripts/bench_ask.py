"""Time `rag ask` on one question, as a terminal user runs it: N fresh processes, medians.

    python scripts/bench_ask.py [--question Q] [--runs 5] [--model NAME] [--index DIR]

Each run is a new `rag ask --json` process, so nothing is cached between runs (llama.cpp would
otherwise reuse the whole prompt of a repeated question and report a misleading first token).
Reports the answer's own timings (first token and total, measured from the question reaching the
pipeline) and the process wall time (imports and model load included). Prints one JSON object.
For many different questions in one process, use `rag eval`.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--question", default="What did Patrushev say about AUKUS?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model")
    ap.add_argument("--index")
    args = ap.parse_args()
    cmd = [sys.executable, "-m", "rag.cli", "ask", args.question, "--json"]
    cmd += ["--model", args.model] if args.model else []
    cmd += ["--index", args.index] if args.index else []
    runs, walls = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        walls.append(time.perf_counter() - t)
        runs.append(json.loads(done.stdout))

    def p50(key: str) -> float:
        return round(statistics.median(r["timings_ms"][key] for r in runs))

    print(
        json.dumps(
            {
                "model": runs[-1]["model"],
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "question": args.question,
                "answer": runs[-1]["answer"],
                "runs": args.runs,
                "retrieve_ms_p50": p50("retrieve"),
                "first_token_ms_p50": p50("first_token"),
                "total_ms_p50": p50("total"),
                "process_wall_s_p50": round(statistics.median(walls), 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
