"""The contract with the model: the evidence-first prompt and what the code reads back.

The prompt shows numbered evidence units (S1..S9, `rag.answer.units`) grouped under their article's
outlet, date and title, then the question. The assistant's turn starts with "Evidence:"; the code
reads the model's choice off its next-token probabilities there (`rag.answer.evidence`), writes the
chosen ids itself ("Evidence: S3, S5") and appends "Answer:" for the answer. The system text is
byte-identical for every question and comes first, so llama.cpp evaluates it once per process; the
question comes last. Kept short: on a CPU, every prompt token costs time before the first word.

Also here: the abstention sentence, and the [n] citation marker the code writes into answers.
"""

from __future__ import annotations

import re

from rag.answer.route import Route
from rag.answer.units import Unit, render_units

ABSTAIN = "The articles don't say."
# How the code cites: [n] or [n, m], numbers of the chosen evidence units in the answer.
MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")

SYSTEM = (
    "You answer questions about news articles from numbered evidence sentences (S1, S2, ...), "
    "grouped under their article's outlet, date and title.\n"
    'First list the evidence that answers the question, like "Evidence: S2, S5", or '
    '"Evidence: NONE" when no sentence answers it. Then write "Answer:" and answer in one or '
    "two sentences, using only that evidence."
)
EVIDENCE = "Evidence:"
ANSWER = "\nAnswer:"


def evidence_messages(
    question: str, units: list[Unit], route: Route | None = None
) -> list[dict[str, str]]:
    """System text first and byte-identical for every question (llama.cpp reuses its evaluated
    prefix), then the evidence, the question last. For a which-came-first question each article
    is labelled by its date order, because a 1.5B model is poor at comparing dates."""
    notes = date_order_notes(units) if route is not None and route.temporal else None
    user = f"{render_units(units, notes)}\n\nQuestion: {question.strip()}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def date_order_notes(units: list[Unit]) -> dict[str, str]:
    """{doc_id: "earlier" | "later" | "1st of 3" ...} for articles with a date."""
    dated: dict[str, str] = {}
    for u in units:
        day = (u.passage.published_at or "")[:10]
        if day:
            dated[u.doc_id] = day
    days = sorted(set(dated.values()))
    if len(days) < 2:
        return {}
    if len(days) == 2:
        names = {days[0]: "earlier", days[1]: "later"}
    else:
        names = {d: f"{i} of {len(days)} by date" for i, d in enumerate(days, 1)}
    return {doc: names[day] for doc, day in dated.items()}


def evidence_line(chosen: tuple[int, ...]) -> str:
    return f"{EVIDENCE} " + (", ".join(f"S{i}" for i in chosen) if chosen else "NONE")
