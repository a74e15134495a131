"""A full disk during `rag ingest` and during an upload in the chat (issue 23), on a small tmpfs
the test mounts (as root, or with passwordless sudo; skipped, saying why, where neither works).

At each write point of an ingest (`rag.index.checkpoints`), the disk is filled to the last byte
(RAG_FILL_DISK_AT), so that the next write, whichever store makes it, meets a real ENOSPC. Then:
one line says the disk is full and how much the index needs; a reader opened before (a running
`rag serve`) still answers; and once the space is freed, the rerun converges on exactly the
chunks of a clean ingest, and `rag index check` is clean."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.index.checkpoints import fill_disk
from rag.index.docstore import DocStore
from rag.index.ingest import ingest
from rag.index.keyword import TantivyKeywordIndex
from rag.index.manifest import IndexPaths
from rag.index.space import DiskFullError, is_disk_full
from rag.pipeline import Pipeline
from rag.settings import Settings

from .conftest import AUKUS
from .test_crash import articles, chunk_set, clean, rag  # noqa: F401  (fixtures)

# Every store's first write after the point: Chroma's, the keyword index's commit, the documents
# table's rows, the manifest's.
FILL_AT = ["embedded", "chunks-written", "keyword-commit", "keyword-committed", "manifest"]
DISK_MB = 48


def _sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    options = f"size={DISK_MB}m,mode=1777"
    cmd = [*_sudo(), "mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root or sudo): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run([*_sudo(), "umount", "-l", str(mount)], capture_output=True)


@pytest.mark.parametrize("point", FILL_AT)
def test_a_full_disk_at_any_write_says_so_and_the_rerun_converges(
    point: str, articles, clean, small_disk: Path, tmp_path: Path, embedder  # noqa: F811
) -> None:
    first, full = articles
    folder, index = tmp_path / "articles", small_disk / "index"
    settings = Settings.from_env(env={}, index_dir=index)
    shutil.copytree(first, folder)
    ingest([folder], settings, lambda: embedder)
    serving = Pipeline.open(settings, embedder=embedder)  # what a running `rag serve` holds
    shutil.copytree(full, folder, dirs_exist_ok=True)  # one changed, two new, two unchanged

    filler = small_disk / "filler"
    env = {"RAG_FILL_DISK_AT": point, "RAG_FILL_DISK_FILE": str(filler)}
    failed = rag("ingest", str(folder), "--index", str(index), env=env)
    assert filler.exists(), f"the ingest never reached {point}"
    assert failed.returncode == 1, failed.stderr
    lines = [ln for ln in failed.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, failed.stderr
    assert "disk holding the index is full" in lines[0] and "needs about" in lines[0], lines[0]
    assert "Traceback" not in failed.stderr

    # The server keeps answering from what was committed, the disk still full.
    assert serving.retrieve(AUKUS).passages

    filler.unlink()
    rerun = rag("ingest", str(folder), "--index", str(index))
    assert rerun.returncode == 0, rerun.stderr
    check = rag("index", "check", "--index", str(index))
    assert check.returncode == 0 and "consistent" in check.stdout, check.stdout + check.stderr
    assert chunk_set(index) == clean, "no chunk lost, duplicated or stale"
    keywords = TantivyKeywordIndex(IndexPaths(index).keywords).chunk_ids()
    assert keywords == {cid for cid, *_ in clean}
    assert len(DocStore(IndexPaths(index).documents)) == 5
    assert Pipeline.open(settings, embedder=embedder).retrieve(AUKUS).passages


def test_an_upload_on_a_full_disk_says_so_and_adds_nothing(
    seed_settings, small_disk: Path, tmp_path: Path, embedder
) -> None:
    from ui.engine import UPLOADS, Engine

    index = small_disk / "index"
    shutil.copytree(seed_settings.index_dir, index)
    settings = seed_settings.with_(index_dir=index)
    engine = Engine(Pipeline.open(settings, embedder=embedder, allow_empty=True))
    article = tmp_path / "zorblat.txt"
    article.write_text("Zorblat footbridge\n\n" + "The Zorblat footbridge links Kalamaja. " * 2000)
    fill_disk(str(small_disk / "filler"))
    with pytest.raises(DiskFullError, match="disk holding the index is full"):
        engine.add_files([article])
    assert not (index / UPLOADS / "zorblat.txt").exists(), "no half-copied upload is left"
    assert engine.pipeline.retrieve(AUKUS).passages


def test_a_full_disk_is_recognised_by_errno_message_or_free_space(tmp_path: Path) -> None:
    import errno

    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path)
    wrapped = RuntimeError("Error in compaction")
    wrapped.__cause__ = ValueError("IO error: No space left on device (os error 28)")
    assert is_disk_full(wrapped, tmp_path)
    # Chroma's bare compaction error on a disk with room to spare is not taken for a full disk.
    assert not is_disk_full(RuntimeError("Failed to apply logs to the metadata segment"), tmp_path)
    assert isinstance(DiskFullError("x"), RagError)
