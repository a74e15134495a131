"""`rag ask` in-process (typer's CliRunner) over the real seed index, with a scripted model in
place of the GGUF (the same Generator Protocol): the terminal output and the `--json` contract,
for an answer and for an abstention, in about a second."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rag import pipeline
from rag.cli import app

from .conftest import Scripted

SURE = {
    "Evidence:": {" S": 0.95, " NONE": 0.02, " None": 0.01},
    "Evidence: S": {str(i): 1.0 if i == 1 else 0.01 for i in range(1, 10)},
    "Evidence: S1": {",": 0.05, "\n": 0.95},
}
UNSURE = {
    "Evidence:": {" S": 0.2, " NONE": 0.7, " None": 0.1},
    "Evidence: S": {str(i): 0.1 for i in range(1, 10)},
    "Evidence: S1": {",": 0.05, "\n": 0.95},
}


@pytest.fixture
def run(seed_settings, monkeypatch):
    def invoke(table: dict, *args: str, pieces: tuple[str, ...] = ()) -> tuple[int, str, str]:
        model = Scripted(table, pieces)
        monkeypatch.setattr(pipeline, "default_generator", lambda settings: model)
        result = CliRunner().invoke(app, [*args, "--index", str(seed_settings.index_dir)])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_ask_json_carries_evidence_and_code_set_citations(run):
    code, out, _ = run(
        SURE,
        "ask",
        "In which city did the dialogue take place?",
        "--json",
        pieces=("The dialogue", " took place in Dushanbe.", " It was the fourth."),
    )
    assert code == 0
    answer = json.loads(out)  # one object, nothing else on stdout
    assert answer["answer"].startswith("The dialogue took place in Dushanbe. [1]")
    [evidence] = answer["evidence"]
    assert evidence["unit"] == 1 and evidence["p"] > 0.9
    assert answer["p_none"] == pytest.approx(0.03) and answer["route"] == "open"
    assert [c["marker"] for c in answer["citations"]] == [1]
    assert answer["citations"][0]["quote"] == evidence["quote"]
    assert set(answer["timings_ms"]) >= {"retrieve", "pass1", "pass2", "first_token", "total"}


def test_ask_terminal_shows_answer_evidence_and_timings(run):
    code, out, err = run(SURE, "ask", "Which city hosted the talks?", pieces=(" Dushanbe.",))
    assert code == 0
    answer, _, evidence = out.partition("\nEvidence\n")
    assert answer.startswith("Dushanbe. [1]")
    assert evidence.splitlines()[0].startswith("[1] S1 · ")  # marker, unit, the model's p
    assert evidence.splitlines()[1].startswith("    > ")  # the quote
    assert "pass 1" in err and "prompt tokens" in err


def test_a_model_that_writes_nothing_gets_the_top_units_words(run):
    code, out, _ = run(SURE, "ask", "Which city hosted the talks?", "--json")
    answer = json.loads(out)
    assert code == 0 and not answer["abstained"]
    quote = " ".join(answer["evidence"][0]["quote"].split())
    assert answer["answer"] == f"{quote} [1]" or answer["answer"].startswith(quote[:40])


def test_ask_abstains_with_what_it_read(run):
    code, out, _ = run(UNSURE, "ask", "What was the price of oil?", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["abstained"] and answer["citations"] == []
    assert answer["answer"].startswith("The articles don't say. I read ")
    assert answer["short_answer"] == "Insufficient information" and answer["evidence"]
    code, out, _ = run(UNSURE, "ask", "What was the price of oil?")
    assert "Closest evidence (not enough to answer)" in out


def test_yes_no_is_decided_by_probabilities(run):
    """A question about how reports relate keeps the model's Yes/No after the evidence."""
    table = {**SURE, "Answer:": {" Yes": 0.1, " No": 0.6}}
    q = "Were the reports of the Dushanbe meeting consistent?"
    _, out, _ = run(table, "ask", q, "--json", pieces=(" They met in Dushanbe.",))
    answer = json.loads(out)
    assert answer["short_answer"] == "No" and answer["answer"].startswith("No. [1] They met")


def test_a_claim_is_checked_against_its_nearest_sentences(run):
    """ "Did X ...?" is one claim: the check's P(Yes) decides, not the model's Yes after the
    evidence, and the No quotes the sentence the claim was read against, cited."""
    table = {**SURE, "Answer:": {" Yes": 0.9, " No": 0.1}, "<assistant>": {"Yes": 0.2, "No": 0.7}}
    _, out, _ = run(table, "ask", "Did Shamkhani meet Patrushev in Dushanbe?", "--json")
    answer = json.loads(out)
    assert answer["short_answer"] == "No" and answer["answer"].startswith("No. What ")
    [citation] = answer["citations"]
    # The answer shows the sentence on one line; the citation quotes the document exactly.
    assert f"“{' '.join(citation['quote'].split())}” [1]" in answer["answer"]
    assert citation["verified"]
    # The checks decide, so pass 1 is not run; the sentence read is the evidence shown.
    assert "pass1" not in answer["timings_ms"] and answer["prompt_tokens"] > 0
    assert [e["quote"] for e in answer["evidence"]] == [citation["quote"]]
    table["<assistant>"] = {"Yes": 0.6, "No": 0.3}
    _, out, _ = run(table, "ask", "Did Shamkhani meet Patrushev in Dushanbe?", "--json")
    answer = json.loads(out)
    assert answer["short_answer"] == "Yes" and answer["answer"].endswith("” [1]")


def test_ingest_dry_run_json_shows_what_would_be_stored(tmp_path):
    """`rag ingest --dry-run --json`: one line per document, the body that offsets point into,
    and nothing written; a broken file is reported on stderr with exit code 2."""
    front = "---\ntitle: Alpha\nsource: Wire\ndate: 7 October 2023\n---\n"
    (tmp_path / "a.md").write_text(front + "Body.")
    (tmp_path / "bad.json").write_text("{broken")
    index = tmp_path / "index"
    result = CliRunner().invoke(
        app, ["ingest", str(tmp_path), "--dry-run", "--json", "--index", str(index)]
    )
    assert result.exit_code == 2 and "bad.json: invalid JSON" in result.stderr
    (line,) = result.stdout.splitlines()
    row = json.loads(line)
    assert set(row) >= {
        "path",
        "doc_id",
        "title",
        "source",
        "published_at",
        "author",
        "url",
        "language",
        "text",
    }
    assert (row["doc_id"], row["title"], row["text"]) == ("a.md", "Alpha", "Body.")
    assert row["published_at"] == "2023-10-07" and row["provenance"]["published_at"] == (
        "front-matter"
    )
    assert not index.exists(), "a dry run writes nothing"


def test_ingest_summary_counts_types_outlets_and_dates(tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(pipeline, "default_embedder", lambda settings: embedder)
    (tmp_path / "a.md").write_text("---\ntitle: A\nsource: Wire\n---\nAlpha beta gamma.")
    (tmp_path / "b.json").write_text(
        json.dumps({"title": "B", "body": "Delta.", "source": "Post", "published_at": "2024-01-02"})
    )
    (tmp_path / "c.html").write_bytes(b"\x00\x01binary")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--index", str(tmp_path / "i")])
    assert result.exit_code == 2
    assert "2 documents in (text 1, json 1) from 2 outlets (Wire 1, Post 1); 1 of 2 dated." in (
        result.stderr
    )
    assert "skipped" in result.stderr and "c.html: looks like a binary file" in result.stderr
