"""Server mode: the same ingest and retrieval against a real `chroma run` on 127.0.0.1 (started
and stopped here), surviving a server restart; a server that is down is one line, not a
traceback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answer.ask import ask
from rag.index.ingest import ingest
from rag.pipeline import Pipeline
from rag.settings import Settings

from .conftest import DEV_QA, SEEDS, run_cli
from .servers import CHROMA, ChromaServer, free_port

pytestmark = pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not installed")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    yield tmp_path / "chroma-data", free_port()


def test_ingest_and_retrieve_through_a_server_that_restarts(server, tmp_path, embedder) -> None:
    data, port = server
    chroma = ChromaServer(data, port)
    settings = Settings.from_env(env={}, index_dir=tmp_path / "index", chroma_url=chroma.url)
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    try:
        report = ingest([folder], settings, lambda: embedder)
        assert report.total_chunks == report.embedded_chunks > 0
        assert not (settings.index_dir / "chroma").exists(), "the chunks live on the server"
        before = Pipeline.open(settings, embedder=embedder).retrieve("AUKUS NATO China")
    finally:
        chroma.stop()
    chroma = ChromaServer(data, port)  # the same folder, a new server process
    try:
        pipeline = Pipeline.open(settings, embedder=embedder)
        after = pipeline.retrieve("AUKUS NATO China")
        assert [p.chunk.chunk_id for p in after.passages] == [
            p.chunk.chunk_id for p in before.passages
        ]
        assert pipeline.store.count() == report.total_chunks, "nothing lost in the restart"
        again = ingest([folder], settings, lambda: embedder)
        assert again.unchanged == 5 and again.embedded_chunks == 0
    finally:
        chroma.stop()


def test_a_server_that_is_down_is_one_line(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("ingest", str(SEEDS), "--index", str(tmp_path / "i"), "--chroma", url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.strip()]
    assert line.startswith(f"Error: Cannot reach the Chroma server at {url}")
    assert "chroma run" in line


@pytest.mark.model
def test_server_mode_answers_as_embedded_and_knows_where_its_chunks_are(
    server, tmp_path, embedder, seed_settings
) -> None:
    """The seed dev questions: the same passages and the same answers, embedded and through a
    server. Each side has its own 0.5B model, fresh, asked in the same order: llama.cpp's numbers
    depend on what its cache holds from the question before. An index built on a server is
    refused, in one line, without --chroma, and `rag index check --chroma` finds it whole."""
    from rag.llm.catalogue import resolve
    from rag.llm.generate import LlamaCppGenerator

    data, port = server
    chroma = ChromaServer(data, port)
    settings = seed_settings.with_(index_dir=tmp_path / "index", chroma_url=chroma.url)
    small = resolve("qwen2.5-coder-0.5b-instruct-q4_k_m", settings)
    try:
        ingest([SEEDS], settings, lambda: embedder)
        pipelines = [
            Pipeline.open(s, embedder=embedder, generator=LlamaCppGenerator(small, s))
            for s in (seed_settings, settings)
        ]
        questions = [json.loads(x)["question"] for x in DEV_QA.read_text().splitlines() if x]
        for q in questions:
            embedded, remote = (ask(p, q).answer for p in pipelines)
            assert [p.chunk.chunk_id for p in embedded.passages] == [
                p.chunk.chunk_id for p in remote.passages
            ], q
            assert (embedded.text, [c.quote for c in embedded.citations]) == (
                remote.text, [c.quote for c in remote.citations]
            ), q  # fmt: skip
        index = str(settings.index_dir)
        r = run_cli("index", "check", "--index", index, "--chroma", chroma.url)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run_cli("ask", "Who met in Dushanbe?", "--index", index)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert "live on a Chroma server" in r.stderr and "--chroma" in r.stderr
    finally:
        chroma.stop()
