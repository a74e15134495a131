"""Prompt evaluation speed of the default GGUF model on this CPU (tokens/s), the figure that sets
the first token of an answer: pass 1 evaluates the whole evidence prompt before the first word.

    python scripts/bench_prompt.py [--tokens 326] [--runs 3] [--threads 2]

It evaluates the first `--tokens` tokens of a seed article from an empty context, `--runs` times,
with and without flash attention, and prints llama.cpp's view of the CPU (AVX2, AVX512, ...).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.llm.catalogue import resolve  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=326)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0: one per core, as rag does")
    a = ap.parse_args()
    from llama_cpp import Llama, llama_print_system_info

    settings = Settings()
    path = resolve(settings.model, settings)
    threads = a.threads or settings.threads
    print(llama_print_system_info().decode().strip())
    text = next((ROOT / "seeds").glob("001_*.txt")).read_text("utf-8")
    for flash in (False, True):
        llm = Llama(
            model_path=str(path), n_ctx=2048, n_threads=threads, verbose=False, flash_attn=flash
        )
        tokens = llm.tokenize(text.encode())[: a.tokens]
        took = []
        for _ in range(a.runs):
            llm.reset()
            t = time.perf_counter()
            llm.eval(tokens)
            took.append(time.perf_counter() - t)
        best = min(took)
        print(
            f"flash_attn={flash}: {len(tokens)} tokens, {threads} threads, "
            f"best {best:.2f} s of {a.runs} = {len(tokens) / best:.1f} tokens/s"
        )


if __name__ == "__main__":
    main()
