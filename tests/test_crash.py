"""kill -9 during `rag ingest`, at every phase of the write, then: the index opens and answers,
`rag index check --repair` and a rerun complete it, and nothing is lost or duplicated (chunk ids
and texts equal those of a clean ingest).

The kill lands on a checkpoint line (`rag.index.checkpoints`, RAG_CHECKPOINTS=1), not after a
random delay, so the keyword-index commit and the manifest write are hit as surely as embedding.
Each round starts from a usable index (three articles), then ingests five with one changed: new,
changed and unchanged documents in one run. `scripts/crash_ingest.py` runs more rounds for the
figures."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rag.index.docstore import DocStore
from rag.index.ingest import ingest
from rag.index.keyword import TantivyKeywordIndex
from rag.index.manifest import IndexPaths
from rag.index.store import ChromaStore
from rag.pipeline import Pipeline
from rag.settings import Settings

from .conftest import ROOT, SEEDS

# (checkpoint, which occurrence): every phase of a write, the row loop in its middle.
KILL_AT = [
    ("embedded", 1),
    ("chunks-written", 1),
    ("row-written", 2),
    ("keyword-commit", 1),
    ("keyword-committed", 1),
    ("manifest-write", 1),
]


def rag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def kill_ingest_at(folder: Path, index: Path, point: str, occurrence: int) -> str:
    """Run `rag ingest` and SIGKILL it while it pauses at the given checkpoint."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ingest", str(folder), "--index", str(index)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "RAG_CHECKPOINTS": "1", "RAG_CHECKPOINT_PAUSE_S": "5"},
    )
    seen = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.strip() == f"checkpoint: {point}":
            seen += 1
            if seen == occurrence:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                return point
    proc.wait(timeout=30)
    raise AssertionError(f"ingest ended (exit {proc.returncode}) before checkpoint {point}")


def chunk_set(index: Path) -> set[tuple[str, int, int, str]]:
    store = ChromaStore(IndexPaths(index).chroma, fresh=True)
    ids, _ = store.all_metadata()
    return {(cid, h.chunk.start, h.chunk.end, h.chunk.text) for cid, h in store.get(ids).items()}


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(first, full): three seed articles, then all five with one of them changed."""
    base = tmp_path_factory.mktemp("crash")
    first, full = base / "first", base / "full"
    shutil.copytree(SEEDS, full)
    (full / "002_7e1ea03fbc0937c0.txt").write_text(
        (SEEDS / "002_7e1ea03fbc0937c0.txt").read_text() + "\nThe talks will resume in May."
    )
    first.mkdir()
    shutil.copy(SEEDS / "metadata.toml", first)
    for name in sorted(p.name for p in SEEDS.glob("*.txt"))[:3]:
        shutil.copy(SEEDS / name, first / name)
    return first, full


@pytest.fixture(scope="module")
def clean(articles: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, embedder):
    """The chunks of a clean, uninterrupted ingest of `first` then `full`."""
    first, full = articles
    base = tmp_path_factory.mktemp("clean")
    settings = Settings.from_env(env={}, index_dir=base / "index")
    shutil.copytree(first, base / "articles")
    ingest([base / "articles"], settings, lambda: embedder)
    shutil.copytree(full, base / "articles", dirs_exist_ok=True)
    ingest([base / "articles"], settings, lambda: embedder)
    return chunk_set(settings.index_dir)


@pytest.mark.parametrize(("point", "occurrence"), KILL_AT)
def test_kill_at_any_phase_loses_nothing(
    point: str, occurrence: int, articles, clean, tmp_path: Path, embedder
) -> None:
    first, full = articles
    index, folder = tmp_path / "index", tmp_path / "articles"
    settings = Settings.from_env(env={}, index_dir=index)
    shutil.copytree(first, folder)
    ingest([folder], settings, lambda: embedder)
    shutil.copytree(full, folder, dirs_exist_ok=True)  # one changed, two new, two unchanged
    kill_ingest_at(folder, index, point, occurrence)

    # The killed index still opens and answers.
    pipeline = Pipeline.open(settings, embedder=embedder)
    assert pipeline.retrieve("What did Patrushev say about AUKUS?").passages

    repaired = rag("index", "check", "--repair", "--index", str(index))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "Traceback" not in repaired.stderr
    rerun = rag("ingest", str(folder), "--index", str(index))
    assert rerun.returncode == 0, rerun.stderr
    check = rag("index", "check", "--index", str(index))
    assert check.returncode == 0 and "consistent" in check.stdout, check.stdout + check.stderr

    assert chunk_set(index) == clean, "no chunk lost, duplicated or stale"
    keywords = TantivyKeywordIndex(IndexPaths(index).keywords).chunk_ids()
    assert keywords == {cid for cid, *_ in clean}, "the keyword index holds the same chunks"
    docs = DocStore(IndexPaths(index).documents)
    assert len(docs) == 5
