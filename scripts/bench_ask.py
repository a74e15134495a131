"""Time `rag ask` on one question: time to first token and total, as medians over N runs.

    python scripts/bench_ask.py [--question Q] [--runs 5] [--model NAME] [--index DIR]

The model is loaded once and the first (warm-up) run is reported separately, so the medians are
the steady state a `rag serve` user sees; `cold_cli_s` is one full `rag ask` process (imports,
model load and all), what a terminal user waits for. Prints one JSON object.
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

from rag import privacy
from rag.ask import Assistant
from rag.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--question", default="What did Patrushev say about AUKUS?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model")
    ap.add_argument("--index")
    args = ap.parse_args()
    privacy.apply()
    settings = Settings.from_env(model=args.model, index_dir=args.index)
    assistant = Assistant(settings)
    t = time.perf_counter()
    _ = assistant.generator
    load_s = time.perf_counter() - t
    warm = assistant.ask(args.question)
    runs = [assistant.ask(args.question) for _ in range(args.runs)]
    cmd = [
        sys.executable,
        "-m",
        "rag.cli",
        "ask",
        args.question,
        "--json",
        "--index",
        str(settings.index_dir),
        "--model",
        settings.model,
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    cold = time.perf_counter() - t
    print(
        json.dumps(
            {
                "model": settings.model,
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                f"{settings.threads} threads",
                "question": args.question,
                "answer": runs[-1].text,
                "model_load_s": round(load_s, 2),
                "first_run_ms": {k: round(v) for k, v in warm.timings_ms.items()},
                "runs": args.runs,
                "first_token_ms_p50": round(
                    statistics.median(r.timings_ms["first_token"] for r in runs)
                ),
                "total_ms_p50": round(statistics.median(r.timings_ms["total"] for r in runs)),
                "retrieve_ms_p50": round(
                    statistics.median(r.timings_ms["retrieve"] for r in runs), 1
                ),
                "cold_cli_s": round(cold, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
