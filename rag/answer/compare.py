"""Yes/No about how reports relate: "Was TechCrunch's report on X consistent with its report
on Y?", "Did the coverage change between A's article and B's?".

Asked such a question over the evidence, a 1.5B model says "Yes" whatever it asks: that the
reports agree, or that they differ. So the code reads the question's direction itself
(`asks_same`: "consistent", "align", "no change" ask whether the reports agree; "change",
"inconsistent", "contradict" whether they differ) and asks the model the one question that has
no direction: shown the sentences of each report nearest to what the question describes, do
they give the same account or different ones? The answer is "Yes" when that matches the
direction asked, and it quotes both reports, cited, so the reader sees what was compared.

A question that asks both ways at once ("Is A consistent with B, or did it change?") or names
no report of its own keeps the model's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer.claims import SYSTEM, Sentence, nearest_sentences
from rag.llm.generate import Generator
from rag.search.query import SubQuery
from rag.types import Passage

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

SAME_AT = 0.5  # P(Same) / (P(Same) + P(Different)) at which the reports agree (README)
SENTENCES = 3  # per report
MAX_REPORTS = 3  # "Do the three articles all agree ...?"; a longer prompt for more

# Words that make a question about how reports relate, not about what each says. Only the
# forms that mean it: "alternative", "the remaining games", "the match", "trade agreements" and
# "the same source also reported" are about the story.
_DIFFERENT = re.compile(
    r"\b(?:inconsisten\w*|chang\w*|shift\w*|alter(?:s|ed|ing|ations?)?|differ\w*|"
    r"disagree\w*|contradict\w*|diverg\w*)\b",
    re.I,
)
_SAME = re.compile(
    r"\b(?:consisten\w*|align\w*|agree(?:s|d|ing|ment)?|similar\w*|remain(?:s|ed)?|"
    r"same(?!\s+(?:source|publication|outlet|news\s+source|publisher|day|week|month|year)\b))\b",
    re.I,
)
# "no change", "not consistent", "fail to align": the word asks the other way round.
_NEGATED = re.compile(r"\b(?:no|not|never|without|fail(?:s|ed)?\s+to)\s+(?:\w+\s+)?$", re.I)


def relates_reports(question: str) -> bool:
    """Whether the question asks how reports relate (agree, stay consistent, change)."""
    return bool(_SAME.search(question) or _DIFFERENT.search(question))


def asks_same(question: str) -> bool | None:
    """True when the question asks whether reports agree ("consistent", "align", "no change"),
    False when it asks whether they differ ("change", "inconsistent", "contradict"), None when
    it asks both ways or neither."""
    asked = set()
    for pattern, same in ((_SAME, True), (_DIFFERENT, False)):
        for m in pattern.finditer(question):
            negated = bool(_NEGATED.search(question, max(0, m.start() - 25), m.start()))
            asked.add(same != negated)
    return asked.pop() if len(asked) == 1 else None


@dataclass(frozen=True)
class Report:
    """One report the question compares: who published it, and its sentences nearest to what
    the question says of it (nearest first)."""

    label: str
    sentences: tuple[Sentence, ...]


def _label(p: Passage) -> str:
    who = p.source or p.title
    day = (p.published_at or "")[:10]
    return f"{who} ({day})" if day else who


def _fits(p: Passage, story: SubQuery) -> bool:
    if story.sources and p.source not in story.sources:
        return False
    day = int((p.published_at or "")[:10].replace("-", "") or 0) or None
    return not story.dates or any(d.matches(day) for d in story.dates)


def reports(
    pipeline: Pipeline,
    question: str,
    passages: Sequence[Passage],
    similarity: Callable[[str, list[str]], list[float]],
) -> list[Report]:
    """The reports a relation question compares, one article each: for each story it names
    (an outlet, a date), the best-ranked article of the question's retrieval that fits it and
    is not already taken (retrieved for that story alone when none fits); for a question that
    names fewer than two stories, the two articles ranked first. Each with its sentences
    nearest to the question, which says both what the report is about and what is compared."""
    assert pipeline.retriever is not None  # the question was just retrieved for
    stories = pipeline.retriever.clauses(question)[:MAX_REPORTS]
    taken: list[list[Passage]] = []

    def take(pool: Sequence[Passage], story: SubQuery | None) -> bool:
        used = {mine[0].chunk.doc_id for mine in taken}
        for p in pool:
            if p.chunk.doc_id not in used and (story is None or _fits(p, story)):
                taken.append([q for q in pool if q.chunk.doc_id == p.chunk.doc_id])
                return True
        return False

    # The most specific story first: "the Sporting News report" alone must not take the
    # article that "the Sporting News report of December 7" needs.
    for story in sorted(stories, key=lambda s: -(bool(s.sources) + bool(s.dates))):
        if not take(passages, story):
            take(pipeline.retrieve(story.text).passages, story)
    while len(taken) < 2 and take(passages, None):
        pass
    out = []
    for mine in sorted(taken, key=lambda m: m[0].published_at or "~"):  # oldest first, undated last
        near = nearest_sentences(question, mine, similarity, SENTENCES)
        if near:
            out.append(Report(_label(mine[0]), tuple(near)))
    return out if len(out) >= 2 else []


def compare_messages(question: str, found: Sequence[Report]) -> list[dict[str, str]]:
    body = "\n\n".join(
        f"Report {n}, {r.label}:\n" + "\n".join(f'- "{s.text}"' for s in r.sentences)
        for n, r in enumerate(found, 1)
    )
    user = (
        f"{body}\n\nQuestion: {question}\n"
        "On what this question asks about, do these reports give the same account or "
        "different accounts? Answer Same or Different, from these sentences only."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def p_same(generator: Generator, question: str, found: Sequence[Report]) -> float:
    """P(Same) / (P(Same) + P(Different)) for the reports, read as the reply's first token."""
    prompt = generator.chat_prompt(compare_messages(question, found))
    same, different = generator.probabilities(prompt, ["Same", "Different"])
    return same / (same + different) if same + different > 0 else 0.5


def compared(yes: bool, agree: bool, found: Sequence[Report]) -> tuple[str, list[Sentence]]:
    """The answer's text and the sentences its markers stand for: "No. The reports agree:
    TechCrunch (2023-10-19): “...” [1] TechCrunch (2023-11-27): “...” [2]", each report's
    nearest sentence, so the reader sees what was compared."""
    parts = [
        f"{r.label}: “{r.sentences[0].text.strip(chr(34) + '“”')}” [{n}]"
        for n, r in enumerate(found, 1)
    ]
    how = "The reports agree: " if agree else "The reports differ: "
    return ("Yes. " if yes else "No. ") + how + " ".join(parts), [r.sentences[0] for r in found]
