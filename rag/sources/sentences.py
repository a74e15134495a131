"""Sentences and content words: the one sentence splitter of the project, in named variants.

A regular expression, not a tokenizer model: news prose splits well on sentence-final
punctuation, and the spans must map back to exact article offsets.

- `sentence_spans(text)`: every sentence of article text (prompt excerpts, citation quotes).
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


def sentence_spans(text: str, boundary: re.Pattern[str] = _SENTENCE_END) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, trimmed of surrounding whitespace."""
    spans, start = [], 0
    for m in boundary.finditer(text):
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
