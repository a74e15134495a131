"""rag.sources.fetch against a real HTTP server on 127.0.0.1 (a background thread): no internet, no
mocks of httpx, so redirects, streaming, timeouts and retries are the real ones. Timeouts and
backoffs are tiny so the whole file runs in a few seconds."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rag.errors import InputError
from rag.sources.fetch import (
    USER_AGENT,
    Feed,
    Fetcher,
    FetchError,
    FetchState,
    is_url,
    read_feed,
)

ETAG = '"v1"'
LAST_MODIFIED = "Wed, 01 May 2024 08:00:00 GMT"
HTML = b"<html><head><title>Hello</title></head><body><p>News.</p></body></html>"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Example News</title><link>http://example.invalid/</link><description>d</description>
<item><guid>rss-1</guid><link>http://example.invalid/a1</link><title>First &amp; foremost</title>
 <pubDate>Wed, 01 May 2024 08:30:00 GMT</pubDate><author>ann@example.invalid (Ann)</author>
 <description>&lt;p&gt;Summary &lt;b&gt;one&lt;/b&gt;.&lt;/p&gt;</description></item>
<item><guid>rss-2</guid><link>http://example.invalid/a2</link><title>Second</title>
 <pubDate>Thu, 02 May 2024 09:00:00 +0200</pubDate><description>Two.</description></item>
<item><link>http://example.invalid/a3</link><title>No guid</title></item>
<item><guid>rss-1</guid><link>http://example.invalid/a1</link><title>Duplicate</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom News</title><id>urn:feed</id><updated>2024-05-03T10:00:00Z</updated>
<entry><id>urn:entry:1</id><title>Atom one</title><link href="/articles/1"/>
 <updated>2024-05-03T10:00:00Z</updated><published>2024-05-03T09:00:00+01:00</published>
 <author><name>Bo</name></author><summary>Atom summary.</summary></entry>
<entry><id>urn:entry:2</id><title>Atom two</title><link href="http://example.invalid/2"/>
 <updated>2024-05-04T10:00:00Z</updated></entry>
</feed>"""


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def send(self, status: int, body: bytes = b"", ctype: str = "text/html", **headers: str):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        self.server.hits[self.path] += 1
        self.server.requests.append((self.path, dict(self.headers.items())))
        hits = self.server.hits[self.path]
        if path == "/page":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            self.send(
                200, HTML, "text/html; charset=ISO-8859-1", ETag=ETAG, Last_Modified=LAST_MODIFIED
            )
        elif path == "/pdf":
            self.send(200, b"%PDF-1.4 tiny", "application/pdf")
        elif path == "/image":
            self.send(200, b"\x89PNG", "image/png")
        elif path == "/missing":
            self.send(404, b"gone")
        elif path == "/flaky":  # fails once with the status in the query, then works
            code = int(parts.query.split("=")[1])
            self.send(code if hits == 1 else 200, HTML)
        elif path == "/broken":
            self.send(500, b"oops")
        elif path == "/loop":
            self.send(302, ctype="", Location="/loop")
        elif path == "/hop":
            self.send(301, ctype="", Location="/page")
        elif path == "/to-file":
            self.send(302, ctype="", Location="file:///etc/passwd")
        elif path == "/slow":
            time.sleep(1.0)
            self.send(200, HTML)
        elif path == "/big":
            self.send(200, b"x" * 5000, "text/plain")
        elif path == "/endless":  # no Content-Length: the body ends when the connection does
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                for _ in range(10_000):  # 100 MB if nobody stops it
                    self.wfile.write(b"y" * 10_000)
            except OSError:
                pass
        elif path == "/rss":
            self.send(200, RSS, "application/rss+xml")
        elif path == "/atom":
            self.send(200, ATOM, "application/atom+xml; charset=utf-8")
        elif path == "/not-a-feed":
            self.send(200, b"this is { not XML", "application/xml")
        elif path == "/html-feed":
            self.send(200, HTML, "text/html")
        elif path == "/path-feed":  # a body that is also a file name: must not be opened
            self.send(200, self.server.path_body, "text/plain")
        else:
            self.send(404)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.path_body = b""

    def handle_error(self, request, client_address) -> None:
        pass  # clients that hang up on purpose (timeouts, size cap) are not errors here

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send 127.0.0.1 requests elsewhere.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(timeout_s=0.3, retries=2, backoff_s=0.01, max_bytes=1000) as f:
        yield f


