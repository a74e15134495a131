"""Named points inside an index write, so that the crash test can kill `rag ingest` exactly there.

With `RAG_CHECKPOINTS=1` in the environment, each point is printed to stderr ("checkpoint:
keyword-commit") and the process pauses (`RAG_CHECKPOINT_PAUSE_S`, 0.3 s), long enough for a test to
send SIGKILL while the write is half done. A kill after a random delay nearly always lands while
embedding, the longest phase; this way every phase is hit, the keyword-index commit and the manifest
write included. Without the variable a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import sys
import time


def checkpoint(name: str) -> None:
    if not os.environ.get("RAG_CHECKPOINTS"):
        return
    sys.stderr.write(f"checkpoint: {name}\n")
    sys.stderr.flush()
    time.sleep(float(os.environ.get("RAG_CHECKPOINT_PAUSE_S", "0.3")))
