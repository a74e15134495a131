"""Hostile and mutated inputs of every kind `rag ingest` reads, generated from a seed, and the
rule each must meet (issue 23). Used by `tests/test_fuzz.py` (a small battery in CI) and by
`scripts/fuzz_ingest.py` (1,000 cases and more).

A case is a file (text, Markdown, HTML, PDF, JSON, JSONL) or something served over HTTP on
127.0.0.1 (a page with its headers, a feed with its entries' pages). Half of the cases are the
seed articles written in that format and then mutated (bytes flipped, cut, repeated, junk
inserted); the other half are the constructs that break parsers: deep nesting, a 10 MB line, bad
and mixed encodings, NUL and control bytes, huge attributes, malformed PDFs (xref, streams, page
trees), entity expansion and external entities in feeds, gzip and deflate bombs, feeds of 100k
entries, dates and URLs of every malformed shape.

The rule (`verdict`): every case ends in documents or in problem lines that each name the case's
file or URL, on one line; nothing else escapes (no traceback, no exception), no case takes over
`MAX_CASE_S`, and the process stays under `MAX_GROWTH_MB` above its start.
"""

# ruff: noqa: E501  (tables of hostile values read better one per line than wrapped)
from __future__ import annotations

import contextlib
import gzip
import http.server
import io
import json
import random
import resource
import socketserver
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .pdfs import assemble, make_pdf

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
MAX_CASE_S = 10.0
MAX_GROWTH_MB = 1024.0
MB = 2**20
# A marker that must never appear in an ingested text: it is what an external entity would read.
SECRET = "FUZZ-SECRET-c0ffee"


@dataclass
class Case:
    name: str  # unique, a safe file name stem
    family: str  # what kind of input, e.g. "html-deep-nesting"
    suffix: str  # the file's suffix; for served cases, the path's
    body: bytes
    http: str = ""  # "" a file; "page" or "feed": served, fetched as a URL or with --feed
    headers: dict[str, str] = field(default_factory=dict)  # served: response headers
    status: int = 200
    # Served: further paths (a feed's entry pages, a redirect's target), path -> (headers, body).
    extra: dict[str, tuple[dict[str, str], bytes]] = field(default_factory=dict)
    drip_s: float = 0.0  # served: seconds between bytes (a stalled server)


# ---------------------------------------------------------------------------------------------
# Materials


