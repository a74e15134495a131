"""Evidence units: the numbered pieces of retrieved text (S1..S9) that the model reads and that
its next-token probabilities choose between.

A unit is a sentence joined with what attributes it. A 1.5B model does not connect a bare
quotation to a speaker named one sentence earlier: on the flagship question the quote alone
("...the creation of a new NATO...") got P=0.065 as evidence, and the same quote joined to the
sentence that names Patrushev got P=0.79 (DESIGN.md). So a quote travels with the sentence that
introduces it, a speakerless quote with the sentence before it, and a sentence that opens with a
pronoun ("He stressed ...") with its antecedent, up to a size where a unit stops being one fact.

Units are chosen per question within a token budget (every prompt token costs about 10 ms on the
CPU this runs on): first the best unit of every retrieved article, so a question about two
stories sees both, then the best of the rest. They are shown grouped by article under one
"[Outlet · date · Title]" line, most relevant article last, right before the question.

Pure functions: no model is called here; meaning-based scores come in through `scores`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rag.sources.sentences import content_words, sentence_spans
from rag.types import Passage

Scores = Callable[[str, list[str]], list[float]]
CHARS_PER_TOKEN = 4  # close for English news with Qwen's tokenizer; the model counts exactly


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


MAX_UNITS = 9  # S1..S9: a single digit is one token after " S" in Qwen's vocabulary
MAX_UNIT_WORDS = 80  # a merged unit longer than this is no longer one piece of evidence
QUOTED_WORDS_OF_A_QUOTE = 5  # a sentence quoting more words than this delivers its own quote

_OPEN_QUOTES = '“"‘«'
_SAY = re.compile(
    r"\b(?:said|says|say|saying|told|tells|telling|stated|states|stating|added|adds|adding|"
    r"noted|notes|noting|warned|warns|warning|according\s+to|called|calls|calling|"
    r"explained|explains|stressed|stresses|insisted|insists|argued|argues|claimed|claims|"
    r"announced|announces|wrote|writes|asked|asks|replied|responded|declared|commented|"
    r"remarked|urged|urges|emphasi[sz]ed|emphasi[sz]es|described|acknowledged|admitted|"
    r"suggested|continued|concluded|recalled|tweeted|posted|confirmed|denied|"
    r"believes|believed|predicted|announcing)\b",
    re.I,
)
_PRONOUNS = frozenset(
    "He She They It Its His Her Their This That These Those".split()  # noqa: SIM905
)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Unit:
    """One piece of evidence: `passage.chunk.text[start:end]`, shown to the model as S{id}."""

    id: int  # 1..9
    passage: Passage
    start: int  # offsets into passage.chunk.text
    end: int
    score: float = 0.0  # relevance to the question (half meaning, half words), for abstention

    @property
    def text(self) -> str:
        """The span with its line breaks and runs of spaces collapsed: a merged unit may cross
        a paragraph break, and the model needs one line per unit."""
        return " ".join(self.passage.chunk.text[self.start : self.end].split())

    @property
    def doc_id(self) -> str:
        return self.passage.chunk.doc_id

    @property
    def doc_start(self) -> int:
        """Offset in the document text, for citations."""
        return self.passage.chunk.start + self.start

    @property
    def doc_end(self) -> int:
        return self.passage.chunk.start + self.end

    @property
    def header(self) -> str:
        """The article's line: "Outlet · 2023-10-07 · Title", leaving out what is unknown. The
        day, not the time, is what a "which came first" question needs."""
        p = self.passage
        date = (p.published_at or "").strip()[:10]
        return " · ".join(x for x in (p.source, date, p.title) if x)


# ---------------------------------------------------------------------------- attribution


def attributed_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of `text`, each joined with the sentences that attribute it.

    A sentence joins the one before it when (a) that one introduces a quotation (ends with ":"
    or names a speaker with a say-verb) and this one is a quotation, (b) this one is a
    quotation that names no speaker, or (c) this one opens with a pronoun whose antecedent is
    in the sentence before. Joined spans are contiguous and stay within MAX_UNIT_WORDS words
    (a single longer sentence stays whole)."""
    spans = sentence_spans(text)
    if not spans:
        return []
    facts = _sentence_facts(text, spans)
    groups: list[list[int]] = [[0]]
    for i in range(1, len(spans)):
        group = groups[-1]
        words = sum(facts[j].words for j in group) + facts[i].words
        if words <= MAX_UNIT_WORDS and _belongs_to_previous(facts[i - 1], facts[i]):
            group.append(i)
        else:
            groups.append([i])
    return [(spans[g[0]][0], spans[g[-1]][1]) for g in groups]


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: int
    quoted_share: float  # of its word characters, the share inside quotation marks
    quoted_words: int
    starts_quote: bool
    says: bool  # a say-verb outside the quotation marks


