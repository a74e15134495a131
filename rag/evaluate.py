"""Answer-quality evaluation on a question file such as `seeds_qa_dev.jsonl`.

A question with `answerable: true` is correct when the answer does not abstain and every keyword
group matches (any alternative in a group, case-insensitive). One with `answerable: false` is
correct when the answer abstains. Citation accuracy counts answers whose citations all point into
one of the gold `sources` files. Timings are reported as medians.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.ask import Assistant
from rag.types import Answer


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answer_keywords: list[list[str]]
    sources: list[str]
    answerable: bool


@dataclass(frozen=True)
class QAResult:
    id: str
    question: str
    answer: str
    abstained: bool
    correct: bool
    citations_ok: bool | None  # None: nothing to check (abstained, or unanswerable)
    first_token_ms: float
    total_ms: float


def load_items(path: Path) -> list[QAItem]:
    items = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            items.append(
                QAItem(
                    d["id"],
                    d["question"],
                    d.get("answer_keywords", []),
                    d.get("sources", []),
                    bool(d.get("answerable", True)),
                )
            )
    return items


def keywords_match(answer: str, groups: list[list[str]]) -> bool:
    text = answer.lower()
    return all(any(alt.lower() in text for alt in group) for group in groups)


def score(item: QAItem, answer: Answer) -> QAResult:
    if item.answerable:
        correct = not answer.abstained and keywords_match(answer.text, item.answer_keywords)
        cited = {Path(c.passage.chunk.doc_id).name for c in answer.citations}
        citations_ok = bool(cited) and cited <= set(item.sources) if not answer.abstained else None
    else:
        correct, citations_ok = answer.abstained, None
    return QAResult(
        item.id,
        item.question,
        answer.text,
        answer.abstained,
        correct,
        citations_ok,
        answer.timings_ms.get("first_token", 0.0),
        answer.timings_ms.get("total", 0.0),
    )


def run(assistant: Assistant, items: list[QAItem]) -> Iterator[QAResult]:
    for item in items:
        yield score(item, assistant.ask(item.question))


def summary(results: list[QAResult]) -> dict[str, Any]:
    checked = [r.citations_ok for r in results if r.citations_ok is not None]
    return {
        "questions": len(results),
        "correct": sum(r.correct for r in results),
        "accuracy": sum(r.correct for r in results) / len(results) if results else 0.0,
        "citations_ok": sum(checked),
        "citations_checked": len(checked),
        "first_token_ms_p50": statistics.median(r.first_token_ms for r in results)
        if results
        else 0.0,
        "total_ms_p50": statistics.median(r.total_ms for r in results) if results else 0.0,
        "results": [asdict(r) for r in results],
    }
