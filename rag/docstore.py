"""Whole documents: text, metadata and a content hash, in SQLite beside the Chroma store.

The text is what citations point into (`text[start:end]`) and what the viewer shows; the hash
decides whether a file needs re-embedding. One row per document, written in the same step as its
chunks, so an interrupted ingest leaves every finished document whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from rag.types import Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT,
    title TEXT NOT NULL,
    source TEXT,
    published_at TEXT,
    url TEXT,
    author TEXT,
    text TEXT NOT NULL,
    hash TEXT NOT NULL,
    chunks INTEGER NOT NULL
)
"""
_FIELDS = "doc_id, path, title, source, published_at, url, author, text"


class DocStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The UI server reads documents from worker threads; sqlite3 is built serialized
        # (threadsafety 3), so one connection may be shared.
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def hashes(self) -> dict[str, str]:
        with closing(self._db.execute("SELECT doc_id, hash FROM documents")) as cur:
            return dict(cur.fetchall())

    def paths(self) -> dict[str, str | None]:
        with closing(self._db.execute("SELECT doc_id, path FROM documents")) as cur:
            return dict(cur.fetchall())

    def put(self, doc: Document, content_hash: str, chunks: int) -> None:
        with self._db:
            self._db.execute(
                f"INSERT OR REPLACE INTO documents ({_FIELDS}, hash, chunks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.doc_id,
                    doc.path,
                    doc.title,
                    doc.source,
                    doc.published_at,
                    doc.url,
                    doc.author,
                    doc.text,
                    content_hash,
                    chunks,
                ),
            )

    def delete(self, doc_id: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def get(self, doc_id: str) -> Document | None:
        with closing(
            self._db.execute(f"SELECT {_FIELDS} FROM documents WHERE doc_id = ?", (doc_id,))
        ) as cur:
            row = cur.fetchone()
        return _document(row) if row else None

    def __iter__(self) -> Iterator[Document]:
        with closing(self._db.execute(f"SELECT {_FIELDS} FROM documents ORDER BY doc_id")) as cur:
            for row in cur:
                yield _document(row)

    def __len__(self) -> int:
        with closing(self._db.execute("SELECT COUNT(*) FROM documents")) as cur:
            return int(cur.fetchone()[0])


def _document(row: tuple[str | None, ...]) -> Document:
    return Document(**dict(zip(_FIELDS.split(", "), row, strict=True)))  # type: ignore[arg-type]
