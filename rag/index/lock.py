"""One writer per index, across processes.

Chroma's embedded client is not safe for two processes writing one folder, and neither are the
BM25 swap and the manifest. Every write to an index (`rag ingest`, an upload in the chat,
`rag index check --repair`) therefore holds `<index>/.write.lock` (filelock: an OS lock, released
by the kernel if the holder dies, so a kill -9 never leaves a stale lock). Beside it,
`.write.lock.json` says who holds it (command, pid, since), so the second writer is told what to
wait for or stop, in one line, instead of corrupting the index. Readers take no lock: they see
each document whole (a document's row is written after its chunks) and reload when the manifest
changes (see `Pipeline.refresh_if_changed`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.errors import IndexBusyError

LOCK = ".write.lock"
HOLDER = ".write.lock.json"
POLL_S = 0.5


@contextmanager
def writing(
    root: Path,
    what: str,
    *,
    wait_s: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the index's write lock for the block. Waits up to `wait_s` for another writer
    (calling `on_wait` once with who holds it), then raises IndexBusyError naming the holder."""
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / LOCK))
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            lock.acquire(timeout=min(POLL_S, max(0.0, deadline - time.monotonic())))
            break
        except Timeout:
            holder = describe_holder(root)
            if time.monotonic() >= deadline:
                raise IndexBusyError(
                    f"The index {root} is being written by {holder}. Wait for it to finish; "
                    "while `rag serve` runs, add articles from the chat page, or stop the server "
                    "first."
                ) from None
            if on_wait and not told:
                on_wait(f"Waiting for the index {root}: {holder} is writing to it...")
                told = True
    try:
        _write_holder(root, what)
        yield
    finally:
        (root / HOLDER).unlink(missing_ok=True)
        lock.release()


def describe_holder(root: Path) -> str:
    """ "rag ingest (pid 123, since 10:42:07)", or "another process" when it did not say."""
    try:
        info = json.loads((root / HOLDER).read_text("utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(info["since"])))
        return f"{info['what']} (pid {int(info['pid'])}, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _write_holder(root: Path, what: str) -> None:
    info = {"what": what, "pid": os.getpid(), "since": time.time(), "argv": sys.argv[:4]}
    tmp = root / f"{HOLDER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(info), "utf-8")
    tmp.replace(root / HOLDER)
