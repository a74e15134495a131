"""End to end with every real part: the seed index, the real embedder, Chroma, tantivy and the
default GGUF model, through the `rag` command and its --json contract."""

import json

import pytest

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


def test_aukus_answer_gives_patrushevs_remark(aukus, seed_pipeline):
    """The flagship question: the answer is Patrushev's words about AUKUS (a new NATO aimed at
    China), and the citation opens the span that holds them."""
    assert "NATO" in aukus["answer"] and "China" in aukus["answer"], aukus["answer"]
    assert aukus["answer"].startswith("Patrushev")
    docs = seed_pipeline.documents
    text = docs.get("001_72ccaa6fd02313a0.txt").text
    remark = text.index("is also the creation of a new North Atlantic Treaty Organzation")
    cites = [c for c in aukus["citations"] if c["doc_id"] == "001_72ccaa6fd02313a0.txt"]
    assert any(c["start"] <= remark < c["end"] and c["verified"] for c in cites), cites


def test_aukus_answer_is_grounded_and_cited(aukus, seed_pipeline):
    assert not aukus["abstained"] and "AUKUS" in aukus["answer"]
    docs = seed_pipeline.documents
    for c in aukus["citations"]:
        assert docs.get(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['marker']}]" in aukus["answer"] or f", {c['marker']}]" in aukus["answer"]


def test_evidence_and_probabilities_are_in_the_json(aukus, seed_pipeline):
    docs = seed_pipeline.documents
    assert aukus["evidence"] and 0 <= aukus["p_none"] < 0.5
    for e in aukus["evidence"]:
        assert set(e) == {"unit", "doc_id", "start", "end", "quote", "p", "speaker"}
        assert 1 <= e["unit"] <= 9 and 0 < e["p"] <= 1
        assert docs.get(e["doc_id"]).text[e["start"] : e["end"]] == e["quote"]
    assert {(c["start"], c["end"]) for c in aukus["citations"]} <= {
        (e["start"], e["end"]) for e in aukus["evidence"]
    }, "every citation is a chosen unit"
    assert aukus["route"] == "open" and set(aukus["timings_ms"]) >= {"pass1", "pass2"}


def test_terminal_output_shows_the_chosen_evidence(seed_settings):
    r = run_cli("ask", AUKUS, "--index", str(seed_settings.index_dir))
    assert r.returncode == 0, r.stderr
    answer, _, evidence = r.stdout.partition("\nEvidence\n")
    lines = [line for line in evidence.splitlines() if line.startswith("[")]
    assert lines, r.stdout
    for line in lines:
        marker = line.split("]")[0].lstrip("[")
        assert f"[{marker}]" in answer or f", {marker}]" in answer or f"[{marker}," in answer
        assert " · " in line and "%" in line  # "[1] S4 · 82% · Title ..."
    assert any("001_72ccaa6fd02313a0.txt:" in line and "(Iran Press)" in line for line in lines)
    assert "pass 1" in r.stderr
    # The articles being read come first, before the model's first word.
    reading = next(line for line in r.stderr.splitlines() if line.startswith("Reading "))
    assert "(Iran Press" in reading and r.stderr.index(reading) < r.stderr.index("pass 1")


def test_yes_no_question_gets_a_short_yes_or_no(seed_settings):
    r = run_cli(
        "ask",
        "Did Shamkhani meet Patrushev in Dushanbe?",
        "--index",
        str(seed_settings.index_dir),
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["route"] == "yes_no" and out["short_answer"] in {"Yes", "No"}
    assert out["answer"].startswith(out["short_answer"] + ".")
    assert not ("Yes" in out["answer"] and "No." in out["answer"])


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
    # No seed article names Paris or the Olympics: said before any model pass, with what the
    # articles do quote him on.
    assert out["answer"].startswith(
        "The articles don't say. No article in the index mentions Paris Olympics. "
        "They quote Nikolai Patrushev "
    )


def test_a_named_outlet_the_index_lacks_is_said_at_once(seed_settings):
    # The seed index holds Mehr, Iran Press, Press TV, ...: not Reuters. No model pass runs.
    r = run_cli(
        "ask",
        "What did a Reuters report say about the meeting of Patrushev and Shamkhani?",
        "--index",
        str(seed_settings.index_dir),
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["abstained"] and out["citations"] == [] and out["evidence"] == []
    assert out["answer"].startswith("The articles don't say. No article from Reuters is in")
    assert "Press TV (" in out["answer"]
    assert "pass1" not in out["timings_ms"]


def test_a_gathering_question_reads_and_cites_every_article_with_a_part(seed_settings):
    # The meetings are in three articles (Dushanbe, New Delhi, Tehran). Before gathering, the
    # model chose one article's units and answered "Tehran and Moscow".
    r = run_cli(
        "ask",
        "In which cities did Shamkhani and Patrushev meet, across these reports?",
        "--index",
        str(seed_settings.index_dir),
        "--json",
    )
    out = json.loads(r.stdout)
    evidence_docs = {e["doc_id"] for e in out["evidence"]}
    cited_docs = {c["doc_id"] for c in out["citations"]}
    assert len(evidence_docs) >= 3 and len(cited_docs) >= 2
    assert "Dushanbe" in out["answer"] and "Delhi" in out["answer"]


def test_a_claim_and_its_denial_get_opposite_answers_from_the_same_sentence(seed_settings):
    """The model leans to "Yes" for both; read against each other (rag/answer/contrast.py), the
    claim the article makes holds and its denial does not, both quoting Patrushev's remark."""
    answers = {}
    for claim in ("is a new NATO", "is not a new NATO"):
        r = run_cli(
            "ask",
            f"Did Patrushev say that AUKUS {claim}?",
            "--index",
            str(seed_settings.index_dir),
            "--json",
        )
        assert r.returncode == 0, r.stderr
        answers[claim] = json.loads(r.stdout)
    assert answers["is a new NATO"]["short_answer"] == "Yes"
    assert answers["is not a new NATO"]["short_answer"] == "No"
    for out in answers.values():
        assert "North Atlantic Treaty" in out["citations"][0]["quote"]
