"""Plain-data views of an `Answer`: the `--json` contract and the terminal's Sources list."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rag.types import Answer, Citation


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
    }


def display_path(path: str | None, fallback: str) -> str:
    if not path:
        return fallback
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(Path(path))


def source_line(c: Citation) -> str:
    p = c.passage
    outlet = f" ({p.byline})" if p.byline else ""
    where = display_path(p.path, p.chunk.doc_id)
    return f"[{c.marker}] {p.title}{outlet} {where}:{c.start}-{c.end}"


def short_quote(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
