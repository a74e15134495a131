"""Real-world ingest end to end: saved pages, PDFs, URLs and feeds served from 127.0.0.1, near-
duplicate stories, the dry run, and the bad inputs of each kind. Real Chroma, tantivy and embedder;
nothing here reaches the internet."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.index.docstore import DocStore
from rag.index.ingest import Sources, ingest
from rag.index.manifest import IndexPaths, read_manifest
from rag.index.store import ChromaStore
from rag.settings import Settings
from rag.sources.load import SourceFile, load_file

from .pdfs import encrypt, make_pdf

WIRE = (
    "GENEVA (AP) - Negotiators from twelve countries agreed early on Friday on a draft treaty "
    "to limit plastic waste in the oceans, after talks that ran through the night and nearly "
    "collapsed twice over how to pay for recycling plants in poorer nations. The draft sets a "
    "cap on new plastic production from 2030 and asks each country to publish yearly figures on "
    "what it collects, burns and buries. Environmental groups called the cap too weak, while "
    "industry groups warned that it would raise prices for packaging across Europe and Asia. "
    "The text now goes to a full conference in Nairobi in March, where all member states must "
    "approve it before it can be signed."
)

PAGE = """<!doctype html><html lang="en"><head>
<meta charset="utf-8"><title>Plastic treaty agreed | Daily Planet</title>
<meta property="og:site_name" content="Daily Planet">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Plastic treaty agreed", "datePublished": "2023-10-06T08:00:00Z",
 "author": {{"@type": "Person", "name": "Jane Doe"}}}}</script>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Plastic treaty agreed</h1>
<p>{body}</p>
<p>Officials said the next round of talks would start in January.</p></article>
<footer>Cookie settings. Subscribe to our newsletter.</footer></body></html>"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(env={}, index_dir=tmp_path / "index")


def run(sources: Sources | list[Path], settings: Settings, embedder):  # type: ignore[no-untyped-def]
    return ingest(sources, settings, lambda: embedder)


# --- a local web server ------------------------------------------------------------------------


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.hits: dict[str, int] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        status, ctype, body = self.server.routes.get(self.path, (404, "text/plain", b"no"))
        etag = f'"{hash(body) & 0xFFFFFF:x}"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def rss(site: Site, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{site.url(path)}</link><guid>{guid}</guid>"
        "<pubDate>Fri, 06 Oct 2023 08:00:00 GMT</pubDate></item>"
        for guid, title, path in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>{site.url('/')}</link>{entries}</channel></rss>"
    ).encode()


# --- files ---------------------------------------------------------------------------------------


def test_saved_page_keeps_article_text_and_metadata_with_provenance(tmp_path: Path) -> None:
    path = tmp_path / "treaty.html"
    path.write_text(PAGE.format(body=WIRE))
    (doc,) = load_file(SourceFile(path, path.name))
    assert "GENEVA (AP)" in doc.text and "Cookie settings" not in doc.text
    assert "Home" not in doc.text and "\n\n" in doc.text, "paragraphs kept, menu dropped"
    assert (doc.title, doc.source) == ("Plastic treaty agreed", "Daily Planet")
    assert doc.author == "Jane Doe"
    assert doc.published_at and doc.published_at.startswith("2023-10-06")
    assert doc.provenance["published_at"] == "json-ld" and doc.language == "en"
    assert doc.kind == "html"


def test_non_utf8_page_with_a_meta_charset_loads(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"><title>Caf\xe9 culture</title></head><body>'
        "<article><p>"
        + "The caf\xe9 on the corner reopened this week after a long renovation. " * 5
        + "</p></article></body></html>"
    )
    path = tmp_path / "cafe.html"
    path.write_bytes(page.encode("cp1252"))
    (doc,) = load_file(SourceFile(path, path.name))
    assert "café" in doc.text


def test_pdf_pages_are_kept_and_cited(tmp_path: Path, settings: Settings, embedder) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    pages = [
        "Ministers met in Oslo on Monday to discuss fishing quotas.\nThe talks were tense.",
        "",  # a blank page between
        "On the third page, the ministers agreed to cut cod quotas by a tenth.",
    ]
    (folder / "report.pdf").write_bytes(make_pdf(pages, title="Quota talks", created="D:20240102"))
    report = run([folder], settings, embedder)
    assert report.kinds == {"pdf": 1} and not report.problems
    doc = DocStore(IndexPaths(settings.index_dir).documents).get("report.pdf")
    assert doc is not None and doc.title == "Quota talks" and doc.published_at == "2024-01-02"
    at = doc.text.index("cut cod quotas")
    assert doc.page_at(at) == 3 and doc.page_at(0) == 1
    from rag.pipeline import Pipeline

    passage = Pipeline.open(settings, embedder=embedder).retrieve("cod quotas cut").passages[0]
    assert passage.chunk.doc_id == "report.pdf"
    assert passage.pages(at, at + 10) == "p. 3" and passage.pages(0, at + 10) == "pp. 1-3"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", make_pdf(["", ""]), "no text layer (a scanned PDF?); OCR is not supported"),
        ("locked.pdf", encrypt(make_pdf(["Secret text here."]), "pw"), "password-protected"),
        ("cut.pdf", make_pdf(["Some text on a page."])[:200], "not a readable PDF"),
        (
            "empty.html",
            b"<html><head><title>Video</title></head><body><script>play()</script></body></html>",
            "no article text found",
        ),
        ("binary.html", bytes(range(256)) * 4, "binary"),
    ],
)
def test_bad_files_get_one_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=re.escape(message)) as e:
        load_file(SourceFile(path, name))
    assert "\n" not in str(e.value) and name in str(e.value)


