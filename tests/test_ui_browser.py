"""The chat UI in a real headless Chromium (Debian's `chromium`, driven by Playwright), against
real `rag serve` processes: one on a copy of the seed index, one on an empty index behind --auth.

Everything is real: the embedder, Chroma, tantivy and the default GGUF model answer the questions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Page, sync_playwright

from .conftest import AUKUS, ROOT
from .servers import Server

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
    ),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AUKUS_DOC = "001_72ccaa6fd02313a0.txt"
AUKUS_TEXT = (Path(__file__).resolve().parents[1] / "seeds" / AUKUS_DOC).read_text("utf-8")
ANSWER_TIMEOUT_MS = 300_000  # a shared 2-core machine can be slow; this is a hang guard only
USER, PASSWORD = "reader", "s3cret-pass"


@pytest.fixture(scope="module")
def seed_server(seed_settings, tmp_path_factory) -> Iterator[Server]:
    # A copy: the session's seed index stays as other tests expect it.
    index = tmp_path_factory.mktemp("ui") / "index"
    shutil.copytree(seed_settings.index_dir, index)
    server = Server(index, index.parent / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def ask(page: Page, question: str) -> None:
    """Type a question, press Ask, wait until the answer is finished (its timings line shows)."""
    done = page.locator("#transcript .timings").count() + 1
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        f"document.querySelectorAll('#transcript .timings').length >= {done}",
        timeout=ANSWER_TIMEOUT_MS,
    )


@pytest.fixture(scope="module")
def chat(browser, seed_server) -> Iterator[tuple[Page, list[str]]]:
    """One session that asked the AUKUS question; the list collects every URL the page fetched."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(seed_server.url)
    ask(page, AUKUS)
    yield page, requested
    context.close()


def test_aukus_citation_opens_the_reader_with_the_sentence_marked(chat, tmp_path):
    page, _ = chat
    answer = page.inner_text("#transcript .answer")
    assert "AUKUS" in answer or "NATO" in answer
    marker = page.locator("#transcript .answer [data-citation]").first
    n = marker.get_attribute("data-citation")
    assert n and f"[{n}]" in answer
    marker.click()
    mark = page.locator("#reader mark")
    mark.wait_for(state="visible", timeout=30_000)
    marked = " ".join(mark.inner_text().split())
    # The cited evidence unit of the AUKUS article: Patrushev's remark that AUKUS is a new NATO
    # aimed at China, with the sentence that introduces it.
    assert "AUKUS" in marked and "NATO" in marked and marked in " ".join(AUKUS_TEXT.split())
    reader = page.inner_text("#reader")
    assert "Shamkhani and Patrushev meet in Dushanbe" in reader and "Iran Press" in reader
    assert page.locator("#reader article").get_attribute("data-doc-id") == AUKUS_DOC
    # Scrolled to the passage: the mark lies inside the reader's visible text box.
    box = page.locator("#reader .doctext").bounding_box()
    at = mark.bounding_box()
    assert box and at and box["y"] <= at["y"] <= box["y"] + box["height"]
    assert len(page.context.pages) == 1  # same page, no new tab
    page.screenshot(path=str(tmp_path / "aukus_reader.png"))


def test_answer_shows_cited_sources_and_timings(chat):
    page, _ = chat
    sources = page.locator("#transcript .sources li")
    assert sources.count() >= 1
    assert "Shamkhani and Patrushev meet in Dushanbe" in sources.all_inner_texts()[0]
    assert "Iran Press" in sources.all_inner_texts()[0]
    timings = page.inner_text("#transcript .timings")
    for label in ("retrieve", "first token", "total"):
        assert label in timings
    # Clicking a source opens the reader too.
    page.locator("#transcript .sources a").first.click()
    page.locator("#reader mark").wait_for(state="visible", timeout=30_000)