def _sentence_facts(text: str, spans: list[tuple[int, int]]) -> list[_Sentence]:
    """What the joining rules need about each sentence. Quotation state is carried from one
    sentence to the next within a paragraph (a quote may run over several sentences) and
    reset at a paragraph break, where news style reopens a continuing quote."""
    out: list[_Sentence] = []
    inside = False
    prev_end = 0
    for s, e in spans:
        if "\n" in text[prev_end:s]:
            inside = False
        piece = text[s:e]
        outside_chars: list[str] = []
        quoted_chars: list[str] = []
        for ch in piece:
            if ch == "“":
                inside = True
            elif ch == "”":
                inside = False
            elif ch == '"':
                inside = not inside
            else:
                (quoted_chars if inside else outside_chars).append(ch)
        quoted, outside = "".join(quoted_chars), "".join(outside_chars)
        n_quoted = sum(c.isalnum() for c in quoted)
        n_all = n_quoted + sum(c.isalnum() for c in outside)
        out.append(
            _Sentence(
                text=piece,
                words=len(piece.split()),
                quoted_share=n_quoted / n_all if n_all else 0.0,
                quoted_words=len(_WORDS.findall(quoted)),
                starts_quote=piece.lstrip()[:1] in _OPEN_QUOTES,
                says=bool(_SAY.search(outside)),
            )
        )
        prev_end = e
    return out


def _is_quote(s: _Sentence) -> bool:
    return s.starts_quote or s.quoted_share > 0.5


def _introduces(s: _Sentence) -> bool:
    """Ends with a colon, or names a speaker without delivering a quotation of its own
    ("Patrushev called the plan "very dangerous."" introduces; a sentence that already holds
    a long quote and its speaker does not need the next quote)."""
    if s.text.rstrip().rstrip("\"'”’").endswith(":"):
        return True
    return s.says and s.quoted_words <= QUOTED_WORDS_OF_A_QUOTE


def _belongs_to_previous(prev: _Sentence, cur: _Sentence) -> bool:
    """(a) `prev` introduces the quotation `cur` opens with; (b) `cur` is a quotation with no
    speaker of its own; (c) `cur` opens with a pronoun. A sentence that names its speaker
    before its quote ("Kim said: "..."") introduces itself and needs neither (a) nor (b)."""
    if cur.starts_quote and _introduces(prev):
        return True
    if _is_quote(cur) and not cur.says:
        return True
    first = _FIRST_WORD.match(cur.text)
    return first is not None and first.group(0) in _PRONOUNS


# ---------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class _Candidate:
    passage_index: int
    start: int
    end: int
    text: str
    doc_id: str
    doc_start: int
    doc_end: int
    header: str


def build_units(
    question: str,
    passages: list[Passage],
    scores: Scores | None,
    max_units: int = MAX_UNITS,
    budget_tokens: int = 380,
) -> list[Unit]:
    """The evidence units for `question`, numbered 1..n in the order they are to be shown.

    Candidates are the attributed spans of every passage, scored half by meaning
    (`scores(question, texts)`: cosine similarities; None: words only) and half by the share of
    the question's content words they hold. Every article first gives its best unit, in
    passage rank order, so a question about two stories sees both; then the best remaining
    units anywhere, while they fit in `budget_tokens` (estimated as rendered, headers once per
    article) and `max_units`. Overlapping text of one article (chunks overlap) and repeated
    text are taken once. The result is grouped by article, articles in ascending order of
    their best unit's score (the most relevant last, next to the question, where a small model
    looks), units within an article in article order."""
    ranked = sorted(range(len(passages)), key=lambda i: passages[i].rank)
    candidates = [
        _candidate(i, passages[i], s, e)
        for i in ranked
        for s, e in attributed_spans(passages[i].chunk.text)
        if _informative(passages[i].chunk.text[s:e], passages[i].title)
    ]
    if not candidates or max_units <= 0:
        return []
    values = _scores(question, [c.text for c in candidates], scores)
    order = sorted(range(len(candidates)), key=lambda j: -values[j])  # stable: rank breaks ties

    chosen: list[int] = []
    seen_docs: set[str] = set()
    seen_texts: set[str] = set()
    used = 0

    def take(j: int) -> None:
        nonlocal used
        c = candidates[j]
        if len(chosen) >= max_units or _clashes(c, [candidates[k] for k in chosen]):
            return
        key = _text_key(c.text)
        if key in seen_texts:
            return
        cost = _cost(c, new_doc=c.doc_id not in seen_docs)
        if chosen and used + cost > budget_tokens:
            return
        chosen.append(j)
        seen_docs.add(c.doc_id)
        seen_texts.add(key)
        used += cost

    docs = list(dict.fromkeys(c.doc_id for c in candidates))  # in passage rank order
    for doc in docs:
        best = next(j for j in order if candidates[j].doc_id == doc)
        take(best)
    for j in order:
        if j not in chosen and values[j] > 0:
            take(j)

    best_of_doc: dict[str, float] = {}
    for j in chosen:
        doc = candidates[j].doc_id
        best_of_doc[doc] = max(best_of_doc.get(doc, float("-inf")), values[j])
    doc_position = {doc: n for n, doc in enumerate(docs)}
    shown = sorted(
        chosen,
        key=lambda j: (
            best_of_doc[candidates[j].doc_id],
            -doc_position[candidates[j].doc_id],  # equal scores: the higher-ranked one last
            candidates[j].doc_start,
            candidates[j].doc_end,
        ),
    )
    return [
        Unit(
            n,
            passages[candidates[j].passage_index],
            candidates[j].start,
            candidates[j].end,
            values[j],
        )
        for n, j in enumerate(shown, start=1)
    ]


