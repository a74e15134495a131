"""Plain data passed between the steps. No behaviour beyond small derived properties, and the
one date encoding that the stores and the question analysis share (`day_number`)."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    doc_id: str  # stable: path relative to the ingested folder, or the article's url
    text: str
    title: str
    source: str | None = None  # the outlet
    published_at: str | None = None
    url: str | None = None
    author: str | None = None
    path: str | None = None  # the file it came from, as given to ingest; None when fetched
    language: str | None = None  # e.g. "en", where the page says
    kind: str = "text"  # what it was read from: text, html, pdf, json
    # Where each metadata value came from ("json-ld", "meta", "url", "dateline", "sidecar", ...),
    # so that a user can tell a date read from markup from one guessed from a URL.
    provenance: dict[str, str] = field(default_factory=dict)
    # PDFs: the offset in `text` where each page starts (page 1 at pages[0] == 0).
    pages: tuple[int, ...] = ()
    # Near-duplicate stories (the same wire copy from several outlets): the doc_id of the story's
    # first document; None for a story of one.
    story: str | None = None

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that `text[offset]` is on, for PDFs; None otherwise."""
        if not self.pages:
            return None
        return bisect_right(self.pages, offset)


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    start: int  # document.text[start:end] == text
    end: int
    text: str


@dataclass(frozen=True)
class Hit:
    """A chunk as a store or index returns it: its score there and its stored metadata."""

    chunk: Chunk
    score: float
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with what the prompt and the citations need about its document."""

    rank: int
    chunk: Chunk
    score: float
    title: str
    source: str | None = None
    published_at: str | None = None
    path: str | None = None
    url: str | None = None
    page: int | None = None  # PDFs: the page the passage starts on
    # PDFs: the pages that start inside the passage, as (page, offset in the document text).
    page_breaks: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page of `offset` (an offset in the document text inside this passage), for
        PDFs; None otherwise."""
        if self.page is None:
            return None
        page = self.page
        for number, start in self.page_breaks:
            if offset >= start:
                page = number
        return page

    def pages(self, start: int, end: int) -> str:
        """ "p. 3" or "pp. 3-4" for the span start:end of a PDF; "" for other documents."""
        first, last = self.page_at(start), self.page_at(max(start, end - 1))
        if first is None:
            return ""
        return f"p. {first}" if last in (None, first) else f"pp. {first}-{last}"

    @property
    def byline(self) -> str:
        """Outlet and date, where known: "Iran Press, 2022-05-30", or ""."""
        return ", ".join(x for x in (self.source, self.published_at) if x)


@dataclass(frozen=True)
class Retrieval:
    """What `retrieve()` returns: the passages, best first, and what each stage cost (ms):
    dense, bm25, rerank, total. Callers time retrieval by reading this, not by patching."""

    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Citation:
    marker: int
    passage: Passage
    start: int  # span in the document text: the cited sentence, or the whole passage
    end: int
    quote: str
    verified: bool  # the cited span shares enough content with the answer sentence


@dataclass(frozen=True)
class Evidence:
    """A unit the model chose as evidence (pass 1): shown to it as S{unit}, with the
    probability it gave that id; the span is in the document text."""

    unit: int  # 0: not chosen by the model but by the code (a speaker's attribution)
    passage: Passage
    start: int
    end: int
    quote: str
    p: float
    speaker: str | None = None  # who said it, where the span is an attribution


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer: its span in the answer text, the markers it carries, and
    whether a verified citation supports it."""

    start: int
    end: int
    markers: tuple[int, ...]
    supported: bool


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    model: str
    passages: list[Passage]
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    prompt_tokens: int = 0  # as counted by the model's tokenizer; 0 when no model was asked
    # The standalone question retrieval used, when a follow-up was rewritten with the chat
    # history; None when the question was used as asked.
    search_query: str | None = None
    # Evidence-first answering: the units the model chose, P(NONE) after "Evidence:", the
    # question's route (yes_no, choice, temporal, open) and the direct answer ("Yes", an option,
    # or the answer's first sentence); None when no model was asked.
    evidence: list[Evidence] = field(default_factory=list)
    p_none: float | None = None
    route: str | None = None
    short_answer: str | None = None


def day_number(published_at: str | None) -> int | None:
    """ "2023-10-07T..." -> 20231007 (a number, so that stores can compare dates)."""
    if not published_at:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published_at.strip())
    if not m:
        return None
    return int(m.group(1)) * 10000 + int(m.group(2)) * 100 + int(m.group(3))
