"""kill -9 during `rag ingest`, N rounds, cycling through every checkpoint of a write (see
`tests/test_crash.py`, which runs one round per checkpoint in CI). Each round: an index of the
first articles, the folder updated in place (one article changed, the rest new), `rag ingest`
killed at the round's checkpoint, then: does the index answer, what does `rag index check` find,
and after `--repair` and a rerun, are the chunks exactly those of a clean ingest?

    python scripts/crash_ingest.py --rounds 20 [--articles 40]

`--articles N` takes the first N MultiHop-RAG articles (several embedding windows per ingest)
instead of the five seeds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared/eval/multihop_rag/corpus.json"


def write_articles(folder: Path, n: int, change: bool) -> None:
    """The first n MultiHop-RAG articles, one JSON file each; `change` edits the first one."""
    folder.mkdir(parents=True, exist_ok=True)
    items = json.loads(CORPUS.read_text("utf-8"))[:n]
    for i, item in enumerate(items):
        if change and i == 0:
            item = {**item, "body": item["body"] + "\nThis article was updated."}
        (folder / f"{i:04d}.json").write_text(json.dumps(item), "utf-8")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from rag.index.docstore import DocStore
    from rag.index.ingest import ingest
    from rag.index.keyword import TantivyKeywordIndex
    from rag.index.manifest import IndexPaths
    from rag.pipeline import Pipeline, default_embedder
    from rag.settings import Settings
    from tests.test_crash import KILL_AT, chunk_set, kill_ingest_at, rag

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--articles", type=int, default=40)
    a = ap.parse_args()
    first_n = max(1, a.articles * 3 // 5)
    embedder = default_embedder(Settings.from_env())
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        clean = Settings.from_env(env={}, index_dir=base / "clean" / "index")
        write_articles(base / "clean" / "articles", first_n, change=False)
        ingest([base / "clean" / "articles"], clean, lambda: embedder)
        write_articles(base / "clean" / "articles", a.articles, change=True)
        ingest([base / "clean" / "articles"], clean, lambda: embedder)
        reference = chunk_set(clean.index_dir)
        totals = {
            "rounds": 0, "answered": 0, "lost": 0, "duplicated": 0, "equal": 0,
            "keywords_equal": 0,
        }  # fmt: skip
        for r in range(a.rounds):
            point, occurrence = KILL_AT[r % len(KILL_AT)]
            work = base / f"round{r}"
            settings = Settings.from_env(env={}, index_dir=work / "index")
            write_articles(work / "articles", first_n, change=False)
            ingest([work / "articles"], settings, lambda: embedder)
            write_articles(work / "articles", a.articles, change=True)
            kill_ingest_at(work / "articles", settings.index_dir, point, occurrence)
            answered = bool(Pipeline.open(settings, embedder=embedder).retrieve("news").passages)
            found = rag("index", "check", "--index", str(settings.index_dir)).stdout.strip()
            rag("index", "check", "--repair", "--index", str(settings.index_dir))
            rag("ingest", str(work / "articles"), "--index", str(settings.index_dir))
            got = chunk_set(settings.index_dir)
            ids = [c[0] for c in got]
            lost = len({c[0] for c in reference} - set(ids))
            duplicated = len(ids) - len(set(ids))
            documents = len(DocStore(IndexPaths(settings.index_dir).documents))
            keywords = TantivyKeywordIndex(IndexPaths(settings.index_dir).keywords).chunk_ids()
            keywords_equal = keywords == {c[0] for c in reference}
            equal = got == reference and documents == a.articles and keywords_equal
            totals["rounds"] += 1
            totals["answered"] += answered
            totals["lost"] += lost
            totals["duplicated"] += duplicated
            totals["equal"] += equal
            totals["keywords_equal"] += keywords_equal
            first_line = found.splitlines()[0] if found else ""
            print(
                f"round {r + 1:2d} kill at {point}#{occurrence}: answered={answered} "
                f"check: {first_line[:90]!r} -> lost {lost}, duplicated {duplicated}, "
                f"equal to clean: {equal} (keyword index {keywords_equal})",
                flush=True,
            )
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(totals))


if __name__ == "__main__":
    main()
