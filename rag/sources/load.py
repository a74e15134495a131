"""Load articles into `Document`s: files (`.txt`, `.md`, `.html`/`.htm`, `.pdf`, `.json`,
`.jsonl`) and fetched pages (`load_fetched`).

Metadata (title, outlet, date, url, author, language) comes from, in order: a `metadata.toml`
sidecar in the file's folder (keyed by file name), front matter at the top of a `.md`/`.txt`
file, the JSON fields, the page (JSON-LD, meta tags, byline, URL, dateline: see `extract_html`)
or the PDF's info. Each document records where each value came from (`provenance`). A title that
is nowhere given falls back to the first line (or the file name). Dates are normalised to ISO 8601
where they can be read, and are never guessed: the ingest time is not a publication date.

A file that cannot be read is reported as a `Problem` and skipped; the others still load. HTML
and PDF parsing live in `extract_html` and `extract_pdf`; chunking lives in `chunk`.
"""

from __future__ import annotations

import json
import re
import stat
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rag.errors import InputError
from rag.types import Document

if TYPE_CHECKING:
    from rag.sources.fetch import Fetched

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".json", ".jsonl"}
PDF_SUFFIXES = {".pdf"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | PDF_SUFFIXES
SIDECAR = "metadata.toml"
META_KEYS = ("title", "source", "published_at", "url", "author", "language")
MB = 2**20
# Where a value is only a stand-in (a title from the first line, an outlet from the domain): any
# source that states the value, such as a feed entry, replaces it.
GUESSES = frozenset({"first-line", "domain", "fallback"})


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
        if not root.is_dir():  # a named pipe, a device such as /dev/zero, a socket
            raise InputError(f"{root}: not a regular file or folder. Give article files.")
        # Not only regular files: a named pipe, a device behind a symlink or a symlink loop with
        # an article's name is reported by `load_file`, not passed over in silence.
        files = sorted(
            p
            for p in root.rglob("*")
            if p.suffix.lower() in SUFFIXES
            and not p.is_dir()
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        if not files:
            kinds = ", ".join(sorted(SUFFIXES))
            raise InputError(
                f"No article files ({kinds}) in {root}. Add some, or pick another folder."
            )
        found.extend(SourceFile(p, p.relative_to(root).as_posix()) for p in files)
    return found


def load_file(src: SourceFile, max_bytes: int = 50 * MB) -> list[Document]:
    """Documents in one file. Raises InputError, with one line naming the file, for a file
    that cannot be read, is over `max_bytes`, or holds no text."""
    st = src.path.stat()  # follows symlinks; a loop raises ELOOP, reported as unreadable
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"{src.path}: not a regular file (a named pipe, a device or a socket), skipped."
        )
    size = st.st_size
    if size > max_bytes:
        raise InputError(
            f"{src.path}: {size / MB:.1f} MB, over the {max_bytes / MB:g} MB cap "
            "(RAG_MAX_FILE_MB), skipped. Raise the cap to ingest it."
        )
    raw = src.path.read_bytes()
    suffix = src.path.suffix.lower()
    where = str(src.path.resolve())
    if suffix in PDF_SUFFIXES:
        pdf = _pdf_document(raw, str(src.path), src.rel, where, max_bytes)
        return [_with_sidecar(src, pdf)]
    if b"\x00" in raw:
        raise InputError(
            f"{src.path}: looks like a binary file, skipped. Convert it to text first."
        )
    if suffix in HTML_SUFFIXES:
        return [_with_sidecar(src, _html_document(raw, str(src.path), src.rel, where))]
    text = _utf8(raw, str(src.path))
    if suffix in JSON_SUFFIXES:
        return _nonempty(list(_json_documents(src, text, jsonl=suffix == ".jsonl")), src.path)
    body, meta = _front_matter(text)
    if not body.strip() or not any(c.isalnum() for c in body):
        # Punctuation alone ("---\n---\n", a page of dashes) is no article either.
        raise InputError(f"{src.path}: no text in the file, skipped.")
    doc = Document(
        doc_id=src.rel,
        text=body,
        title=meta.pop("title", "") or _first_line(body) or src.path.stem,
        path=where,
        kind="text",
        provenance={k: "front-matter" for k in meta},
        **_normalised(meta),
    )
    return [_with_sidecar(src, doc)]


def load_fetched(
    fetched: Fetched, defaults: dict[str, str] | None = None, max_bytes: int = 50 * MB
) -> list[Document]:
    """The document in a fetched page, PDF, text or JSON file; its id is the URL asked for, so
    that a rerun updates it in place. `defaults` (a feed entry's title, date, author) fill only
    what the document itself does not say."""
    url = fetched.requested_url or fetched.url
    kind = fetched.content_type
    if kind == "application/pdf":
        doc = _pdf_document(fetched.body, url, url, None, max_bytes)
        doc = replace(doc, url=fetched.url)
        domain = _domain(fetched.url)
        if not doc.source and domain:
            doc = _with_meta(doc, {"source": domain}, "domain")
    elif "html" in kind:
        doc = _html_document(fetched.body, url, url, None, fetched.url)
    elif kind in ("application/json",) or kind.endswith("+json"):
        src = SourceFile(Path(urlsplit(url).path or "page.json"), url)
        text = _utf8(fetched.body, url, fetched.charset)
        docs = _nonempty(list(_json_documents(src, text, jsonl=False)), url)
        return [replace(d, path=None) for d in docs]
    elif kind.startswith("text/"):
        text = _utf8(fetched.body, url, fetched.charset)
        if not text.strip():
            raise InputError(f"{url}: no text in the page, skipped.")
        doc = Document(
            doc_id=url,
            text=text,
            title=_first_line(text) or url,
            url=fetched.url,
            source=_domain(fetched.url),
            kind="text",
            provenance={"title": "first-line", "source": "domain"},
        )
    else:
        raise InputError(
            f"{url}: {kind} is not an article (HTML, PDF, text or JSON), skipped. "
            "For a feed, use `rag ingest --feed URL`."
        )
    if defaults:
        doc = _with_meta(doc, {k: v for k, v in defaults.items() if v}, "feed", fill=True)
    return [doc]


def _nonempty(docs: list[Document], name: object) -> list[Document]:
    if not docs:
        raise InputError(f"{name}: no article with text in the file, skipped.")
    return docs


def _pdf_document(
    raw: bytes, name: str, doc_id: str, path: str | None, max_bytes: int
) -> Document:
    from rag.sources.pdf import extract_pdf

    pdf = extract_pdf(raw, name, max_bytes)
    title, provenance = _titled(pdf.title, pdf.text, name, pdf.provenance)
    return Document(
        doc_id=doc_id,
        text=pdf.text,
        title=title,
        author=pdf.author,
        published_at=pdf.published_at,
        path=path,
        kind="pdf",
        pages=pdf.pages,
        provenance=provenance,
    )


# Tags in a page, counted before it is parsed: past this, the parsed tree alone takes hundreds
# of MB (a million elements: 120 MB in lxml, more in trafilatura's copies). The largest of the 60
# real news pages in eval/news_html has 3,205 elements.
MAX_TAGS = 300_000


def _html_document(
    raw: bytes, name: str, doc_id: str, path: str | None, url: str | None = None
) -> Document:
    from rag.sources.html import extract_html

    tags = raw.count(b"<")
    if tags > MAX_TAGS:
        raise InputError(
            f"{name}: {tags:,} tags, over the {MAX_TAGS:,} a news page can have here (a page "
            "of that size is a listing or a generated file, not an article), skipped."
        )

    page = extract_html(raw, url)
    if not page.text.strip():
        raise InputError(f"{name}: no article text found in the page, skipped.")
    title, provenance = _titled(page.title, page.text, name, page.provenance)
    return Document(
        doc_id=doc_id,
        text=page.text,
        title=title,
        source=page.source,
        published_at=page.published_at,
        url=page.url or url,
        author=page.author,
        path=path,
        language=page.language,
        kind="html",
        provenance=provenance,
    )


def _titled(
    title: str | None, text: str, name: str, provenance: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """The extracted title, or the first line (else the file name) marked as a stand-in."""
    if title:
        return title, dict(provenance)
    return _first_line(text) or Path(name).stem, {**provenance, "title": "first-line"}


def _with_sidecar(src: SourceFile, doc: Document) -> Document:
    sidecar = _sidecar(src.path.parent).get(src.path.name, {})
    meta = {k: str(v) for k, v in sidecar.items() if k in META_KEYS and v not in (None, "")}
    return _with_meta(doc, meta, "sidecar") if meta else doc


def _with_meta(doc: Document, meta: dict[str, str], origin: str, fill: bool = False) -> Document:
    """`doc` with `meta` set (or, with `fill`, only where `doc` has nothing), recording
    `origin` as where each value came from."""
    if fill:
        meta = {
            k: v
            for k, v in meta.items()
            if not getattr(doc, k, None) or doc.provenance.get(k) in GUESSES
        }
    if not meta:
        return doc
    return replace(
        doc,
        **_normalised(meta),
        provenance={**doc.provenance, **{k: origin for k in meta}},
    )


def _normalised(meta: dict[str, str]) -> dict[str, Any]:
    out = dict(meta)
    if out.get("published_at"):
        out["published_at"] = iso_date(out["published_at"]) or out["published_at"]
    return out


_DAY_FIRST = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%Y/%m/%d")


def iso_date(value: str) -> str | None:
    """A date as given by a person or a feed, in ISO 8601: "2023-10-07" stays as it is,
    "2023-10-07T14:00:00Z" keeps its time, "Sat, 07 Oct 2023 14:00:00 GMT" and
    "October 7, 2023" are converted; None when it cannot be read (the caller keeps the
    original rather than guess)."""
    value = value.strip()
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _DAY_FIRST:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# Text with this many words or more, of which fewer than this share are distinct, is not an
# article: a log, a generated file, "word word word ..." (10 MB of it would take minutes to
# chunk and embed, and block the files beside it). A news article has about half its words
# distinct, a long book still about a tenth.
DEGENERATE_MIN_WORDS = 5000
DEGENERATE_SHARE = 0.01


def degenerate(text: str) -> str | None:
    """Why `text` is not worth indexing (one repeated word, mostly repeats), or None."""
    words = text.split()
    if len(words) < DEGENERATE_MIN_WORDS:
        return None
    distinct = len(set(words))
    if distinct < DEGENERATE_SHARE * len(words):
        return (
            f"{len(words):,} words but only {distinct:,} distinct ones: not article text "
            "(a log or generated file?)"
        )
    return None


def _domain(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _utf8(raw: bytes, name: str, charset: str | None = None) -> str:
    try:
        return raw.decode(charset or "utf-8-sig")
    except (UnicodeDecodeError, LookupError):
        pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name}: not UTF-8 text (byte {e.start}), skipped. Re-save it as UTF-8."
        ) from None


def _json_documents(src: SourceFile, text: str, *, jsonl: bool) -> Iterator[Document]:
    items: Any = []
    lines = enumerate(text.splitlines(), 1) if jsonl else [(0, text)]
    for number, line in lines:
        if jsonl and not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            at = number if jsonl else e.lineno  # a JSONL error is on the file's line `number`
            raise InputError(f"{src.path}: invalid JSON ({e.msg}, line {at}), skipped.") from None
        except (ValueError, RecursionError) as e:
            # A number of over 4,300 digits, or arrays nested thousands deep.
            why = "nested too deep" if isinstance(e, RecursionError) else str(e).split(";")[0]
            raise InputError(f"{src.path}: unreadable JSON ({why[:120]}), skipped.") from None
        if jsonl:
            items.append(value)
        else:
            items = value
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
        url = _scalar(item.get("url"))
        title = _scalar(item.get("title")) or _first_line(item["body"]) or f"{src.path.stem} #{i}"
        given = {
            k: v
            for k in ("source", "published_at", "author", "language")
            if (v := _scalar(item.get(k)))
        }
        yield Document(
            doc_id=url or (src.rel if len(items) == 1 else f"{src.rel}#{i}"),
            text=item["body"],
            title=title,
            url=url,
            path=str(src.path.resolve()),
            kind="json",
            provenance={k: "json" for k in given},
            **_normalised(given),
        )


def _scalar(value: Any) -> str | None:
    """A JSON metadata value as text: strings and numbers; None for nothing, lists, objects and
    booleans (a title of `["a", {"b": 1}]` is not a title)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        text = str(value).strip()
    except ValueError:  # an int of over 4,300 digits
        return None
    return text or None


def valid_unicode(doc: Document) -> Document:
    """`doc` with lone surrogates (JSON's "\\ud800", an XML character reference) replaced by
    U+FFFD: they are not text, and the tokenizer and the stores refuse them."""
    fixed: dict[str, Any] = {
        k: _replace_surrogates(v)
        for k in ("text", "title", "source", "published_at", "url", "author", "language")
        if isinstance(v := getattr(doc, k), str) and not v.isascii() and _has_surrogates(v)
    }
    return replace(doc, **fixed) if fixed else doc


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _replace_surrogates(s: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", s)


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


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 120 else line[:117].rstrip() + "..."
    return ""
