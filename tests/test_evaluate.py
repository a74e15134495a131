"""Scoring for `rag eval answers`: both question formats, the short answer, the metrics."""

import json

import pytest

from rag.errors import InputError
from rag.eval import answers as ev
from rag.eval.jsonl import read_rows

MULTIHOP = [
    {
        "id": 7,
        "query": "Did both outlets report the fine?",
        "answer": "Yes",
        "question_type": "comparison_query",
        "evidence_list": [{"url": "https://a/1", "fact": "x"}, {"url": "https://b/2", "fact": "y"}],
    },
    {
        "id": 8,
        "query": "Who founded FTX?",
        "answer": "Sam Bankman-Fried",
        "question_type": "inference_query",
        "evidence_list": [{"url": "https://a/1", "fact": "x"}],
    },
    {
        "id": 9,
        "query": "What is Visa's ticker?",
        "answer": "Insufficient information.",
        "question_type": "null_query",
        "evidence_list": [],
    },
]


def row(qid, answer, abstained=False, docs=(), verified=True):
    return {
        "id": qid,
        "answer": answer,
        "short_answer": ev.short_answer(answer, abstained),
        "abstained": abstained,
        "citations": [
            {"doc_id": d, "start": 0, "end": 1, "quote": "q", "verified": verified} for d in docs
        ],
        "prompt_tokens": 300,
        "timings_ms": {"first_token": 1000.0, "total": 2000.0},
    }


@pytest.fixture
def items(tmp_path):
    path = tmp_path / "queries.json"
    path.write_text(json.dumps(MULTIHOP))
    return ev.load_items(path)


def test_multihop_items(items):
    yes, who, null = items
    assert (yes.id, yes.question_type, yes.answerable) == ("7", "comparison_query", True)
    assert yes.gold_docs == {"https://a/1", "https://b/2"}
    assert not null.answerable and who.gold_answer == "Sam Bankman-Fried"


def test_seed_items(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "d1", "question": "Q?", "answer_keywords": [["NATO"], ["China"]], '
        '"sources": ["a.txt"], "answerable": true}\n'
        '{"id": "d2", "question": "R?", "answer_keywords": [], "sources": [], '
        '"answerable": false}\n'
    )
    d1, d2 = ev.load_items(path)
    assert d1.answer_keywords == (("NATO",), ("China",)) and d1.gold_docs == {"a.txt"}
    assert d2.question_type == "unanswerable"
    assert ev.score(d1, row("d1", "A new NATO against China [1].", docs=["seeds/a.txt"])).correct
    assert not ev.score(d1, row("d1", "A new NATO [1].", docs=["a.txt"])).correct
    assert ev.score(d1, row("d1", "NATO China", docs=["seeds/a.txt"])).cited == {"a.txt"}


def test_bad_question_files(tmp_path):
    with pytest.raises(InputError, match="No such"):
        ev.load_items(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    with pytest.raises(InputError, match="not valid JSON"):
        ev.load_items(bad)


@pytest.mark.parametrize(
    ("answer", "abstained", "short"),
    [
        ("Yes. Both reported it [1][2].", False, "Yes"),
        ("No, only The Verge did [1].", False, "No"),
        ("Sam Bankman-Fried [1]. He founded FTX in 2019 [1].", False, "Sam Bankman-Fried"),
        ("The articles don't say.", True, "Insufficient information"),
        (" ".join(["word"] * 30) + ".", False, " ".join(["word"] * 12)),
    ],
)
def test_short_answer(answer, abstained, short):
    assert ev.short_answer(answer, abstained) == short


def test_scores_and_summary(items):
    yes, who, null = items
    s_yes = ev.score(yes, row("7", "Yes. Both did [1] [2].", docs=["https://a/1", "https://c/3"]))
    assert s_yes.correct and s_yes.strict and s_yes.cited == {"https://a/1", "https://c/3"}
    lenient_only = ev.score(who, row("8", "Sam Altman runs it [1].", docs=["https://a/1"]))
    assert lenient_only.correct and not lenient_only.strict, "shares the word 'Sam'"
    s_null = ev.score(null, row("9", "The articles don't say.", abstained=True))
    assert s_null.correct and s_null.abstained
    report = ev.summary([(yes, s_yes), (who, lenient_only), (null, s_null)])
    overall = report["overall"]
    assert overall["questions"] == 3 and overall["strict_accuracy"] == round(2 / 3, 3)
    assert overall["citation_precision"] == round(2 / 3, 3)  # a/1 twice of 3 cited docs
    assert overall["citation_recall"] == round(2 / 3, 3)  # a/1 (twice) of 3 gold docs
    assert overall["abstention_precision"] == 1.0 and overall["abstention_recall"] == 1.0
    assert report["null_query"]["questions"] == 1 and "comparison_query" in report


def test_stratified_sample_keeps_every_type(items):
    many = [
        ev.Item(str(i), "q", t, True) for i, t in enumerate(["a"] * 60 + ["b"] * 30 + ["c"] * 10)
    ]
    sample = ev.stratified_sample(many, 20, seed=1)
    types = [i.question_type for i in sample]
    assert (types.count("a"), types.count("b"), types.count("c")) == (12, 6, 2)
    assert sample == ev.stratified_sample(many, 20, seed=1), "same seed, same sample"


def test_resume_reads_finished_rows_and_ignores_a_torn_line(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps(row("7", "Yes.")) + "\n" + '{"id": "8", "answ')
    assert set(read_rows(out)) == {"7"}


def test_yes_no_balanced_accuracy_against_yes_to_all(tmp_path):
    rows = [
        {"id": i, "query": "Did it?", "answer": a, "question_type": "comparison_query",
         "evidence_list": []}
        for i, a in enumerate(["Yes", "Yes", "Yes", "no"])
    ]
    path = tmp_path / "q.json"
    path.write_text(json.dumps(rows))
    items = ev.load_items(path)
    said = ["Yes.", "Yes.", "No.", "No."]
    scored = [(it, ev.score(it, row(str(it.id), s))) for it, s in zip(items, said, strict=True)]
    overall = ev.summary(scored)["overall"]
    # gold Yes: 2 of 3 right; gold No: 1 of 1; "Yes" to all would be right on 3 of 4.
    assert overall["yes_no_questions"] == 4 and overall["yes_no_accuracy"] == 0.75
    assert overall["yes_no_balanced_accuracy"] == round((2 / 3 + 1) / 2, 3)
    assert overall["yes_to_all_accuracy"] == 0.75
