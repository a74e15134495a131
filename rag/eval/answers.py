"""Answer-quality evaluation (`rag eval answers`) on two kinds of question file.

- The seed questions (`seeds_qa_dev.jsonl`): `answer_keywords` (every inner list is a set of
  alternatives, and every set must match), gold `sources` (file names), `answerable`.
- MultiHop-RAG queries (Tang & Yang, 2024; a JSON list): `answer`, `question_type`,
  `evidence_list` (gold articles by url); `null_query` questions cannot be answered.

Each question goes through `rag.answer.ask.ask`, the same path as `rag ask`, and becomes one output
row; scoring reads only the row and the question, so a rerun resumes from the rows already
written. Scores, per question type and overall:

- accuracy: MultiHop-RAG's official lenient rule, the short answer shares a word with the gold
  answer; on the seed file, every keyword set matches the answer. Unanswerable questions are
  correct when the assistant abstains (its short answer is then "Insufficient information").
- strict: the normalised gold answer appears in the short answer (seed file: as accuracy).
- abstention precision and recall on the unanswerable questions;
- citation precision (cited documents that are gold) and recall (gold documents cited), over
  answerable questions, pooled over questions;
- share of citations verified; time to first token and prompt tokens, p50.

The short answer is the one the answer carries (`Answer.short_answer`: "Yes"/"No" decided by
probabilities, the chosen option of an "X or Y" question, else the first sentence), or, for rows
of older runs, the answer's first sentence without markers, at most 12 words.
"""

from __future__ import annotations

import json
import random
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer.ask import UNANSWERABLE, ask, first_sentence
from rag.errors import InputError
from rag.pipeline import Pipeline
from rag.types import Answer

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    question_type: str
    answerable: bool
    gold_answer: str | None = None  # MultiHop-RAG
    answer_keywords: tuple[tuple[str, ...], ...] = ()  # seed file
    gold_docs: frozenset[str] = frozenset()  # doc ids (urls) or file names


@dataclass(frozen=True)
class Score:
    correct: bool
    strict: bool
    abstained: bool
    cited: frozenset[str]
    citations: int
    verified: int
    first_token_ms: float
    prompt_tokens: int
    pass1_ms: float | None = None  # evidence choice (None in rows of older runs)
    pass2_ms: float | None = None  # writing the answer


def load_items(path: Path) -> list[Item]:
    """Questions from a seed-style .jsonl or a MultiHop-RAG .json list."""
    if not path.is_file():
        raise InputError(f"No such question file: {path}.")
    text = path.read_text("utf-8")
    try:
        if path.suffix == ".jsonl":
            raw = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path} is not valid JSON: {e.msg} (line {e.lineno}).") from None
    if not isinstance(raw, list) or not all(isinstance(d, dict) for d in raw):
        raise InputError(f"{path}: expected a list of question objects.")
    items = []
    for i, d in enumerate(raw):
        question = d.get("question") or d.get("query")
        if not isinstance(question, str):
            raise InputError(f"{path}: question {i} has no 'question' or 'query' text.")
        qid = str(d.get("id", i))
        if "evidence_list" in d or "question_type" in d:
            qtype = str(d.get("question_type", "query"))
            gold = str(d.get("answer", ""))
            items.append(
                Item(
                    qid,
                    question,
                    qtype,
                    answerable=qtype != "null_query" and _norm(gold) != _norm(UNANSWERABLE),
                    gold_answer=gold,
                    gold_docs=frozenset(
                        str(e["url"]) for e in d.get("evidence_list", []) if e.get("url")
                    ),
                )
            )
        else:
            answerable = bool(d.get("answerable", True))
            items.append(
                Item(
                    qid,
                    question,
                    "answerable" if answerable else "unanswerable",
                    answerable,
                    answer_keywords=tuple(tuple(g) for g in d.get("answer_keywords", [])),
                    gold_docs=frozenset(d.get("sources", [])),
                )
            )
    return items


def stratified_sample(items: list[Item], n: int, seed: int) -> list[Item]:
    """About `n` items, each question type in its share (at least one of each), in file order."""
    if n >= len(items):
        return items
    by_type: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_type[item.question_type].append(item)
    rng = random.Random(seed)
    chosen: set[str] = set()
    for group in by_type.values():
        take = max(1, round(n * len(group) / len(items)))
        chosen.update(item.id for item in rng.sample(group, min(take, len(group))))
    return [item for item in items if item.id in chosen]


def short_answer(text: str, abstained: bool) -> str:
    """The direct answer in at most 12 words, for rows that carry none: "Yes"/"No" when the
    answer opens so, else its first sentence (`rag.answer.ask.first_sentence`)."""
    if abstained:
        return UNANSWERABLE
    first = first_sentence(text)
    lead = re.match(r"(yes|no)\b", first, re.I)
    return lead.group(1).capitalize() if lead else first


def row(item: Item, answer: Answer) -> dict[str, Any]:
    """One output line (the `--output` contract), plus `question_type` for the report."""
    return {
        "id": item.id,
        "query": item.question,
        "question_type": item.question_type,
        "answer": answer.text,
        "short_answer": UNANSWERABLE
        if answer.abstained
        else answer.short_answer or short_answer(answer.text, answer.abstained),
        "route": answer.route,
        "p_none": answer.p_none,
        "evidence": [
            {"unit": e.unit, "doc_id": e.passage.chunk.doc_id, "p": round(e.p, 4)}
            for e in answer.evidence
        ],
        "abstained": answer.abstained,
        "citations": [
            {
                "doc_id": c.passage.chunk.doc_id,
                "start": c.start,
                "end": c.end,
                "quote": c.quote,
                "verified": c.verified,
            }
            for c in answer.citations
        ],
        "unsupported": [answer.text[c.start : c.end] for c in answer.claims if not c.supported],
        "prompt_tokens": answer.prompt_tokens,
        "timings_ms": {k: round(v, 1) for k, v in answer.timings_ms.items()},
    }


