"""A real `rag serve` and 4 users at once (gradio_client, one session each), a question and a
follow-up each: every answer arrives, no errors, no session sees another's history, and the
queue tells a waiting user where they are (`scripts/bench_serve_load.py` is the benchmark)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from scripts.bench_serve_load import run_load

from .servers import Server

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def server(seed_settings, tmp_path_factory) -> Iterator[Server]:
    index = tmp_path_factory.mktemp("load") / "index"
    shutil.copytree(seed_settings.index_dir, index)
    s = Server(index, index.parent / "serve.log")
    yield s
    s.stop()


def test_four_users_with_follow_ups(server):
    report = run_load(server.url, users=4, rounds=1)
    assert report["errors"] == [], report
    assert report["answers"] == 8 and report["cross_talk"] == 0, report
    assert report["max_queue_position"] is not None and report["max_queue_position"] >= 1, report
