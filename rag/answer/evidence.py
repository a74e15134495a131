"""Evidence-first answering, pass 1: the model chooses numbered evidence by its next-token
probabilities, and the code decides abstention and Yes/No from them.

The prompt shows evidence units S1..S9 (`rag.answer.units`) and the question; the assistant's turn
starts with "Evidence:". One forward pass gives the next-token distribution there: P(" S") against
P(" NONE") + P(" None") says whether the model sees an answer at all, and one more token (" S")
gives P(digit) for each unit. Further units are read the same way while the model would rather
write ", S" than end the line. Nothing is sampled, and no grammar is needed (a GBNF over Qwen's
152k vocabulary is slow, and an invalid one kills the process).

Abstention is decided here, in code, by a logistic over three numbers: the share of the NONE
mass, the best unit's probability, and the best unit's relevance to the question. Asking a 1.5B
model in free text to refuse made it refuse answerable questions, or never refuse. The weights,
the abstention threshold, the Yes/No threshold and the threshold for extra units come from
`rag/data/calibration.json`, fitted on the dev sets' questions by
`scripts/calibrate_abstention.py`.

Left out: scoring more than 9 units (two-step ids), and sampling.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from rag.answer.prompt import EVIDENCE, evidence_line
from rag.answer.units import Unit
from rag.llm.generate import Generator
from rag.sources.sentences import content_words, sentence_spans

MAX_CHOSEN = 4  # units one answer cites; MultiHop questions need 2-4 articles
FEATURES = ("none_share", "best_p", "best_relevance")


@dataclass(frozen=True)
class Calibration:
    """Fitted decision parameters (see the module docstring)."""

    weights: tuple[float, ...] = (4.0, -3.0, -3.0)
    bias: float = 0.0
    abstain_at: float = 0.5  # abstain when P(unanswerable) >= this
    yes_at: float = 0.5  # "Yes" when P(Yes) / (P(Yes) + P(No)) >= this
    extra_unit_at: float = 0.2  # a unit with P(id) >= this is chosen beside the first
    source: str = "defaults"
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Calibration:
        text = (
            path.read_text("utf-8")
            if path is not None
            else resources.files("rag").joinpath("data/calibration.json").read_text("utf-8")
        )
        data = json.loads(text)
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            abstain_at=float(data["abstain_at"]),
            yes_at=float(data["yes_at"]),
            extra_unit_at=float(data["extra_unit_at"]),
            source=str(data.get("source", path or "rag/data/calibration.json")),
            notes=dict(data.get("notes", {})),
        )

    def p_unanswerable(self, features: tuple[float, ...]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Choice:
    """What pass 1 read off the model, and what the code decided from it."""

    p_evidence: float  # P(" S") after "Evidence:"
    p_none: float  # P(" NONE") + P(" None")
    unit_p: dict[int, float]  # P(unit id | " S"), over the ids shown
    chosen: tuple[int, ...]  # unit ids, in the order the model named them
    features: tuple[float, ...]
    p_unanswerable: float
    abstain: bool


def choose(generator: Generator, prompt: str, units: list[Unit], cal: Calibration) -> Choice:
    """Pass 1 over `prompt` (the chat prompt up to the assistant's turn)."""
    ids = [u.id for u in units]
    p_s, p_upper, p_title = generator.probabilities(prompt + EVIDENCE, [" S", " NONE", " None"])
    p_none = p_upper + p_title
    raw = generator.probabilities(prompt + EVIDENCE + " S", [str(i) for i in ids])
    total = sum(raw) or 1.0
    unit_p = {i: p / total for i, p in zip(ids, raw, strict=True)}
    chosen = [max(ids, key=lambda i: unit_p[i])]
    # Follow the model's own list while it would go on (", S") rather than end the line.
    while len(chosen) < min(MAX_CHOSEN, len(ids)):
        line = evidence_line(tuple(chosen))
        more, end = generator.probabilities(prompt + line, [",", "\n"])
        if more <= end:
            break
        rest = [i for i in ids if i not in chosen]
        nxt = generator.probabilities(prompt + line + ", S", [str(i) for i in rest])
        chosen.append(rest[max(range(len(rest)), key=lambda j: nxt[j])])
    for i in sorted(ids, key=lambda i: -unit_p[i]):
        if len(chosen) < MAX_CHOSEN and i not in chosen and unit_p[i] >= cal.extra_unit_at:
            chosen.append(i)
    features = (
        p_none / (p_s + p_none) if p_s + p_none > 0 else 1.0,
        max(unit_p.values()),
        max(u.score for u in units),
    )
    p_unanswerable = cal.p_unanswerable(features)
    return Choice(
        p_s,
        p_none,
        unit_p,
        tuple(chosen),
        features,
        p_unanswerable,
        p_unanswerable >= cal.abstain_at,
    )


def yes_share(generator: Generator, head: str) -> float:
    """P(Yes) / (P(Yes) + P(No)) as the answer's first token."""
    yes, no = generator.probabilities(head, [" Yes", " No"])
    return yes / (yes + no) if yes + no > 0 else 0.5


def pick_option(generator: Generator, head: str, options: tuple[str, ...]) -> str | None:
    """The listed option the model would start its answer with, or None when the options
    begin with the same token (then the answer is written freely)."""
    probs = generator.probabilities(head, [f" {o}" for o in options])
    if len(set(probs)) < len(probs):
        return None
    return options[max(range(len(options)), key=lambda i: probs[i])]


# "What did Patrushev say about AUKUS?": who spoke, and about what.
_QUOTE_QUESTION = re.compile(
    r"^\W*what\s+(?:did|does|do|has|have|had)\s+(?P<who>.+?)\s+"
    r"(?:say|said|tell|think|claim|write|state|announce|warn|argue|stress|note|mean)\b"
    r"(?:\s+(?:about|of|on|regarding|concerning)\s+(?P<topic>.+?))?\W*$",
    re.I,
)


def quote_question(question: str) -> tuple[str, str] | None:
    """(speaker, topic) of a "What did X say about Y?" question, else None."""
    m = _QUOTE_QUESTION.match(question.strip())
    if m is None or not m.group("topic"):
        return None
    return m.group("who").strip(), m.group("topic").strip()


def quoted_answer(question: str, units: list[Unit]) -> str | None:
    """For "What did X say about Y?", the answer is X's words, verbatim: the sentence of the
    chosen units that is most about Y (its content words, the speaker's name left out). A 1.5B
    model asked to write it repeats the sentence that introduces the quote ("Patrushev called
    the West's effort 'very dangerous'") rather than the quote about AUKUS itself. None when no
    sentence names the topic; the model then writes the answer."""
    asked = quote_question(question)
    if asked is None:
        return None
    who, topic = asked
    want = content_words(topic) - content_words(who)
    if not want:
        return None
    best: tuple[float, int, str] = (0.0, 0, "")
    for rank, u in enumerate(units):
        text = u.passage.chunk.text[u.start : u.end]
        for s, e in sentence_spans(text):
            sentence = " ".join(text[s:e].split())
            share = len(want & content_words(sentence)) / len(want)
            if share > best[0]:
                best = (share, -rank, sentence)
    share, _, sentence = best
    if share < QUOTE_TOPIC_SHARE:
        return None
    if sentence[:1] in _OPEN_QUOTES and not content_words(who) & content_words(sentence):
        # The quote alone does not name its speaker: say who, and close the quotation when
        # the sentence split left it open.
        closing = "”" if sentence[0] == "“" else sentence[0]
        if sentence.count(closing) < (2 if closing == sentence[0] else 1):
            sentence += closing
        return f"{who} said: {sentence}"
    return sentence


QUOTE_TOPIC_SHARE = 0.5
_OPEN_QUOTES = "\"“'‘"
