"""`rag eval retrieval` end to end on a 20-article slice of MultiHop-RAG with a few dev queries:
the plumbing and the output contract, not the score. No LLM is loaded."""

import json

import pytest

from rag.eval.retrieval import EvalQuery, first_relevant, is_relevant, score

from .conftest import SHARED, run_cli

DATA = SHARED / "eval" / "multihop_rag"


def test_official_metric_ignores_whitespace_and_counts_first_rank():
    facts = ["Revenue rose  5%\nin Q3."]
    assert is_relevant("Intro. Revenue rose 5% in Q3. More.", facts)
    assert not is_relevant("Revenue rose 6% in Q3.", facts)
    assert first_relevant(["x", "Revenue rose 5% in Q3.", "Revenue rose 5% in Q3."], facts) == 2
    q = [EvalQuery(1, "?", "comparison_query", facts), EvalQuery(2, "?", "temporal_query", facts)]
    rows = [
        {
            "id": 1,
            "retrieved": [{"text": "no"}] * 4 + [{"text": "Revenue rose 5% in Q3."}],
            "latency_ms": {"retrieve": 10.0},
        },
        {
            "id": 2,
            "retrieved": [{"text": "Revenue rose 5% in Q3."}],
            "latency_ms": {"retrieve": 30.0},
        },
    ]
    report = score(rows, q)
    assert report["overall"] == {
        "queries": 2,
        "hits_at_4": 0.5,
        "hits_at_10": 1.0,
        "mrr_at_10": pytest.approx(0.6),
    }
    assert report["by_type"]["temporal_query"]["mrr_at_10"] == 1.0
    assert report["latency_ms"]["retrieve"]["p50"] == 20.0


@pytest.fixture(scope="module")
def data_slice(tmp_path_factory):
    """The four dev queries with the shortest evidence articles, those articles, and filler
    articles (the shortest others) up to 20, plus one null query that must be skipped."""
    if not (DATA / "corpus.json").is_file():
        pytest.skip("MultiHop-RAG data not found in ../shared/eval/multihop_rag")
    corpus = json.loads((DATA / "corpus.json").read_text())
    queries = json.loads((DATA / "queries_dev.json").read_text())
    size = {a["url"]: len(a["body"]) for a in corpus}
    scored = sorted(
        (q for q in queries if q["question_type"] != "null_query"),
        key=lambda q: sum(size[e["url"]] for e in q["evidence_list"]),
    )[:4]
    urls = {e["url"] for q in scored for e in q["evidence_list"]}
    for a in sorted(corpus, key=lambda a: len(a["body"])):
        if len(urls) >= 20:
            break
        urls.add(a["url"])
    null = next(q for q in queries if q["question_type"] == "null_query")
    folder = tmp_path_factory.mktemp("mh")
    (folder / "corpus.json").write_text(json.dumps([a for a in corpus if a["url"] in urls]))
    (folder / "queries.json").write_text(json.dumps([*scored, null]))
    return folder, corpus, scored


def test_eval_retrieval_output_contract_and_resume(data_slice):
    folder, corpus, scored = data_slice
    bodies = {a["url"]: a["body"] for a in corpus}
    args = [
        "eval", "retrieval",
        "--corpus", str(folder / "corpus.json"),
        "--queries", str(folder / "queries.json"),
        "--index", str(folder / "index"),
        "--output", str(folder / "out.jsonl"),
        "--k", "5",
        "--json",
    ]  # fmt: skip
    first = run_cli(*args, env={"HF_HUB_OFFLINE": "1"})
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["overall"]["queries"] == 4, "the null query is not scored"
    assert set(report["by_type"]) == {q["question_type"] for q in scored}
    for key in ("hits_at_4", "hits_at_10", "mrr_at_10"):
        assert 0.0 <= report["overall"][key] <= 1.0
    assert report["latency_ms"]["dense"]["p50"] > 0

    rows = [json.loads(line) for line in (folder / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [q["id"] for q in scored]
    for row in rows:
        assert 1 <= len(row["retrieved"]) <= 5
        for item in row["retrieved"]:
            assert set(item) >= {"chunk_id", "doc_id", "start", "end", "text"}
            # Article text only: exactly body[start:end], no header.
            assert item["text"] == bodies[item["doc_id"]][item["start"] : item["end"]]

    # A rerun reuses the index and every finished line: same results, nothing re-ingested.
    (folder / "out.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    again = run_cli(*args, "--limit", "3", env={"HF_HUB_OFFLINE": "1"})
    assert again.returncode == 0, again.stderr
    assert "Ingested" not in again.stderr
    rerun = [json.loads(line) for line in (folder / "out.jsonl").read_text().splitlines()]
    assert rerun[:2] == rows[:2] and len(rerun) == 3
    assert rerun[2]["retrieved"] == rows[2]["retrieved"]
    assert json.loads(again.stdout)["overall"]["queries"] == 3


def test_eval_retrieval_rejects_missing_files(tmp_path):
    result = run_cli(
        "eval", "retrieval", "--corpus", str(tmp_path / "nope.json"),
        "--queries", str(tmp_path / "q.json"), "--index", str(tmp_path / "i"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "Error: No such corpus file" in result.stderr
