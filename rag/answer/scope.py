"""What a question names that the index does not hold, said before any model runs.

"Based on a Bloomberg article and a Reuters report, ..." cannot be answered from an index that
holds no article from Bloomberg or Reuters, however close the retrieved passages come: a model
shown TechCrunch's sentences answers anyway, under the wrong outlet's name. The publishers a
question names are found by `rag.search.query.unknown_outlets` (only where the question puts a
publisher: "a Bloomberg article", "an article in The Wall Street Journal", "reported by CNN"),
and the answer says which are missing and which outlets the index does hold. Where some articles
have no outlet recorded, a publisher that one of them names is not called missing
(`HybridRetriever.unknown_outlets`).

Left out: people, titles and dates named in the question (a date in a question is as often the
day of an event as the day of a report, and a person may be named in words the index spells
differently).
"""

from __future__ import annotations

from rag.answer.prompt import ABSTAIN

SHOWN_OUTLETS = 5


def not_indexed(missing: list[str], outlets: list[tuple[str, int]]) -> str:
    """ "The articles don't say. No article from Bloomberg or Reuters is in the index; its
    articles are from TechCrunch (97), Sporting News (101) ... and 44 more outlets." """
    named = _either(missing)
    shown = ", ".join(f"{name} ({n})" for name, n in outlets[:SHOWN_OUTLETS])
    more = len(outlets) - SHOWN_OUTLETS
    rest = f" and {more} more outlet{'s' if more != 1 else ''}" if more > 0 else ""
    held = f"; its articles are from {shown}{rest}" if outlets else ""
    return f"{ABSTAIN} No article from {named} is in the index{held}."


def _either(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" or {names[-1]}"
