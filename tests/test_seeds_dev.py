"""The seed dev questions as a test with a threshold (the closing note reports the score).

Runs the real default model on all 16 questions (about 2 minutes on 2 cores)."""

import pytest

from rag import evaluate
from rag.ask import Assistant

from .conftest import DEV_QA

# Measured 15/16 with the default model (README, "Quality"); the threshold leaves room for
# small numeric differences between llama.cpp builds, not for a real regression.
MIN_CORRECT = 13


@pytest.mark.skipif(not DEV_QA.is_file(), reason="needs ../shared/eval beside the repository")
def test_seed_dev_questions(seed_settings):
    items = evaluate.load_items(DEV_QA)
    results = list(evaluate.run(Assistant(seed_settings), items))
    report = evaluate.summary(results)
    missed = [(r.id, r.answer) for r in results if not r.correct]
    print(f"seed dev: {report['correct']}/{report['questions']}", missed)
    assert report["correct"] >= MIN_CORRECT, missed
    unanswerable = [r for r, i in zip(results, items, strict=True) if not i.answerable]
    assert all(r.abstained for r in unanswerable), "must say the articles don't say"
