"""Text-layer PDFs to article text, with the offset where each page starts.

pypdf (BSD) reads the text layer; nothing is OCRed. Pages are joined by a blank line, and
`pages[i]` is where page i+1 starts in the text, so a chunk or a citation can say which page it
is on. Lines broken inside a paragraph are joined, words hyphenated across a line end are
mended, and repeated running heads/feet (the same first or last line on most pages) are dropped,
so that retrieval and citations see the article, not the layout. This module is the only one
that imports pypdf.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rag.errors import InputError

# Fewer letters than this over the whole file: no usable text layer (a scan).
MIN_LETTERS = 20
# A page tree that claims more pages than this is refused before pypdf walks it (walking 100,000
# pages takes it 15 s before a word is read). Reports run to hundreds of pages, books to a few
# thousand; a tree that lies about its count is stopped by the read time cap instead.
MAX_PAGES = 10_000


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: tuple[int, ...]  # start offset of every page (an empty page starts where it is)
    title: str | None = None
    author: str | None = None
    published_at: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)


def extract_pdf(raw: bytes, name: str, max_bytes: int = 50 * 2**20) -> PdfText:
    """Raises InputError, with one line naming `name`, for a PDF that cannot be read, or whose
    streams would expand past `max_bytes` (RAG_MAX_FILE_MB) when decompressed."""
    from pypdf import apply_configuration
    from pypdf.errors import LimitReachedError

    # pypdf's own limits (75 MB per stream) are set to the file cap, so that a compressed bomb
    # inside a PDF is refused as over the cap, like a bomb served with Content-Encoding.
    limits: dict[str, Any] = {
        f"{kind}_maximum_output_length": max_bytes
        for kind in ("zlib", "lzw", "run_length", "jbig2", "brotli")
    }
    try:
        with apply_configuration(
            disable_legacy_handling=True,
            maximum_declared_stream_length=max_bytes,
            array_based_stream_maximum_output_length=max_bytes,
            stream_decoding_work_maximum_length=4 * max_bytes,
            **limits,
        ):
            return _extract_pdf(raw, name)
    except LimitReachedError:
        raise InputError(
            f"{name}: the PDF expands past the {max_bytes / 2**20:g} MB cap when decompressed "
            "(RAG_MAX_FILE_MB), skipped."
        ) from None


def _extract_pdf(raw: bytes, name: str) -> PdfText:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    # pypdf logs every recoverable oddity of a real-world file as a warning; they are not the
    # user's business unless the file fails, which raises.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and reader.decrypt("") == 0:
            raise FileNotDecryptedError("password")
        claimed = _claimed_pages(reader)
        if claimed > MAX_PAGES:
            raise InputError(
                f"{name}: the PDF claims {claimed:,} pages, over the {MAX_PAGES:,}-page cap, "
                "skipped. Split it to ingest it."
            )
        texts = [page.extract_text() or "" for page in reader.pages]
    except (InputError, LimitReachedError):
        raise
    except FileNotDecryptedError:
        raise InputError(
            f"{name}: the PDF is password-protected, skipped. Save an unprotected copy."
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        raise InputError(f"{name}: not a readable PDF ({_short(e)}), skipped.") from None
    except Exception as e:  # pypdf raises a wide range of errors on damaged files
        raise InputError(f"{name}: not a readable PDF ({_short(e)}), skipped.") from None
    pages = _drop_running_lines([_clean(t) for t in texts])
    if sum(ch.isalpha() for t in pages for ch in t) < MIN_LETTERS:
        raise InputError(f"{name}: no text layer (a scanned PDF?); OCR is not supported, skipped.")
    text, starts = "", []
    for page in pages:
        if page and text:
            text += "\n\n"
        starts.append(len(text))
        text += page
    return PdfText(text, tuple(starts), **_metadata(reader))  # type: ignore[arg-type]


def _claimed_pages(reader: object) -> int:
    """The page count the document's page tree states (/Count), without walking the tree; 0 when
    it states none that can be read."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]  # type: ignore[attr-defined]
        return int(count) if isinstance(count, int) else 0
    except Exception:
        return 0


def _short(e: Exception) -> str:
    message = str(e).splitlines()[0] if str(e) else type(e).__name__
    return message[:120]


_HYPHEN = re.compile(r"(\w)-\n(\w)")
_SOFT_BREAK = re.compile(r"(?<![.!?:\"”’)\n])\n(?!\n)")


def _clean(text: str) -> str:
    """Paragraphs as blank-line-separated blocks: mend hyphenation and join lines broken inside
    a sentence; a line ending a sentence keeps its break."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = _HYPHEN.sub(r"\1\2", text)
    text = _SOFT_BREAK.sub(" ", text)
    text = re.sub(r"\n(?=\S)", "\n\n", text)  # a kept break starts a paragraph
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _drop_running_lines(pages: list[str]) -> list[str]:
    """Drop a first or last paragraph that repeats on most pages (a running head or foot),
    ignoring digits so "Page 3" and "Page 4" count as one."""
    if len(pages) < 3:
        return pages
    key = lambda s: re.sub(r"\d+", "#", s)  # noqa: E731
    firsts = Counter(key(p.split("\n\n")[0]) for p in pages if p)
    lasts = Counter(key(p.split("\n\n")[-1]) for p in pages if p)
    common = {k for c in (firsts, lasts) for k, n in c.items() if n >= max(3, len(pages) // 2)}
    out = []
    for page in pages:
        parts = page.split("\n\n")
        if parts and key(parts[0]) in common:
            parts = parts[1:]
        if parts and key(parts[-1]) in common:
            parts = parts[:-1]
        out.append("\n\n".join(parts))
    return out


def _metadata(reader: object) -> dict[str, object]:
    info = getattr(reader, "metadata", None) or {}
    out: dict[str, object] = {}
    provenance: dict[str, str] = {}
    title = _info(info, "/Title")
    if title:
        out["title"], provenance["title"] = title, "pdf-info"
    author = _info(info, "/Author")
    if author:
        out["author"], provenance["author"] = author, "pdf-info"
    created = _info(info, "/CreationDate")
    when = _pdf_date(created) if created else None
    if when:
        out["published_at"], provenance["published_at"] = when, "pdf-info"
    out["provenance"] = provenance
    return out


def _info(info: object, key: str) -> str | None:
    try:
        value = info.get(key)  # type: ignore[attr-defined]
    except Exception:
        return None
    value = str(value).strip() if value else ""
    return value or None


_PDF_DATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


def _pdf_date(value: str) -> str | None:
    """PDF dates ("D:20231007140000+00'00'") to ISO 8601; None when unreadable."""
    m = _PDF_DATE.match(value.strip())
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None
