"""Load article files into `Document`s.

Reads `.txt`, `.md`, `.html`/`.htm`, `.json` and `.jsonl`. Metadata (title, outlet, date, url,
author) comes from, in order: a `metadata.toml` sidecar in the file's folder (keyed by file
name), front matter at the top of a `.md`/`.txt` file, the JSON fields, or the HTML `<title>` and
meta tags. A title that is nowhere given falls back to the first line (or the file name). Dates and
URLs are never guessed.

A file that cannot be read is reported as a `Problem` and skipped; the others still load.
Parsing HTML is the only vendor work here (BeautifulSoup); chunking lives in `chunk`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.types import Document

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
SIDECAR = "metadata.toml"
META_KEYS = ("title", "source", "published_at", "url", "author")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


@dataclass(frozen=True)
class SourceFile:
    path: Path
    rel: str  # path relative to the folder given to ingest: the document id


def find_files(roots: Iterable[Path]) -> list[SourceFile]:
    """Every article file under the given files and folders, in a stable order."""
    found: list[SourceFile] = []
    for root in roots:
        root = root.expanduser()
        if not root.exists():
            raise InputError(f"No such file or folder: {root}. Check the path and try again.")
        if root.is_file():
            found.append(SourceFile(root, root.name))
            continue
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix.lower() in SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        if not files:
            kinds = ", ".join(sorted(SUFFIXES))
            raise InputError(
                f"No article files ({kinds}) in {root}. Add some, or pick another folder."
            )
        found.extend(SourceFile(p, p.relative_to(root).as_posix()) for p in files)
    return found


def load_file(src: SourceFile) -> list[Document]:
    """Documents in one file. Raises InputError for a file that cannot be read as text."""
    raw = src.path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise InputError(
            f"{src.path}: looks like a binary file, skipped. Convert it to text first."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{src.path}: not UTF-8 text (byte {e.start}), skipped. Re-save it as UTF-8."
        ) from None
    suffix = src.path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return list(_json_documents(src, text, jsonl=suffix == ".jsonl"))
    sidecar = _sidecar(src.path.parent).get(src.path.name, {})
    if suffix in HTML_SUFFIXES:
        body, meta = _html(text)
    else:
        body, meta = _front_matter(text)
    meta = {**meta, **{k: v for k, v in sidecar.items() if k in META_KEYS}}
    if not body.strip():
        raise InputError(f"{src.path}: no text in the file, skipped.")
    title = meta.get("title") or _first_line(body) or src.path.stem
    return [
        Document(
            doc_id=src.rel,
            text=body,
            title=title,
            source=meta.get("source"),
            published_at=meta.get("published_at"),
            url=meta.get("url"),
            author=meta.get("author"),
            path=str(src.path.resolve()),
        )
    ]


def _json_documents(src: SourceFile, text: str, *, jsonl: bool) -> Iterator[Document]:
    try:
        if jsonl:
            items: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{src.path}: invalid JSON ({e.msg}, line {e.lineno}), skipped.") from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise InputError(f"{src.path}: expected an article object or a list of them, skipped.")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("body"), str):
            raise InputError(
                f"{src.path}: item {i} has no 'body' text; each article needs 'title' and 'body'."
            )
        if not item["body"].strip():
            continue
        url = item.get("url") or None
        title = str(item.get("title") or _first_line(item["body"]) or f"{src.path.stem} #{i}")
        yield Document(
            doc_id=url or (src.rel if len(items) == 1 else f"{src.rel}#{i}"),
            text=item["body"],
            title=title,
            source=_str_or_none(item.get("source")),
            published_at=_str_or_none(item.get("published_at")),
            url=url,
            author=_str_or_none(item.get("author")),
            path=str(src.path.resolve()),
        )


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _sidecar(folder: Path) -> dict[str, dict[str, str]]:
    # Read per file rather than cached: it is tiny, and a cache would go stale between ingests.
    path = folder / SIDECAR
    try:
        data = tomllib.loads(path.read_text("utf-8")) if path.is_file() else {}
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: invalid TOML ({e}). Fix or remove it.") from None
    return {k: v for k, v in data.items() if isinstance(v, dict)}


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    """Simple `key: value` front matter between `---` lines (no nested YAML)."""
    m = _FRONT.match(text)
    if not m:
        return text, {}
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower().replace("date", "published_at")
        if sep and key in META_KEYS and value.strip():
            meta[key] = value.strip().strip("\"'")
    return text[m.end() :], meta


def _html(text: str) -> tuple[str, dict[str, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    meta: dict[str, str] = {}
    for attr, key in (
        ("og:title", "title"),
        ("og:site_name", "source"),
        ("article:published_time", "published_at"),
        ("og:url", "url"),
        ("author", "author"),
    ):
        tag = soup.find("meta", attrs={"property": attr}) or soup.find("meta", attrs={"name": attr})
        if tag and tag.get("content"):
            meta[key] = str(tag["content"]).strip()
    if "title" not in meta and soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript"]):
        tag.decompose()
    root = soup.find("article") or soup.body or soup
    lines = (line.strip() for line in root.get_text("\n").splitlines())
    return "\n\n".join(line for line in lines if line), meta


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 120 else line[:117].rstrip() + "..."
    return ""
