"""Agreement of citation-verifier methods with hand labels.

Each labelled pair (scripts/data/verifier_labels.jsonl) is an answer sentence, the passage it
cites (or a passage it could wrongly cite) and a human judgement `supported`. Each method scores
the claim against the passage's sentences and takes the best; a pair is judged supported when
that score reaches the threshold. Printed: agreement with the labels, and how many unsupported
pairs each method catches.

    .venv/bin/python scripts/verifier_agreement.py [scripts/data/verifier_labels.jsonl]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag import privacy
from rag.answer.cite import claim_support, support
from rag.pipeline import default_embedder
from rag.settings import Settings
from rag.sources.sentences import sentence_spans

LABELS = Path(__file__).parent / "data" / "verifier_labels.jsonl"


def main() -> None:
    privacy.apply()
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else LABELS
    pairs = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
    pairs = [p for p in pairs if p.get("supported") is not None]
    embedder = default_embedder(Settings.from_env())  # RAG_EMBED_INT8 chooses the precision
    lexical, cosine, lexical_q, cosine_q = [], [], [], []
    for p in pairs:
        sentences = [p["passage"][s:e] for s, e in sentence_spans(p["passage"])]
        # A bare answer ("Dushanbe") means nothing alone: the question gives it its claim.
        claim_q = f"{p['query']} {p['claim']}"
        lexical.append(max(support(p["claim"], x) for x in sentences))
        lexical_q.append(max(claim_support(p["claim"], x, p["query"]) for x in sentences))
        vecs = embedder.embed_documents([p["claim"], claim_q, *sentences])
        cosine.append(max(_dot(vecs[0], v) for v in vecs[2:]))
        cosine_q.append(max(_dot(vecs[1], v) for v in vecs[2:]))
    labels = [bool(p["supported"]) for p in pairs]
    n_bad = labels.count(False)
    print(f"{len(pairs)} labelled pairs, {n_bad} unsupported")
    print(f"{'method':28} {'agreement':>9} {'caught':>8} {'false alarms':>12}")
    methods = {
        **{f"lexical >= {t}": [x >= t for x in lexical] for t in (0.2, 0.3, 0.4, 0.5)},
        **{f"embedding >= {t}": [x >= t for x in cosine] for t in (0.5, 0.6, 0.7)},
        **{f"lexical+question >= {t}": [x >= t for x in lexical_q] for t in (0.3, 0.4, 0.5)},
        **{f"embedding+question >= {t}": [x >= t for x in cosine_q] for t in (0.5, 0.6, 0.7)},
        **{
            f"lexical >= {a} or embedding >= {b}": [
                x >= a or y >= b for x, y in zip(lexical, cosine, strict=True)
            ]
            for a, b in ((0.3, 0.7), (0.4, 0.6), (0.5, 0.6), (0.4, 0.7))
        },
        **{
            f"lex+q >= {a} or emb+q >= {b}": [
                x >= a or y >= b for x, y in zip(lexical_q, cosine_q, strict=True)
            ]
            for a, b in ((0.3, 0.7), (0.4, 0.6), (0.4, 0.7), (0.5, 0.7), (0.5, 0.65))
        },
    }
    for name, judged in methods.items():
        agree = sum(j == lab for j, lab in zip(judged, labels, strict=True))
        caught = sum(not j and not lab for j, lab in zip(judged, labels, strict=True))
        alarms = sum(not j and lab for j, lab in zip(judged, labels, strict=True))
        print(f"{name:28} {agree:>5}/{len(pairs):<3} {caught:>4}/{n_bad:<3} {alarms:>12}")


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


if __name__ == "__main__":
    main()
