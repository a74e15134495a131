"""Yes/No questions: what the code can decide without the model.

A 1.5B model says "Yes" to nearly every yes/no question. `scripts/yes_no_signal.py` measured how
well its probabilities separate gold Yes from gold No on MultiHop-RAG dev questions outside the
evaluation sample (README, "Answer quality"): P(Yes) after the evidence, the same after "Evidence:
NONE" (the model's prior for the wording) and their contrast, and the question split into its
clauses, each read on its own. None of them separates the two well (AUROC 0.51-0.59 overall);
a clause checked against only its own outlet's nearest sentences does better, and decides the
questions that make claims (`rag.answer.claims`). Here the code decides what it can know: the
order of two dated reports.
"Did A report X before B reported Y?" is "No" when A's article is dated after B's, whatever the
model would say, and the answer gives both dates, cited; "Did A fail to report X before B ...?"
is "Yes" then, and "No" when A's article came first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.units import Unit
from rag.search.query import OutletMention

# "Did A report X before B reported Y?": the order is a fact about two dates, which the code
# reads from the articles rather than asking a 1.5B model to compare them.
_ORDER_WORD = re.compile(
    r"\b(?P<w>before|after|prior\s+to|earlier\s+than|later\s+than|preceding|following)\b", re.I
)
_BEFORE = ("before", "prior to", "earlier than", "preceding")


# "Did Sporting News fail to report X before The Roar mentioned Y?": the question asks whether
# the report did NOT come first. Only a negation of the reporting verb counts ("a situation
# involving Denino not obtaining consent" negates the story, not the report).
_NEGATED_REPORT = re.compile(
    r"\b(?:fail(?:s|ed)?\s+to|not|never)\s+(?:\w+\s+)?(?:report|mention|cover|indicate|publish|"
    r"discuss|highlight|note|describe|address|feature|announce)\w*",
    re.I,
)


@dataclass(frozen=True)
class Order:
    """A question's claim that the story of `first` outlets came before that of `second`;
    `negated` when it asks whether that did not happen ("Did A fail to report X before B?")."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    negated: bool = False


def order_claim(question: str, outlets: Sequence[OutletMention]) -> Order | None:
    """The order a yes/no question asserts between the stories of two different outlets, one
    named before the order word and one right after it ("Did The Verge report X before
    TechCrunch reported Y?", "... after the 'Fortune' report"); None when it asserts none."""
    m = _ORDER_WORD.search(question)
    if m is None or len(_ORDER_WORD.findall(question)) > 1:
        return None
    left = [o for o in outlets if o.end <= m.start()]
    right = [o for o in outlets if o.start >= m.end()]
    if not left or not right:
        return None
    between = question[m.end() : right[0].start].strip(" '\"‘’“”").lower()
    if between not in ("", "the", "a", "an"):
        return None  # "before Halloween ... featured by The Independent": not about a report
    a, b = left[-1].sources, right[0].sources
    if set(a) & set(b):
        return None  # the same outlet on both sides: its two stories are told apart by content
    word = " ".join(m.group("w").lower().split())
    negated = bool(_NEGATED_REPORT.search(question, 0, m.start()))
    return Order(a, b, negated) if word in _BEFORE else Order(b, a, negated)


def order_units(
    order: Order, units: Sequence[Unit], chosen: Sequence[int]
) -> tuple[Unit, Unit] | None:
    """The evidence for each side of `order`: the first chosen unit from each side's outlets,
    else that side's most relevant unit. None when a side has no unit with a date."""
    picked = []
    for side in (order.first, order.second):
        mine = [u for u in units if u.passage.source in side and _day(u)]
        if not mine:
            return None
        by_choice = [u for i in chosen for u in mine if u.id == i]
        picked.append(by_choice[0] if by_choice else max(mine, key=lambda u: u.score))
    return picked[0], picked[1]


def _day(u: Unit) -> str:
    return (u.passage.published_at or "")[:10]


def order_holds(first: Unit, second: Unit) -> bool | None:
    """Whether `first`'s article came out before `second`'s, by day; None on the same day."""
    a, b = _day(first), _day(second)
    return None if a == b else a < b


def order_answer(order: Order, first: Unit, second: Unit) -> bool | None:
    """The answer the dates give: "No" when the claimed order is wrong; for a negated claim
    ("Did A fail to report X before B?") "Yes" when it is wrong and "No" when it holds. None
    when the dates cannot decide it (the same day; or the order holds, and then whether A
    reported X at all is for the evidence to say)."""
    holds = order_holds(first, second)
    if holds is None or (holds and not order.negated):
        return None
    return order.negated and not holds
