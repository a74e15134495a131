"""Whole documents: text, metadata and a content hash, in SQLite beside the Chroma store, with
each document's attributions (who said what).

The text is what citations point into (`text[start:end]`) and what the viewer shows; the hash
decides whether a file needs re-embedding. One row per document, written in the same step as its
chunks, so an interrupted ingest leaves every finished document whole. Each row also keeps the
document's MinHash signature, and `story_bands` its LSH band keys, indexed, so that a
near-duplicate arriving in a later ingest is still linked to its story without every signature
being read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from rag.sources.quotes import Attribution, extract_attributions, speaker_key
from rag.types import Document

# The attribution extractor's version: a change to its rules that changes what it finds bumps it,
# and `rag index check` then lists the documents to redo.
QUOTES_VERSION = 3  # 2: quotes inside a reported clause, reported speech beside a quote; 3: no
# dangling "and" at the end of what was said

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
# Columns added after the first release: added in place to an older file (all nullable), so an
# index built before them keeps working without a rebuild.
_ADDED = {
    "language": "TEXT",
    "kind": "TEXT",
    "provenance": "TEXT",  # JSON object
    "pages": "TEXT",  # JSON list of page start offsets
    "story": "TEXT",
    "signature": "BLOB",  # MinHash hash values, uint64
    "quotes_version": "INTEGER",
}
# Who said what (rag.sources.quotes), one row per attribution, written with the document's row.
# `quotes_version` on the document says which extractor wrote them, so that `rag index check`
# finds documents from before it (or from an older extractor) and `--repair` redoes them.
_QUOTES = """
CREATE TABLE IF NOT EXISTS quotes (
    doc_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    content_start INTEGER NOT NULL,
    content_end INTEGER NOT NULL,
    cue_start INTEGER,
    cue_end INTEGER,
    source_start INTEGER,
    source_end INTEGER,
    speaker TEXT,
    speaker_key TEXT,
    PRIMARY KEY (doc_id, n)
)
"""
_QUOTES_INDEX = "CREATE INDEX IF NOT EXISTS quotes_by_speaker ON quotes (speaker_key)"
# What every ingest reads of every row (the hashes, the chunk count), read from this index
# alone: the rows themselves hold the whole text, and scanning them took 1 s at 78,000
# documents (a million chunks). Built once where an older file lacks it.
_SUMMARY_INDEX = "CREATE INDEX IF NOT EXISTS documents_summary ON documents (doc_id, hash, chunks)"
# The LSH band keys of each signed document (`rag.sources.stories.band_keys`): a new document's
# candidates are the documents that share a key, found by index. Filled in for documents signed
# before the table existed (or by an older version) the first time candidates are looked up.
_BANDS = """
CREATE TABLE IF NOT EXISTS story_bands (key INTEGER NOT NULL, doc_id TEXT NOT NULL)
"""
_BANDS_INDEXES = (
    "CREATE INDEX IF NOT EXISTS story_bands_by_key ON story_bands (key)",
    "CREATE INDEX IF NOT EXISTS story_bands_by_doc ON story_bands (doc_id)",
    # Which documents are signed, read without the rows (they hold the whole text).
    "CREATE INDEX IF NOT EXISTS documents_signed ON documents (doc_id) WHERE signature IS NOT NULL",
)
_FIELDS = "doc_id, path, title, source, published_at, url, author, text"
_EXTRA = "language, kind, provenance, pages, story"


class DocStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The UI server reads documents from worker threads; sqlite3 is built serialized
        # (threadsafety 3), so one connection may be shared.
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            self._db.execute(_SCHEMA)
            have = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
            for name, kind in _ADDED.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE documents ADD COLUMN {name} {kind}")
            self._db.execute(_QUOTES)
            self._db.execute(_QUOTES_INDEX)
            self._db.execute(_SUMMARY_INDEX)
            self._db.execute(_BANDS)
            for sql in _BANDS_INDEXES:
                self._db.execute(sql)
        self._bands_checked = False

    def close(self) -> None:
        self._db.close()

    def hashes(self) -> dict[str, str]:
        with closing(self._db.execute("SELECT doc_id, hash FROM documents")) as cur:
            return dict(cur.fetchall())

    def paths(self) -> dict[str, str | None]:
        with closing(self._db.execute("SELECT doc_id, path FROM documents")) as cur:
            return dict(cur.fetchall())

    def signatures(self) -> dict[str, tuple[bytes, str | None]]:
        """doc_id -> (MinHash signature, story) of every document that has one."""
        sql = "SELECT doc_id, signature, story FROM documents WHERE signature IS NOT NULL"
        with closing(self._db.execute(sql)) as cur:
            return {doc_id: (sig, story) for doc_id, sig, story in cur}

    def put(
        self, doc: Document, content_hash: str, chunks: int, signature: bytes | None = None
    ) -> None:
        """The document's row and its attributions, in one transaction."""
        found = extract_attributions(doc.text)
        with self._db:
            self._db.execute(
                f"INSERT OR REPLACE INTO documents ({_FIELDS}, {_EXTRA}, hash, chunks, signature) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.doc_id,
                    doc.path,
                    doc.title,
                    doc.source,
                    doc.published_at,
                    doc.url,
                    doc.author,
                    doc.text,
                    doc.language,
                    doc.kind,
                    json.dumps(doc.provenance) if doc.provenance else None,
                    json.dumps(list(doc.pages)) if doc.pages else None,
                    doc.story,
                    content_hash,
                    chunks,
                    signature,
                ),
            )
            self._put_bands(doc.doc_id, signature)
            self._put_quotes(doc.doc_id, found)  # after the row: it sets quotes_version there

    def put_many(self, rows: list[tuple[Document, str, int]]) -> None:
        """(document, content hash, chunks) rows in one transaction: a bulk load (the scale
        benchmark) that would spend most of its time in per-row commits with `put`."""
        with self._db:
            self._db.executemany(
                f"INSERT OR REPLACE INTO documents ({_FIELDS}, {_EXTRA}, hash, chunks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*_values(d), content_hash, chunks) for d, content_hash, chunks in rows],
            )
            for d, _, _ in rows:
                self._put_bands(d.doc_id, None)
                self._put_quotes(d.doc_id, extract_attributions(d.text))

    def _put_bands(self, doc_id: str, signature: bytes | None) -> None:
        from rag.sources.stories import band_keys

        self._db.execute("DELETE FROM story_bands WHERE doc_id = ?", (doc_id,))
        if signature is not None:
            self._db.executemany(
                "INSERT INTO story_bands VALUES (?, ?)",
                [(key, doc_id) for key in band_keys(signature)],
            )

    def near_copies(self, keys: list[int]) -> list[tuple[str, bytes, str | None]]:
        """(doc_id, signature, story) of every stored document that shares one of these LSH
        band keys: the candidates for being the same story."""
        if not self._bands_checked:
            self._fill_bands()
        marks = ", ".join("?" * len(keys))
        sql = (
            "SELECT doc_id, signature, story FROM documents WHERE signature IS NOT NULL AND "
            f"doc_id IN (SELECT doc_id FROM story_bands WHERE key IN ({marks}))"
        )
        with closing(self._db.execute(sql, keys)) as cur:
            return list(cur)

    def _fill_bands(self) -> None:
        """Band keys for the signed documents that have none: written before the table, or by
        an older version of the product. Once per open, from indexes alone when none is missing."""
        sql = (
            "SELECT doc_id, signature FROM documents WHERE signature IS NOT NULL "
            "AND doc_id NOT IN (SELECT doc_id FROM story_bands)"
        )
        with closing(self._db.execute(sql)) as cur:
            missing = cur.fetchall()
        with self._db:
            for doc_id, signature in missing:
                self._put_bands(doc_id, signature)
        self._bands_checked = True

    def _put_quotes(self, doc_id: str, found: list[Attribution]) -> None:
        self._db.execute("DELETE FROM quotes WHERE doc_id = ?", (doc_id,))
        self._db.executemany(
            "INSERT INTO quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, n, *_quote_row(a)) for n, a in enumerate(found)],
        )
        self._db.execute(
            "UPDATE documents SET quotes_version = ? WHERE doc_id = ?", (QUOTES_VERSION, doc_id)
        )

    def redo_quotes(self, doc_ids: list[str]) -> None:
        """Extract the attributions of these stored documents again (`rag index check --repair`
        for documents from before the extractor, or from an older one)."""
        for doc_id in doc_ids:
            doc = self.get(doc_id)
            if doc is not None:
                with self._db:
                    self._put_quotes(doc_id, extract_attributions(doc.text))

    def chunk_count(self, doc_id: str) -> int:
        sql = "SELECT chunks FROM documents WHERE doc_id = ?"
        with closing(self._db.execute(sql, (doc_id,))) as cur:
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def total_chunks(self) -> int:
        """The chunks of every stored document: what Chroma holds once no ingest is half done,
        read from this table because Chroma's count() grows with the index (0.2 to 0.5 s a call
        at 100k chunks here), a cost every small ingest paid twice."""
        with closing(self._db.execute("SELECT COALESCE(SUM(chunks), 0) FROM documents")) as cur:
            return int(cur.fetchone()[0])

    def stale_quotes(self) -> list[str]:
        """Documents whose attributions were not written by this version of the extractor."""
        sql = "SELECT doc_id FROM documents WHERE quotes_version IS NOT ? ORDER BY doc_id"
        with closing(self._db.execute(sql, (QUOTES_VERSION,))) as cur:
            return [row[0] for row in cur]

    def quotes(
        self, doc_id: str | None = None, speaker: str | None = None
    ) -> list[tuple[str, Attribution]]:
        """(doc_id, attribution) of one document, or of one speaker (by `speaker_key`), or all,
        in document and text order."""
        where, args = [], []
        if doc_id is not None:
            where.append("doc_id = ?")
            args.append(doc_id)
        if speaker is not None:
            where.append("speaker_key = ?")
            args.append(speaker_key(speaker))
        sql = (
            "SELECT doc_id, content_start, content_end, cue_start, cue_end, source_start, "
            "source_end, speaker FROM quotes"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY doc_id, n"
        )
        with closing(self._db.execute(sql, args)) as cur:
            return [
                (d, Attribution((cs, ce), _span(us, ue), _span(ss, se), sp))
                for d, cs, ce, us, ue, ss, se, sp in cur
            ]

    def speakers(self) -> list[tuple[str, str, int]]:
        """(key, name, attributions) of every speaker, most quoted first; the name is the
        fullest of the key's most common spellings ("Nikolai Patrushev" over "Patrushev")."""
        sql = (
            "SELECT speaker_key, speaker, COUNT(*) FROM quotes WHERE speaker_key IS NOT NULL "
            "GROUP BY speaker_key, speaker"
        )
        names: dict[str, list[tuple[int, str]]] = {}
        with closing(self._db.execute(sql)) as cur:
            for key, name, count in cur:
                names.setdefault(key, []).append((count, name))
        out = []
        for key, spellings in names.items():
            total = sum(c for c, _ in spellings)
            top = max(c for c, _ in spellings)
            name = max((n for c, n in spellings if c * 2 >= top), key=len)
            out.append((key, name, total))
        return sorted(out, key=lambda t: (-t[2], t[1]))

    def set_story(self, doc_id: str, story: str) -> None:
        """Link an already stored document to a story (its first copy, when a second arrives)."""
        with self._db:
            self._db.execute("UPDATE documents SET story = ? WHERE doc_id = ?", (story, doc_id))

    def also_in(self, doc_id: str) -> list[str]:
        """The outlets of the other copies of `doc_id`'s story (near-duplicates), in ingest
        order; [] for a story of one. What the UI shows as "also in: ..."."""
        sql = (
            "SELECT d.source, d.doc_id FROM documents d JOIN documents me "
            "ON d.story = me.story WHERE me.doc_id = ? AND d.doc_id != ? ORDER BY d.rowid"
        )
        with closing(self._db.execute(sql, (doc_id, doc_id))) as cur:
            return [source or other for source, other in cur]

    def delete(self, doc_id: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM quotes WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM story_bands WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def get(self, doc_id: str) -> Document | None:
        sql = f"SELECT {_FIELDS}, {_EXTRA} FROM documents WHERE doc_id = ?"
        with closing(self._db.execute(sql, (doc_id,))) as cur:
            row = cur.fetchone()
        return _document(row) if row else None

    def __iter__(self) -> Iterator[Document]:
        sql = f"SELECT {_FIELDS}, {_EXTRA} FROM documents ORDER BY doc_id"
        with closing(self._db.execute(sql)) as cur:
            for row in cur:
                yield _document(row)

    def outlets(self) -> dict[str, str]:
        """doc_id -> outlet of every document that names one."""
        with closing(self._db.execute(_OUTLETS)) as cur:
            return dict(cur.fetchall())

    def __len__(self) -> int:
        with closing(self._db.execute("SELECT COUNT(*) FROM documents")) as cur:
            return int(cur.fetchone()[0])


def _quote_row(a: Attribution) -> tuple[Any, ...]:
    cue, source = a.cue or (None, None), a.source or (None, None)
    key = speaker_key(a.speaker) if a.speaker else None
    return (*a.content, *cue, *source, a.speaker, key)


def _span(start: int | None, end: int | None) -> tuple[int, int] | None:
    return (start, end) if start is not None and end is not None else None


def _values(d: Document) -> tuple[Any, ...]:
    """A document's `_FIELDS` and `_EXTRA` columns, in order."""
    provenance = json.dumps(d.provenance) if d.provenance else None
    pages = json.dumps(list(d.pages)) if d.pages else None
    base = (d.doc_id, d.path, d.title, d.source, d.published_at, d.url, d.author, d.text)
    return (*base, d.language, d.kind, provenance, pages, d.story)


_OUTLETS = "SELECT doc_id, source FROM documents WHERE source IS NOT NULL AND source != ''"


def read_outlets(path: Path) -> dict[str, str]:
    """`DocStore.outlets` of the file at `path`, opened read-only (a reader, such as a retriever
    in a second UI replica, must never create or migrate the table); {} when there is none."""
    if not path.is_file():
        return {}
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        try:
            with closing(db.execute(_OUTLETS)) as cur:
                return dict(cur.fetchall())
        except sqlite3.OperationalError:  # no documents table yet
            return {}


def _document(row: tuple[Any, ...]) -> Document:
    base = dict(zip(_FIELDS.split(", "), row[:8], strict=True))
    language, kind, provenance, pages, story = row[8:]
    return Document(
        **base,
        language=language,
        kind=kind or "text",
        provenance=json.loads(provenance) if provenance else {},
        pages=tuple(json.loads(pages)) if pages else (),
        story=story,
    )
