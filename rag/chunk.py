"""Split documents into overlapping chunks that keep their character offsets.

llama-index's SentenceSplitter does the splitting (sentence-aware, measured in words so that the
split does not depend on any model's tokenizer). The splitter returns text only, so each chunk is
located back in the document; where the splitter normalised whitespace, the chunk is aligned with
a whitespace-tolerant match and its text is taken from the document. Either way
`document.text[chunk.start:chunk.end] == chunk.text` holds, which citations rely on.
"""

from __future__ import annotations

import re

from rag.types import Chunk, Document


def _words(text: str) -> list[str]:
    return text.split()


def chunk_id(doc_id: str, index: int) -> str:
    return f"{doc_id}::{index}"


def chunk_document(doc: Document, chunk_words: int, overlap_words: int) -> list[Chunk]:
    from llama_index.core.node_parser import SentenceSplitter

    splitter = SentenceSplitter(
        chunk_size=chunk_words, chunk_overlap=overlap_words, tokenizer=_words
    )
    chunks: list[Chunk] = []
    cursor = 0
    for piece in splitter.split_text(doc.text):
        span = locate(doc.text, piece, cursor)
        if span is None:
            continue  # cannot happen for text the splitter took from the document; never guess
        start, end = span
        chunks.append(
            Chunk(chunk_id(doc.doc_id, len(chunks)), doc.doc_id, start, end, doc.text[start:end])
        )
        cursor = start + 1  # chunks overlap, so the next one starts after this one's start
    return chunks


def locate(text: str, piece: str, cursor: int) -> tuple[int, int] | None:
    """Where `piece` occurs in `text` at or after `cursor`, tolerating whitespace changes."""
    piece = piece.strip()
    if not piece:
        return None
    at = text.find(piece, cursor)
    if at < 0:
        at = text.find(piece)
    if at >= 0:
        return at, at + len(piece)
    pattern = r"\s+".join(re.escape(w) for w in piece.split())
    m = re.compile(pattern).search(text, cursor) or re.compile(pattern).search(text)
    return (m.start(), m.end()) if m else None
