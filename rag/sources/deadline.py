"""A time cap on reading one source: a file, a fetched page, a feed.

Why: the parsers (trafilatura, pypdf, feedparser, the json module) are written for the pages
their authors met. A crafted input (a PDF whose page tree claims 100,000 pages, a page of a million
elements) can keep one of them busy for minutes, and an ingest stuck on one file is as bad as a
crash: the files after it never come. So each source gets `Settings.max_read_s` seconds, and a
source that needs more is skipped with one line that says so and how to raise the cap.

How: a watchdog thread raises `ReadTimeout` in the reading thread
(`PyThreadState_SetAsyncExc`, the mechanism behind KeyboardInterrupt), which works in any thread:
the CLI's main thread and the chat's upload worker alike, where `signal.alarm` works only in the
main thread. The cap is on the reading thread's CPU time, not the clock: on a busy machine (the
tests beside an embedding run, a server answering) a seed article once took 8 s of wall time to
chunk, and a cap on the clock refused it. A wall-clock backstop (`WALL_FACTOR` times the cap)
still stops a read that waits rather than computes. The exception lands between two Python
bytecodes, so it cannot stop a single long C call (libxml2 parsing, zlib); those are bounded by
the size cap and by the parsers' own limits instead.
`ReadTimeout` derives from BaseException so that the parsers' broad `except Exception` fallbacks
do not swallow it.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from rag.errors import InputError

T = TypeVar("T")


class ReadTimeout(BaseException):
    """The reading thread's time is up."""


def _cpu_clock(thread_id: int) -> int | None:
    """The CPU clock of the thread `thread_id` (Linux, macOS), else None (wall time is used)."""
    try:
        return time.pthread_getcpuclockid(thread_id)
    except (AttributeError, OSError):
        return None


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None
    )


WALL_FACTOR = 5
POLL_S = 0.1


def capped(read: Callable[[], T], seconds: float, label: str) -> T:
    """`read()`, or InputError naming `label` when it uses more than `seconds` of CPU (0: no
    cap)."""
    if seconds <= 0:
        return read()
    thread_id = threading.get_ident()
    cpu = _cpu_clock(thread_id)
    lock = threading.Lock()
    done = threading.Event()
    fired = [False]

    def used() -> float:
        return time.clock_gettime(cpu) if cpu is not None else time.monotonic()

    start_cpu, start_wall = used(), time.monotonic()

    def watch() -> None:
        while not done.wait(POLL_S):
            over_cpu = used() - start_cpu > seconds
            over_wall = time.monotonic() - start_wall > seconds * WALL_FACTOR
            if over_cpu or over_wall:
                with lock:
                    if not done.is_set():
                        fired[0] = True
                        _raise_in(thread_id, ReadTimeout)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        try:
            watcher.start()
            return read()
        finally:
            with lock:
                done.set()
                if fired[0]:
                    # It fired as `read` returned: clear it, or it would go off later, elsewhere.
                    _raise_in(thread_id, None)
    except ReadTimeout:
        raise InputError(
            f"{label}: took over {seconds:g} s to read (RAG_MAX_READ_S), skipped; raise the cap "
            "to ingest it."
        ) from None
