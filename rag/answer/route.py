"""Question-type routing: which kind of answer a question wants, decided by regular expressions
before any model runs.

The kind changes what the first model pass reads off its next-token probabilities: a yes/no
question is decided by P(" Yes") against P(" No"), a choice question by the probabilities of its
options, and anything else by which evidence units to quote. A wrong route costs a wrong
answer, so the patterns are kept to the shapes news questions actually take (measured on the
MultiHop-RAG dev split; the figures are in the report that introduced this module):

- yes_no: the question's main clause opens with an auxiliary verb ("Did ...", "Was there ...").
  Half of MultiHop-RAG's comparison and temporal questions put a leading clause first
  ("Between the report on ... and the report on ..., was there a change ...?"), so the main
  clause is looked for after such a lead too.
- choice: the question offers its answer as two alternatives joined by "or": a tail
  ("..., Google or Apple?"), an opposite pair ("before or after", "consistent or
  inconsistent", "a win or a loss"), "Is it X or Y?", "Did A or B happen first?", or two
  clauses ("Do they agree ..., or do they present different ...?"), whose alternatives are the
  stance words each clause turns on. An "or" that merely joins two things inside a yes/no
  question ("Did the Fortune or the Verge article report ...?") is not a choice.
- temporal: the question compares reports in time (order, change, consistency between dates).
  It is a flag on every route, and the kind of a question that is neither of the above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["yes_no", "choice", "temporal", "open"]

_AUX = (
    r"(?:does|did|is|are|was|were|has|have|had|can|could|would|will|should|do)"
    r"(?:n[’']t)?"
)
_WH = r"(?:what|which|who|whom|whose|when|where|why|how)"
_STARTS_AUX = re.compile(rf"^\W*{_AUX}\b", re.I)
_STARTS_WH = re.compile(rf"^\W*{_WH}\b", re.I)
# A main clause after a leading one: ", was there ...", ", which company ...".
_CLAUSE = re.compile(rf",\s+(?:(?P<aux>{_AUX})|(?P<wh>{_WH}))\b\s*(?P<next>[\w’']*)", re.I)
# "which described ...", "who claims ...": a relative clause inside the lead, not the question.
_RELATIVE_VERB = re.compile(
    r"^(?:[a-z]+ed|claims|reports|describes|discusses|mentions|states|says|suggests|notes|"
    r"details|highlights|argues|alleges|covers|features|focuses|reveals|shows)$"
)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_EDGE_PUNCT = "\"'“”‘’`.,;:!?()[] "

# Single-word alternatives that only make sense as a choice: "a win or a loss".
_OPPOSITES = {
    frozenset(p)
    for p in (
        ("before", "after"),
        ("earlier", "later"),
        ("win", "loss"),
        ("won", "lost"),
        ("increase", "decrease"),
        ("increased", "decreased"),
        ("rise", "fall"),
        ("rose", "fell"),
        ("higher", "lower"),
        ("more", "less"),
        ("positive", "negative"),
        ("same", "different"),
        ("similar", "different"),
        ("agree", "disagree"),
        ("support", "oppose"),
        ("true", "false"),
        ("better", "worse"),
        ("gain", "loss"),
        ("profit", "loss"),
        ("consistent", "changed"),
        ("consistent", "change"),
        ("over", "under"),
        ("larger", "smaller"),
        ("bigger", "smaller"),
        ("longer", "shorter"),
        ("faster", "slower"),
        ("stronger", "weaker"),
        ("above", "below"),
        ("up", "down"),
    )
}
_NEGATING_PREFIXES = ("in", "un", "dis", "non", "im", "ir", "il")
_PAIR = re.compile(r"\b(?:(?:a|an|the)\s+)?([a-z]+)\s+or\s+(?:(?:a|an|the)\s+)?([a-z]+)\b", re.I)
_SLASH_PAIR = re.compile(r"\(\s*([A-Za-z]+)\s*/\s*([A-Za-z]+)\s*\)\s*$")

# "Is it X or Y?"
_IS_IT = re.compile(r"^\W*(?:is|was|are|were)\s+(?:it|this|that|they|he|she)\s+(.+)$", re.I)
# "Did A or B happen first?"
_FIRST = re.compile(
    rf"^\W*{_AUX}\s+(.+?)\s+(?:come|came|happen|happened|occur|occurred|take place)\s+"
    r"(?:first|earlier|sooner)\s*\??$",
    re.I,
)
_WHICH_FIRST = re.compile(
    r"^\W*(?:which|what)\s+(?:\w+\s+)?(?:came|happened|occurred|was reported|was published|"
    r"is earlier|was earlier)\s+(?:first|earlier)\b",
    re.I,
)
# A tail alternative may not begin like a clause or a prepositional phrase: ", according to
# TechCrunch or The Verge?" names where to look, not what to answer.
_NOT_AN_OPTION_START = frozenset(
    """according as in on by from with for at of to reported published and but while
    including or if than then which who what when where whether how why did does do is are
    was were has have had""".split()  # noqa: SIM905
)
# Two-clause alternatives: "Do they agree ..., or do they present different ...?"
_CLAUSE_OR = re.compile(rf",\s+or\s+{_AUX}\b", re.I)
_ALIKE = frozenset({"agree", "align", "similar", "same", "consistent", "comparable"})
_STANCE = {
    "agree": "agree",
    "agrees": "agree",
    "agreed": "agree",
    "align": "align",
    "aligns": "align",
    "aligned": "align",
    "similar": "similar",
    "similarly": "similar",
    "same": "same",
    "consistent": "consistent",
    "consistently": "consistent",
    "comparable": "comparable",
    "different": "different",
    "differently": "different",
    "differ": "different",
    "differs": "different",
    "differing": "different",
    "discrepancy": "discrepancy",
    "disagree": "disagree",
    "disagrees": "disagree",
    "inconsistent": "inconsistent",
    "contradict": "contradictory",
    "contradicts": "contradictory",
    "contradictory": "contradictory",
    "superior": "superior",
    "inferior": "inferior",
    "changed": "changed",
}
_WORD = re.compile(r"[A-Za-z]+(?:[’'-][A-Za-z]+)*")

# Temporal questions compare reports in time. Order words count only next to a report ("after
# TechCrunch reported", "the earlier article"): "after a 1-4 start" is about a season, not about
# the coverage. Change and consistency words count only where the question names dates or two
# reports ("was there a change between the October 4 and the October 7 reports?").
_REPORT = (
    r"(?:report(?:s|ed|ing)?|articles?|pieces?|coverage|stor(?:y|ies)|published|mentioned|"
    r"covered|discussed|highlighted|noted|announced)"
)
_ORDER = r"(?:before|after|prior\s+to|subsequent(?:ly)?|earlier|later|following)"
_ORDERED_REPORTS = re.compile(
    rf"\b{_ORDER}\b(?:\W+[\w’'-]+){{0,6}}?\W+{_REPORT}\b"
    rf"|\b{_REPORT}\b(?:\W+[\w’'-]+){{0,3}}?\W+{_ORDER}\b"
    r"|\b(?:came|come|happened|happen|occurred|appeared|reported|published)\s+first\b"
    r"|\bbefore\s+or\s+after\b",
    re.I,
)
_BETWEEN_REPORTS = re.compile(rf"\bbetween\s+(?:\S+\s+){{0,12}}?{_REPORT}\b.*\band\b", re.I)
_CHANGE = re.compile(
    r"(?<!climate )\b(?:change[d]?|shift(?:ed)?|evolv(?:e|ed|es)|unchanged|"
    r"remain(?:ed|s)?\s+(?:consistent|the\s+same)|consisten(?:t|cy)|inconsisten(?:t|cy))\b",
    re.I,
)
_DATE = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\bover\s+time\b",
    re.I,
)
_ANY_REPORT = re.compile(r"\b(?:reports?|articles?|pieces?|coverage|stor(?:y|ies))\b", re.I)


MAX_OPTION_WORDS = 6
MAX_FIRST_OPTION_WORDS = 14  # "Did the Guardian's report on ... or ... happen first?"


@dataclass(frozen=True)
class Route:
    """What kind of answer a question wants. `options` holds the two alternatives of a choice
    question, as written in it; `temporal` marks a question about order or change over time,
    whatever its kind (a temporal yes/no question stays yes_no)."""

    kind: Kind
    options: tuple[str, ...] = ()
    temporal: bool = False


def route(question: str) -> Route:
    """The route for `question` (pure: regular expressions only)."""
    q = " ".join(question.split())
    temporal = is_temporal(q)
    options = choice_options(q)
    if options:
        return Route("choice", options, temporal)
    if is_yes_no(q):
        return Route("yes_no", (), temporal)
    return Route("temporal" if temporal else "open", (), temporal)


def is_temporal(question: str) -> bool:
    """True for a question about the order of reports or a change between them."""
    q = question
    if _ORDERED_REPORTS.search(q) or _BETWEEN_REPORTS.search(q):
        return True
    if len({m.group(0).lower() for m in _DATE.finditer(q)}) >= 2:
        return True  # two dated reports set side by side
    return bool(_CHANGE.search(q)) and (bool(_DATE.search(q)) or len(_ANY_REPORT.findall(q)) >= 2)


def is_yes_no(question: str) -> bool:
    """True when the question's main clause opens with an auxiliary verb: at the start, or
    after a leading clause ("After the report on ..., did ...?")."""
    q = question.strip()
    if _STARTS_AUX.match(q):
        return True
    if _STARTS_WH.match(q):
        return False
    for m in _CLAUSE.finditer(q):
        if m.group("aux"):
            return True
        if _RELATIVE_VERB.match(m.group("next").lower()):
            continue  # "..., which described ..., did ...": still inside the lead
        return False  # "..., which company ...": a wh-question after all
    return False


def choice_options(question: str) -> tuple[str, ...]:
    """The two alternatives a question offers as its answer, or () when it offers none."""
    q = " ".join(question.split())
    for find in (_slash, _is_it, _first, _tail, _clauses, _opposites):
        options = find(q)
        if options:
            return options
    return ()


def _clean(option: str) -> str:
    """An option as an answer would name it: no leading article, no quotes or punctuation."""
    option = option.strip(_EDGE_PUNCT)
    option = _ARTICLE.sub("", option)
    return option.strip(_EDGE_PUNCT)


def _pair(a: str, b: str, max_words: int = MAX_OPTION_WORDS) -> tuple[str, ...]:
    a, b = _clean(a), _clean(b)
    if not a or not b or a.lower() == b.lower():
        return ()
    if len(a.split()) > max_words or len(b.split()) > max_words:
        return ()
    return (a, b)


def _body(q: str) -> str:
    """The question without its closing "?" and any closing parenthetical hint."""
    q = q.strip().rstrip("?").rstrip()
    return re.sub(r"\s*\([^()]*\)\s*$", "", q).rstrip().rstrip("?").rstrip()


def _split_or(text: str) -> tuple[str, str] | None:
    """Split at the only " or " in `text`; None when there is not exactly one."""
    parts = re.split(r"\s+or\s+", text, flags=re.I)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _slash(q: str) -> tuple[str, ...]:
    m = _SLASH_PAIR.search(q.rstrip().rstrip("?"))
    return _pair(m.group(1), m.group(2)) if m else ()


def _is_it(q: str) -> tuple[str, ...]:
    m = _IS_IT.match(_body(q))
    if not m:
        return ()
    halves = _split_or(m.group(1))
    return _pair(*halves) if halves else ()


def _first(q: str) -> tuple[str, ...]:
    m = _FIRST.match(q.strip())
    if m:
        halves = _split_or(m.group(1))
        return _pair(*halves, max_words=MAX_FIRST_OPTION_WORDS) if halves else ()
    if _WHICH_FIRST.match(q):
        tail = re.split(r"[,:]\s+", _body(q))[-1]
        halves = _split_or(tail)
        return _pair(*halves, max_words=MAX_FIRST_OPTION_WORDS) if halves else ()
    return ()


def _tail(q: str) -> tuple[str, ...]:
    """A choice closing a wh-question ("Which company ..., Google or Apple?"): the segment after
    the last comma or colon. In a yes/no question such a segment is usually a list the question
    is about ("was there no change in the challenges it faced, X or Y?"), so there only two
    names close the question as a choice ("Was the summit held in Dushanbe or Tehran?")."""
    if is_yes_no(q):
        return _named_tail(q)
    body = _body(q)
    pieces = re.split(r"[,:;]\s+", body)
    if len(pieces) < 2:
        return ()
    halves = _split_or(pieces[-1])
    if not halves:
        return ()
    first_word = _WORD.match(halves[0].strip(_EDGE_PUNCT))
    if not first_word or first_word.group(0).lower() in _NOT_AN_OPTION_START:
        return ()
    return _pair(*halves)


_NAME = r"[A-Z][\w’'.&-]*"
_NAMED_TAIL = re.compile(
    rf"(?:^|[\s,:])((?:{_NAME}\s+){{0,2}}{_NAME})\s+or\s+((?:the\s+)?(?:{_NAME}\s+){{0,2}}{_NAME})$"
)


def _named_tail(q: str) -> tuple[str, ...]:
    m = _NAMED_TAIL.search(_body(q))
    return _pair(m.group(1), m.group(2)) if m else ()


def _clauses(q: str) -> tuple[str, ...]:
    """Two clauses as alternatives ("Do both agree ..., or do they present different ...?"):
    the options are the stance word each clause turns on."""
    m = _CLAUSE_OR.search(q)
    if not m:
        return ()
    first = _stance(q[: m.start()])
    second = _stance(q[m.end() :])
    # One alternative must say "alike" and the other "not alike": in "..., while the same source
    # implies ..., or do both agree ...?" both clauses lean the same way, and it is a yes/no.
    if first and second and (first in _ALIKE) != (second in _ALIKE):
        return (first, second)
    return ()


def _stance(clause: str) -> str | None:
    for w in _WORD.findall(clause):
        if w.lower() in _STANCE:
            return _STANCE[w.lower()]
    return None


def _opposites(q: str) -> tuple[str, ...]:
    for m in _PAIR.finditer(q):
        a, b = m.group(1), m.group(2)
        la, lb = a.lower(), b.lower()
        if frozenset((la, lb)) in _OPPOSITES or any(
            lb == p + la or la == p + lb for p in _NEGATING_PREFIXES
        ):
            return (a, b)
    return ()