@cache
def seed_texts() -> tuple[str, ...]:
    return tuple(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")))


@cache
def vocabulary() -> tuple[str, ...]:
    words = {w.strip(".,\"'()") for t in seed_texts() for w in t.split()}
    return tuple(sorted(w for w in words if w.isalpha()))


def words(rng: random.Random, n: int) -> str:
    vocab = vocabulary()
    return " ".join(rng.choice(vocab) for _ in range(n))


def article(rng: random.Random) -> str:
    return rng.choice(seed_texts())


BAD_DATES = [
    "", "0", "-1", "0000-00-00", "2023-02-30", "2023-13-45T25:61:61Z", "99999-01-01",
    "1e309", "NaN", "9" * 400, "Mon, 32 Foo 2023 99:99:99 +9999", "2023-01-01T00:00:00+99:00",
    "yesterday", "\x00\x01", "２０２３年１月１日", "31/12/1969", "D:99999999999999", "null",
    "<script>alert(1)</script>", "2023-01-01" * 1000, "1970-01-01T00:00:00Z", "-0001-01-01",
]  # fmt: skip
BAD_URLS = [
    "", "javascript:alert(1)", "file:///etc/passwd", "http://[::1", "http://", "//", "http:///x",
    "http://a" + "a" * 100_000 + ".com/", "http://exa mple.com/", "http://\x00.com/",
    "data:text/html;base64,PGgxPng8L2gxPg==", "ftp://example.com/a", "http://example.com:99999/",
    "http://%zz/", "https://xn--/", "mailto:a@b.c", "http://user:pass@127.0.0.1:1/", "\\\\share\\x",
    "../../../../etc/passwd", "http://example.com/" + "%" * 5000, "https://例え.テスト/記事",
]  # fmt: skip


def bomb(size: int, method: str = "gzip") -> bytes:
    """`size` zero bytes, compressed (about 1,000 to 1): a decompression bomb."""
    return _bomb(size, method)


@cache
def _bomb(size: int, method: str) -> bytes:
    block = bytes(MB)
    if method == "gzip":
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as f:
            for _ in range(size // MB):
                f.write(block)
        return buf.getvalue()
    comp = zlib.compressobj(9, zlib.DEFLATED, 15 if method == "zlib" else -15)
    out = [comp.compress(block) for _ in range(size // MB)]
    out.append(comp.flush())
    return b"".join(out)


# ---------------------------------------------------------------------------------------------
# Mutations of well-formed inputs


def mutate(rng: random.Random, data: bytes) -> bytes:
    """1 to 4 random edits: bytes flipped, a cut, a slice repeated or moved, junk inserted."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buf:
            buf += b"\x00"
        op = rng.randrange(7)
        at = rng.randrange(len(buf))
        if op == 0:
            for _ in range(rng.randint(1, 50)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif op == 1:
            del buf[at:]
        elif op == 2:
            end = min(len(buf), at + rng.randint(1, 2000))
            buf[at:at] = buf[at:end] * rng.randint(2, 200)
        elif op == 3:
            buf[at:at] = rng.randbytes(rng.randint(1, 500))
        elif op == 4:
            end = min(len(buf), at + rng.randint(1, 5000))
            del buf[at:end]
        elif op == 5:
            junk = rng.choice(
                [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\r", b"\x1b[2J",
                 b"<", b"&", b"]]>", b"\"", b"{", b"%%EOF", b"endstream", b"\x0b\x0c"]
            )  # fmt: skip
            buf[at:at] = junk * rng.randint(1, 20)
        else:
            end = min(len(buf), at + rng.randint(1, 2000))
            piece = bytes(buf[at:end])
            del buf[at:end]
            to = rng.randrange(len(buf) + 1)
            buf[to:to] = piece
    return bytes(buf[: 12 * MB])


# ---------------------------------------------------------------------------------------------
# Well-formed inputs of each kind


def html_page(rng: random.Random, text: str | None = None, *, date: str = "2023-10-07",
              url: str = "https://news.example.com/2023/10/07/story", author: str = "Jane Doe",
              extra_head: str = "", body_prefix: str = "", body_suffix: str = "") -> str:  # fmt: skip
    text = text if text is not None else article(rng)
    paras = "".join(f"<p>{_esc(p)}</p>\n" for p in text.split("\n") if p.strip())
    ld = json.dumps(
        {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "A headline",
         "datePublished": date, "author": {"@type": "Person", "name": author}}
    )  # fmt: skip
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>A headline</title>"
        f'<meta property="og:site_name" content="Example News">'
        f'<meta property="article:published_time" content="{_attr(date)}">'
        f'<link rel="canonical" href="{_attr(url)}">'
        f'<meta name="author" content="{_attr(author)}">'
        f'<script type="application/ld+json">{ld}</script>{extra_head}</head>'
        f"<body>{body_prefix}<article><h1>A headline</h1>{paras}</article>{body_suffix}"
        "</body></html>"
    )


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(s: str) -> str:
    return _esc(s).replace('"', "&quot;")


def pdf_doc(rng: random.Random, pages: int | None = None, **kw: Any) -> bytes:
    # The PDF's built-in font speaks latin-1: curly quotes become "?".
    text = article(rng).encode("latin-1", "replace").decode("latin-1")
    lines = [ln for ln in text.split("\n") if ln.strip()]
    n = pages or rng.randint(1, 3)
    per = max(1, len(lines) // n)
    chunks = ["\n".join(_wrap(" ".join(lines[i : i + per]))) for i in range(0, len(lines), per)]
    return make_pdf(chunks or [""], **kw)


def _wrap(s: str, width: int = 90) -> list[str]:
    out, line = [], ""
    for w in s.split():
        if len(line) + len(w) + 1 > width:
            out.append(line)
            line = ""
        line = f"{line} {w}".strip()
    return [*out, line]


def json_article(rng: random.Random, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "title": "A headline", "body": article(rng), "source": "Example News",
        "published_at": "2023-10-07", "author": "Jane Doe", "url": None,
    }  # fmt: skip
    item.update(over)
    return item


def rss(items: list[str], *, prolog: str = "", title: str = "Example feed") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def rss_item(link: str, title: str = "Entry", date: str = "Sat, 07 Oct 2023 14:00:00 GMT",
             guid: str | None = None, description: str = "Summary.") -> str:  # fmt: skip
    g = f"<guid>{_esc(guid)}</guid>" if guid is not None else ""
    return (
        f"<item><title>{_esc(title)}</title><link>{_esc(link)}</link>{g}"
        f"<pubDate>{_esc(date)}</pubDate><description>{_esc(description)}</description></item>"
    )


def atom(entries: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Example atom</title><id>urn:x</id><updated>2023-10-07T00:00:00Z</updated>"
        + "".join(entries)
        + "</feed>"
    )


def atom_entry(link: str, n: int, date: str = "2023-10-07T14:00:00Z") -> str:
    return (
        f'<entry><title>Entry {n}</title><id>urn:e:{n}</id><link href="{_attr(link)}"/>'
        f"<updated>{_esc(date)}</updated><summary>Summary {n}</summary></entry>"
    )


# ---------------------------------------------------------------------------------------------
# Families: each makes one case from a random generator. "{base}" in a served case's links is the
# server's address, filled in when it is served.

Family = Callable[[random.Random], Case]
FAMILIES: dict[str, tuple[float, Family]] = {}


def family(name: str, weight: float = 1.0) -> Callable[[Family], Family]:
    def register(fn: Family) -> Family:
        FAMILIES[name] = (weight, fn)
        return fn

    return register


def _case(family: str, suffix: str, body: bytes | str, **kw: Any) -> Case:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return Case("", family, suffix, data, **kw)


# Text and Markdown


@family("text-mutated", 4)
def _text_mutated(rng: random.Random) -> Case:
    suffix = rng.choice([".txt", ".md"])
    return _case("text-mutated", suffix, mutate(rng, article(rng).encode()))


@family("text-long-line", 0.15)
def _text_long_line(rng: random.Random) -> Case:
    # Made-up words, enough of them distinct that it is not refused as a generated file.
    vocab = [
        "".join(rng.choices("abcdefghijklmnoprstuvwy", k=rng.randint(2, 10))) for _ in range(50_000)
    ]
    line = " ".join(rng.choices(vocab, k=10 * MB // 6))
    return _case("text-long-line", ".txt", line[: 10 * MB])


@family("text-control-bytes")
def _text_control(rng: random.Random) -> Case:
    text = bytearray(article(rng).encode())
    for _ in range(rng.randint(1, 300)):
        text.insert(
            rng.randrange(len(text)), rng.choice([*range(0, 9), 11, 12, *range(14, 32), 127])
        )
    return _case("text-control-bytes", ".txt", bytes(text))


@family("text-bad-encoding", 2)
def _text_encoding(rng: random.Random) -> Case:
    text = article(rng)
    kind = rng.randrange(6)
    if kind == 0:  # invalid UTF-8 sequences sprinkled
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw)) : 0] = rng.choice(
                [b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xfe"]
            )
        data = bytes(raw)
    elif kind == 1:  # mixed: a latin-1 part and a UTF-8 part
        half = len(text) // 2
        data = (
            text[:half].encode("utf-8")
            + ("Café déjà vu. " * 20).encode("latin-1")
            + text[half:].encode()
        )
    elif kind == 2:
        data = text.encode(rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
    elif kind == 3:
        data = ("\ufeff" * rng.randint(1, 5) + text).encode()
    elif kind == 4:  # bidi overrides, zero-width and combining marks, line separators
        junk = [
            "\u202e",
            "\u200b",
            "\u2028",
            "\u2029",
            "\u0301" * 50,
            "\ufffd",
            "\U0001f600",
            "\u0000",
        ]
        data = "".join(c + (rng.choice(junk) if rng.random() < 0.05 else "") for c in text).encode()
    else:
        data = text.encode("cp1252", "replace") + b"\x93quoted\x94 \x85"
    return _case("text-bad-encoding", rng.choice([".txt", ".md"]), data)


@family("text-front-matter")
def _front_matter(rng: random.Random) -> Case:
    text = article(rng)
    kind = rng.randrange(4)
    if kind == 0:
        head = "---\ntitle: unclosed\ndate: " + rng.choice(BAD_DATES) + "\n"
    elif kind == 1:
        head = f"---\ntitle: {'T' * rng.choice([10, 100_000, 1_000_000])}\n---\n"
    elif kind == 2:
        head = (
            f"---\ndate: {rng.choice(BAD_DATES)}\nurl: {rng.choice(BAD_URLS)}\nsource: \x00\n---\n"
        )
    else:
        head = "---\n" + "key: value\n" * 100_000 + "---\n"
    return _case("text-front-matter", ".md", head + text)


@family("text-empty", 0.5)
def _text_empty(rng: random.Random) -> Case:
    return _case("text-empty", rng.choice([".txt", ".md"]),
                 rng.choice([b"", b" \n\t\r\n", b"\xef\xbb\xbf", b"---\n---\n", b"\n" * 100_000]))  # fmt: skip


# HTML


@family("html-mutated", 4)
def _html_mutated(rng: random.Random) -> Case:
    return _case("html-mutated", ".html", mutate(rng, html_page(rng).encode()))


@family("html-deep-nesting")
def _html_deep(rng: random.Random) -> Case:
    depth = rng.choice([1000, 10_000, 100_000])
    tag = rng.choice(["div", "span", "b", "table", "ul", "blockquote", "p"])
    inner = "<p>" + _esc(article(rng)) + "</p>"
    close = rng.random() < 0.5
    body = f"<{tag}>" * depth + inner + (f"</{tag}>" * depth if close else "")
    return _case("html-deep-nesting", ".html", html_page(rng, "", body_prefix=body))


@family("html-many-elements")
def _html_many(rng: random.Random) -> Case:
    n = rng.choice([100_000, 1_000_000])
    tag = rng.choice(["p", "i", "br", "a", "td"])
    filler = f"<{tag}>x</{tag}>" * n if tag != "br" else "<br>" * n
    return _case("html-many-elements", ".html", html_page(rng, body_suffix=filler))


@family("html-huge-attribute")
def _html_attr(rng: random.Random) -> Case:
    size = rng.choice([100_000, 1 * MB, 8 * MB])
    kind = rng.randrange(3)
    if kind == 0:
        extra = f'<div class="{"x" * size}">a</div>'
    elif kind == 1:
        extra = "<div " + " ".join(f"a{i}=b" for i in range(size // 10)) + ">a</div>"
    else:
        extra = f'<img src="data:image/png;base64,{"A" * size}">'
    return _case("html-huge-attribute", ".html", html_page(rng, body_prefix=extra))


@family("html-encoding", 2)
def _html_encoding(rng: random.Random) -> Case:
    page = html_page(rng)
    kind = rng.randrange(5)
    if kind == 0:
        page = page.replace(
            "charset=utf-8",
            f"charset={rng.choice(['x-bogus', 'utf-7', 'utf-32', '', 'unicode-1-1-utf-7', 'a' * 1000])}",
        )
        data = page.encode()
    elif kind == 1:
        data = page.encode("utf-16")
    elif kind == 2:
        data = page.replace("charset=utf-8", "charset=windows-1252").encode()
    elif kind == 3:
        data = page.encode()[:2000] + "Café déjà".encode("latin-1") + page.encode()[2000:]
    else:
        ents = rng.choice(
            [
                "&#0;",
                "&#x110000;",
                "&#xD800;",
                "&#99999999999;",
                "&bogus;",
                "&amp" * 1000,
                "&nbsp;" * 10000,
            ]
        )
        data = page.replace("<article>", "<article>" + ents).encode()
    return _case("html-encoding", rng.choice([".html", ".htm", ".xhtml"]), data)


@family("html-metadata", 3)
def _html_meta(rng: random.Random) -> Case:
    date = rng.choice(BAD_DATES)
    url = rng.choice(BAD_URLS)
    author = rng.choice(["", "\x00", "A" * 100_000, "<b>x</b>", "By", "{{author}}", "null", "Name"])
    kind = rng.randrange(4)
    extra = ""
    if kind == 1:  # JSON-LD that is broken, deep, huge or of the wrong types
        ld = rng.choice([
            "{", "[" * 100_000 + "]" * 100_000, '{"@type": "NewsArticle", "datePublished": [1, {"a": null}], "author": 5}',
            json.dumps({"@graph": [{"@type": "NewsArticle", "author": [{"name": ["x"]}] * 1000}]}),
            '{"@type": "NewsArticle", "headline": "' + "H" * 1_000_000 + '"}', "null", "1e999999",
            '{"datePublished": "' + "9" * 5000 + '"}',
        ])  # fmt: skip
        extra = f'<script type="application/ld+json">{ld}</script>'
    elif kind == 2:
        extra = "".join(f'<meta name="{n}" content="{_attr(rng.choice(BAD_DATES))}">'
                        for n in ["date", "pubdate", "dc.date", "article:published_time"])  # fmt: skip
    elif kind == 3:
        extra = f'<meta property="og:url" content="{_attr(rng.choice(BAD_URLS))}"><base href="{_attr(url)}">'
    return _case(
        "html-metadata",
        ".html",
        html_page(rng, date=date, url=url, author=author, extra_head=extra),
    )


@family("html-unclosed")
def _html_unclosed(rng: random.Random) -> Case:
    opener = rng.choice(
        [
            "<script>",
            "<style>",
            "<!--",
            "<title>",
            "<textarea>",
            "<![CDATA[",
            "<svg>",
            "<math>",
            "<template>",
        ]
    )
    return _case(
        "html-unclosed",
        ".html",
        html_page(rng, body_prefix=opener + "x" * rng.choice([10, 1_000_000])),
    )


@family("html-xml-entities")
def _html_entities(rng: random.Random) -> Case:
    decl = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9))
        + '<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    )
    page = html_page(rng).replace("<!doctype html>", decl).replace("<article>", "<article>&j;&x;")
    return _case("html-xml-entities", ".xhtml", page)


@family("html-not-html", 0.5)
def _html_not(rng: random.Random) -> Case:
    data = rng.choice(
        [rng.randbytes(5000), pdf_doc(rng), b"PK\x03\x04" + rng.randbytes(1000), bomb(4 * MB), b"<"]
    )
    return _case("html-not-html", ".html", data)


# PDF


@family("pdf-mutated", 4)
def _pdf_mutated(rng: random.Random) -> Case:
    return _case("pdf-mutated", ".pdf", mutate(rng, pdf_doc(rng)))


@family("pdf-truncated", 2)
def _pdf_truncated(rng: random.Random) -> Case:
    data = pdf_doc(rng)
    return _case("pdf-truncated", ".pdf", data[: rng.randrange(len(data))])


@family("pdf-structure", 3)
def _pdf_structure(rng: random.Random) -> Case:
    data = pdf_doc(rng)
    kind = rng.randrange(7)
    if kind == 0:  # xref entries pointing anywhere
        head, _, tail = data.partition(b"xref\n")
        lines = tail.split(b"\n")
        for i in range(2, min(len(lines), 12)):
            if lines[i].endswith(b" n "):
                lines[i] = f"{rng.randrange(10**10):010d} 00000 n ".encode()
        data = head + b"xref\n" + b"\n".join(lines)
    elif kind == 1:  # startxref wrong or missing
        at = data.rfind(b"startxref")
        data = data[:at] + rng.choice(
            [b"startxref\n999999999\n%%EOF", b"startxref\n-1\n%%EOF", b"%%EOF", b""]
        )
    elif kind == 2:  # stream lengths that lie
        data = data.replace(
            b"/Length ", b"/Length " + rng.choice([b"9999999999", b"-5", b"0", b"1 0 R "]), 1
        )
    elif kind == 3:  # a page tree that is its own child
        data = data.replace(b"/Kids [", b"/Kids [2 0 R ", 1)
    elif kind == 4:  # page count that lies
        data = data.replace(b"/Count ", b"/Count 999999999", 1)
    elif kind == 5:  # deep arrays in an object
        depth = rng.choice([1000, 100_000])
        data = data.replace(
            b"/MediaBox [", b"/X " + b"[" * depth + b"]" * depth + b" /MediaBox [", 1
        )
    else:  # a Root that is not a catalog
        data = data.replace(b"/Root 1 0 R", b"/Root 3 0 R", 1)
    return _case("pdf-structure", ".pdf", data)


@family("pdf-many-pages", 0.3)
def _pdf_many_pages(rng: random.Random) -> Case:
    n = rng.choice([10_000, 100_000])
    return _case("pdf-many-pages", ".pdf", shared_page_pdf(n))


@cache
def shared_page_pdf(n: int) -> bytes:
    """`n` pages that share one content stream: a few MB that claim n pages."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{5 + i} 0 R".encode() for i in range(n))
        + f"] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length 44 >>\nstream\nBT /F1 11 Tf 72 720 Td (Page text here.) Tj ET\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    objs.extend([page] * n)
    return assemble(objs)


@family("pdf-stream-bomb", 0.5)
def _pdf_bomb(rng: random.Random) -> Case:
    size = rng.choice([256 * MB, 1024 * MB])
    stream = bomb(size, "zlib")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length "
        + str(len(stream)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>",
    ]
    return _case("pdf-stream-bomb", ".pdf", assemble(objs))


@family("pdf-metadata")
def _pdf_meta(rng: random.Random) -> Case:
    title = rng.choice(["", "T" * 1_000_000, "\\376\\377\\000A", "(unbalanced", "\x00\x01", "Name"])
    return _case(
        "pdf-metadata",
        ".pdf",
        pdf_doc(rng, title=title or None, created=rng.choice(BAD_DATES)[:5000] or None),
    )


@family("pdf-not-pdf", 0.5)
def _pdf_not(rng: random.Random) -> Case:
    data = rng.choice(
        [
            b"%PDF-1.4\n",
            b"%PDF-",
            html_page(rng).encode(),
            rng.randbytes(3000),
            b"%PDF-1.7\n" + rng.randbytes(20000),
            b"",
        ]
    )
    return _case("pdf-not-pdf", ".pdf", data)


@family("pdf-encrypted", 0.3)
def _pdf_encrypted(rng: random.Random) -> Case:
    from .pdfs import encrypt

    return _case("pdf-encrypted", ".pdf", encrypt(pdf_doc(rng), "secret"))


# JSON and JSONL


@family("json-mutated", 3)
def _json_mutated(rng: random.Random) -> Case:
    if rng.random() < 0.5:
        return _case("json-mutated", ".json", mutate(rng, json.dumps(json_article(rng)).encode()))
    lines = "\n".join(
        json.dumps(json_article(rng, url=f"https://e.com/{rng.getrandbits(32)}/{i}"))
        for i in range(3)
    )
    return _case("json-mutated", ".jsonl", mutate(rng, lines.encode()))


@family("json-hostile", 3)
def _json_hostile(rng: random.Random) -> Case:
    depth = rng.choice([1000, 100_000])
    body = rng.choice([
        "[" * depth + "]" * depth,
        '{"body": ' + "[" * depth + "]" * depth + "}",
        '{"title": "t", "body": "text", "published_at": 1' + "0" * 5000 + "}",
        '{"title": "t", "body": "text", "published_at": 1e999999}',
        '{"title": NaN, "body": "Some text here.", "author": Infinity}',
        json.dumps(json_article(rng, title=["a", {"b": 1}], published_at={"x": 1}, url=5, source=[1], author=True)),
        json.dumps(json_article(rng, published_at=rng.choice(BAD_DATES), url=rng.choice(BAD_URLS))),
        json.dumps([json_article(rng, body="")] * 100_000 + [json_article(rng)]),
        json.dumps(json_article(rng, body="x" * 10 * MB)),
        json.dumps({"a": "\ud800", "body": "lone \ud800 surrogate", "title": "\udfff"}),
        "\ufeff" + json.dumps(json_article(rng)),
        '"just a string"', "null", "", "{" * depth,
    ])  # fmt: skip
    return _case("json-hostile", rng.choice([".json", ".jsonl"]), body)


# Served pages


@family("http-page-mutated", 2)
def _http_mutated(rng: random.Random) -> Case:
    return _case("http-page-mutated", ".html", mutate(rng, html_page(rng).encode()), http="page",
                 headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip


@family("http-bomb", 1.5)
def _http_bomb(rng: random.Random) -> Case:
    method = rng.choice(["gzip", "deflate", "zlib", "gzip, gzip"])
    size = rng.choice([256 * MB, 1024 * MB])
    data = gzip.compress(bomb(size, "gzip")) if method == "gzip, gzip" else bomb(size, method)
    header = "deflate" if method in ("deflate", "zlib") else method
    return _case("http-bomb", ".html", data, http="page",
                 headers={"Content-Type": rng.choice(["text/html", "application/pdf", "text/plain"]), "Content-Encoding": header})  # fmt: skip


@family("http-headers", 2)
def _http_headers(rng: random.Random) -> Case:
    page = html_page(rng).encode()
    kind = rng.randrange(8)
    headers: dict[str, str] = {"Content-Type": "text/html"}
    status = 200
    extra: dict[str, tuple[dict[str, str], bytes]] = {}
    if kind == 0:
        headers["Content-Type"] = rng.choice(
            [
                "text/html; charset=x-bogus",
                "text/html; charset=",
                "text/html; charset=utf-7",
                "application/pdf",
                "image/png",
                "",
                "text/plain; charset=utf-16",
            ]
        )
    elif kind == 1:
        headers["Content-Length"] = str(len(page) + rng.choice([1000, 10**12]))
    elif kind == 2:
        headers["Content-Encoding"] = rng.choice(
            ["gzip", "br", "x-bogus", "deflate"]
        )  # body not encoded
    elif kind == 3:
        status, headers = (
            302,
            {
                "Location": rng.choice(
                    ["file:///etc/passwd", "{base}/loop", "javascript:x", "//", "http://[::1"]
                )
            },
        )
        extra["/loop"] = ({"Location": "{base}/loop", "_status": "301"}, b"")
    elif kind == 4:
        headers["X-Big"] = "x" * rng.choice([10_000, 100_000])
    elif kind == 5:
        headers["Last-Modified"] = rng.choice(BAD_DATES)[:200]
        headers["ETag"] = "\x01" * 10
    elif kind == 6:
        status = rng.choice([204, 206, 299, 404, 500, 999])
    else:
        headers["Content-Type"] = "application/json"
        page = json.dumps(
            json_article(rng, published_at=rng.choice(BAD_DATES), url=rng.choice(BAD_URLS))
        ).encode()
    return _case(
        "http-headers", ".html", page, http="page", headers=headers, status=status, extra=extra
    )


@family("http-stalled", 0.3)
def _http_stalled(rng: random.Random) -> Case:
    return _case("http-stalled", ".html", html_page(rng).encode(), http="page",
                 headers={"Content-Type": "text/html"}, drip_s=0.5)  # fmt: skip


# Feeds (served; entries link to pages on the same server)


def _feed_case(rng: random.Random, fam: str, body: str | bytes, pages: int = 2) -> Case:
    extra = {
        f"/p{i}": ({"Content-Type": "text/html"}, html_page(rng).encode()) for i in range(pages)
    }
    return _case(
        fam, ".xml", body, http="feed", headers={"Content-Type": "application/rss+xml"}, extra=extra
    )


@family("feed-mutated", 3)
def _feed_mutated(rng: random.Random) -> Case:
    items = [rss_item(f"{{base}}/p{i}", f"Entry {i}", guid=f"g{i}") for i in range(2)]
    if rng.random() < 0.5:
        body = rss(items)
    else:
        body = atom([atom_entry(f"{{base}}/p{i}", i) for i in range(2)])
    return _feed_case(rng, "feed-mutated", mutate(rng, body.encode()))


@family("feed-entities", 1.5)
def _feed_entities(rng: random.Random) -> Case:
    kind = rng.randrange(3)
    if kind == 0:  # billion laughs
        ents = '<!ENTITY a "lol">' + "".join(
            f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(9)
        )
        prolog, title = f"<!DOCTYPE rss [{ents}]>", "&j;"
    elif kind == 1:  # external entities: a file and a URL on the same server
        prolog = ('<!DOCTYPE rss [<!ENTITY f SYSTEM "file:///etc/passwd">'
                  '<!ENTITY u SYSTEM "{base}/secret">]>')  # fmt: skip
        title = "&f;&u;"
    else:  # a parameter entity pulling in an external DTD
        prolog, title = '<!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/secret"> %p;]>', "t"
    items = [rss_item(f"{{base}}/p{i}", f"Entry {i} {title}", guid=f"g{i}") for i in range(2)]
    case = _feed_case(rng, "feed-entities", rss(items, prolog=prolog, title=title))
    case.extra["/secret"] = ({"Content-Type": "text/plain"}, SECRET.encode())
    return case


@family("feed-many-entries", 0.3)
def _feed_many(rng: random.Random) -> Case:
    n = rng.choice([10_000, 100_000])
    items = [rss_item(f"{{base}}/p{i % 2}?n={i}", f"Entry {i}", guid=f"g{i}") for i in range(n)]
    return _feed_case(rng, "feed-many-entries", rss(items))


@family("feed-fields", 2)
def _feed_fields(rng: random.Random) -> Case:
    items = []
    for i in range(rng.randint(1, 5)):
        link = rng.choice([*BAD_URLS, f"{{base}}/p{i % 2}", f"/p{i % 2}", "p0"])
        items.append(rss_item(link, rng.choice(["", "T" * 100_000, "<b>x</b>", "&lt;script&gt;"]),
                              date=rng.choice(BAD_DATES)[:5000], guid=rng.choice([None, "", "x" * 10_000, f"g{i}"])))  # fmt: skip
    return _feed_case(rng, "feed-fields", rss(items))


@family("feed-deep", 0.5)
def _feed_deep(rng: random.Random) -> Case:
    depth = rng.choice([1000, 100_000])
    item = rss_item("{base}/p0", "Deep", guid="g").replace(
        "<description>", "<description>" + "<x>" * depth + "</x>" * depth
    )
    return _feed_case(rng, "feed-deep", rss([item]))


@family("feed-not-a-feed", 0.5)
def _feed_not(rng: random.Random) -> Case:
    body = rng.choice(
        [html_page(rng).encode(), b"", b"<?xml version='1.0'?><rss>", rng.randbytes(2000), b"{}"]
    )
    return _feed_case(rng, "feed-not-a-feed", body)


def cases(n: int, seed: int) -> Iterator[Case]:
    """`n` cases from `seed`, the same ones on every run. Every family comes up in the first
    cases when `n` allows it (in a fixed order), then at random by weight."""
    rng = random.Random(seed)
    names = sorted(FAMILIES)
    weights = [FAMILIES[k][0] for k in names]
    for i in range(n):
        name = names[i] if i < len(names) else rng.choices(names, weights)[0]
        case = FAMILIES[name][1](random.Random(rng.getrandbits(64)))
        case.name = f"{i:04d}-{name}"
        yield case


# ---------------------------------------------------------------------------------------------
# Serving the HTTP cases


class CaseServer:
    """The served cases on 127.0.0.1, in a thread: `/c/<name>` and each case's extra paths."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                route = routes.get(self.path) or routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, headers, body, drip = route
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers and not drip:
                        self.send_header("Content-Length", str(len(body)))
                    if drip:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if drip:
                        for b in body:
                            self.wfile.write(bytes([b]))
                            self.wfile.flush()
                            time.sleep(drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if drip or "Content-Length" in headers:
                    self.close_connection = True

        class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (a refused bomb, a timeout) is the point

        self.httpd = Threaded(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, case: Case) -> str:
        """Serve `case`; its URL."""
        prefix = f"/c/{case.name}"
        base = f"{self.base}{prefix}"
        fill = {b"{base}": base.encode()}

        def filled(data: bytes) -> bytes:
            for k, v in fill.items():
                data = data.replace(k, v)
            return data

        def hdrs(h: dict[str, str]) -> dict[str, str]:
            return {k: v.replace("{base}", base) for k, v in h.items() if not k.startswith("_")}

        self.routes[prefix] = (case.status, hdrs(case.headers), filled(case.body), case.drip_s)
        for path, (headers, body) in case.extra.items():
            status = int(headers.get("_status", "200"))
            self.routes[prefix + path] = (status, hdrs(headers), filled(body), 0.0)
        return base

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------------
# Running a case the way ingest reads it, and the rule it must meet


@dataclass
class Outcome:
    case: Case
    label: str  # the file path or URL
    documents: int = 0
    chunks: int = 0
    problems: list[str] = field(default_factory=list)
    crash: str = ""  # an exception that escaped, with its last frames
    seconds: float = 0.0
    rss_mb: float = 0.0  # the process's resident memory after the case
    peak_mb: float = 0.0  # its peak so far (ru_maxrss)
    leaked: bool = False  # an external entity's contents reached a document


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    return _status_mb("VmRSS") or 0.0


def reset_peak() -> float:
    """Start measuring the peak from now (Linux: "5" to /proc/self/clear_refs resets VmHWM),
    so that what the process did before (a test session's models) does not count; the resident
    memory now."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return rss_mb()


def peak_mb() -> float:
    """The resident peak since `reset_peak` (VmHWM), else since the process started."""
    hwm = _status_mb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def place(case: Case, folder: Path, server: CaseServer) -> tuple[str, Any]:
    """Write or serve `case`; (its label as ingest reports it, its `Sources`)."""
    from rag.index.ingest import Sources

    if case.http == "page":
        url = server.add(case)
        return url, Sources(urls=[url])
    if case.http == "feed":
        url = server.add(case)
        return url, Sources(feeds=[url])
    path = folder / f"{case.name}{case.suffix}"
    path.write_bytes(case.body)
    return str(path), Sources(paths=[path])


def run_case(case: Case, folder: Path, server: CaseServer, settings: Any, embedder: Any) -> Outcome:
    """Read `case` as `rag ingest` does (load, extract, check, chunk), timing it."""
    from rag.errors import InputError
    from rag.index.ingest import preview, read_chunks
    from rag.sources.load import Problem

    label, sources = place(case, folder, server)
    out = Outcome(case, label)
    started = time.perf_counter()
    try:
        for item in preview(sources, settings):
            if isinstance(item, Problem):
                out.problems.append(item.message)
                continue
            out.leaked |= SECRET in item.text or SECRET in (item.title or "")
            try:
                out.chunks += len(read_chunks(item, label, settings, embedder)[1])
                out.documents += 1
            except InputError as e:
                out.problems.append(str(e))
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        frames = traceback.extract_tb(e.__traceback__)[-3:]
        where = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames)
        out.crash = f"{type(e).__name__}: {str(e)[:200]} ({where})"
    out.seconds = time.perf_counter() - started
    out.rss_mb, out.peak_mb = rss_mb(), peak_mb()
    return out


def verdict(o: Outcome, start_mb: float) -> str:
    """Why `o` breaks the rule, or "" when it meets it."""
    if o.crash:
        return f"crashed: {o.crash}"
    if o.leaked:
        return "an external entity's contents reached a document"
    if o.seconds > MAX_CASE_S:
        return f"took {o.seconds:.1f} s (over {MAX_CASE_S:g} s)"
    if o.peak_mb - start_mb > MAX_GROWTH_MB:
        return f"memory peaked {o.peak_mb - start_mb:.0f} MB above the start"
    if not o.documents and not o.problems:
        return "neither a document nor a reason"
    for p in o.problems:
        if "\n" in p or "Traceback" in p:
            return f"a problem message over several lines: {p[:200]!r}"
        if not _names(p, o):
            return f"a problem message that names neither the file nor the URL: {p[:200]!r}"
    return ""


def _names(message: str, o: Outcome) -> bool:
    # A feed's entry pages are named by their own URL, which is under the case's URL.
    return o.label in message or (o.case.http != "" and f"/c/{o.case.name}" in message)
