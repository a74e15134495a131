"""Turn a saved news web page (raw bytes) into article text and metadata.

Why this module exists: the old loader took the whole `<article>`/`<body>` text with BeautifulSoup,
so menus, teasers, share buttons and comments went into the index, and it read only og:title,
og:site_name, article:published_time and <meta name=author>, which most pages lack or fill
badly. Measured on real news pages (see `scripts/score_html.py`), that lost about a sixth of the
body words to noise and most dates and authors.

How:
- Body: trafilatura (favor_precision, no comments, tables kept) on the raw BYTES, so that it
  detects the encoding itself (a page in windows-1252 with a meta charset decodes right). Its
  block elements become paragraphs joined by "\\n\\n", without markdown. A page where it finds
  nothing (a fragment, a very short page) goes through a plain BeautifulSoup pass instead, so any
  file that loaded before still loads; junk bytes give "" and never raise.
- Metadata: each field is taken from a list of sources in a fixed priority, the first usable
  value wins, and `provenance` says which source it was. Structured data written for machines
  (JSON-LD, Open Graph, article:* meta) comes before what is read off the visible page (byline
  elements, a dateline) and before guesses (htmldate's heuristics, the domain).
- A date is only ever copied from the page or its URL, never made up.

The parts: `body` (the article text), `page` (where each metadata field comes from), `jsonld`,
`bylines`, `dates` and `clean` (values read off the page). trafilatura and bs4 are imported inside
functions: the CLI imports this package and its --help must stay fast. This is the only package in
the project that imports trafilatura.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.sources.html.body import MAX_ELEMENTS, _add_standfirst, _body, _fallback_text, _plain_text
from rag.sources.html.page import _Page

__all__ = ["Extracted", "extract_html"]


@dataclass(frozen=True)
class Extracted:
    text: str  # article body, paragraphs joined by "\n\n"; "" when nothing found
    title: str | None
    source: str | None  # outlet: site name, else the domain of url (without "www.")
    published_at: str | None  # ISO 8601
    author: str | None
    url: str | None  # canonical/og:url, else the url passed in
    language: str | None  # e.g. "en"
    provenance: dict[str, str] = field(default_factory=dict)  # field -> source of the value
    extractor: str = "fallback"  # "trafilatura", "plain" (a very large page) or "fallback"


def extract_html(raw: bytes, url: str | None = None) -> Extracted:
    """Article text and metadata of one HTML page. Never raises: junk gives text ""."""
    try:
        return _extract(raw, url)
    except Exception:
        try:
            text = _fallback_text(_decode(raw))
        except Exception:
            text = ""
        return _empty(url, text)


def _empty(url: str | None, text: str = "") -> Extracted:
    prov = {"url": "fallback"} if url else {}
    return Extracted(text, None, None, None, None, url, None, prov, "fallback")


def _extract(raw: bytes, url: str | None) -> Extracted:
    if isinstance(raw, str):  # tolerate a caller that already decoded the page
        raw = raw.encode("utf-8")
    if not raw or not raw.strip() or _is_binary(raw):
        return _empty(url)
    from trafilatura.utils import load_html

    tree = load_html(_tame_tags(raw))
    if tree is None:  # not HTML as far as trafilatura is concerned: a fragment or plain text
        return _empty(url, _fallback_text(_decode(raw)))
    page = _Page(tree, url)
    if _more_than(tree, MAX_ELEMENTS):
        text, extractor = _plain_text(tree), "plain"
    else:
        text, extractor = _body(tree, url)
    if not text:
        text, extractor = _fallback_text(_decode(raw)), "fallback"
    text = _add_standfirst(text, page)
    meta = page.resolve(text)
    return Extracted(
        text=text,
        title=meta.get("title"),
        source=meta.get("source"),
        published_at=meta.get("published_at"),
        author=meta.get("author"),
        url=meta.get("url"),
        language=meta.get("language"),
        provenance=page.provenance,
        extractor=extractor,
    )


# libxml2 compares each attribute of a tag with all the ones before it: a tag with 100,000
# attributes kept its parser busy for minutes, in C, where no time cap reaches. A tag this long
# with this many attributes is cut down to its name before the page is parsed; a long tag with
# few attributes (an image inlined as a data: URL) is left alone.
LONG_TAG = 20_000
MAX_ATTRIBUTES = 1_000
_LONG_TAG = re.compile(rb"<([A-Za-z][\w:-]*)[^<>]{%d,}>" % LONG_TAG)


def _tame_tags(raw: bytes) -> bytes:
    def tame(m: re.Match[bytes]) -> bytes:
        return b"<" + m.group(1) + b">" if m.group(0).count(b"=") > MAX_ATTRIBUTES else m.group(0)

    return _LONG_TAG.sub(tame, raw) if len(raw) > LONG_TAG else raw


def _more_than(tree: object, n: int) -> bool:
    return any(i >= n for i, _ in enumerate(tree.iter()))  # type: ignore[attr-defined]


def _is_binary(raw: bytes) -> bool:
    """Junk that is not text in any encoding (an image, a zip): control bytes are rare in text."""
    head = raw[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM is text
        return False
    bad = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bad > len(head) * 0.02


def _decode(raw: bytes) -> str:
    try:
        from trafilatura.utils import decode_file

        text = decode_file(raw)
        return text if isinstance(text, str) else raw.decode("utf-8", "replace")
    except Exception:
        return raw.decode("utf-8", "replace")
