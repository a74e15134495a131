"""One resumable JSON-lines file: each finished item is one line, flushed as it is written, so an
interrupted run keeps every finished row and a rerun skips them."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any


def read_rows(path: Path | None) -> dict[str, dict[str, Any]]:
    """Rows of an earlier, possibly interrupted run, by id (a torn last line is ignored)."""
    rows: dict[str, dict[str, Any]] = {}
    if path is None or not path.is_file():
        return rows
    for line in path.read_text("utf-8").splitlines():
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(r, dict) and "id" in r:
            rows[str(r["id"])] = r
    return rows


class RowWriter:
    """Appends rows to `path` (None: writes nothing). `keep` rewrites the file first with only
    those rows, dropping torn and stale lines."""

    def __init__(self, path: Path | None, keep: dict[str, dict[str, Any]] | None = None) -> None:
        self._file = None
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if keep is not None:
            path.write_text("".join(_line(r) for r in keep.values()), "utf-8")
        self._file = path.open("a", encoding="utf-8")

    def write(self, row: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.write(_line(row))
            self._file.flush()  # every finished row survives an interruption

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"
