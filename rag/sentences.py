"""Sentences and content words: the small text tools that citation checking and prompt
selection share. A regular expression, not a tokenizer model: news prose splits well on
sentence-final punctuation, and the spans must map back to exact article offsets."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
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
