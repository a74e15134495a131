"""Question analysis: which outlets and dates a question names, and how a question about two or
more stories splits into one sub-query per story.

Outlets are matched against the outlets actually present in the index (so a user's own folder
works the same way): by full name, by the name before a " | ", " - " or ": " tagline ("Cnbc |
World Business News Leader" -> "Cnbc"), and without a leading "The" when more than one word is left
("The New York Times" -> "New York Times"). Dates are read from the usual written forms ("October
7, 2023", "7 October 2023", "2023-10-07", "October 2023", "late October", "in October").

Left out: relative dates ("last week"), outlets the index does not hold, and any model-based
parsing; a question with nothing recognised is searched as it is.
"""

from __future__ import annotations

import calendar
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m and m != "May"})
_MONTH = (
    r"(January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:,?\s+(\d{4}))?\b"
MONTHS["sept"] = 9


@dataclass(frozen=True)
class DateSpan:
    """Days first..last as YYYYMMDD; year 0 means "any year" (the question gave none)."""

    first: int
    last: int
    start: int  # where the question names it
    end: int

    def matches(self, day: int | None) -> bool:
        if day is None:
            return False
        if self.first // 10000 == 0:
            return self.first <= day % 10000 <= self.last
        return self.first <= day <= self.last


@dataclass(frozen=True)
class OutletMention:
    sources: tuple[str, ...]  # the index's outlet names this mention stands for
    start: int
    end: int


@dataclass(frozen=True)
class SubQuery:
    text: str
    sources: tuple[str, ...] = ()  # restrict to these outlets; () = any
    dates: tuple[DateSpan, ...] = ()


@dataclass(frozen=True)
class QueryPlan:
    question: str
    outlets: list[OutletMention] = field(default_factory=list)
    dates: list[DateSpan] = field(default_factory=list)
    subqueries: list[SubQuery] = field(default_factory=list)


def aliases(source: str) -> set[str]:
    """Names a question may use for an outlet."""
    names = {source}
    head = re.split(r"\s+[|\-–—:]\s+|:\s+", source)[0].strip()
    names.add(head)
    for name in list(names):
        rest = re.sub(r"^the\s+", "", name, flags=re.I)
        if rest != name and len(rest.split()) > 1:
            names.add(rest)
    return {n for n in names if len(n) >= 3}


class OutletMatcher:
    """Finds outlet names in questions; built once from the outlets in the index."""

    def __init__(self, sources: list[str]) -> None:
        by_alias: dict[str, set[str]] = {}
        for s in sources:
            for a in aliases(s):
                by_alias.setdefault(a.lower(), set()).add(s)
        self._by_alias = by_alias
        names = sorted(by_alias, key=len, reverse=True)  # longest first: "The New York Times"
        self._re = (
            re.compile(r"(?<![\w])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.I)
            if names
            else None
        )

    def holds(self, name: str) -> bool:
        """Whether `name` stands for an outlet of the index: an alias, that alias with "The"
        ("Guardian" for "The Guardian"), or its first words ("BBC" for "BBC News")."""
        name = re.sub(r"^the\s+", "", name.strip(), flags=re.I).lower()
        bare = (re.sub(r"^the\s+", "", alias) for alias in self._by_alias)
        return any(b == name or b.startswith(f"{name} ") for b in bare)

    def find(self, question: str) -> list[OutletMention]:
        if self._re is None:
            return []
        return [
            OutletMention(tuple(sorted(self._by_alias[m.group(1).lower()])), m.start(), m.end())
            for m in self._re.finditer(question)
        ]


_DATE_FORMS = [
    # 2023-10-07
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    # October 7, 2023 / Oct. 7th 2023 / October 7
    (re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?" + _YEAR), "mdy"),
    # 7 October 2023
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + _YEAR), "dmy"),
    # early/mid/late October (2023)
    (re.compile(r"\b(early|mid|middle of|late|end of)[\s-]+" + _MONTH + _YEAR, re.I), "part"),
    # October 2023 / in October
    (re.compile(_MONTH + r",?\s+(\d{4})\b"), "my"),
    (re.compile(r"\b(?:in|of|during|since|before|after|by)\s+" + _MONTH + r"\b(?!\s+\d)"), "m"),
]


def find_dates(question: str) -> list[DateSpan]:
    found: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for pattern, form in _DATE_FORMS:
        for m in pattern.finditer(question):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            span = _span(m, form)
            if span is not None:
                found.append(DateSpan(span[0], span[1], m.start(), m.end()))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def _span(m: re.Match[str], form: str) -> tuple[int, int] | None:
    g = m.groups()
    try:
        if form == "ymd":
            y, mo, d = int(g[0]), int(g[1]), int(g[2])
        elif form == "mdy":
            y, mo, d = int(g[2] or 0), MONTHS[g[0].lower()], int(g[1])
        elif form == "dmy":
            y, mo, d = int(g[2] or 0), MONTHS[g[1].lower()], int(g[0])
        elif form in ("my", "m", "part"):
            if form == "part":
                part, month, year = g[0].lower(), g[1], g[2]
            else:
                part, month, year = "", g[0], g[1] if form == "my" else None
            y, mo = int(year or 0), MONTHS[month.lower()]
            last = calendar.monthrange(y or 2001, mo)[1]
            lo, hi = {"early": (1, 10), "mid": (11, 20), "middle of": (11, 20)}.get(
                part, (21, last) if part in ("late", "end of") else (1, last)
            )
            return y * 10000 + mo * 100 + lo, y * 10000 + mo * 100 + hi
        else:
            return None
        datetime(y or 2001, mo, d)  # rejects "February 30"
    except (KeyError, ValueError):
        return None
    day = y * 10000 + mo * 100 + d
    return day, day


_CLAUSE_BREAK = re.compile(
    r",\s*|;\s*|\s+(?:and|while|whereas|but|or|compared to|compared with|versus|vs\.?|than)\s+",
    re.I,
)


def analyse(
    question: str, matcher: OutletMatcher, decompose: bool = True, clause_text: bool = True
) -> QueryPlan:
    """The question's outlets and dates, and its sub-queries: the question itself first, then,
    when it names two or more stories (outlets or dates), one per story, each restricted to the
    outlets its clause names. A sub-query's text is its clause, or with `clause_text=False` the
    whole question (clauses often lack the shared predicate: "Did X and Y both report ...")."""
    outlets = matcher.find(question)
    dates = find_dates(question)
    whole = SubQuery(question, tuple(sorted({s for m in outlets for s in m.sources})), tuple(dates))
    plan = QueryPlan(question, outlets, dates, [whole])
    if not decompose:
        return plan
    anchors = sorted([(m.start, m.end) for m in outlets] + [(d.start, d.end) for d in dates])
    if len(anchors) < 2:
        return plan
    cuts = _cuts(question, anchors)
    if not cuts:
        return plan
    bounds = [0, *cuts, len(question)]
    for lo, hi in itertools.pairwise(bounds):
        text = question[lo:hi].strip(" ,;?")
        mine = tuple(sorted({s for m in outlets if lo <= m.start < hi for s in m.sources}))
        my_dates = tuple(d for d in dates if lo <= d.start < hi)
        if text and (mine or my_dates):
            plan.subqueries.append(SubQuery(text if clause_text else question, mine, my_dates))
    if len(plan.subqueries) < 3:  # one clause only: nothing was split
        del plan.subqueries[1:]
    return plan


def _cuts(question: str, anchors: list[tuple[int, int]]) -> list[int]:
    """Between consecutive anchors, cut at the last clause break (or at the next anchor)."""
    cuts = []
    for (_, end), (start, _) in itertools.pairwise(anchors):
        breaks = [m.start() for m in _CLAUSE_BREAK.finditer(question, end, start)]
        if breaks:
            cuts.append(breaks[-1])
    return sorted(set(cuts))


# Outlets a question names that the index does not hold. A name counts as an outlet only where a
# question puts a publisher: "a Bloomberg article", "an article in The Wall Street Journal", "a
# report by Reuters", "reported by CNN". Elsewhere a capitalised name is a person, a company or a
# topic ("according to Patrushev", "the Tesla recall"), so it is left to retrieval.
_STORY = (
    r"(?:article|report|piece|story|stories|review|column|op-ed|editorial|feature|post|blog|"
    r"analysis|coverage|interview|newsletter|podcast|broadcast|segment|headline|investigation|"
    r"opinion|commentary|profile|exclusive|articles|reports|pieces|reviews|columns|features)"
)
_CAP = r"[A-Z][\w&.'’-]*"
_LINK = r"(?:\s+(?:of|the|and|&|for|de|du|la|le)\s+|\s+|-)"
# A publisher's name: capitalised words, with "of", "and", "&" inside ("Times of India"),
# optionally quoted ('The Verge').
_OUTLET_NAME = rf"['‘\"“]?(?P<name>(?:The\s+|the\s+)?{_CAP}(?:{_LINK}{_CAP}){{0,5}})['’\"”]?"
_OUTLET_SLOTS = (
    # "a Bloomberg article", "the 'Fortune' report", "a Times of India report"
    re.compile(rf"\b(?:a|an|the|one|another|both)\s+{_OUTLET_NAME}\s+{_STORY}\b"),
    # "an article in The New York Times", "a piece from Business Standard", "a report by Reuters"
    re.compile(
        rf"\b{_STORY}\s+(?:(?:published|posted|appearing|carried|released)\s+)?"
        rf"(?:in|from|by|at)\s+{_OUTLET_NAME}"
    ),
    # "... and another in The Wall Street Journal"
    re.compile(rf"\b(?:another|the other|one)\s+(?:in|from|by)\s+{_OUTLET_NAME}"),
    # "reported by CNN", "as covered by both Bloomberg and Reuters", "discussed in The Times";
    # not "mentioned by" or "claimed by", whose agent is as often a person
    re.compile(
        r"\b(?:(?:reported|published|covered|featured|carried)\s+(?:by|in)|(?:discussed|"
        r"mentioned|described|detailed|outlined|highlighted|written)\s+in)\s+"
        rf"(?:both\s+)?{_OUTLET_NAME}"
    ),
)
# Words that take a slot without being a publisher's name.
_NOT_OUTLETS = frozenset(
    """The A An Both Another One Two Three Each Every Some Any Which What This That These Those
    Its Their His Her Same Latest Recent Previous Subsequent Earlier Later First Second Third
    Last Next Other Original Following Initial Final Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October
    November December""".split()  # noqa: SIM905
)


MAX_OUTLET_CHARS = 60  # "The Independent - Life and Style" is 32; longer is not a name


def unknown_outlets(question: str, matcher: OutletMatcher) -> list[str]:
    """The publishers a question names in a publisher's place ("a Bloomberg article", "a report
    by Reuters") that are not outlets of the index, as written, first mention first."""
    known = [(m.start, m.end) for m in matcher.find(question)]
    names: list[str] = []
    for slot in _OUTLET_SLOTS:
        for m in slot.finditer(question):
            if re.search(r"['’]s$", m.group("name")):
                continue  # "the EU's report": whose report, a topic rather than a publisher
            at = m.start("name")
            # "by both Bloomberg and Reuters": each name on its own
            for part in re.finditer(r"(?:(?!\s+and\s+).)+", m.group("name")):
                start, end = at + part.start(), at + part.end()
                name = re.sub(r"^the\s+", "", part.group(0), flags=re.I).strip(" .,'’")
                if (
                    not name
                    or len(name) > MAX_OUTLET_CHARS
                    or name.split()[0] in _NOT_OUTLETS
                    or name in names
                    or any(s < end and start < e for s, e in known)
                    or matcher.holds(name)
                ):
                    continue
                names.append(name)
    return names


# A word of a name: capitalised, with lower case in it (an acronym is often spelled out in the
# articles: "JCPOA", "the nuclear deal"), possessive and trailing stops left off.
_NAME_WORD = re.compile(r"(?<![\w'’.-])[A-Z][\w'’.-]*[a-z][\w'’.-]*")
# Capitalised in a chat for politeness, not because they name anything.
_NOT_NAMES = frozenset("please thanks thank hi hello hey yes no ok okay".split())  # noqa: SIM905
_SENTENCE_START = re.compile(r"(?:^|[.?!:;\"“‘(]\s*|\n\s*)$")


def names_in(question: str, skip: list[tuple[int, int]]) -> list[tuple[str, list[str]]]:
    """The names a question uses, each as written with its words: capitalised words in a row,
    not at the start of the question or of a sentence in it (where any word is capitalised),
    and not inside the spans in `skip` (outlets the index holds)."""
    names: list[tuple[str, list[str]]] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        if run:
            text = question[run[0].start() : run[-1].end()]
            names.append((text, [_bare(m.group(0)) for m in run]))
            run.clear()

    for m in _NAME_WORD.finditer(question):
        if (
            _SENTENCE_START.search(question, 0, m.start())
            or _bare(m.group(0)).lower() in _NOT_NAMES
            or any(a < m.end() and m.start() < b for a, b in skip)
        ):
            close()
            continue
        if run and question[run[-1].end() : m.start()].strip():
            close()
        run.append(m)
    close()
    return [(_bare(text), words) for text, words in names]


def _bare(word: str) -> str:
    return re.sub(r"(?:['’]s?)?[.,'’-]*$", "", word)
