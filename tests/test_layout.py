"""The rules of the house: no import cycles, no stage imports a stage above it, and the command
line's help loads no heavy library."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {
    "chromadb", "llama_cpp", "torch", "sentence_transformers", "gradio", "onnxruntime",
    "trafilatura", "tantivy", "openai", "httpx", "feedparser", "pypdf", "llama_index",
}  # fmt: skip


def _import_graph():  # the script is not a package module
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts/import_graph.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_project_keeps_its_stages():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/import_graph.py")], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "stage graph" in run.stdout and "VIOLATION" not in run.stdout


def test_the_checker_catches_an_upward_import_a_peer_import_and_a_cycle():
    ig = _import_graph()
    mods = {
        "rag.index.ingest": {"rag.answer.ask", "rag.sources.load", "rag.types"},
        "rag.answer.ask": {"rag.search.retrieve"},
        "rag.search.retrieve": {"rag.index.store"},
        "rag.index.store": {"rag.index.ingest"},
        "rag.sources.load": {"rag.llm.embed"},
        "rag.llm.embed": set(),
        "rag.types": set(),
    }
    bad = ig.violations(mods)
    assert "rag.index.ingest (index) imports rag.answer.ask (answer)" in bad
    assert "rag.index.store (index) imports rag.index.ingest (index)" not in bad  # same stage
    assert "rag.sources.load (sources) imports rag.llm.embed (llm)" in bad
    assert len(bad) == 2
    assert ig.cycles(mods) == [
        ["rag.answer.ask", "rag.search.retrieve", "rag.index.store", "rag.index.ingest",
         "rag.answer.ask"]
    ]  # fmt: skip


def test_help_imports_no_heavy_library():
    for args in ([], ["ask"]):
        code = (
            "import sys\n"
            "from rag.cli import app\n"
            f"try:\n    app([*{args!r}, '--help'], standalone_mode=False)\n"
            "except SystemExit:\n    pass\n"
            f"print(sorted(set({sorted(HEAVY)!r}) & {{m.split('.')[0] for m in sys.modules}}))"
        )
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip().endswith("[]"), run.stdout[-500:]


def _ingest_imports(article: Path, index: Path) -> tuple[str, list[str]]:
    """`rag ingest article --index index` in a fresh process: its output, and which of the
    libraries ingest could import it did import."""
    code = (
        "import json, sys\n"
        "from rag.cli import app\n"
        f"try:\n    app(['ingest', {str(article)!r}, '--index', {str(index)!r}], "
        "standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted({'llama_index', 'nltk', 'scipy', 'datasketch', 'chromadb'}"
        " & {m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    return "\n".join(lines[:-1]) + run.stderr, json.loads(lines[-1])


def test_ingest_imports_only_what_the_run_needs(tmp_path):
    """Chunking pays for neither llama-index nor nltk (ported: `rag.sources.splitter`,
    `rag.sources.punkt`), the story check not for scipy, and a run that finds nothing new
    not for Chroma."""
    article = tmp_path / "a.txt"
    article.write_text("Title: Bridge\n\n" + "The mayor said the bridge opens in March. " * 40)
    said, imported = _ingest_imports(article, tmp_path / "index")
    assert "1 new or changed" in said and imported == ["chromadb"], said
    said, imported = _ingest_imports(article, tmp_path / "index")
    assert "1 unchanged" in said and imported == [], said
