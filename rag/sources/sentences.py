"""Sentences and content words: the one sentence splitter of the project, in named variants.

A regular expression, not a tokenizer model: news prose splits well on sentence-final
punctuation, and the spans must map back to exact article offsets.

- `sentence_spans(text)`: every sentence of article text (prompt excerpts, citation quotes);
  a full stop after an abbreviation ("U.S.", "vs.", "Rep.") does not end one.
- `scoring_spans(text)`: the same, with fragments under 20 characters (headings, bylines) merged
  into the next sentence, so that they never score on their own (second-stage retrieval vectors).
- `answer_spans(text)`: sentences of a model's answer, each keeping the [n] markers that follow
  its full stop (citation checking, the UI's unsupported-sentence marks).
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
# Scoring: closing brackets after the stop belong to the sentence too.
_SCORING_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
# In an answer, markers after the full stop belong to the sentence before them.
_ANSWER_END = re.compile(r"(?<=[.!?])[\"'”’)]*(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?:\s+|\Z)|\n+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_STOP = frozenset(
    """a an and are as at be been but by for from had has have he her his i in is it its of on or
    our she that the their them there they this to was we were which who will with would said
    says also not than then these those into about after before over under more most such
    yes""".split()  # noqa: SIM905
)


def content_words(text: str) -> set[str]:
    # A 6-letter prefix is a crude stem: "laboratories" and "laboratory" meet at "labora".
    return {w.lower()[:6] for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


# A full stop that ends an abbreviation, not the sentence: a quote cut there reads "... in
# violation of U.S." or "Jordan Love, Packers vs." (5% of the citations on a MultiHop-RAG run).
# Titles, "vs." and "No. 3" go on whatever follows; initials ("U.S.", "John J. Ray") and
# company or name endings go on before a lowercase word or a digit, and initials also before a
# capitalised word that is not a usual sentence opening ("U.S. District Court", but "from the
# U.S. The firm ..." ends there).
_TITLE = re.compile(
    r"(?:^|[\s(“\"'‘])(?:Mr|Mrs|Ms|Mx|Dr|Prof|Rep|Reps|Sen|Sens|Gov|Gen|Lt|Col|Sgt|Capt|Cmdr|"
    r"Adm|Rev|Hon|Pres|Supt|Det|St|Mt|Ft|vs|v|approx|cf|e\.g|i\.e)\.$"
)
_NUMBERED = re.compile(
    r"(?:^|[\s(“\"'‘])(?:No|Nos|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$"
)
_INITIALS = re.compile(r"(?:^|[\s(“\"'‘])(?:[A-Z]\.){1,4}$")
_ENDING = re.compile(
    r"(?:^|[\s(“\"'‘])(?:Inc|Corp|Co|Ltd|Jr|Sr|Bros|Ave|Blvd|Dept|etc|a\.m|p\.m)\.$"
)
_OPENERS = frozenset(
    """The A An He She It They We I You But And Or So Yet In On At To For From With By As If
    When While After Before Since This That These Those There Here His Her Its Their Our My
    Your Some Many Most Also However Meanwhile Still Now Then Last Next Other Others""".split()  # noqa: SIM905
)
_NEXT_WORD = re.compile(r"[\w’']+")


def _goes_on(text: str, stop: int, after: int) -> bool:
    """Whether the full stop at `text[stop - 1]` ends an abbreviation inside the sentence that
    continues at `after` (see `_TITLE` and the patterns beside it)."""
    before = text[max(0, stop - 12) : stop]
    word = _NEXT_WORD.match(text, after)
    if word is None:
        return False
    nxt = word.group(0)
    if _TITLE.search(before):
        return True
    lower_or_digit = nxt[0].islower() or nxt[0].isdigit()
    if _NUMBERED.search(before):
        return lower_or_digit
    if _INITIALS.search(before):
        return lower_or_digit or (nxt[0].isupper() and nxt not in _OPENERS)
    return bool(_ENDING.search(before)) and lower_or_digit


def sentence_spans(
    text: str, boundary: re.Pattern[str] = _SENTENCE_END, *, abbreviations: bool = True
) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, trimmed of surrounding whitespace; a full stop
    after an abbreviation ("U.S.", "vs.", "Rep.") does not end one (`_goes_on`), unless
    `abbreviations` is False (the attribution extractor merges them its own way)."""
    spans, start = [], 0
    for m in boundary.finditer(text):
        gap = m.group(0)
        after_stop = gap.isspace() and "\n" not in gap and text[m.start() - 1 : m.start()] == "."
        if abbreviations and after_stop and _goes_on(text, m.start(), m.end()):
            continue
        spans.append((start, m.start() + len(m.group(0).rstrip())))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        piece = text[s:e]
        s2 = s + len(piece) - len(piece.lstrip())
        e2 = s + len(piece.rstrip())
        if e2 > s2:
            out.append((s2, e2))
    return out


def answer_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of an answer, its trailing markers included."""
    return sentence_spans(text, _ANSWER_END)


def scoring_spans(text: str, min_chars: int = 20) -> list[tuple[int, int]]:
    """Sentence spans in `text`; fragments shorter than `min_chars` are merged into the next
    sentence so that headings and bylines do not score on their own."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SCORING_END.finditer(text):
        end = m.start()
        if len(text[start:end].strip()) >= min_chars:
            spans.append(_strip(text, start, end))
            start = m.end()
    if text[start:].strip():
        if spans and len(text[start:].strip()) < min_chars:
            spans[-1] = _strip(text, spans[-1][0], len(text))
        else:
            spans.append(_strip(text, start, len(text)))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
