"""A crowded `rag serve`: N users at once, each a question and a follow-up, through the same API the
page uses (gradio_client, one session per user). Reports errors, cross-talk between sessions,
each user's wait in the queue (from submit until the server starts on the question, read from
the job's own status, which also carries the queue position and estimate a user sees), the time
to the finished answer, and the server's memory.

    python scripts/bench_serve_load.py --index index --users 8
    python scripts/bench_serve_load.py --index index --users 4 --questions 100   # memory over 100

With `--questions N`, the users keep asking (round robin over the seed questions) until about N
answers have come back; the server's resident memory is read at start, after the first round
(everything loaded and warm) and at the end, so growth after warm-up shows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# (question, follow-up, a word the follow-up's rewrite must keep: the session's own subject)
PAIRS = [
    ("What did Patrushev say about AUKUS?", "Who was he talking to?", "Patrushev"),
    ("What did Raisi call the strongest response to sanctions?", "Who did he say it to?", "Raisi"),
    ("Where was the fourth Regional Security Dialogue held?", "Who hosted it?", "Dialogue"),
    ("What did Shamkhani say about Afghanistan?", "What did he propose?", "Shamkhani"),
    ("What did Patrushev say about the Caspian Sea?", "Why did he say that?", "Caspian"),
    ("Which corridor did Patrushev call important?", "Why is it important?", "corridor"),
    ("What did Shamkhani say about sanctions on Iran?", "How long have they lasted?", "sanction"),
    ("Which body oversees the Iran-Russia agreements?", "Who leads it?", "agreements"),
]


@dataclass
class Result:
    user: int
    waits: list[float] = field(default_factory=list)  # seconds in the queue, per question
    totals: list[float] = field(default_factory=list)  # seconds to the finished answer
    ranks: list[int] = field(default_factory=list)  # queue positions the job reported
    eta_seen: bool = False
    errors: list[str] = field(default_factory=list)
    transcripts: list[str] = field(default_factory=list)


def ask(client: Any, question: str, result: Result) -> str:
    from gradio_client.utils import Status

    t0 = time.perf_counter()
    job = client.submit(question, api_name="/ask")
    started = None
    while not job.done():
        st = job.status()
        if st.code == Status.IN_QUEUE and st.rank is not None:
            result.ranks.append(int(st.rank))
            result.eta_seen |= st.eta is not None
        if started is None and st.code in (Status.PROCESSING, Status.ITERATING):
            started = time.perf_counter()
        time.sleep(0.1)
    outputs = job.outputs()
    end = time.perf_counter()
    result.waits.append((started or end) - t0)
    result.totals.append(end - t0)
    html = outputs[-1][0] if outputs else ""
    return str(html)


def user(url: str, n: int, rounds: int, auth: tuple[str, str] | None, out: Result) -> None:
    from gradio_client import Client

    try:
        client = Client(url, auth=auth, verbose=False)
        for r in range(rounds):
            first, follow, _ = PAIRS[(n + r) % len(PAIRS)]
            out.transcripts.append(ask(client, first, out))
            out.transcripts.append(ask(client, follow, out))
    except Exception as e:  # a failed request is a finding, not a crash of the benchmark
        out.errors.append(f"{type(e).__name__}: {str(e)[:200]}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cross_talk(results: list[Result], rounds: int) -> int:
    """Transcripts that show another user's question: sessions must not share history."""
    bad = 0
    for res in results:
        mine = {q for r in range(rounds) for q in PAIRS[(res.user + r) % len(PAIRS)][:2]}
        others = {q for p in PAIRS for q in p[:2]} - mine
        bad += sum(any(o in t for o in others) for t in res.transcripts)
    return bad


def run_load(
    url: str, users: int, rounds: int = 1, auth: tuple[str, str] | None = None
) -> dict[str, Any]:
    results = [Result(i) for i in range(users)]
    threads = [
        threading.Thread(target=user, args=(url, i, rounds, auth, results[i])) for i in range(users)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
        time.sleep(0.05)  # in order, so queue positions are predictable
    for t in threads:
        t.join()
    waits = sorted(w for r in results for w in r.waits)
    totals = sorted(w for r in results for w in r.totals)

    def pct(xs: list[float], q: float) -> float:
        return round(xs[min(len(xs) - 1, int(q * len(xs)))], 1) if xs else float("nan")

    return {
        "users": users,
        "answers": sum(len(r.totals) for r in results),
        "errors": [e for r in results for e in r.errors],
        "cross_talk": cross_talk(results, rounds),
        "wait_p50_s": round(statistics.median(waits), 1) if waits else None,
        "wait_p95_s": pct(waits, 0.95),
        "total_p50_s": round(statistics.median(totals), 1) if totals else None,
        "total_p95_s": pct(totals, 0.95),
        "max_queue_position": max((k for r in results for k in r.ranks), default=None),
        "eta_reported": any(r.eta_seen for r in results),
        "wall_s": round(time.perf_counter() - t0, 1),
        "followups_named": sum(
            PAIRS[(r.user) % len(PAIRS)][2].lower() in t.lower()
            for r in results
            for t in r.transcripts[1:2]
        ),
    }


def main() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.test_ui_browser import Server  # the same server harness as the browser tests

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=Path("index"))
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=1, help="question + follow-up pairs per user")
    ap.add_argument("--questions", type=int, default=0, help="keep asking until this many")
    a = ap.parse_args()
    log = Path("/tmp/bench_serve_load.log")
    server = Server(a.index, log)
    try:
        start = rss_mb(server.proc.pid)
        rounds = max(1, a.questions // (2 * a.users)) if a.questions else a.rounds
        report = run_load(server.url, a.users, 1)
        report["rss_mb_start"] = round(start)
        report["rss_mb_warm"] = round(rss_mb(server.proc.pid))
        if rounds > 1:
            more = run_load(server.url, a.users, rounds - 1)
            report["later_rounds"] = more
        report["rss_mb_end"] = round(rss_mb(server.proc.pid))
        print(json.dumps(report, indent=2))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
