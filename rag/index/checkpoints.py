"""Named points inside an index write, so that the crash test can kill `rag ingest` exactly there.

With `RAG_CHECKPOINTS=1` in the environment, each point is printed to stderr ("checkpoint:
keyword-commit") and the process pauses (`RAG_CHECKPOINT_PAUSE_S`, 0.3 s), long enough for a test to
send SIGKILL while the write is half done. A kill after a random delay nearly always lands while
embedding, the longest phase; this way every phase is hit, the keyword-index commit and the manifest
write included. Without the variable a checkpoint costs one dictionary lookup.

With `RAG_FILL_DISK_AT=<point>` and `RAG_FILL_DISK_FILE=<path>`, the point fills the disk that holds
the file instead, so that the write after it meets a real ENOSPC, from whichever store makes it
(the disk-full test, `tests/test_disk_full.py`).
"""

from __future__ import annotations

import os
import sys
import time


def checkpoint(name: str) -> None:
    if os.environ.get("RAG_FILL_DISK_AT") == name:
        fill_disk(os.environ["RAG_FILL_DISK_FILE"])
    if not os.environ.get("RAG_CHECKPOINTS"):
        return
    sys.stderr.write(f"checkpoint: {name}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("RAG_CHECKPOINT_PAUSE_S", "0.3")))


def fill_disk(path: str) -> None:
    """Write `path` until its disk is full: 1 MB at a time, then 4 KB, then single bytes."""
    with open(path, "ab", buffering=0) as f:
        for block in (2**20, 4096, 1):
            data = b"\0" * block
            try:
                while True:
                    f.write(data)
            except OSError:
                continue
