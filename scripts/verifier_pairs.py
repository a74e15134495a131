"""Make (answer sentence, cited passage) pairs for hand-checking the citation verifier.

Reads the rows of a `rag eval answers --output` run, retrieves each question's passages again
(retrieval is deterministic, so they are the passages the model saw), and for every answer
sentence that carries a marker writes the sentence with the passage it cites, and also with the
next passage it does not cite (a realistic wrong citation). Label the result by hand (field
`supported`: true/false) and score the verifier with scripts/verifier_agreement.py.

    .venv/bin/python scripts/verifier_pairs.py ROWS.jsonl --index DIR --out pairs.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag import privacy
from rag.answer.cite import markers_in
from rag.answer.prompt import MARKER
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.sources.sentences import answer_spans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=Path)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    privacy.apply()
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index))
    with args.out.open("w", encoding="utf-8") as out:
        for line in args.rows.read_text("utf-8").splitlines():
            r = json.loads(line)
            if r["abstained"]:
                continue
            passages = pipeline.retrieve(r["query"]).passages
            by_rank = {p.rank: p for p in passages}
            text = r["answer"]
            for s, e in answer_spans(text):
                claim = text[s:e]
                cited = [n for n in markers_in(claim) if n in by_rank]
                if not cited or not MARKER.sub("", claim).strip(" ."):
                    continue
                others = [n for n in by_rank if n not in cited]
                pairs = [(cited[0], True)] + ([(others[0], False)] if others else [])
                for n, was_cited in pairs:
                    pair = {
                        "id": f"{r['id']}:{s}:{n}",
                        "query": r["query"],
                        "claim": MARKER.sub("", claim).strip(),
                        "passage": by_rank[n].chunk.text,
                        "cited_by_model": was_cited,
                        "supported": None,
                    }
                    out.write(json.dumps(pair, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
