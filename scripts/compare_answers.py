"""Are two `rag eval answers --output` files the same answers? Compares every field of each row
but the timings (`timings_ms`), question by question, and prints the rows that differ.

    python scripts/compare_answers.py BEFORE.jsonl AFTER.jsonl

For a change that must not change behaviour (a refactor): run the same questions on the old and
the new checkout (e.g. a `git worktree` of the old commit, with PYTHONPATH pointing at it) and
compare. Exits 1 when any row differs or is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IGNORED = {"timings_ms"}


def rows(path: Path) -> dict[str, dict[str, object]]:
    out = {}
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        out[str(row["id"])] = {k: v for k, v in row.items() if k not in IGNORED}
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    a = ap.parse_args()
    before, after = rows(a.before), rows(a.after)
    differ = 0
    for qid in before.keys() | after.keys():
        b, c = before.get(qid), after.get(qid)
        if b != c:
            differ += 1
            fields = sorted(k for k in (b or {}).keys() | (c or {}).keys()
                            if (b or {}).get(k) != (c or {}).get(k))  # fmt: skip
            print(f"{qid}: differs in {', '.join(fields)}")
    fields = sorted({k for r in before.values() for k in r})
    print(f"{len(before)} rows before, {len(after)} after, {differ} differ "
          f"(compared: {', '.join(fields)})")  # fmt: skip
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