def test_nothing_is_fetched_from_outside(chat):
    _, requested = chat
    hosts = {urlparse(u).hostname for u in requested if u.startswith("http")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts


def test_follow_up_is_rewritten_and_sessions_are_separate(chat, browser, seed_server):
    page, _ = chat
    ask(page, "What did he say about the Caspian Sea?")
    searched = page.locator("#transcript .searched").last.inner_text()
    assert "Patrushev" in searched and "Caspian" in searched, searched
    assert "Caspian" in page.locator("#transcript .answer").last.inner_text()
    other = browser.new_context()
    try:
        page2 = other.new_page()
        page2.goto(seed_server.url)
        page2.locator("#transcript").wait_for()
        assert page2.locator("#transcript .turn").count() == 0
        assert "AUKUS" not in page2.inner_text("#transcript")
    finally:
        other.close()
    assert page.locator("#transcript .turn").count() == 2  # the first session keeps its turns


def test_document_endpoint_serves_indexed_ids_only(seed_server):
    client = Client(seed_server.url, verbose=False)
    html = client.predict(AUKUS_DOC, None, None, None, None, api_name="/document")
    assert "Shamkhani and Patrushev meet in Dushanbe" in html and "<mark" not in html
    for bad in (
        "not-indexed.txt",
        "../../etc/passwd",
        "/etc/passwd",
        str(ROOT / "seeds" / AUKUS_DOC),
    ):
        with pytest.raises(Exception, match="No indexed document"):
            client.predict(bad, None, None, None, None, api_name="/document")


# -- an empty index behind --auth ----------------------------------------------------------------

ARTICLE = """---
title: Tallinn opens the Zorblat footbridge
source: Test Gazette
published_at: 2024-05-03
---
The city of Tallinn opened the Zorblat footbridge on 3 May 2024. The bridge is 212 metres long and
links the old harbour with the Kalamaja district. Mayor Jaan Kask said the bridge cost 9 million
euros.
"""


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ui-empty")
    server = Server(root / "index", root / "serve.log", "--auth", f"{USER}:{PASSWORD}")
    yield server
    server.stop()


def test_auth_refuses_anonymous_requests(auth_server):
    url = auth_server.url
    assert httpx.get(url + "config").status_code == 401
    assert (
        httpx.post(url + "gradio_api/call/document", json={"data": [AUKUS_DOC]}).status_code == 401
    )
    assert httpx.post(url + "gradio_api/queue/join", json={}).status_code == 401
    with pytest.raises(Exception):  # noqa: B017 (the client raises its own error types)
        Client(url, verbose=False)
    client = Client(url, auth=(USER, PASSWORD), verbose=False)
    with pytest.raises(Exception, match="No indexed document"):
        client.predict(AUKUS_DOC, None, None, None, None, api_name="/document")


def test_empty_index_then_upload_makes_articles_answerable(auth_server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(auth_server.url)
        page.get_by_label("username").fill(USER)
        page.get_by_label("password").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        page.locator("#transcript").wait_for()
        assert "No articles are indexed yet" in page.inner_text("#transcript")
        page.fill("#question textarea", "When did the bridge open?")
        page.click("#ask")
        page.locator("#transcript .note").wait_for()
        assert "No articles are indexed yet" in page.inner_text("#transcript .note")

        good = tmp_path / "zorblat.md"
        good.write_text(ARTICLE, "utf-8")
        bad = tmp_path / "broken.txt"
        bad.write_bytes(b"\x00\x01binary\x00")
        page.set_input_files("#upload input[type=file]", [str(good), str(bad)])
        status = page.locator("#upload-status")
        status.get_by_text("Added").wait_for(timeout=120_000)
        text = status.inner_text()
        assert "Added 1" in text and "broken.txt" in text and "binary" in text, text

        ask(page, "How long is the Zorblat footbridge?")
        assert "212" in page.inner_text("#transcript .answer")
        assert "Tallinn opens the Zorblat footbridge" in page.inner_text("#transcript .sources")
        page.locator("#transcript .answer [data-citation]").first.click()
        page.locator("#reader mark").wait_for(state="visible", timeout=30_000)
        assert "Test Gazette" in page.inner_text("#reader")
        page.screenshot(path=str(tmp_path / "uploaded_reader.png"))
    finally:
        context.close()


def test_people_list_opens_a_speakers_quote_in_the_reader(chat):
    page, _ = chat
    page.get_by_role("button", name="People").first.click()
    page.locator("#people details.speaker").first.wait_for(state="visible", timeout=30_000)
    summary = page.locator("summary", has_text="Patrushev")
    speaker = page.locator("#people details.speaker").filter(has=summary).first
    speaker.locator("summary").click()
    quote = speaker.locator("a.quote", has_text="AUKUS").first
    said = " ".join(quote.inner_text().split()).rstrip("…")
    quote.click()
    mark = page.locator("#reader mark")
    mark.wait_for(state="visible", timeout=30_000)
    marked = " ".join(mark.inner_text().split())
    assert said[:60] in marked and "AUKUS" in marked
    assert page.locator("#reader article").get_attribute("data-doc-id") == AUKUS_DOC
    # The reader marks who said what: the opened quote stands out with its speaker, the other
    # attributions of the article are underlined with theirs.
    assert "Patrushev" in (mark.get_attribute("data-speaker") or "")
    speakers = page.locator("#reader .said").evaluate_all("els => els.map(e => e.dataset.speaker)")
    assert len(speakers) >= 5 and any("Shamkhani" in s for s in speakers)
