"""Fetch web pages and RSS/Atom feeds for `rag ingest https://…` and `rag ingest --feed URL`.

Why one module: every request the assistant makes to the outside world goes through one HTTP
client, so the rules that keep it safe and polite live in one place. It is the only module that
imports httpx and feedparser, and it imports them lazily so `rag --help` stays fast.

The rules:
- only http and https, checked before the first request and again after every redirect (a page
  must not be able to send us to `file:///etc/passwd`);
- a timeout, a size cap enforced while streaming (a huge or endless body is cut off, never read
  into memory first), a fixed user agent, and a capped number of redirects (followed by hand, so
  every hop is checked);
- retry with backoff on what is likely to pass on a second try (connect errors, timeouts,
  HTTP 429/500/502/503/504), never on what will not (404, a refused content type);
- only content we can ingest (HTML, PDF, XML, JSON, plain text); the type is reported and the
  caller picks the parser;
- conditional requests (ETag / Last-Modified) and per-feed seen entry ids, kept in a small JSON
  file, so a rerun fetches only what is new.

Every failure is a `FetchError` (an `InputError`) with one line that names the URL and says what
to do; no httpx exception or traceback leaks out.

API:
    is_url(arg) -> bool
    Fetcher(*, timeout_s=10.0, max_bytes=50 MiB, retries=2, backoff_s=0.5, max_redirects=10,
            user_agent=USER_AGENT)              # a context manager; close() when done
    Fetcher.fetch(url, state=None) -> Fetched
    read_feed(fetcher, url, state=None) -> Feed  # Feed.entries, Feed.new, Feed.fetched
    FetchState(path | None): validators(url), remember(fetched), seen(feed_url),
            mark_seen(feed_url, ids), save()

`fetch` and `read_feed` only read the state. The caller records what it ingested
(`remember`, `mark_seen`, `save`) after the ingest succeeded, so an interrupted run fetches the
same things again rather than losing them. Remember a feed's own validators only when all its
new entries were ingested: after that the feed answers 304 and nothing in it is looked at.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

from rag.errors import InputError

USER_AGENT = "rag-news/0.1 (+local news assistant)"
SCHEMES = frozenset({"http", "https"})
# Worth a second try: the server or the network may be fine a moment later. 500 is included
# because busy news sites return it transiently; 501 and 505 will not change, so they are not.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# What ingest can turn into text. Anything else (images, video, archives) is refused before its
# body is downloaded.
ACCEPTED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "application/pdf",
        "text/plain",
        "text/markdown",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/json",
    }
)
ACCEPT_HEADER = (
    "text/html,application/xhtml+xml,application/pdf,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/plain;q=0.8,application/json;q=0.8,*/*;q=0.1"
)
# A news feed lists tens to a few hundred entries. One that lists more than this is not a feed to
# follow (an archive dump, or a crafted file that keeps the parser busy for minutes): refused
# before it is parsed.
MAX_FEED_ENTRIES = 5_000
# A body still arriving after the timeout slower than this is a stalled (or malicious) server:
# httpx's timeout is per read, so a server that sends a byte a second would never time out.
MIN_BYTES_PER_S = 16 * 1024
# A feed keeps a few hundred entries at most; this bounds the state file for feeds followed for
# years, while staying far above anything a feed still lists.
SEEN_CAP = 10_000
STATE_VERSION = 1
_CHUNK = 64 * 1024
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")


class FetchError(InputError):
    """A URL or feed that could not be fetched or used; the message is one line naming it."""


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL, after redirects
    status: int
    content_type: str  # lower case, without parameters, e.g. "text/html"; "" when not_modified
    charset: str | None
    body: bytes  # b"" when not_modified
    etag: str | None
    last_modified: str | None
    not_modified: bool
    requested_url: str = ""  # the URL asked for (the state remembers validators under both)


@dataclass(frozen=True)
class FeedEntry:
    id: str  # the entry's id, else its link, else a hash of its title and summary
    link: str | None
    title: str | None
    published_at: str | None  # ISO 8601 in UTC, e.g. "2024-05-01T08:30:00+00:00"
    author: str | None
    summary: str | None  # plain text, tags stripped


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    entries: list[FeedEntry]  # in feed order, duplicate ids dropped
    new: list[FeedEntry]  # the entries whose id is not yet in the state
    fetched: Fetched  # for `state.remember` once the new entries are ingested

    @property
    def not_modified(self) -> bool:
        return self.fetched.not_modified


def is_url(arg: str) -> bool:
    """True for anything of the form `scheme://…` (http, https, but also file://, ftp://), so the
    CLI sends it to `fetch`, which refuses the other schemes with a clear line, instead of taking
    it for a path. A one-letter scheme is a Windows drive (`C://x`), not a URL."""
    return bool(_SCHEME.match(arg.strip()))


_USERINFO = re.compile(r"(?<=://)[^/@?#]*@")


def _short(url: str, limit: int = 200) -> str:
    # A data: URL or a crafted redirect can be megabytes long; keep the error on one screen line.
    # A password in the URL does not belong in an error line (or a log that keeps it).
    url = _USERINFO.sub("***@", " ".join(url.split()))
    url = "".join(c if c.isprintable() else "?" for c in url)
    return url if len(url) <= limit else url[: limit - 1] + "…"


short_url = _short  # for the callers that name a URL in their own messages


def _check_scheme(url: str, shown: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise FetchError(f"{_short(shown)}: not a valid URL ({e}). Check the address.") from None
    if not parts.scheme and url == shown and "." in url.split("/", 1)[0]:
        raise FetchError(f"{_short(url)}: not a URL; write it as https://{_short(url)}.")
    if parts.scheme.lower() not in SCHEMES:
        if url == shown:
            raise FetchError(f"{_short(url)}: only http and https URLs can be fetched.")
        raise FetchError(
            f"{_short(shown)}: redirected to {_short(url, 80)}; only http and https URLs can be "
            "fetched, skipped."
        )
    if not parts.hostname:
        raise FetchError(f"{_short(shown)}: not a valid URL (no host). Check the address.")
    try:
        parts.port  # noqa: B018  (parsed lazily: raises on a port out of range)
    except ValueError as e:
        raise FetchError(f"{_short(shown)}: not a valid URL ({e}). Check the address.") from None


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n} bytes"


def _seconds(s: float) -> str:
    return f"{s:g} s"


class FetchState:
    """What earlier runs fetched: per URL its ETag and Last-Modified, per feed the entry ids
    already ingested. A JSON file (e.g. `index/fetch.json`), or memory only when `path` is None.

    It is a cache: deleting the file only means everything is fetched again."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._urls: dict[str, dict[str, str]] = {}
        self._feeds: dict[str, list[str]] = {}
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text("utf-8"))
            urls, feeds = data["urls"], data["feeds"]
            if not isinstance(urls, dict) or not isinstance(feeds, dict):
                raise ValueError("urls and feeds must be objects")
            self._urls = {
                str(u): {k: str(v) for k, v in d.items() if k in ("etag", "last_modified")}
                for u, d in urls.items()
                if isinstance(d, dict)
            }
            self._feeds = {str(f): [str(i) for i in ids] for f, ids in feeds.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise FetchError(
                f"{path}: not a readable fetch state ({type(e).__name__}: {e}). Delete it and "
                "rerun; everything is then fetched again."
            ) from None

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) from the last time `url` was remembered."""
        known = self._urls.get(url, {})
        return known.get("etag"), known.get("last_modified")

    def remember(self, fetched: Fetched) -> None:
        """Record a fetch's validators, under both the URL asked for and the final one, so the
        next run's first request is already conditional."""
        if fetched.not_modified and not (fetched.etag or fetched.last_modified):
            return
        entry = {
            k: v for k, v in (("etag", fetched.etag), ("last_modified", fetched.last_modified)) if v
        }
        for url in {fetched.url, fetched.requested_url or fetched.url}:
            if entry:
                self._urls[url] = entry
            else:
                # The server stopped sending validators: old ones would only cause false 304s.
                self._urls.pop(url, None)

    def seen(self, feed_url: str) -> set[str]:
        return set(self._feeds.get(feed_url, ()))

    def mark_seen(self, feed_url: str, entry_ids: Iterable[str]) -> None:
        ids = self._feeds.setdefault(feed_url, [])
        known = set(ids)
        for entry_id in entry_ids:
            if entry_id not in known:
                ids.append(entry_id)
                known.add(entry_id)
        del ids[:-SEEN_CAP]  # oldest first, so the oldest go

    def save(self) -> None:
        """Write the file atomically (temp file + os.replace): a crash mid-write leaves the old
        state, never half a JSON file."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": STATE_VERSION, "urls": self._urls, "feeds": self._feeds}
        fd, tmp = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


@dataclass
class _Response:
    """One hop's answer: status and headers, and the body only for a 2xx we accepted."""

    url: str
    status: int
    reason: str
    headers: dict[str, str]
    content_type: str
    charset: str | None
    body: bytes


