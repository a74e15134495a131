"""Follow-up rewriting, measured: how many rewritten follow-ups name the right subject.

Each line of the data file is an earlier turn (question and answer), a follow-up with a pronoun or a
vague reference, and the subject it must name once rewritten (sets of alternatives, every set must
match, case ignored). The rewrite is what retrieval searches for (`rag.answer.followup.condense`
with the default model, greedy), so a rewrite that drops the subject retrieves the wrong articles.

    python scripts/bench_followups.py [--data scripts/data/followups_seeds.jsonl] [--raw]

`--raw` also scores the model's reply before the checks (question? subject named?), to show what
the fallback adds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

DATA = Path(__file__).parent / "data" / "followups_seeds.jsonl"


def names_subject(text: str, subject: list[list[str]]) -> bool:
    low = text.lower()
    return all(any(alt.lower() in low for alt in group) for group in subject)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--raw", action="store_true")
    a = ap.parse_args()

    from rag.answer import followup
    from rag.pipeline import default_generator
    from rag.settings import Settings

    generator = default_generator(Settings.from_env())
    rows = [json.loads(line) for line in a.data.read_text("utf-8").splitlines() if line.strip()]
    good = raw_good = 0
    raw_replies: list[str] = []
    original = followup.clean_rewrite

    def keep_raw(reply: str, question: str, history: object = ()) -> str:
        raw_replies.append(reply)
        return original(reply, question, history)  # type: ignore[arg-type]

    followup.clean_rewrite = keep_raw  # type: ignore[assignment]
    times = []
    for row in rows:
        history = [tuple(turn) for turn in row["history"]]
        t0 = time.perf_counter()
        rewrite = followup.condense(row["followup"], history, generator)  # type: ignore[arg-type]
        times.append(time.perf_counter() - t0)
        ok = names_subject(rewrite, row["subject"])
        raw = raw_replies[-1].strip().splitlines()[0] if raw_replies[-1].strip() else ""
        raw_ok = names_subject(raw, row["subject"]) and followup.is_question(raw)
        good += ok
        raw_good += raw_ok
        print(f"{row['id']} {'ok ' if ok else 'MISS'} {row['followup']!r} -> {rewrite!r}")
        if a.raw:
            print(f"      model: {raw!r} ({'ok' if raw_ok else 'miss'})")
    times.sort()
    print(f"\nrewrites naming the right subject: {good}/{len(rows)}")
    if a.raw:
        print(f"model replies alone (a question naming it): {raw_good}/{len(rows)}")
    print(f"rewrite time p50 {times[len(times) // 2]:.2f} s")


if __name__ == "__main__":
    main()
