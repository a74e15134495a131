"""Evidence from every article a question needs, chosen by the code after the model's choice.

Pass 1 lets the model name the evidence it would answer from, and a 1.5B model names the units of
one article: asked "In which cities did Shamkhani and Patrushev meet, across these reports?" it
chose two articles of three and answered "Tehran and Moscow". What the question asks for is
known before any model runs, so the code completes the choice:

- every outlet the question names ("reported by both TechCrunch and The Verge") gets its best
  unit among those shown, by the model's own P(id), when none of its units was chosen, and so
  does every dated report it names ("the TechCrunch report of October 1 and its report of
  October 7" are two articles of one outlet): a unit of an article of that outlet and day;
- a question that gathers ("which cities ...", "list ...", "how many ...", "across these
  reports") reads more articles (`spread`: the best passage of each article first, since a long
  article fills a plain top k on its own), and every article whose best unit the model gave
  some weight (`GATHER_AT`) gives that unit, and so does an article whose most relevant unit is
  more relevant than any the model chose. Its prompt gets twice the evidence budget, so that
  each article's unit fits (about 2 s more on a CPU).

The answer is then written from all of them, and each sentence cites the units that support it
(`rag.answer.cite`), so an article that adds a part is cited for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rag.answer.units import Unit
from rag.search.query import SubQuery
from rag.types import Passage, day_number

MAX_WIDENED = 6  # units one answer may cite after widening; the prompt shows at most 9
GATHER_AT = 0.02  # an article's best unit joins a gathering answer at this P(id) or more

# "list ...", "how many ...", "name all ...", "across these reports", "in each article".
_GATHER = re.compile(
    r"^\W*(?:please\s+)?(?:list|enumerate|name\s+(?:all|every|each))\b"
    r"|\bhow\s+many\b"
    r"|\b(?:across|in\s+(?:all|each|every)(?:\s+of)?)\s+(?:the\s+|these\s+|those\s+|their\s+)?"
    r"(?:reports?|articles?|stories|sources|outlets|coverage|pieces)\b",
    re.I,
)
# "Which cities did ...", "In what countries ...", "Who were ...": the answer is several things.
_PLURAL_WH = re.compile(
    r"^\W*(?:(?:in|at|from|to|on|with|by|for)\s+)?(?:which|what)\s+(?P<noun>[a-z]+s)\s+"
    r"(?P<next>[\w’']+|,)",
    re.I,
)
_NOT_PLURAL = frozenset(
    """is was has does this its his us news series sports politics economics physics
    always perhaps thus yes""".split()  # noqa: SIM905
)
# What follows a plural answer noun: a verb or a clause ("cities did", "companies were",
# "players scored", "countries that"), not another noun ("sports team" is one team).
_AFTER_PLURAL = re.compile(
    r"^(?:,|did|do|does|were|are|have|had|has|was|is|can|could|will|would|that|which|who|"
    r"in|of|from|on|at|by|with|for|to|[a-z]+ed)$",
    re.I,
)
_WHO_PLURAL = re.compile(r"^\W*who\s+(?:are|were|have)\b", re.I)


def gathers(question: str) -> bool:
    """Whether `question` asks for every instance ("which cities ...", "list ...", "how many
    ...", "across these reports") rather than one answer."""
    q = " ".join(question.split())
    if _GATHER.search(q) or _WHO_PLURAL.match(q):
        return True
    m = _PLURAL_WH.match(q)
    return bool(
        m
        and m.group("noun").lower() not in _NOT_PLURAL
        and not m.group("noun").lower().endswith("ss")
        and _AFTER_PLURAL.match(m.group("next"))
    )


def widen(
    chosen: Sequence[int],
    unit_p: Mapping[int, float],
    units: Sequence[Unit],
    outlets: Sequence[Sequence[str]],
    gather: bool,
    dated: Sequence[SubQuery] = (),
) -> tuple[int, ...]:
    """The model's chosen unit ids, then the best unit of each named outlet none of whose units
    it chose, then that of each `dated` report (a clause of the question with a date, and the
    outlets it names if any) none of whose units it chose, then (for a gathering question) the
    best unit of each further article the model gave at least `GATHER_AT`; at most
    `MAX_WIDENED` in all, the model's own first."""
    out = list(chosen)

    def best(pool: list[Unit]) -> Unit:
        return max(pool, key=lambda u: unit_p.get(u.id, 0.0))

    pools = [[u for u in units if u.passage.source in sources] for sources in outlets]
    pools += [[u for u in units if in_story(u.passage, story)] for story in dated if story.dates]
    for mine in pools:
        if mine and not any(u.id in out for u in mine) and len(out) < MAX_WIDENED:
            out.append(best(mine).id)
    if gather:
        held = {u.doc_id for u in units if u.id in out}
        bar = max((u.score for u in units if u.id in out), default=0.0)
        for doc in dict.fromkeys(u.doc_id for u in sorted(units, key=lambda u: -u.score)):
            if doc in held or len(out) >= MAX_WIDENED:
                continue
            mine = [u for u in units if u.doc_id == doc]
            top = best(mine)
            if unit_p.get(top.id, 0.0) < GATHER_AT:
                # The model passed over it, but a unit more relevant to the question than
                # anything it chose still holds a part ("... in the Tajik capital Dushanbe").
                top = max(mine, key=lambda u: u.score)
                if top.score < bar:
                    continue
            out.append(top.id)
            held.add(doc)
    return tuple(out)


def in_story(p: Passage, story: SubQuery) -> bool:
    """Whether `p` is from the report `story` names: an article of its outlets and of one of its
    days, where it names them."""
    if story.sources and p.source not in story.sources:
        return False
    day = day_number(p.published_at)
    return not story.dates or any(d.matches(day) for d in story.dates)


def spread(passages: Sequence[Passage], n: int) -> list[Passage]:
    """The best passage of every article first, in rank order, then the rest; the first `n`,
    ranked anew from 1."""
    firsts: dict[str, Passage] = {}
    for p in passages:
        firsts.setdefault(p.chunk.doc_id, p)
    rest = [p for p in passages if firsts[p.chunk.doc_id] is not p]
    out = [*firsts.values(), *rest][:n]
    return [replace(p, rank=i) for i, p in enumerate(out, 1)]
