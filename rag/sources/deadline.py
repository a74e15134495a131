"""A time cap on reading one source: a file, a fetched page, a feed.

Why: the parsers (trafilatura, pypdf, feedparser, the json module) are written for the pages
their authors met. A crafted input (a PDF whose page tree claims 100,000 pages, a page of a million
elements) can keep one of them busy for minutes, and an ingest stuck on one file is as bad as a
crash: the files after it never come. So each source gets `Settings.max_read_s` seconds, and a
source that needs more is skipped with one line that says so and how to raise the cap.

How: a timer thread raises `ReadTimeout` in the reading thread
(`PyThreadState_SetAsyncExc`, the mechanism behind KeyboardInterrupt), which works in any thread:
the CLI's main thread and the chat's upload worker alike, where `signal.alarm` works only in the
main thread. It lands between two Python bytecodes, so it cannot stop a single long C call
(libxml2 parsing, zlib); those are bounded by the size cap and by the parsers' own limits instead.
`ReadTimeout` derives from BaseException so that the parsers' broad `except Exception` fallbacks
do not swallow it.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import TypeVar

from rag.errors import InputError

T = TypeVar("T")


class ReadTimeout(BaseException):
    """The reading thread's time is up."""


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None
    )


def capped(read: Callable[[], T], seconds: float, label: str) -> T:
    """`read()`, or InputError naming `label` when it runs past `seconds` (0: no cap)."""
    if seconds <= 0:
        return read()
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                _raise_in(thread_id, ReadTimeout)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    try:
        try:
            timer.start()
            return read()
        finally:
            with lock:
                state["done"] = True
                timer.cancel()
                if state["fired"]:
                    # It fired as `read` returned: clear it, or it would go off later, elsewhere.
                    _raise_in(thread_id, None)
    except ReadTimeout:
        raise InputError(
            f"{label}: took over {seconds:g} s to read (RAG_MAX_READ_S), skipped; raise the cap "
            "to ingest it."
        ) from None
