"""The fuzz battery of `rag ingest` (issue 23): N generated and mutated hostile inputs, from files
and served over HTTP on 127.0.0.1, each read the way ingest reads it, then the whole batch through
the real `rag ingest` command.

    .venv/bin/python scripts/fuzz_ingest.py --cases 1000 --seed 1 [--family html-deep-nesting]

The rule (see `tests/fuzzcases.py`): every case ends in documents or in one line per problem that
names its file or URL; no traceback, no crash; no case over 10 s; the process stays under 1 GB
above its start. Then the batch: `rag ingest` over all of it exits 0 or 2 with no traceback, and
the index holds every document the cases gave. The HTTP cases run with a 4 s fetch timeout
(RAG_FETCH_TIMEOUT_S), so that a stalled server is given up inside the 10 s.

Prints a table by family, the slowest cases and the peak memory; exits 1 when a case breaks the
rule (each listed on stderr).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import fuzzcases as fz  # noqa: E402

FETCH_TIMEOUT_S = 4.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--family", action="append", help="only these families (repeatable)")
    ap.add_argument("--skip", action="append", default=[], help="leave out these families")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per case as it ends")
    ap.add_argument("--no-batch", action="store_true", help="skip the whole-batch `rag ingest`")
    a = ap.parse_args()

    os.environ["RAG_FETCH_TIMEOUT_S"] = str(FETCH_TIMEOUT_S)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.pipeline import default_embedder
    from rag.settings import Settings

    settings = Settings.from_env()
    embedder = default_embedder(settings)
    chosen = (
        c
        for c in fz.cases(a.cases, a.seed)
        if (not a.family or c.family in a.family) and c.family not in a.skip
    )
    server = fz.CaseServer()
    outcomes: list[fz.Outcome] = []
    failures: list[tuple[fz.Outcome, str]] = []
    with tempfile.TemporaryDirectory(prefix="rag-fuzz-") as tmp:
        folder = Path(tmp) / "cases"
        folder.mkdir()
        start_mb = fz.reset_peak()
        began = time.perf_counter()
        for case in chosen:
            o = fz.run_case(case, folder, server, settings, embedder)
            outcomes.append(o)
            if a.verbose:
                print(
                    f"{case.name}: {o.seconds:.2f} s, {o.documents} documents, "
                    f"{len(o.problems)} problems, peak {o.peak_mb:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
            why = fz.verdict(o, start_mb)
            if why:
                failures.append((o, why))
                print(f"FAIL {case.name}: {why}", file=sys.stderr, flush=True)
            # The generated bodies are large (bombs, 10 MB lines): drop them once read.
            case.body = b""
        took = time.perf_counter() - began
        batch = "" if a.no_batch else _batch(folder, outcomes, Path(tmp) / "index")
        server.close()

    _table(outcomes, failures, start_mb, took, a)
    if batch:
        print(f"\nBatch `rag ingest`: {batch}", file=sys.stderr)
    return 1 if failures or batch.startswith("FAIL") else 0


def _batch(folder: Path, outcomes: list[fz.Outcome], index: Path) -> str:
    """The whole batch through the real command; "" on success, else why."""
    urls = [o.label for o in outcomes if o.case.http == "page"]
    feeds = [o.label for o in outcomes if o.case.http == "feed"]
    args = [sys.executable, "-m", "rag.cli", "ingest", "--index", str(index)]
    if any(folder.iterdir()):
        args.append(str(folder))
    args += urls
    for f in feeds:
        args += ["--feed", f]
    env = {**os.environ, "RAG_FETCH_TIMEOUT_S": str(FETCH_TIMEOUT_S)}
    began = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=3600)
    took = time.perf_counter() - began
    skipped = [ln for ln in r.stderr.splitlines() if ln.startswith("skipped ")]
    expected = sum(o.documents for o in outcomes)
    m = re.search(r"Index .*: (\d+) documents, (\d+) chunks", r.stderr)
    held = int(m.group(1)) if m else -1
    duplicates = sum("duplicate document id" in ln for ln in skipped)
    problems = []
    if r.returncode not in (0, 2):
        problems.append(f"exit code {r.returncode}")
    if "Traceback" in r.stderr or "Error: unexpected" in r.stderr:
        problems.append("a traceback or an unexpected error")
    if held + duplicates != expected:
        problems.append(
            f"{held} documents in the index (+{duplicates} duplicate ids), {expected} expected"
        )
    status = "FAIL " + "; ".join(problems) if problems else "ok"
    tail = "\n".join(r.stderr.strip().splitlines()[-3:])
    return (
        f"{status}: exit {r.returncode} in {took:.0f} s, {len(skipped)} sources skipped, "
        f"{held} documents indexed of {expected}.\n{tail}"
    )


def _table(
    outcomes: list[fz.Outcome],
    failures: list[tuple[fz.Outcome, str]],
    start_mb: float,
    took: float,
    a: argparse.Namespace,
) -> None:
    by: dict[str, list[fz.Outcome]] = defaultdict(list)
    for o in outcomes:
        by[o.case.family].append(o)
    failed = {id(o) for o, _ in failures}
    print(f"Fuzz battery: {len(outcomes)} cases, seed {a.seed}, in {took:.0f} s\n")
    print("| family | cases | ingested | refused (one line) | failed | slowest |")
    print("|---|---:|---:|---:|---:|---:|")
    for fam in sorted(by):
        os_ = by[fam]
        ingested = sum(o.documents > 0 for o in os_)
        refused = sum(o.documents == 0 and bool(o.problems) for o in os_)
        bad = sum(id(o) in failed for o in os_)
        slow = max(o.seconds for o in os_)
        print(f"| {fam} | {len(os_)} | {ingested} | {refused} | {bad} | {slow:.2f} s |")
    clean = len(outcomes) - len(failures)
    print(f"\nClean: {clean}/{len(outcomes)} ({100 * clean / max(1, len(outcomes)):.1f}%)")
    slowest = sorted(outcomes, key=lambda o: -o.seconds)[:5]
    print("Slowest: " + ", ".join(f"{o.case.name} {o.seconds:.2f} s" for o in slowest))
    peak = max((o.peak_mb for o in outcomes), default=start_mb)
    print(f"Memory: {start_mb:.0f} MB at the start, peak {peak:.0f} MB (+{peak - start_mb:.0f} MB)")
    for o, why in failures:
        print(f"  {o.case.name}: {why}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