def test_size_cap_skips_the_file_and_ingests_the_rest(
    seeds_copy: Path, settings: Settings, embedder
) -> None:
    (seeds_copy / "huge.txt").write_text("word " * 300_000)  # 1.5 MB
    report = run([seeds_copy], settings.with_(max_file_mb=1.0), embedder)
    assert report.total_documents == 5
    (problem,) = report.problems
    assert "over the 1 MB cap (RAG_MAX_FILE_MB)" in problem.message


# --- near-duplicate stories ----------------------------------------------------------------------


def test_wire_copies_are_linked_as_one_story(tmp_path: Path, settings: Settings, embedder) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    copies = {
        "ap.json": ("AP News", WIRE),
        "times.json": ("The Times", WIRE.replace("GENEVA (AP) - ", "GENEVA - ") + " Read more."),
        "other.json": ("Other", "A different report. " + " ".join(reversed(WIRE.split()))),
    }
    for name, (outlet, body) in copies.items():
        (folder / name).write_text(json.dumps({"title": name, "source": outlet, "body": body}))
    report = run([folder], settings, embedder)
    assert report.linked == 1 and report.total_documents == 3, "linked, still stored and citable"
    docs = DocStore(IndexPaths(settings.index_dir).documents)
    assert docs.also_in("ap.json") == ["The Times"]
    assert docs.also_in("times.json") == ["AP News"]
    assert docs.also_in("other.json") == []
    # A third copy in a later run still finds its story.
    (folder / "late.json").write_text(
        json.dumps({"title": "late", "source": "Late Post", "body": WIRE + " Updated."})
    )
    assert run([folder], settings, embedder).linked == 1
    assert sorted(docs.also_in("ap.json")) == ["Late Post", "The Times"]


# --- URLs and feeds ------------------------------------------------------------------------------


def test_urls_and_feeds_are_fetched_once(site: Site, settings: Settings, embedder) -> None:
    site.routes["/a.html"] = (200, "text/html; charset=utf-8", PAGE.format(body=WIRE).encode())
    other = "Rescue teams reached the village after a landslide blocked the only road. " * 8
    site.routes["/b.html"] = (200, "text/html", PAGE.format(body=other).encode())
    site.routes["/c.pdf"] = (200, "application/pdf", make_pdf(["A report on river levels."]))
    site.routes["/feed.xml"] = (
        200,
        "application/rss+xml",
        rss(site, [("g1", "Landslide", "/b.html"), ("g2", "Levels", "/c.pdf")]),
    )
    sources = Sources(urls=[site.url("/a.html")], feeds=[site.url("/feed.xml")])
    report = run(sources, settings, embedder)
    assert not report.problems, report.problems
    assert report.total_documents == 3 and report.kinds == {"html": 2, "pdf": 1}
    docs = DocStore(IndexPaths(settings.index_dir).documents)
    page = docs.get(site.url("/a.html"))
    assert page is not None and page.source == "Daily Planet" and page.path is None
    pdf = docs.get(site.url("/c.pdf"))
    assert pdf is not None and pdf.source == "127.0.0.1" and pdf.provenance["source"] == "domain"
    assert pdf.title == "Levels" and pdf.provenance["title"] == "feed", "the feed fills gaps"
    # A rerun asks conditionally and reads nothing new.
    before = dict(site.hits)
    again = run(sources, settings, embedder)
    assert again.embedded_documents == 0 and again.not_modified == 2
    assert site.hits["/b.html"] == before["/b.html"], "seen feed entries are not fetched again"


def test_fetch_failures_leave_the_index_untouched(
    site: Site, seeds_copy: Path, settings: Settings, embedder
) -> None:
    run([seeds_copy], settings, embedder)
    manifest = read_manifest(IndexPaths(settings.index_dir))
    site.routes["/bad-feed"] = (200, "application/rss+xml", b"<html>not a feed</html>")
    sources = Sources(
        urls=[site.url("/missing"), "file:///etc/passwd", "http://127.0.0.1:9/closed"],
        feeds=[site.url("/bad-feed")],
    )
    report = run(sources, settings, embedder)
    messages = [p.message for p in report.problems]
    assert len(messages) == 4 and all("\n" not in m for m in messages)
    assert "HTTP 404" in messages[0]
    assert "only http and https" in messages[1]
    assert "cannot connect" in messages[2]
    assert "not an RSS or Atom feed" in messages[3]
    after = read_manifest(IndexPaths(settings.index_dir))
    assert after is not None and manifest is not None
    assert (after["documents"], after["chunks"]) == (manifest["documents"], manifest["chunks"])
    assert len(ChromaStore(IndexPaths(settings.index_dir).chroma).all_metadata()[0]) == (
        manifest["chunks"]
    )
