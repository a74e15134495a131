"""Time the AUKUS question in the chat UI, as a user sees it: `rag serve` plus headless Chromium.

    python scripts/bench_ui.py [--index DIR] [--runs 5] [--question Q] [--screenshot PNG]

Starts one `rag serve` (the model loads once, as in real use) and, per run, opens a new chat,
asks a different question first and then the measured one. The other question matters: llama.cpp
reuses the prompt it evaluated last, so asking the same question twice in a row would report a
first token of a few milliseconds that no user sees. Reports medians of
- the UI's own figures (shown under the answer; measured in the server from the question reaching
  the pipeline): retrieve, first token, total;
- what the browser saw, from the click on Ask: first answer text on screen, finished answer.
Optionally saves a screenshot of the reader pane opened from the first citation. Needs Debian's
`chromium` and the `playwright` package. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OTHER = "What did Shamkhani say about Iran's membership in the Shanghai Cooperation Organization?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(index), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"rag serve exited:\n{log.read_text()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    sys.exit(f"rag serve did not start:\n{log.read_text()}")


def ask(page: Page, question: str) -> dict[str, float]:
    """Ask in a fresh chat; browser-side seconds to the first answer text and to the end, and the
    UI's own timings (ms) from the data attributes of the timings line."""
    page.click("#new-chat")
    page.wait_for_function("document.querySelectorAll('#transcript .turn').length === 0")
    page.fill("#question textarea", question)
    t0 = time.perf_counter()
    page.click("#ask")
    page.wait_for_function(
        "(() => { const a = document.querySelector('#transcript .answer');"
        " return a && a.textContent.trim().length > 0; })()",
        timeout=600_000,
        polling="raf",
    )
    seen_first = time.perf_counter() - t0
    timings = page.locator("#transcript .timings")
    timings.wait_for(timeout=600_000)
    seen_total = time.perf_counter() - t0
    ui = {
        k: float(timings.get_attribute(f"data-{k.replace('_', '-')}-ms") or "nan")
        for k in ("retrieve", "first_token", "total")
    }
    return {**ui, "browser_first_text_s": seen_first, "browser_done_s": seen_total}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--question", default="What did Patrushev say about AUKUS?")
    ap.add_argument("--screenshot", type=Path)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="bench-ui-")) / "serve.log"
    proc = start_server(args.index, port, log)
    runs, answer = [], ""
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            for _ in range(args.runs):
                ask(page, OTHER)  # also waits out the model loading before the first run
                runs.append(ask(page, args.question))
            answer = page.inner_text("#transcript .answer")
            if args.screenshot:
                page.locator("#transcript .answer [data-citation]").first.click()
                page.locator("#reader mark").wait_for(state="visible")
                page.screenshot(path=str(args.screenshot))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    def p50(key: str, scale: float = 1.0, digits: int = 0) -> float:
        return round(statistics.median(r[key] for r in runs) * scale, digits)

    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
                "question": args.question,
                "answer": answer,
                "runs": args.runs,
                "ui_retrieve_ms_p50": p50("retrieve"),
                "ui_first_token_s_p50": p50("first_token", 1e-3, 2),
                "ui_total_s_p50": p50("total", 1e-3, 2),
                "browser_first_text_s_p50": p50("browser_first_text_s", 1.0, 2),
                "browser_done_s_p50": p50("browser_done_s", 1.0, 2),
                "per_run": [{k: round(v, 3) for k, v in r.items()} for r in runs],
                "screenshot": str(args.screenshot) if args.screenshot else None,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
