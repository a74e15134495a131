"""What a question names that the index does not hold, said before any model runs.

"Based on a Bloomberg article and a Reuters report, ..." cannot be answered from an index that
holds no article from Bloomberg or Reuters, however close the retrieved passages come: a model
shown TechCrunch's sentences answers anyway, under the wrong outlet's name. The publishers a
question names are found by `rag.search.query.unknown_outlets` (only where the question puts a
publisher: "a Bloomberg article", "an article in The Wall Street Journal", "reported by CNN"),
and the answer says which are missing and which outlets the index does hold. Where some articles
have no outlet recorded, a publisher that one of them names is not called missing
(`HybridRetriever.unknown_outlets`).

Names work the same way ("What did Serban Ionescu build?", "the Paris Olympics"): capitalised
words outside a sentence's start (`rag.search.query.names_in`), one of which no indexed chunk
has, nor, for a long word, a spelling one or two letters away (`KeywordIndex.holds`: "Zelenskyy"
finds "Zelensky", a typo such as "Patrushv" finds "Patrushev"). Acronyms are not looked up, as
articles often spell them out. On MultiHop-RAG dev, outlets and names together catch 108 of the
126 questions the corpus cannot answer (102 by outlet alone) and none of the 874 it can
(`scripts/check_scope.py`).

Left out: dates named in the question (a date in a question is as often the day of an event as
the day of a report).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer.prompt import ABSTAIN

SHOWN_OUTLETS = 5


def not_indexed(
    missing: list[str], outlets: list[tuple[str, int]], names: Sequence[str] = ()
) -> str:
    """ "The articles don't say. No article in the index mentions Serban Ionescu. No article
    from Bloomberg or Reuters is in the index; its articles are from TechCrunch (97), Sporting
    News (101) ... and 44 more outlets." """
    said = [ABSTAIN]
    if names:
        said.append(f"No article in the index mentions {_either(list(names))}.")
    if missing:
        shown = ", ".join(f"{name} ({n})" for name, n in outlets[:SHOWN_OUTLETS])
        more = len(outlets) - SHOWN_OUTLETS
        rest = f" and {more} more outlet{'s' if more != 1 else ''}" if more > 0 else ""
        held = f"; its articles are from {shown}{rest}" if outlets else ""
        said.append(f"No article from {_either(missing)} is in the index{held}.")
    return " ".join(said)


def _either(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" or {names[-1]}"