class _Retry(Exception):
    """A retryable HTTP status, carrying the answer to report if the retries run out."""

    def __init__(self, response: _Response) -> None:
        self.response = response


class Fetcher:
    """The one HTTP client. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        *,
        timeout_s: float = 10.0,
        max_bytes: int = 50 * 2**20,
        retries: int = 2,
        backoff_s: float = 0.5,
        max_redirects: int = 10,
        user_agent: str = USER_AGENT,
    ) -> None:
        import httpx

        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.max_redirects = max_redirects
        # Redirects are followed by hand (see `fetch`) so each hop's scheme is checked.
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            # Only the encodings `_decoded` undoes, step by step under the size cap.
            headers={
                "User-Agent": user_agent,
                "Accept": ACCEPT_HEADER,
                "Accept-Encoding": "gzip, deflate",
            },
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, state: FetchState | None = None) -> Fetched:
        """GET `url`, following redirects, with the validators from `state` when known.

        Returns the body and its content type; `not_modified=True` (and no body) on a 304.
        Raises `FetchError` for anything else: refused scheme or type, HTTP error, too large,
        timeout, no connection, redirect loop."""
        url = url.strip()
        _check_scheme(url, url)
        # Cookies are kept within one fetch (some sites set one and redirect) but not across
        # fetches: sites need not learn that two articles were read by the same reader.
        self._client.cookies.clear()
        current = url
        for _ in range(self.max_redirects + 1):
            etag, last_modified = state.validators(current) if state else (None, None)
            headers: dict[str, str] = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            resp = self._with_retries(url, current, headers)
            if resp.status in REDIRECT_STATUSES:
                location = resp.headers.get("location")
                if not location:
                    raise FetchError(
                        f"{self._where(url, current)}: HTTP {resp.status} redirect without a "
                        "Location, skipped."
                    )
                current = self._join(url, current, location)
                _check_scheme(current, url)
                continue
            if resp.status == 304:
                return Fetched(
                    url=current,
                    status=304,
                    content_type="",
                    charset=None,
                    body=b"",
                    etag=resp.headers.get("etag") or etag,
                    last_modified=resp.headers.get("last-modified") or last_modified,
                    not_modified=True,
                    requested_url=url,
                )
            return Fetched(
                url=current,
                status=resp.status,
                content_type=resp.content_type,
                charset=resp.charset,
                body=resp.body,
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
                not_modified=False,
                requested_url=url,
            )
        raise FetchError(f"{_short(url)}: too many redirects (redirect loop?), skipped.")

    @staticmethod
    def _where(url: str, current: str) -> str:
        return _short(url) if current == url else f"{_short(url)} (at {_short(current, 80)})"

    @staticmethod
    def _join(url: str, current: str, location: str) -> str:
        # urljoin, not httpx.URL.join: it keeps the target as the server wrote it
        # (`file:///etc/passwd`, not `file:/etc/passwd`), which is what the user should see.
        try:
            return urljoin(current, location.strip())
        except ValueError:
            raise FetchError(
                f"{_short(url)}: redirected to an invalid address ({_short(location, 80)}), "
                "skipped."
            ) from None

    def _with_retries(self, url: str, current: str, headers: dict[str, str]) -> _Response:
        import httpx

        where = self._where(url, current)
        tries = self.retries + 1
        for attempt in range(tries):
            last = attempt == tries - 1
            try:
                resp = self._once(where, current, headers)
            except _Retry as r:
                if last:
                    after = f" after {tries} tries" if tries > 1 else ""
                    raise FetchError(
                        f"{where}: {_status(r.response)}{after}, skipped; "
                        "the site may be busy, try again later."
                    ) from None
            except httpx.TimeoutException:
                if last:
                    raise FetchError(
                        f"{where}: timed out after {_seconds(self.timeout_s)}. The site may be "
                        "slow or down; try again later."
                    ) from None
            except httpx.ConnectError as e:
                if last or _hopeless(e):
                    raise FetchError(
                        f"{where}: cannot connect ({_connect_reason(e)}). Check the address or "
                        "your connection."
                    ) from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as e:
                if last:
                    raise FetchError(
                        f"{where}: the connection broke ({_one_line(e)}). Try again later."
                    ) from None
            except (httpx.InvalidURL, ValueError) as e:
                # httpx checks more than urlsplit: control characters, IDNA host names.
                raise FetchError(
                    f"{where}: not a valid URL ({_one_line(e, 80)}). Check the address."
                ) from None
            except httpx.HTTPError as e:
                # Not worth retrying (bad URL, proxy, undecodable gzip...); still one line.
                raise FetchError(
                    f"{where}: fetch failed ({type(e).__name__}: {_one_line(e)}), skipped."
                ) from None
            else:
                return resp
            time.sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _once(self, where: str, url: str, headers: dict[str, str]) -> _Response:
        with self._client.stream("GET", url, headers=headers) as r:
            mime, charset = _parse_content_type(r.headers.get("content-type", ""))
            resp = _Response(
                url=url,
                status=r.status_code,
                reason=r.reason_phrase or "",
                headers={k.lower(): v for k, v in r.headers.items()},
                content_type=mime,
                charset=charset,
                body=b"",
            )
            if r.status_code in RETRY_STATUSES:
                raise _Retry(resp)
            if r.status_code in REDIRECT_STATUSES or r.status_code == 304:
                return resp
            if not 200 <= r.status_code < 300:
                raise FetchError(f"{where}: {_status(resp)}, skipped.")
            if not _accepted(mime):
                shown = mime or "none given"
                raise FetchError(
                    f"{where}: content type {shown} cannot be ingested (only HTML, PDF, XML, "
                    "JSON or plain text), skipped."
                )
            length = r.headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise self._too_large(where)
            # Stream and count: a server may lie about Content-Length, or send none, or gzip a
            # bomb; the cap is on the decoded bytes and stops the download as soon as it is hit.
            # Decoded here rather than by httpx, which inflates a whole network read at once (a
            # 64 KB read of a gzip bomb is 64 MB, and a run of them took 700 MB).
            parts: list[bytes] = []
            size = 0
            began = time.monotonic()
            encoding = r.headers.get("content-encoding", "")
            for chunk in _decoded(r.iter_raw(), encoding, where):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_large(where)
                parts.append(chunk)
                spent = time.monotonic() - began
                if spent > self.timeout_s and size < MIN_BYTES_PER_S * spent:
                    raise FetchError(
                        f"{where}: the server sent {_size(size)} in {spent:.0f} s and is still "
                        "sending (stalled?), skipped; try again later."
                    )
            resp.body = b"".join(parts)
            return resp

    def _too_large(self, where: str) -> FetchError:
        return FetchError(
            f"{where}: larger than the {_size(self.max_bytes)} cap (RAG_MAX_FILE_MB), skipped."
        )


def _decoded(raw: Iterable[bytes], encoding: str, where: str) -> Iterable[bytes]:
    """The body undone of its Content-Encoding (gzip, deflate, in the order applied), in pieces
    of at most 64 KB however much a piece of the input expands."""
    layers = [e.strip().lower() for e in encoding.split(",")]
    layers = [e for e in layers if e and e != "identity"]
    for layer in reversed(layers):
        if layer not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(
                f"{where}: the server sent the body in the {_short(layer, 40)} encoding, which "
                "is not supported (only gzip and deflate), skipped."
            )
        raw = _inflated(raw, layer, where)
    return raw


def _inflated(raw: Iterable[bytes], layer: str, where: str) -> Iterable[bytes]:
    import zlib

    d: Any = None
    try:
        for data in raw:
            while data:
                if d is None:
                    # deflate is zlib-wrapped by the standard, raw from some servers; gzip
                    # bodies may hold several members, each with its own header.
                    bits = 16 + zlib.MAX_WBITS if layer != "deflate" else zlib.MAX_WBITS
                    if layer == "deflate" and (data[0] & 0x0F) != 8:
                        bits = -zlib.MAX_WBITS
                    d = zlib.decompressobj(bits)
                out = d.decompress(data, _CHUNK)
                if out:
                    yield out
                data = d.unconsumed_tail
                if d.eof:
                    data, d = d.unused_data, None
        if d is not None and not d.eof:
            tail = d.flush()
            if tail:
                yield tail
    except zlib.error as e:
        raise FetchError(
            f"{where}: the {layer} body does not decode ({_one_line(e, 60)}), skipped."
        ) from None


def _status(resp: _Response) -> str:
    return f"HTTP {resp.status} {resp.reason}".strip()


def _parse_content_type(value: str) -> tuple[str, str | None]:
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'").lower()
    return mime.strip().lower(), charset


def _accepted(mime: str) -> bool:
    # Structured-syntax suffixes (RFC 6839): application/ld+json, application/feed+json, …+xml.
    return mime in ACCEPTED_TYPES or mime.endswith(("+xml", "+json"))


def _one_line(e: BaseException, limit: int = 120) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _connect_reason(e: BaseException) -> str:
    text = str(e).lower()
    if "refused" in text:
        return "connection refused"
    if any(s in text for s in ("name or service not known", "nodename nor servname", "name res")):
        return "host not found"
    if "certificate" in text:
        return f"TLS certificate not accepted: {_one_line(e, 80)}"
    return "network unreachable?"


def _hopeless(e: BaseException) -> bool:
    # An untrusted certificate will not fix itself in a second; a refused or unreachable
    # connection, or a failed DNS lookup, may.
    return "certificate" in str(e).lower()


def read_feed(
    fetcher: Fetcher, url: str, state: FetchState | None = None, read_s: float = 0.0
) -> Feed:
    """Fetch an RSS or Atom feed and list its entries, marking which are new (not in `state`).

    A 304 (the feed did not change since its validators were remembered) gives no entries.
    Raises `FetchError` when the URL cannot be fetched or is not a feed, and `InputError` when
    parsing it takes over `read_s` seconds (see `rag.sources.deadline`)."""
    from functools import partial

    from rag.sources.deadline import capped

    fetched = fetcher.fetch(url, state)
    if fetched.not_modified:
        return Feed(url=url, title=None, entries=[], new=[], fetched=fetched)
    return capped(partial(_feed_of, fetched, url, state), read_s, _short(url))


def _feed_of(fetched: Fetched, url: str, state: FetchState | None) -> Feed:
    parsed = _parse_feed(fetched)
    entries: list[FeedEntry] = []
    ids: set[str] = set()
    for raw in parsed.get("entries") or []:
        entry = _entry(raw, fetched.url)
        if entry is not None and entry.id not in ids:
            ids.add(entry.id)
            entries.append(entry)
    seen = state.seen(url) if state else set()
    title = _text((parsed.get("feed") or {}).get("title"))
    return Feed(url, title, entries, [e for e in entries if e.id not in seen], fetched)


_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s>/]")


def _parse_feed(fetched: Fetched) -> Any:
    import feedparser

    url = fetched.requested_url or fetched.url
    headers = {}
    if fetched.content_type:
        ct = fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")
        headers["content-type"] = ct
    # A file-like object, never bytes or str: given those, feedparser may open them as a path or
    # fetch them as a URL (a body of b"/etc/passwd" would read that file). No content-location
    # either: feedparser would then resolve RSS guids against it, changing the entry ids; links
    # are made absolute in `_entry` instead.
    listed = len(_ENTRY_TAG.findall(fetched.body))
    if listed > MAX_FEED_ENTRIES:
        raise FetchError(
            f"{_short(url)}: lists {listed:,} entries, over the {MAX_FEED_ENTRIES:,} a feed can "
            "have here (a news feed lists a few hundred); skipped."
        )
    try:
        parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)
    except Exception as e:  # feedparser raises what its decoders raise on broken bytes
        raise FetchError(
            f"{_short(url)}: not a readable feed ({type(e).__name__}: {_one_line(e, 80)}), "
            "skipped."
        ) from None
    # .get(): on some broken inputs feedparser's result lacks even `version`.
    bozo = parsed.get("bozo") and parsed.get("bozo_exception")
    if not parsed.get("entries") and (bozo or not parsed.get("version")):
        why = _one_line(bozo, 80) if bozo else "no feed elements"
        raise FetchError(
            f"{_short(url)}: not an RSS or Atom feed ({fetched.content_type or 'no type'}: "
            f"{why}). Check the feed address."
        )
    return parsed


def _text(value: Any) -> str | None:
    if not value:
        return None
    text = str(value)
    if "<" in text or "&" in text:
        from bs4 import BeautifulSoup

        text = BeautifulSoup(text, "html.parser").get_text(" ")
    text = " ".join(text.split())
    return text or None


def _entry(raw: Any, base: str) -> FeedEntry | None:
    link = raw.get("link") or None
    if link:
        with contextlib.suppress(ValueError):
            link = urljoin(base, str(link).strip())
    title = _text(raw.get("title"))
    summary = _text(raw.get("summary"))
    entry_id = raw.get("id") or link
    if not entry_id:
        if not (title or summary):
            return None  # nothing to ingest and nothing to recognise it by next time
        digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:16]
        entry_id = f"sha256:{digest}"
    return FeedEntry(
        id=str(entry_id),
        link=str(link) if link else None,
        title=title,
        published_at=_iso(raw.get("published_parsed") or raw.get("updated_parsed")),
        author=_text(raw.get("author")),
        summary=summary,
    )


def _iso(parsed: Any) -> str | None:
    # feedparser normalises every date format it knows to a UTC struct_time.
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    except (OverflowError, ValueError, TypeError, OSError):
        return None
