"""Several UI replicas: two real `rag serve` processes on one `chroma run` server and one
`python -m llama_cpp.server` (all on 127.0.0.1, started and stopped here). Both answer at the
same time, and an article uploaded in one replica's page is answered from in the other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import sync_playwright

from rag.pipeline import ingest_into
from scripts.bench_serve_load import Result
from scripts.bench_serve_load import ask as ask_api

from .conftest import AUKUS, SEEDS
from .servers import ChromaServer, LlamaServer, Server, free_port
from .test_llm_server import SMALL
from .test_ui_browser import CHROMIUM, CHROMIUM_ARGS
from .test_ui_browser import ask as ask_page

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]

ARTICLE = """Title: Harbour city opens the Quillon tide barrier
Source: Coastal Courier
Date: 2026-11-02

The Quillon tide barrier, finished this week, is 940 metres long and closes in eleven minutes.
Engineers said it protects 60,000 homes from storm surges.
"""


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, embedder) -> Iterator[tuple[Server, Server]]:
    from rag.llm.catalogue import resolve
    from rag.settings import Settings

    root = tmp_path_factory.mktemp("replicas")
    chroma = ChromaServer(root / "chroma-data", free_port())
    # Requests wait their turn: by default llama_cpp.server kills a stream when the next arrives.
    llm = LlamaServer(resolve(SMALL, Settings()), True, "--interrupt_requests", "false")
    servers: list[Server] = []
    try:
        settings = Settings.from_env(env={}, index_dir=root / "index", chroma_url=chroma.url)
        assert ingest_into(settings, [SEEDS], embedder=embedder).problems == []
        flags = ("--chroma", chroma.url, "--llm-url", llm.url)
        for name in ("a", "b"):
            servers.append(Server(settings.index_dir, root / f"serve-{name}.log", *flags))
        yield servers[0], servers[1]
    finally:
        for s in servers:
            s.stop()
        llm.stop()
        chroma.stop()


def test_two_replicas_answer_at_once(replicas) -> None:
    results = [Result(user=0), Result(user=1)]
    answers: list[str] = ["", ""]

    def one(i: int, server: Server, question: str) -> None:
        try:
            answers[i] = ask_api(Client(server.url, verbose=False), question, results[i])
        except Exception as e:  # reported below, with the replica's log
            results[i].errors.append(f"{type(e).__name__}: {e}")

    questions = (AUKUS, "Where was the fourth Regional Security Dialogue held?")
    threads = [
        threading.Thread(target=one, args=(i, s, q))
        for i, (s, q) in enumerate(zip(replicas, questions, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    for i, server in enumerate(replicas):
        assert results[i].errors == [], server.log.read_text()[-2000:]
        assert "data-citation" in answers[i], answers[i][-1000:]
    assert "NATO" in answers[0] and "Dushanbe" in answers[1]


def test_an_upload_in_one_replica_is_answered_in_the_other(replicas, tmp_path: Path) -> None:
    first, second = replicas
    article = tmp_path / "quillon.txt"
    article.write_text(ARTICLE, "utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(first.url)
            page.locator("#transcript").wait_for()
            page.get_by_text("Add articles").click()  # closed when the index has articles
            page.set_input_files("#upload input[type=file]", [str(article)])
            page.locator("#upload-status").get_by_text("Added").wait_for(timeout=120_000)
            other = browser.new_page()
            other.goto(second.url)
            other.locator("#transcript").wait_for()
            ask_page(other, "How long is the Quillon tide barrier?")
            assert "940" in other.inner_text("#transcript .answer")
            assert "Quillon" in other.inner_text("#transcript .sources")
        finally:
            browser.close()
