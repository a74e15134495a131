"""Server mode: the same ingest and retrieval against a real `chroma run` on 127.0.0.1 (started
and stopped here), surviving a server restart; a server that is down is one line, not a
traceback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.ingest import ingest
from rag.pipeline import Pipeline
from rag.settings import Settings

from .conftest import SEEDS, run_cli

CHROMA = Path(sys.executable).with_name("chroma")
pytestmark = pytest.mark.skipif(not CHROMA.exists(), reason="the chroma CLI is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    def __init__(self, path: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("chroma run did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


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
