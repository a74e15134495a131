"""A full disk during an index write: recognised whatever part of the index hit it, and said in
one line with how much the index needs.

Why a module: each store reports a full disk its own way. The documents table (sqlite) raises
"database or disk is full", the keyword index (tantivy) an error that carries "No space left on
device", the manifest an OSError with ENOSPC, and Chroma, whose compactor runs in Rust, may say
only "Error in compaction: Failed to apply logs to the metadata segment". So a write that fails is
judged by its error chain first and then by the disk itself: if the disk holding the index has
less room left than the write needed, the disk was the cause.

Nothing is rolled back here: every write is committed in the order that keeps the stores
consistent (see `rag.index.ingest`), so what was committed before the disk filled stays usable,
and the next run, once there is room, picks up the rest.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from rag.errors import RagError

MB = 2**20
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SAYS_FULL = (
    "no space left on device",
    "disk is full",
    "disk quota exceeded",
    "quota exceeded",
    "enospc",
    "os error 28",  # Rust's io::Error for ENOSPC
    "os error 122",  # and for EDQUOT
)
# With less than this free after a failed write, the write failed for want of room: below it,
# Chroma cannot even write its next log segment.
LOW_FREE = 32 * MB
# Per chunk, before an index is big enough to measure its own (vectors, metadata, the keyword
# index and the documents table, with the sentence vectors of the second retrieval stage).
DEFAULT_BYTES_PER_CHUNK = 64 * 1024


class DiskFullError(RagError):
    """The disk holding the index filled up during a write."""


def is_disk_full(exc: BaseException, where: Path, need: int = 0) -> bool:
    """Whether `exc`, raised by a write under `where`, was a full disk."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in FULL_ERRNOS:
            return True
        if any(mark in str(e).lower() for mark in _SAYS_FULL):
            return True
    return free_bytes(where) < max(need, LOW_FREE)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def free_bytes(where: Path) -> int:
    path = where
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def size_on_disk(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


def bytes_per_chunk(folder: Path, chunks: int) -> int:
    """What one chunk costs in this index on disk, measured once it holds a few hundred."""
    if chunks < 200:
        return DEFAULT_BYTES_PER_CHUNK
    return max(1024, size_on_disk(folder) // chunks)


def disk_full(
    folder: Path, chunks_in_index: int, chunks_to_write: int, upload: int = 0
) -> DiskFullError:
    """The one-line error for a full disk under the index `folder`: during an ingest that had
    `chunks_to_write` left, or while saving an upload of `upload` bytes."""
    free = free_bytes(folder)
    if upload:
        return DiskFullError(
            f"The disk holding the index is full ({_mb(free)} free at {folder}): the upload needs "
            f"{_mb(upload)} and its index about {_mb(upload * 4 + 16 * MB)} more. Free some space "
            "and upload again; nothing was added."
        )
    per_chunk = bytes_per_chunk(folder, chunks_in_index)
    # Chroma writes a new log segment and compacts it before older ones are dropped: twice the
    # new data, plus headroom for the sqlite journal.
    need = 2 * per_chunk * max(chunks_to_write, 1) + 16 * MB
    what = f" for {chunks_to_write:,} chunks" if chunks_to_write else " to finish"
    return DiskFullError(
        f"The disk holding the index is full ({_mb(free)} free at {folder}): this ingest needs "
        f"about {_mb(need)} more{what}. Free some space and run it again; what was written is "
        "kept, and the rerun adds the rest."
    )


def _mb(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= 10 * MB else f"{n / MB:.1f} MB"
