"""Hostile content and a crowded server, in a real headless Chromium against a real `rag serve`:
an article full of markup and event handlers renders as text (no script runs, no alert fires)
in the citations and the reader; a second user who asks while the model is busy sees a queue
position instead of a silent spinner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from rag.index.ingest import ingest
from rag.settings import Settings

from .conftest import SEEDS
from .servers import Server
from .test_ui_browser import ANSWER_TIMEOUT_MS, ask, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.model]

HOSTILE = (
    "Harbour workers in Gdansk ended their strike on Tuesday after eleven days. "
    '<script>alert("script tag")</script> The union said the deal raises pay by six percent. '
    '<img src=x onerror="alert(\'img onerror\')"> Ships waiting outside the port began '
    "unloading the same evening. <a href=\"javascript:alert('link')\">details</a> "
    '<svg onload="alert(\'svg\')"></svg> The port authority thanked both sides.'
)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, embedder) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "articles"
    shutil.copytree(SEEDS, folder)
    (folder / "gdansk.txt").write_text(HOSTILE)
    settings = Settings.from_env(env={}, index_dir=base / "index")
    ingest([folder], settings, lambda: embedder)
    server = Server(settings.index_dir, base / "serve.log")
    yield server
    server.stop()


def test_markup_in_an_article_renders_as_text(browser, hostile_server, tmp_path: Path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(hostile_server.url)
        ask(page, "How much does the Gdansk harbour deal raise pay?")
        sources = page.inner_text("#transcript .sources")
        assert "gdansk" in sources.lower() or "Harbour workers" in sources
        page.locator("#transcript .sources a").first.click()
        page.locator("#reader mark").wait_for(state="visible", timeout=30_000)
        reader = page.inner_text("#reader")
        assert '<script>alert("script tag")</script>' in reader, "shown as text"
        assert "onerror=" in reader
        assert page.locator("#reader img, #reader svg, #reader script").count() == 0
        assert page.locator("#reader a[href^='javascript']").count() == 0
        page.wait_for_timeout(500)  # give any injected handler the chance to fire
        assert dialogs == [], dialogs
    finally:
        page.screenshot(path=str(tmp_path / "hostile_reader.png"))
        context.close()


def queue_text(page: Page) -> str:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.progress-text, .eta-bar, .meta-text, "
        ".meta-text-center')).map(e => e.innerText).join(' | ')"
    )


def test_a_queued_user_sees_the_queue(browser, hostile_server):  # noqa: F811
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    try:
        first.goto(hostile_server.url)
        second.goto(hostile_server.url)
        first.fill("#question textarea", "What did Patrushev say about AUKUS?")
        first.click("#ask")
        first.wait_for_timeout(300)
        second.fill("#question textarea", "Who met in Dushanbe?")
        second.click("#ask")
        second.wait_for_function(
            "() => /queue/i.test(Array.from(document.querySelectorAll('.progress-text, "
            ".meta-text, .meta-text-center')).map(e => e.innerText).join(' '))",
            timeout=60_000,
        )
        assert "queue" in queue_text(second).lower()
        second.wait_for_function(
            "document.querySelectorAll('#transcript .timings').length >= 1",
            timeout=ANSWER_TIMEOUT_MS,
        )
    finally:
        first.context.close()
        second.context.close()
