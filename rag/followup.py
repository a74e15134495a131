"""Rewrite a follow-up question into a standalone one before retrieval.

"What did he say about the Caspian Sea?" retrieves nothing useful on its own; with the chat
history the local model turns it into "What did Patrushev say about the Caspian Sea?". Without
history the question is used as asked, at no cost. The prompt is short and the history trimmed
(the last few turns, answers cut and stripped of markers), because on a CPU every prompt token
delays the answer. The model's reply is checked: anything that is not one plausible question falls
back to the question as asked, so a bad rewrite never costs more than a rewrite not done.

Left out: rewriting with a separate, smaller model, and summarising long histories.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.generate import Generator
from rag.prompt import MARKER

HISTORY_TURNS = 2  # enough to resolve "he" or "that"; each turn costs prompt time
ANSWER_CHARS = 300

SYSTEM = (
    "Rewrite the user's last question so it can be understood without the conversation: "
    "replace pronouns and vague references (he, she, it, they, that, there) with the names "
    "they refer to. Keep the meaning and keep it a question. If it already stands alone, "
    "repeat it unchanged. Reply with the question only."
)
_PREFIX = re.compile(r"^\s*(standalone|rewritten)?\s*question\s*:\s*", re.I)


def condense_messages(question: str, history: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    lines = []
    for asked, answered in history[-HISTORY_TURNS:]:
        answer = " ".join(MARKER.sub("", answered).split())
        if len(answer) > ANSWER_CHARS:
            answer = answer[:ANSWER_CHARS].rsplit(" ", 1)[0] + " …"
        lines += [f"User: {asked.strip()}", f"Assistant: {answer}"]
    user = "Conversation:\n" + "\n".join(lines) + f"\n\nLast question: {question.strip()}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def clean_rewrite(reply: str, question: str) -> str:
    """The model's rewrite, or the question as asked when the reply is not one question."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip("\"'“”‘’`").strip()
    too_long = len(line) > max(3 * len(question), len(question) + 200)
    return question if not line or too_long else line


def condense(question: str, history: Sequence[tuple[str, str]], generator: Generator) -> str:
    """A standalone version of `question`, given (question, answer) pairs of earlier turns."""
    if not history:
        return question
    pieces: list[str] = []
    stream = generator.stream(condense_messages(question, history))
    try:
        for piece in stream:
            pieces.append(piece)
            if "\n" in "".join(pieces).strip():  # one line is all we use: stop paying for more
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # end the model's generation now, before the answer's prompt starts
    return clean_rewrite("".join(pieces), question)
