"""Split documents into overlapping chunks that keep their character offsets, and build the
contextual header that is indexed with each chunk.

llama-index's SentenceSplitter does the splitting (sentence-aware), at the sentence ends of its
default tokenizer, nltk's Punkt; both are ported (`rag.sources.splitter`, `rag.sources.punkt`:
the same chunks, without importing llama-index or nltk, 4 s per ingest process between them).
Sizes are counted in the embedding model's word pieces, so that a chunk and its header fit the
model's window (all-MiniLM-L6-v2 reads at most 256 pieces, [CLS] and [SEP] included) and
nothing embedded is silently cut off. The splitter returns text only, so each
chunk is located back in the document; where the splitter normalised whitespace, the chunk is
aligned with a whitespace-tolerant match and its text is taken from the document. Either way
`document.text[chunk.start:chunk.end] == chunk.text` holds, which citations rely on.

The header (title, outlet, date) goes into what is embedded and what BM25 indexes, never into the
chunk's text or offsets: citations and the evaluation see article text alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from rag.sources.punkt import split_sentences
from rag.sources.splitter import SentenceSplitter
from rag.types import Chunk, Document

Tokenizer = Callable[[str], list[str]]

SPECIAL_TOKENS = 2  # [CLS] and [SEP]
MIN_BODY_TOKENS = 64  # a very long title must not squeeze the body to nothing


def _words(text: str) -> list[str]:
    return text.split()


def chunk_id(doc_id: str, index: int) -> str:
    return f"{doc_id}::{index}"


def readable_date(published_at: str | None) -> str | None:
    """ "2023-10-07T14:00:00+00:00" -> "October 7, 2023" (how questions name dates); other
    strings are kept as given, and nothing is invented."""
    if not published_at:
        return None
    try:
        when = datetime.fromisoformat(published_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return published_at.strip()
    return f"{when:%B} {when.day}, {when.year}"


def header(doc: Document) -> str:
    """One line of context for every chunk of a document: "Title (Outlet, October 7, 2023)"."""
    byline = ", ".join(x for x in (doc.source, readable_date(doc.published_at)) if x)
    return f"{doc.title} ({byline})" if byline else doc.title


def indexed_text(head: str, body: str) -> str:
    """What the embedder and BM25 see for a chunk."""
    return f"{head}\n{body}" if head else body


def chunk_document(
    doc: Document,
    chunk_size: int,
    overlap: int,
    tokenizer: Tokenizer | None = None,
    head: str = "",
) -> list[Chunk]:
    """Chunks of at most `chunk_size` tokens *including* `head` and the model's special tokens
    (when a tokenizer is given; otherwise sizes are in words, and the header is not counted)."""
    size = chunk_size
    if tokenizer is not None:
        used = len(tokenizer(head)) + 1 if head else 0  # +1: the newline joining header and body
        size = max(MIN_BODY_TOKENS, chunk_size - SPECIAL_TOKENS - used)
    splitter = SentenceSplitter(
        chunk_size=size,
        chunk_overlap=min(overlap, size // 2),
        tokenizer=tokenizer or _words,
        sentences=split_sentences,
    )
    chunks: list[Chunk] = []
    for first, last in sections(doc.text):
        part = doc.text[first:last]
        cursor = 0
        for piece in splitter.split_text(part):
            span = locate(part, piece, cursor)
            if span is None:
                continue  # cannot happen for text the splitter took from the part; never guess
            start, end = span[0] + first, span[1] + first
            number = chunk_id(doc.doc_id, len(chunks))
            chunks.append(Chunk(number, doc.doc_id, start, end, doc.text[start:end]))
            cursor = span[0] + 1  # chunks overlap, so the next one starts after this one's start
    return chunks


# The splitter first tokenizes the whole text it is given, in one call that cannot be
# interrupted: 10 MB took 15 s and 2 GB. Longer texts are cut into sections of at most this many
# characters, at a paragraph break where there is one, and chunked section by section. No news
# article comes near it (the longest of MultiHop-RAG's 609 has 71,000 characters).
MAX_SECTION = 256 * 1024


def sections(text: str, size: int = MAX_SECTION) -> list[tuple[int, int]]:
    """(start, end) of consecutive sections of `text`, each at most `size` characters, cut at
    the last paragraph break, else line break, else space in the second half of the window."""
    spans, pos = [], 0
    while len(text) - pos > size:
        window_end = pos + size
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, pos + size // 2, window_end)
            if cut >= 0:
                cut += len(sep)
                break
        end = cut if cut > pos else window_end
        spans.append((pos, end))
        pos = end
    spans.append((pos, len(text)))
    return spans


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
