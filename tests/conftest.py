"""Shared fixtures. Everything here is real: the embedding model from its package, Chroma and
tantivy in temporary folders, and the GGUF models assembled from their packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from rag import privacy
from rag.index.manifest import new_index_int8
from rag.llm.embed import Embedder
from rag.pipeline import Pipeline, default_embedder, ingest_into
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
DEV_QA = SHARED / "eval" / "seeds_qa_dev.jsonl"
AUKUS = "What did Patrushev say about AUKUS?"

privacy.apply()
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the tests must pass with no network at all


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The embedder of a new index on this machine (int8 unless it has a GPU or bfloat16), as
    users get it."""
    return default_embedder(Settings(embed_int8=new_index_int8(Settings())))


@pytest.fixture(scope="session")
def float32_embedder() -> Embedder:
    """The embedder of an index built in float32 (every index from before int8 was the default)."""
    return default_embedder(Settings(embed_int8=False))


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """An index of the seed articles, built once per test session."""
    settings = Settings.from_env(env={}, index_dir=tmp_path_factory.mktemp("seed-index"))
    report = ingest_into(settings, [SEEDS], embedder=embedder)
    assert report.problems == []
    return settings


@pytest.fixture(scope="session")
def seed_pipeline(seed_settings, embedder) -> Pipeline:
    """The seed index with the real default model, loaded once per test session."""
    return Pipeline.open(seed_settings, embedder=embedder, preload=True)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    """Run the real `rag` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=900,
    )


class Scripted:
    """A Generator with the same Protocol as LlamaCppGenerator, for tests that are about the
    code around the model: `probabilities` come from a table keyed by the end of the prompt
    (else the first option is clearly the likeliest), `complete` and `stream` give fixed
    pieces, and every prompt is recorded."""

    name = "scripted"

    def __init__(
        self, table: dict[str, dict[str, float]] | None = None, pieces: Sequence[str] = ()
    ) -> None:
        self.table, self.pieces = table or {}, list(pieces)
        self.prompts: list[str] = []

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        return "".join(f"<{m['role']}>{m['content']}" for m in messages) + "<assistant>"

    def prompt_tokens(self, prompt: str) -> int:
        return len(prompt.split())

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(len(m["content"].split()) for m in messages)

    def probabilities(self, prompt: str, options: Sequence[str]) -> list[float]:
        self.prompts.append(prompt)
        for tail, probs in self.table.items():
            if prompt.endswith(tail):
                return [probs.get(o, 0.0) for o in options]
        return [0.9] + [0.1 / len(options)] * (len(options) - 1)  # the first option, clearly

    def complete(self, prompt: str, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        self.prompts.append(prompt)
        yield from self.pieces

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        yield from self.pieces