def score(item: Item, r: dict[str, Any]) -> Score:
    abstained = bool(r["abstained"])
    short = str(r["short_answer"])
    if not item.answerable:
        correct = strict = abstained
    elif item.gold_answer is not None:
        gold = _words(item.gold_answer)
        correct = not abstained and bool(gold & _words(short))
        strict = not abstained and f" {_norm(item.gold_answer)} " in f" {_norm(short)} "
    else:
        correct = strict = not abstained and keywords_match(r["answer"], item.answer_keywords)
    cited = frozenset(_gold_key(c["doc_id"], item) for c in r["citations"])
    return Score(
        correct,
        strict,
        abstained,
        cited,
        len(r["citations"]),
        sum(bool(c["verified"]) for c in r["citations"]),
        float(r["timings_ms"].get("first_token", 0.0)),
        int(r.get("prompt_tokens", 0)),
        r["timings_ms"].get("pass1"),
        r["timings_ms"].get("pass2"),
    )


def keywords_match(answer: str, groups: Iterable[Iterable[str]]) -> bool:
    text = answer.lower()
    return all(any(alt.lower() in text for alt in group) for group in groups)


def run(
    pipeline: Pipeline, items: list[Item], done: dict[str, dict[str, Any]] | None = None
) -> Iterator[tuple[Item, dict[str, Any], bool]]:
    """(item, row, fresh) per question; rows already in `done` are reused, not re-asked."""
    done = done or {}
    for item in items:
        if item.id in done:
            yield item, done[item.id], False
        else:
            yield item, row(item, ask(pipeline, item.question).answer), True


def select_items(items: list[Item], sample: int | None, seed: int, limit: int | None) -> list[Item]:
    """A stratified sample of `sample` items (if given), then the first `limit`."""
    if sample:
        items = stratified_sample(items, sample, seed)
    return items[:limit] if limit else items



def summary(scored: list[tuple[Item, Score]]) -> dict[str, Any]:
    """Figures overall and per question type."""
    groups: dict[str, list[tuple[Item, Score]]] = defaultdict(list)
    for pair in scored:
        groups[pair[0].question_type].append(pair)
    report = {"overall": _figures(scored)}
    report.update({t: _figures(g) for t, g in sorted(groups.items())})
    return report


def _figures(scored: list[tuple[Item, Score]]) -> dict[str, Any]:
    n = len(scored)
    unanswerable = [s for i, s in scored if not i.answerable]
    abstained = [(i, s) for i, s in scored if s.abstained]
    answerable = [(i, s) for i, s in scored if i.answerable]
    cited = sum(len(s.cited) for _, s in answerable)
    cited_gold = sum(len(s.cited & i.gold_docs) for i, s in answerable)
    gold = sum(len(i.gold_docs) for i, _ in answerable)
    citations = sum(s.citations for _, s in scored)
    yes_no = [(i, s) for i, s in scored if _gold_yes_no(i) is not None]
    return {
        "questions": n,
        "accuracy": _ratio(sum(s.correct for _, s in scored), n),
        "strict_accuracy": _ratio(sum(s.strict for _, s in scored), n),
        "abstention_precision": _ratio(sum(not i.answerable for i, _ in abstained), len(abstained)),
        "abstention_recall": _ratio(sum(s.abstained for s in unanswerable), len(unanswerable)),
        "citation_precision": _ratio(cited_gold, cited),
        "citation_recall": _ratio(cited_gold, gold),
        "verified_share": _ratio(sum(s.verified for _, s in scored), citations),
        # Questions whose gold answer is Yes or No: accuracy, the mean of the accuracies on gold
        # Yes and on gold No (answering "Yes" to all scores 0.5), and what "Yes" to all scores.
        "yes_no_questions": len(yes_no),
        "yes_no_accuracy": _ratio(sum(s.correct for _, s in yes_no), len(yes_no)),
        "yes_no_balanced_accuracy": _balanced(yes_no),
        "yes_to_all_accuracy": _ratio(sum(_gold_yes_no(i) is True for i, _ in yes_no), len(yes_no)),
        "first_token_ms_p50": _median([s.first_token_ms for _, s in scored]),
        "prompt_tokens_p50": _median([s.prompt_tokens for _, s in scored]),
        "pass1_ms_p50": _median([s.pass1_ms for _, s in scored if s.pass1_ms is not None]),
        "pass2_ms_p50": _median([s.pass2_ms for _, s in scored if s.pass2_ms is not None]),
    }


def _gold_yes_no(item: Item) -> bool | None:
    gold = (item.gold_answer or "").strip().lower()
    return {"yes": True, "no": False}.get(gold)


def _balanced(yes_no: list[tuple[Item, Score]]) -> float | None:
    """The mean of the accuracies (`Score.correct`) on gold Yes and on gold No."""
    rates = []
    for want in (True, False):
        group = [s.correct for i, s in yes_no if _gold_yes_no(i) is want]
        if group:
            rates.append(sum(group) / len(group))
    return round(sum(rates) / len(rates), 3) if len(rates) == 2 else None


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def _median(values: list[float] | list[int]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _gold_key(doc_id: str, item: Item) -> str:
    """Seed golds are file names; a seed doc_id is a path relative to the ingested folder."""
    if doc_id in item.gold_docs:
        return doc_id
    return Path(doc_id).name if Path(doc_id).name in item.gold_docs else doc_id