def one_line(e: pytest.ExceptionInfo[FetchError], url: str) -> str:
    message = str(e.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(url), message
    assert isinstance(e.value, InputError)
    return message


def test_html_page_with_validators_then_not_modified(server: Server, tmp_path: Path) -> None:
    url = server.url("/page")
    path = tmp_path / "index" / "fetch.json"
    with Fetcher(retries=0) as f:
        got = f.fetch(url, FetchState(path))
        assert (got.status, got.content_type, got.charset) == (200, "text/html", "iso-8859-1")
        assert got.body == HTML and not got.not_modified
        assert (got.etag, got.last_modified) == (ETAG, LAST_MODIFIED)
        _, headers = server.requests[-1]
        assert headers["User-Agent"] == USER_AGENT
        assert "If-None-Match" not in headers

        state = FetchState(path)
        state.remember(got)
        state.save()
        assert path.exists() and not list(path.parent.glob("*.tmp"))

        again = f.fetch(url, FetchState(path))  # a fresh load of the saved file
        assert again.not_modified and again.status == 304 and again.body == b""
        _, headers = server.requests[-1]
        assert headers["If-None-Match"] == ETAG
        assert headers["If-Modified-Since"] == LAST_MODIFIED


def test_redirect_is_followed_and_remembered_under_both_urls(server: Server) -> None:
    state = FetchState(None)
    with Fetcher(retries=0) as f:
        got = f.fetch(server.url("/hop"), state)
        assert got.url == server.url("/page") and got.requested_url == server.url("/hop")
        state.remember(got)
        assert state.validators(server.url("/hop")) == (ETAG, LAST_MODIFIED)
        assert f.fetch(server.url("/hop"), state).not_modified


def test_pdf_is_reported_for_the_caller(fetcher: Fetcher, server: Server) -> None:
    got = fetcher.fetch(server.url("/pdf"))
    assert (got.content_type, got.charset, got.body) == ("application/pdf", None, b"%PDF-1.4 tiny")


def test_image_is_refused_naming_the_type(fetcher: Fetcher, server: Server) -> None:
    url = server.url("/image")
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    assert "content type image/png cannot be ingested" in one_line(e, url)


def test_404_is_not_retried(fetcher: Fetcher, server: Server) -> None:
    url = server.url("/missing")
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    assert one_line(e, url) == f"{url}: HTTP 404 Not Found, skipped."
    assert server.hits["/missing"] == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_error_is_retried(fetcher: Fetcher, server: Server, status: int) -> None:
    path = f"/flaky?status={status}"
    got = fetcher.fetch(server.url(path))
    assert got.status == 200 and got.body == HTML
    assert server.hits[path] == 2


def test_persistent_500_fails_after_the_retries(fetcher: Fetcher, server: Server) -> None:
    url = server.url("/broken")
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    assert "HTTP 500 Internal Server Error after 3 tries" in one_line(e, url)
    assert server.hits["/broken"] == 3


def test_redirect_loop(fetcher: Fetcher, server: Server) -> None:
    url = server.url("/loop")
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    assert "too many redirects (redirect loop?)" in one_line(e, url)


def test_redirect_to_file_is_refused(fetcher: Fetcher, server: Server) -> None:
    url = server.url("/to-file")
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    message = one_line(e, url)
    assert "redirected to file:///etc/passwd" in message
    assert "only http and https URLs can be fetched" in message


def test_slow_server_times_out(server: Server) -> None:
    url = server.url("/slow")
    with Fetcher(timeout_s=0.3, retries=0) as f, pytest.raises(FetchError) as e:
        f.fetch(url)
    assert "timed out after 0.3 s" in one_line(e, url)


def test_body_over_the_cap_by_content_length(fetcher: Fetcher, server: Server) -> None:
    url = server.url("/big")
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    assert "larger than the 1000 bytes cap (RAG_MAX_FILE_MB), skipped." in one_line(e, url)


def test_endless_body_is_cut_off_while_streaming(server: Server) -> None:
    url = server.url("/endless")
    start = time.monotonic()
    with Fetcher(max_bytes=2**20, retries=0) as f, pytest.raises(FetchError) as e:
        f.fetch(url)
    assert "larger than the 1 MB cap" in one_line(e, url)
    assert time.monotonic() - start < 5  # stopped at the cap, not after 100 MB


def test_closed_port_cannot_connect() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    url = f"http://127.0.0.1:{port}/x"
    with Fetcher(retries=1, backoff_s=0.01) as f, pytest.raises(FetchError) as e:
        f.fetch(url)
    assert one_line(e, url) == (
        f"{url}: cannot connect (connection refused). Check the address or your connection."
    )


@pytest.mark.parametrize(
    "url", ["ftp://example.invalid/x", "file:///etc/passwd", "data:text/html,hi", "javascript:x"]
)
def test_other_schemes_are_refused_without_a_request(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    assert one_line(e, url) == f"{url}: only http and https URLs can be fetched."


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://", "no host"),
        ("http://a..b/", "idna"),
        ("http://127.0.0.1:99999/", "Port out of range"),
        ("http://ex\x00ample/", "non-printable"),
    ],
)
def test_invalid_url_is_one_line(fetcher: Fetcher, url: str, why: str) -> None:
    with pytest.raises(FetchError) as e:
        fetcher.fetch(url)
    message = str(e.value)
    assert "not a valid URL (" in message and why in message and message.isprintable()


