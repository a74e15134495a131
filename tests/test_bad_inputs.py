"""The bad-input battery: bad files, paths, questions, settings, flags, models and indexes, each
run through the real `rag` command in a subprocess.

Why: a user's first mistakes are what they remember of a tool. Each case must end with one short
line on stderr (a "skipped" line for a file ingest leaves out, else one "Error:" line), the right
exit code (2: some files skipped, or a usage/settings error; 1: any other error), no traceback,
and no hang; an ingest that skips a file still indexes the good one beside it. The same table
feeds `scripts/bad_inputs.py`, which prints what a user sees for the README.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import ROOT

# The installed `rag` command, so that usage lines read as a user sees them.
_SCRIPT = Path(sys.executable).with_name("rag")
RAG = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "rag.cli"]
TIMEOUT_S = 120  # far above any case's real time: a run this long is a hang
GOOD = (
    "# Talks in Dushanbe\n\n"
    "Patrushev met Shamkhani in Dushanbe to discuss sanctions and regional security.\n"
)
QUESTION = "What did Patrushev say about AUKUS?"


@dataclass(frozen=True)
class Ctx:
    """Where a case builds its files (`tmp`), and the seed index its questions go to."""

    tmp: Path
    seed_index: Path


@dataclass(frozen=True)
class Case:
    """One row: `argv(ctx)` builds what the case needs and returns the arguments after `rag`.
    `skips` names the file an ingest must skip (a "skipped" line, and good.md indexed); else
    the run must print exactly one line, an "Error:" line, containing `needle`."""

    id: str
    argv: Callable[[Ctx], list[str]]
    code: int
    needle: str = ""
    skips: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    max_s: float = TIMEOUT_S
    xfail: str | None = None


@dataclass(frozen=True)
class Outcome:
    code: int | None  # None: killed after TIMEOUT_S
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def first_line(self) -> str:
        if self.code is None:
            return f"(no answer after {TIMEOUT_S} s: killed)"
        return self.lines[0] if self.lines else "(nothing on stderr)"


# Building blocks -------------------------------------------------------------------------------


def _index(ctx: Ctx) -> Path:
    return ctx.tmp / "index"


def _folder(ctx: Ctx) -> Path:
    """A folder holding one good article, good.md."""
    folder = ctx.tmp / "articles"
    folder.mkdir(exist_ok=True)
    (folder / "good.md").write_text(GOOD, "utf-8")
    return folder


def beside_good(make: Callable[[Path], object]) -> Callable[[Ctx], list[str]]:
    """`rag ingest` of a folder with good.md and whatever `make(folder)` adds."""

    def argv(ctx: Ctx) -> list[str]:
        folder = _folder(ctx)
        make(folder)
        return ["ingest", str(folder), "--index", str(_index(ctx))]

    return argv


def _write(name: str, data: bytes | str) -> Callable[[Path], object]:
    def make(folder: Path) -> None:
        path = folder / name
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, "utf-8")

    return make


def _symlink_loop(folder: Path) -> None:
    (folder / "a.txt").symlink_to("b")
    (folder / "b").symlink_to("a.txt")


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.txt")


def _dev_zero(folder: Path) -> None:
    (folder / "zero.txt").symlink_to("/dev/zero")


def _late_nul(folder: Path) -> None:
    # Text with NUL bytes only past the first 8 KB, where the binary sniff does not look.
    sentences = [f"Sentence {i} of a long report on the talks in city {i * 7}." for i in range(200)]
    text = " ".join(sentences).encode()
    (folder / "nul_late.txt").write_bytes(text + b"\x00\x00 more text \x00 after the NULs.\n")


def _ingest_path(make: Callable[[Path], Path]) -> Callable[[Ctx], list[str]]:
    def argv(ctx: Ctx) -> list[str]:
        return ["ingest", str(make(ctx.tmp)), "--index", str(_index(ctx))]

    return argv


def _empty_dir(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def _zero_link(tmp: Path) -> Path:
    (tmp / "zero.txt").symlink_to("/dev/zero")
    return tmp / "zero.txt"


def _pipe(tmp: Path) -> Path:
    os.mkfifo(tmp / "pipe.txt")
    return tmp / "pipe.txt"


def _index_is_file(*command: str) -> Callable[[Ctx], list[str]]:
    def argv(ctx: Ctx) -> list[str]:
        (ctx.tmp / "afile").write_text("not an index\n")
        folder = _folder(ctx) if command[0] == "ingest" else None
        return [*command, *([str(folder)] if folder else []), "--index", str(ctx.tmp / "afile")]

    return argv


def _ask(question: str, *more: str) -> Callable[[Ctx], list[str]]:
    return lambda ctx: ["ask", question, "--index", str(ctx.seed_index), *more]


def _ingest_good(ctx: Ctx) -> list[str]:
    return ["ingest", str(_folder(ctx)), "--index", str(_index(ctx))]


def _junk_model(ctx: Ctx) -> list[str]:
    (ctx.tmp / "x.gguf").write_bytes(bytes(range(256)) * 4)  # 1 KB, no GGUF header
    return _ask(QUESTION, "--model", str(ctx.tmp / "x.gguf"))(ctx)


def _other_embedder(command: str) -> Callable[[Ctx], list[str]]:
    """`rag ask` or `rag ingest` on a tiny index whose manifest names another embedding model."""

    def argv(ctx: Ctx) -> list[str]:
        built = run_rag(_ingest_good(ctx))
        assert built.code == 0, built.stderr
        manifest = _index(ctx) / "manifest.json"
        data = json.loads(manifest.read_text("utf-8"))
        data["embed_model"] = "sentence-transformers/all-mpnet-base-v2"
        manifest.write_text(json.dumps(data), "utf-8")
        given = ["x"] if command == "ask" else [str(_folder(ctx))]
        return [command, *given, "--index", str(_index(ctx))]

    return argv


CASES = [
    # Bad files, each beside good.md: skipped with one line, exit 2, good.md indexed.
    Case("empty file", beside_good(_write("empty.txt", b"")), 2, skips="empty.txt"),
    Case(
        "binary .txt (bytes 0-255)",
        beside_good(_write("bytes.txt", bytes(range(256)))),
        2,
        skips="bytes.txt",
    ),
    Case(
        "NUL bytes in a text file",
        beside_good(_write("nul.txt", b"Talks began on Monday.\x00\x00 They ended.\n")),
        2,
        skips="nul.txt",
    ),
    Case(
        "NUL bytes past the first 8 KB",
        beside_good(_late_nul),
        2,
        skips="nul_late.txt",
    ),
    Case(
        "latin-1 .txt",
        beside_good(_write("latin1.txt", "Caf\xe9 in M\xfcnchen\n".encode("latin-1"))),
        2,
        skips="latin1.txt",
    ),
    Case(
        "10 MB of one repeated word",
        beside_good(_write("word.txt", "word " * 2_100_000)),
        2,
        skips="word.txt",
        max_s=60,
    ),
    Case(
        "broken JSON",
        beside_good(_write("bad.json", '{"title": "x", "body": ')),
        2,
        skips="bad.json",
    ),
    Case(
        "broken JSONL (line 2 bad)",
        beside_good(
            _write("bad.jsonl", '{"title": "a", "body": "Alpha story."}\n{"title": broken\n')
        ),
        2,
        skips="bad.jsonl",
        needle="line 2",
    ),
    Case(
        "symlink loop a.txt -> b -> a.txt",
        beside_good(_symlink_loop),
        2,
        skips="a.txt",
    ),
    Case(
        "named pipe pipe.txt in the folder", beside_good(_fifo), 2, skips="pipe.txt"
    ),
    Case(
        "zero.txt -> /dev/zero in the folder",
        beside_good(_dev_zero),
        2,
        skips="zero.txt",
    ),
    Case("symlink to /dev/zero as the path", _ingest_path(_zero_link), 1, "not a regular file"),
    Case("named pipe as the path", _ingest_path(_pipe), 1, "not a regular file"),
    # Paths
    Case("missing path", _ingest_path(lambda tmp: tmp / "nope"), 1, "No such file or folder"),
    Case("empty folder", _ingest_path(_empty_dir), 1, "No article files"),
    Case("ingest --index is a file", _index_is_file("ingest"), 1, "the index path is a file"),
    Case("ask --index is a file", _index_is_file("ask", QUESTION), 1, "afile"),
    Case("index check --index is a file", _index_is_file("index", "check"), 1, "afile"),
    # Questions: refused before any model loads
    Case("empty question", _ask(""), 1, "question is empty"),
    Case("blank question", _ask("   "), 1, "question is empty"),
    Case(
        "100,000-character question",
        _ask(("why " * 25_000)[:-1] + "?"),
        1,
        "100,000 characters; the cap is 1,000",
    ),
    Case("control characters only", _ask("\x01\x02\x07\x1b\x7f\t\x0b"), 1, "question is empty"),
    # Accepted: the run gets past the question to the (missing) model, which is the cheap way to
    # show it without running the LLM.
    Case(
        "control characters in a real question (accepted)",
        _ask("What did\x07 Patrushev\x1b say\x08 about AUKUS?", "--model", "/nonexistent.gguf"),
        1,
        "Model file not found",
    ),
    # Settings and flags: usage errors, exit 2
    Case("RAG_K=abc", _ask(QUESTION), 2, "RAG_K=abc", env={"RAG_K": "abc"}),
    Case(
        "RAG_CHUNK_TOKEN=100 (typo)",
        _ingest_good,
        2,
        "did you mean RAG_CHUNK_TOKENS",
        env={"RAG_CHUNK_TOKEN": "100"},
    ),
    Case(
        "RAG_MAX_FILE_MB=-1", _ingest_good, 2, "RAG_MAX_FILE_MB=-1", env={"RAG_MAX_FILE_MB": "-1"}
    ),
    Case("--k 0", _ask(QUESTION, "--k", "0"), 2, "--k"),
    Case("unknown flag --kk 3", _ask(QUESTION, "--kk", "3"), 2, "--kk"),
    # Models
    Case(
        "--model /nonexistent.gguf",
        _ask(QUESTION, "--model", "/nonexistent.gguf"),
        1,
        "Model file not found",
    ),
    Case("corrupt model x.gguf (1 KB junk)", _junk_model, 1, "Could not load model"),
    # An index built with another embedder
    Case("ask: index from another embedder", _other_embedder("ask"), 1, "--rebuild"),
    Case("ingest: index from another embedder", _other_embedder("ingest"), 1, "--rebuild"),
]


# Running ---------------------------------------------------------------------------------------


def run_rag(argv: list[str], env: dict[str, str] | None = None) -> Outcome:
    """The real `rag` command, with no `RAG_*` variables but the case's own, killed after
    TIMEOUT_S (a hang is an outcome, not a stuck suite)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    base.setdefault("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [*RAG, *argv],
            capture_output=True,
            text=True,
            errors="replace",
            cwd=ROOT,
            env={**base, **(env or {})},
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        return Outcome(None, _text(e.stdout), _text(e.stderr), time.monotonic() - started)
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def _text(captured: bytes | str | None) -> str:
    return captured.decode(errors="replace") if isinstance(captured, bytes) else captured or ""


def run_case(case: Case, ctx: Ctx) -> Outcome:
    return run_rag(case.argv(ctx), case.env)


def indexed(index: Path) -> set[str]:
    from rag.index.docstore import DocStore

    if not (index / "documents.sqlite").is_file():
        return set()
    docs = DocStore(index / "documents.sqlite")
    try:
        return {d.doc_id for d in docs}
    finally:
        docs.close()


def shortfall(case: Case, got: Outcome, ctx: Ctx) -> str | None:
    """How the outcome falls short of the contract, or None when it meets it."""
    if got.code is None:
        return f"hung: killed after {TIMEOUT_S} s"
    if "Traceback" in got.stderr + got.stdout:
        return "a traceback"
    if got.code != case.code:
        return f"exit {got.code}, expected {case.code}"
    if got.seconds >= case.max_s:
        return f"took {got.seconds:.0f} s, over {case.max_s:g} s"
    if case.skips is not None:
        skipped = [line for line in got.lines if line.startswith("skipped")]
        if len(skipped) != 1 or case.skips not in skipped[0] or case.needle not in skipped[0]:
            return f"expected one 'skipped' line naming {case.skips} {case.needle}".rstrip()
        if any(line.startswith("Error:") for line in got.lines):
            return "an 'Error:' line beside the skipped one"
        if "good.md" not in indexed(_index(ctx)):
            return "good.md was not indexed"
        return None
    if len(got.lines) != 1 or not got.lines[0].startswith("Error:"):
        return f"{len(got.lines)} lines on stderr, expected one 'Error:' line"
    if case.needle not in got.lines[0]:
        return f"the message does not say {case.needle!r}"
    return None


# The test --------------------------------------------------------------------------------------


def _params() -> list:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for case in CASES
    ]


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, tmp_path: Path, seed_settings) -> None:
    ctx = Ctx(tmp_path, seed_settings.index_dir)
    got = run_case(case, ctx)
    why = shortfall(case, got, ctx)
    assert why is None, (
        f"{why}\nexit {got.code} in {got.seconds:.1f} s\nstderr:\n{got.stderr}\n"
        f"stdout:\n{got.stdout}"
    )
