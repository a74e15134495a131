"""Rewrite a follow-up question into a standalone one before retrieval.

"What did he say about the Caspian Sea?" retrieves nothing useful on its own; with the chat history
the local model turns it into "What did Patrushev say about the Caspian Sea?". Without history, or
when it already stands alone (it names its subject and has no pronoun to resolve: `standalone`), the
question is used as asked, at no cost. The prompt is short and the history trimmed (the last few
turns, answers cut and stripped of markers), because on a CPU every prompt token delays the answer.
The model's reply is checked: anything that is not one plausible question falls back to the question
as asked, so a bad rewrite never costs more than a rewrite not done. A rewrite must be a question (a
1.5B model sometimes answers instead: "He was talking to Raisi.") and must name what the follow-up's
pronoun stood for; otherwise the fallback is the question as asked plus the previous question's
subject ("Who was he talking to? (Patrushev, Dushanbe)"), which retrieval can still use.

Left out: rewriting with a separate, smaller model, and summarising long histories.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.prompt import MARKER
from rag.llm.generate import Generator

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


_QUESTION_START = re.compile(
    r"^(who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had|may|might|must|shall|in what|on what|to what|according)\b",
    re.I,
)
_VAGUE = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|that|this|those|these|there|"
    r"the same)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:of|the|al|bin|de|von|van)?\s*[A-Z][\w'’.-]*)*")
_WORD = re.compile(r"[A-Za-z][\w'’-]+")


def is_question(text: str) -> bool:
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION_START.match(text))


# Words capitalised only for starting a sentence: not names.
_SENTENCE_START = frozenset(
    [
        "a",
        "an",
        "the",
        "for",
        "in",
        "on",
        "at",
        "by",
        "from",
        "of",
        "to",
        "with",
        "about",
        "after",
        "before",
        "during",
        "since",
        "as",
        "and",
        "but",
        "or",
        "so",
        "yes",
        "no",
        "it",
        "he",
        "she",
        "they",
        "this",
        "that",
        "these",
        "those",
        "there",
        "according",
    ]
)


def subject_of(text: str) -> list[str]:
    """The names in a question or an answer ("What did Patrushev say in Dushanbe?" ->
    Patrushev, Dushanbe), a first word left out when it is only capitalised for starting the
    sentence."""
    names: list[str] = []
    for m in _NAME.finditer(text):
        name = m.group(0).strip(" .")
        first, _, rest = name.partition(" ")
        starts = m.start() == 0 or text[: m.start()].rstrip().endswith((".", "!", "?", ":"))
        if starts and (_QUESTION_START.match(first) or first.lower() in _SENTENCE_START):
            name = rest.strip()
        if name and name not in names:
            names.append(name)
    return names


def clean_rewrite(reply: str, question: str, history: Sequence[tuple[str, str]] = ()) -> str:
    """The model's rewrite when it is one question that names what the follow-up referred to;
    otherwise the question as asked, plus the previous question's subject when it has a
    pronoun to resolve."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip().strip("\"'“”‘’`").strip()
    too_long = len(line) > max(3 * len(question), len(question) + 200)
    # What the pronoun most likely stands for: the names in the previous question, then in its
    # answer ("Why is it important?" after "The North-South Transport Corridor.").
    subject = []
    if history:
        asked, answered = history[-1]
        subject = subject_of(asked)
        subject += [n for n in subject_of(MARKER.sub("", answered)) if n not in subject][:2]
    vague = bool(_VAGUE.search(question))
    resolved = not vague or _names_new(line, question)
    if line and not too_long and is_question(line) and resolved:
        return line
    if vague and subject:
        return f"{question} ({', '.join(subject)})"
    return question


def _names_new(rewrite: str, question: str) -> bool:
    """The rewrite names something the follow-up did not: the pronoun was resolved."""
    asked = {w.lower() for w in _WORD.findall(question)}
    return any(w.lower() not in asked for n in subject_of(rewrite) for w in _WORD.findall(n))


# A follow-up that leans on the last turn without a pronoun: "What about Shamkhani?", "And in
# Tehran?", "Why?".
_ELLIPTIC = re.compile(r"^\W*(?:what|how)\s+about\b|^\W*(?:and|also|so|but|then|or)\b", re.I)
MIN_STANDALONE_WORDS = 4


def standalone(question: str) -> bool:
    """A question that stands on its own: it names its subject, has no pronoun or "that" to
    resolve, and does not lean on the last turn ("What about Shamkhani?"). It is used as asked,
    at no cost; anything else is rewritten."""
    return (
        len(question.split()) >= MIN_STANDALONE_WORDS
        and not _VAGUE.search(question)
        and not _ELLIPTIC.match(question)
        and bool(subject_of(question))
    )


def condense(question: str, history: Sequence[tuple[str, str]], generator: Generator) -> str:
    """A standalone version of `question`, given (question, answer) pairs of earlier turns."""
    if not history or standalone(question):
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
    return clean_rewrite("".join(pieces), question, history)