def test_address_without_scheme_gets_a_hint(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as e:
        fetcher.fetch("example.org/news")
    assert str(e.value) == "example.org/news: not a URL; write it as https://example.org/news."


def test_password_in_url_is_not_repeated() -> None:
    with Fetcher(retries=0) as f, pytest.raises(FetchError) as e:
        f.fetch("ftp://ann:secret@example.invalid/x")
    assert "secret" not in str(e.value) and str(e.value).startswith("ftp://***@example.invalid/x")


def test_is_url() -> None:
    assert is_url("https://x.org/a") and is_url("http://x") and is_url("file:///etc/passwd")
    assert is_url("ftp://x") and is_url(" HTTPS://x ")
    assert not is_url("articles/") and not is_url("C://x") and not is_url("notes.txt")


def test_rss_feed_entries_then_nothing_new_after_mark_seen(server: Server, tmp_path: Path) -> None:
    url = server.url("/rss")
    path = tmp_path / "fetch.json"
    with Fetcher(retries=0) as f:
        feed = read_feed(f, url, FetchState(path))
        assert isinstance(feed, Feed) and feed.title == "Example News" and not feed.not_modified
        assert [e.id for e in feed.entries] == ["rss-1", "rss-2", "http://example.invalid/a3"]
        assert feed.new == feed.entries
        first, second, third = feed.entries
        assert first.title == "First & foremost" and first.link == "http://example.invalid/a1"
        assert first.published_at == "2024-05-01T08:30:00+00:00"
        assert first.summary == "Summary one ." and first.author is not None
        assert "Ann" in first.author
        assert second.published_at == "2024-05-02T07:00:00+00:00"  # +0200 to UTC
        assert third.published_at is None and third.summary is None

        state = FetchState(path)
        state.mark_seen(url, [e.id for e in feed.new[:2]])
        state.save()
        feed = read_feed(f, url, FetchState(path))
        assert [e.id for e in feed.new] == ["http://example.invalid/a3"]

        state = FetchState(path)
        state.mark_seen(url, [e.id for e in feed.new])
        state.save()
        feed = read_feed(f, url, FetchState(path))
        assert len(feed.entries) == 3 and feed.new == []


def test_atom_feed(server: Server) -> None:
    with Fetcher(retries=0) as f:
        feed = read_feed(f, server.url("/atom"))
    assert feed.title == "Atom News"
    one, two = feed.entries
    assert one.id == "urn:entry:1" and one.link == server.url("/articles/1")  # made absolute
    assert one.published_at == "2024-05-03T08:00:00+00:00" and one.author == "Bo"
    assert one.summary == "Atom summary."
    assert two.published_at == "2024-05-04T10:00:00+00:00"  # falls back to <updated>


def test_feed_not_modified_gives_no_entries(server: Server) -> None:
    state = FetchState(None)
    with Fetcher(retries=0) as f:
        state.remember(f.fetch(server.url("/page")))
        feed = read_feed(f, server.url("/page"), state)
    assert feed.not_modified and feed.entries == [] and feed.new == []


@pytest.mark.parametrize("path", ["/not-a-feed", "/html-feed", "/path-feed"])
def test_invalid_feed(server: Server, path: str, tmp_path: Path) -> None:
    # /path-feed's body names a local file holding a valid feed: feedparser, handed the bytes
    # rather than a stream, would open that file and succeed.
    local = tmp_path / "local.xml"
    local.write_bytes(RSS)
    server.path_body = str(local).encode()
    url = server.url(path)
    with Fetcher(retries=0) as f, pytest.raises(FetchError) as e:
        read_feed(f, url)
    assert "not an RSS or Atom feed (" in one_line(e, url)


def test_corrupt_state_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "fetch.json"
    path.write_text("{not json")
    with pytest.raises(FetchError, match=r"fetch.json: not a readable fetch state .*Delete it"):
        FetchState(path)


def test_seen_ids_survive_a_reload_and_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "fetch.json"
    state = FetchState(path)
    state.mark_seen("http://f", [str(i) for i in range(10_005)])
    state.save()
    seen = FetchState(path).seen("http://f")
    assert len(seen) == 10_000 and "0" not in seen and "10004" in seen


def test_import_stays_light() -> None:
    code = "import sys, rag.sources.fetch; assert not {'httpx', 'feedparser'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
