"""Yes/No questions decided clause by clause, with the model's Yes prior cancelled.

A 1.5B model says "Yes" to nearly every yes/no question: P(Yes) / (P(Yes) + P(No)) after the
evidence is above 0.8 for gold Yes and gold No alike. Two things are read instead, each a few tens
of tokens after the evidence the model already evaluated:

- the contrast: the same read after "Evidence: NONE" is the model's prior for the question's
  wording; the decision is on the difference in log-odds, so the prior cancels;
- the clauses: "Does A suggest X, while B reports Y?" is split into one question per story it
  names (`rag.search.query`), and a Yes needs every clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.units import Unit
from rag.search.query import OutletMention, SubQuery

_LEAD = re.compile(
    r"^\W*(?:and|while|whereas|but|or|compared\s+(?:to|with)|versus|vs\.?|than|with)\s+", re.I
)
_AUX_START = re.compile(
    r"^(?:does|did|is|are|was|were|has|have|had|do|can|could|would|will|should)\b", re.I
)


def clause_questions(question: str, clauses: Sequence[SubQuery]) -> list[str]:
    """Each clause of `question` as a question of its own: "Does the Verge article imply X" stays
    a question, "while Fortune focuses on Y" becomes "Is it true that Fortune focuses on Y?"."""
    out = []
    for c in clauses:
        text = _LEAD.sub("", c.text.strip(" ,;?")).strip()
        if len(text.split()) < 3:
            continue
        if _AUX_START.match(text):
            out.append(text[0].upper() + text[1:] + "?")
        else:
            out.append(f"Is it true that {text}?")
    return out if len(out) >= 2 else []


# "Did A report X before B reported Y?": the order is a fact about two dates, which the code
# reads from the articles rather than asking a 1.5B model to compare them.
_ORDER_WORD = re.compile(
    r"\b(?P<w>before|after|prior\s+to|earlier\s+than|later\s+than|preceding|following)\b", re.I
)
_BEFORE = ("before", "prior to", "earlier than", "preceding")


@dataclass(frozen=True)
class Order:
    """A question's claim that the story of `first` outlets came before that of `second`."""

    first: tuple[str, ...]
    second: tuple[str, ...]


def order_claim(question: str, outlets: Sequence[OutletMention]) -> Order | None:
    """The order a yes/no question asserts between the stories of two different outlets, one
    named before the order word and one after it ("Did The Verge report X before TechCrunch
    reported Y?"); None when it asserts none or names one outlet only."""
    m = _ORDER_WORD.search(question)
    if m is None or len(_ORDER_WORD.findall(question)) > 1:
        return None
    left = [o for o in outlets if o.end <= m.start()]
    right = [o for o in outlets if o.start >= m.end()]
    if not left or not right:
        return None
    a, b = left[-1].sources, right[0].sources
    if set(a) & set(b):
        return None  # the same outlet on both sides: its two stories are told apart by content
    word = " ".join(m.group("w").lower().split())
    return Order(a, b) if word in _BEFORE else Order(b, a)


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
