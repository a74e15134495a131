"""The prompt: numbered passages, each headed by title, outlet and date where known, and rules
that keep a small model grounded (answer from the passages, cite [n], or say the articles don't
say). Kept short on purpose: on a CPU, every prompt token costs time before the first word."""

from __future__ import annotations

import re

from rag.excerpt import Excerpt
from rag.types import Passage

ABSTAIN = "The articles don't say."
# How the model cites: [n] or [n, m], numbers of the passages in the prompt.
MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")

SYSTEM = (
    "You answer questions about news articles using only the numbered passages given. "
    "Each passage is headed by its title, outlet and date.\n"
    "Rules:\n"
    "- Use only facts stated in the passages. Do not use outside knowledge.\n"
    "- After each sentence, cite the passage it comes from by its number in square brackets, "
    "like [1] or [2].\n"
    f'- If the passages do not contain the answer, reply exactly: "{ABSTAIN}"\n'
    "- Answer in one to three short sentences."
)


def passage_header(p: Passage) -> str:
    """`[n] Title (Outlet, 2023-10-07)`: the day is what "which came first" needs; the time of
    day would only cost tokens."""
    byline = ", ".join(x for x in (p.source, (p.published_at or "")[:10]) if x)
    return f"[{p.rank}] {p.title}" + (f" ({byline})" if byline else "")


def build_messages(question: str, excerpts: list[Excerpt]) -> list[dict[str, str]]:
    """Passages keep their rank numbers but appear best-last, right before the question: small
    models lean on what they read last. On the seed dev set this ordering, with the closing
    "answer only what the question asks", took the 1.5B model from 9/16 to 15/16 (README)."""
    blocks = "\n\n".join(
        f"{passage_header(x.passage)}\n{x.text.strip()}" for x in reversed(excerpts)
    )
    user = (
        f"Passages (the most relevant last):\n\n{blocks}\n\n"
        f"Question: {question.strip()}\n{_closing(question)}"
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


_YES_NO = re.compile(
    r"^\s*(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b", re.I
)


def is_yes_no(question: str) -> bool:
    return bool(_YES_NO.match(question))


def _closing(question: str) -> str:
    """The last line before the answer. Only a yes-or-no question is told to lead with "Yes." or
    "No.": given to every question, that rule cost the AUKUS question its answer (the model
    abstained), so it goes only where it applies."""
    if is_yes_no(question):
        return 'Start with "Yes." or "No.", then give the facts that show it.'
    return "Answer only what the question asks."