MIN_UNIT_WORDS = 4


def _informative(text: str, title: str) -> bool:
    """Page furniture is not evidence: "Related News:", "Read More:", a section path, or the
    title repeated as the first line of the body. Each would cost a unit slot and prompt time,
    and a small model sometimes picks them."""
    words = _WORDS.findall(text)
    if len(words) < MIN_UNIT_WORDS or text.rstrip().endswith(":"):
        return False
    return _text_key(text) != _text_key(title)


def _candidate(i: int, p: Passage, start: int, end: int) -> _Candidate:
    unit = Unit(0, p, start, end)
    return _Candidate(
        i, start, end, unit.text, unit.doc_id, unit.doc_start, unit.doc_end, unit.header
    )


def _scores(question: str, texts: list[str], scores: Scores | None) -> list[float]:
    """Half meaning, half words: the cosine alone ranks a sentence that is on topic but lacks
    the asked-for name as high as one that has it."""
    want = content_words(question)
    lexical = [len(want & content_words(t)) / len(want) if want else 0.0 for t in texts]
    if scores is None:
        return lexical
    cosine = scores(question, texts)
    return [0.5 * c + 0.5 * w for c, w in zip(cosine, lexical, strict=True)]


def _clashes(c: _Candidate, taken: list[_Candidate]) -> bool:
    """Overlaps a unit already taken from the same article (chunks of one article overlap)."""
    return any(
        t.doc_id == c.doc_id and c.doc_start < t.doc_end and t.doc_start < c.doc_end for t in taken
    )


def _text_key(text: str) -> str:
    """Repeated text (the same paragraph in two chunks, a syndicated copy) is taken once."""
    return " ".join(_WORDS.findall(text.lower()))


def _cost(c: _Candidate, new_doc: bool) -> int:
    """Estimated tokens this unit adds to the rendered block: its line ("S1: " and text) and,
    for the first unit of an article, the header line and the blank line before it."""
    line = estimate_tokens(f"S1: {c.text}") + 1
    return line + (estimate_tokens(f"[{c.header}]") + 2 if new_doc else 0)


# ---------------------------------------------------------------------------- rendering


def render_units(units: list[Unit], notes: Mapping[str, str] | None = None) -> str:
    """The evidence block of the prompt: per article a "[Outlet · 2023-10-07 · Title]" line,
    then one "S1: text" line per unit; a blank line between articles. One header per article
    and one line per unit keep it compact (every prompt token costs about 10 ms). `notes`, by
    document id, are added to the header ("(earlier)" for a which-came-first question)."""
    blocks: list[list[str]] = []
    current: str | None = None
    notes = notes or {}
    for u in units:
        if not blocks or u.doc_id != current:
            current = u.doc_id
            note = f" ({notes[u.doc_id]})" if u.doc_id in notes else ""
            blocks.append([f"[{u.header}]{note}"] if u.header or note else [])
        blocks[-1].append(f"S{u.id}: {u.text}")
    return "\n\n".join("\n".join(lines) for lines in blocks)
