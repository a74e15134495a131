"""Plain-data views of an `Answer`: the `--json` contract and the terminal's Sources list."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rag.types import Answer, Evidence, Passage


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `rag ask --json` contract; other tools parse it, so change it only additively."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "model": answer.model,
        "citations": [
            {
                "marker": c.marker,
                "doc_id": c.passage.chunk.doc_id,
                "title": c.passage.title,
                "source": c.passage.source,
                "path": c.passage.path,
                "start": c.start,
                "end": c.end,
                "page": c.passage.page_at(c.start),  # PDFs; null for other documents
                "quote": c.quote,
                "verified": c.verified,
            }
            for c in answer.citations
        ],
        "passages": [
            {
                "rank": p.rank,
                "chunk_id": p.chunk.chunk_id,
                "doc_id": p.chunk.doc_id,
                "start": p.chunk.start,
                "end": p.chunk.end,
                "score": p.score,
                "text": p.chunk.text,
                "title": p.title,
                "source": p.source,
                "published_at": p.published_at,
            }
            for p in answer.passages
        ],
        "sentences": [
            {
                "start": c.start,
                "end": c.end,
                "text": answer.text[c.start : c.end],
                "markers": list(c.markers),
                "supported": c.supported,
            }
            for c in answer.claims
        ],
        "unsupported": [answer.text[c.start : c.end] for c in answer.claims if not c.supported],
        "timings_ms": {k: round(v, 1) for k, v in answer.timings_ms.items()},
        "prompt_tokens": answer.prompt_tokens,
        # Evidence-first answering (pass 1): the units the model chose, by its probabilities.
        "evidence": [
            {
                "unit": e.unit,
                "doc_id": e.passage.chunk.doc_id,
                "start": e.start,
                "end": e.end,
                "quote": e.quote,
                "p": round(e.p, 4),
                "speaker": e.speaker,
            }
            for e in answer.evidence
        ],
        "p_none": None if answer.p_none is None else round(answer.p_none, 4),
        "short_answer": answer.short_answer,
        "route": answer.route,
    }


def display_path(path: str | None, fallback: str) -> str:
    if not path:
        return fallback
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(Path(path))


def short_quote(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unit_label(e: Evidence) -> str:
    """ "S4 · 82% · Nikolai Patrushev": the unit, the model's probability, who said it; for
    evidence the code chose (a speaker's words), "quote · Nikolai Patrushev"."""
    head = f"S{e.unit} · {e.p:.0%}" if e.unit else "quote"
    return f"{head} · {e.speaker}" if e.speaker else head


def evidence_lines(answer: Answer) -> list[tuple[str, str, bool]]:
    """(line, quote, verified) per piece of chosen evidence, for the terminal:
    "[1] S4 · 82% · Title (Outlet, date) file:start-end", its marker first when the answer
    cites it. An abstention lists the closest units instead, without markers."""
    by_unit = {(c.passage.chunk.doc_id, c.start, c.end): c for c in answer.citations}
    lines = []
    for e in answer.evidence:
        p = e.passage
        cited = by_unit.get((p.chunk.doc_id, e.start, e.end))
        outlet = f" ({p.byline})" if p.byline else ""
        where = display_path(p.path, p.chunk.doc_id)
        page = f" {p.pages(e.start, e.end)}" if p.page else ""
        marker = f"[{cited.marker}] " if cited else ""
        line = f"{marker}{unit_label(e)} · {p.title}{outlet} {where}:{e.start}-{e.end}{page}"
        lines.append((line, short_quote(e.quote), cited.verified if cited else True))
    return lines


READING_SHOWN = 4


def reading_line(passages: list[Passage]) -> str:
    """The articles an answer is read from, as soon as retrieval ends: "Reading 3 articles:
    Title (Outlet, 2023-10-07); ...", so that the wait for the model's first word is never blank."""
    seen: dict[str, str] = {}
    for p in passages:
        if p.chunk.doc_id not in seen:
            about = ", ".join(x for x in (p.source, (p.published_at or "")[:10]) if x)
            seen[p.chunk.doc_id] = f"{p.title} ({about})" if about else p.title
    shown = list(seen.values())
    more = len(shown) - READING_SHOWN
    rest = f" and {more} more" if more > 0 else ""
    plural = "s" if len(shown) != 1 else ""
    return f"Reading {len(shown)} article{plural}: " + "; ".join(shown[:READING_SHOWN]) + rest
