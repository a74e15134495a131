"""Plain data passed between the steps. No behaviour beyond small derived properties."""

from __future__ import annotations

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
    path: str | None = None  # the file it came from, as given to ingest


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

    unit: int
    passage: Passage
    start: int
    end: int
    quote: str
    p: float


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
