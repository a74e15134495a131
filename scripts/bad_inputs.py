"""Run the bad-input battery (the cases in tests/test_bad_inputs.py) through the real `rag`
command and print what a user sees, as a markdown table for the README:

    .venv/bin/python scripts/bad_inputs.py > bad_inputs.md

Why: the table is the user's view of the contract (one line, the right exit code, no traceback,
no hang); the test checks it, this shows it. Cases that fall short are listed on stderr.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import SEEDS  # noqa: E402
from tests.test_bad_inputs import CASES, Ctx, run_case, run_rag, shortfall  # noqa: E402


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="rag-bad-inputs-") as tmp:
        root = Path(tmp)
        seed = root / "seed-index"
        built = run_rag(["ingest", str(SEEDS), "--index", str(seed)])
        if built.code != 0:
            print(f"Could not build the seed index:\n{built.stderr}", file=sys.stderr)
            return 1
        print("| case | exit code | message |")
        print("|---|---|---|")
        short = []
        for n, case in enumerate(CASES):
            ctx = Ctx(root / f"case{n}", seed)
            ctx.tmp.mkdir()
            got = run_case(case, ctx)
            # Temporary folders shown relative to the case's own, as a user would type them.
            message = got.first_line.replace(f"{ctx.tmp}/", "").replace(str(seed), "index")
            code = "hung" if got.code is None else str(got.code)
            print(f"| {_cell(case.id)} | {code} | {_cell(message)} |", flush=True)
            why = shortfall(case, got, ctx)
            if why:
                short.append(f"{case.id}: {why}")
    if short:
        print(f"\n{len(short)} case(s) short of the contract:", file=sys.stderr)
        for line in short:
            print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
