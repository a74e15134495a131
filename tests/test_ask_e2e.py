"""End to end with every real part: the seed index, the real embedder, Chroma, bm25s and the
default GGUF model, through the `rag` command and its --json contract."""

import json

import pytest

from rag.docstore import DocStore
from rag.index import IndexPaths

from .conftest import AUKUS, run_cli

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def aukus(seed_settings):
    r = run_cli("ask", AUKUS, "--index", str(seed_settings.index_dir), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # stdout holds one JSON object and nothing else


def test_json_contract(aukus):
    assert set(aukus) >= {
        "question",
        "answer",
        "abstained",
        "model",
        "citations",
        "passages",
        "timings_ms",
    }
    assert aukus["question"] == AUKUS and isinstance(aukus["answer"], str)
    assert aukus["model"] == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    for c in aukus["citations"]:
        assert {"marker", "doc_id", "title", "source", "path", "start", "end", "quote"} <= set(c)
    ranks = [p["rank"] for p in aukus["passages"]]
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) == 4
    for p in aukus["passages"]:
        assert {"chunk_id", "doc_id", "start", "end", "score", "text"} <= set(p)
    assert set(aukus["timings_ms"]) >= {"retrieve", "first_token", "total"}
    assert 0 < aukus["timings_ms"]["first_token"] <= aukus["timings_ms"]["total"]


@pytest.mark.xfail(
    strict=True,
    reason="Known regression (README, Answer quality): since the 256-piece chunks, the 1.5B model "
    "answers with the AUKUS sentence that follows Patrushev's remark (what AUKUS is), not the "
    "remark itself (a new NATO against China). Strict: it fails loudly once fixed.",
)
def test_aukus_answer_gives_patrushevs_remark(aukus):
    assert "NATO" in aukus["answer"] or "North Atlantic" in aukus["answer"]
    assert "China" in aukus["answer"]


def test_aukus_answer_is_grounded_and_cited(aukus, seed_settings):
    assert not aukus["abstained"] and "AUKUS" in aukus["answer"]
    cites = [c for c in aukus["citations"] if c["doc_id"] == "001_72ccaa6fd02313a0.txt"]
    assert cites, aukus["citations"]
    docs = DocStore(IndexPaths(seed_settings.index_dir).documents)
    text = docs.get("001_72ccaa6fd02313a0.txt").text
    for c in aukus["citations"]:
        doc = docs.get(c["doc_id"])
        assert doc.text[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['marker']}]" in aukus["answer"], "every listed source is cited in the text"
    aukus_para = text.index("The tripartite defense pact")
    assert any(aukus_para <= c["start"] < aukus_para + 600 for c in cites), "the AUKUS paragraph"
    assert any("AUKUS" in c["quote"] and c["verified"] for c in cites)


def test_terminal_output_lists_only_cited_sources(seed_settings):
    r = run_cli("ask", AUKUS, "--index", str(seed_settings.index_dir))
    assert r.returncode == 0, r.stderr
    answer, _, sources = r.stdout.partition("\nSources\n")
    lines = [line for line in sources.splitlines() if line.startswith("[")]
    assert lines, r.stdout
    for line in lines:
        marker = line.split("]")[0] + "]"
        assert marker in answer
    assert any("001_72ccaa6fd02313a0.txt:" in line and "(Iran Press)" in line for line in lines)


def test_unanswerable_question_abstains(seed_settings):
    r = run_cli(
        "ask",
        "What did Patrushev say about the Paris Olympics?",
        "--index",
        str(seed_settings.index_dir),
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["abstained"] and out["citations"] == []
