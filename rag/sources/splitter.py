"""llama-index's SentenceSplitter (llama-index-core 0.14), ported so that chunking does not import
llama-index.

Why: `from llama_index.core.node_parser import SentenceSplitter` runs `llama_index.core`'s package
init, which imports its indices, chat engines, memory (SQLAlchemy), tools and workflows: 1.8 s
on 2 cores, paid by every `rag ingest` that chunks anything, the largest single cost of adding one
article to an index once nltk had gone (`rag.sources.punkt`). What the chunker uses of it is its
splitting and merging, about a hundred lines, kept here step for step:

1. text that fits is one piece; otherwise split at paragraph breaks ("\\n\\n\\n"), else at the
   sentence ends (Punkt), and recurse on any piece still too long with, in turn, clauses (the
   `CHUNKING_REGEX`), words and characters;
2. merge the pieces greedily up to the chunk size, starting each chunk with as many whole pieces
   from the end of the previous one as fit in the overlap, and strip each chunk.

The boundaries must never move (an index chunks the same way for its whole life, and its manifest
names this splitter), so `tests/test_splitter.py` checks every chunk against llama-index's own on
the seeds, the MultiHop-RAG articles and hostile text. llama-index stays the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Splitter = Callable[[str], list[str]]

CHUNKING_REGEX = "[^,.;。？！]+[,.;。？！]?|[,.;。？！]"
PARAGRAPH_SEP = "\n\n\n"


@dataclass(frozen=True)
class _Piece:
    text: str
    is_sentence: bool  # a whole sentence or paragraph, which a chunk takes even past its size
    tokens: int


def _keeping_separator(sep: str) -> Splitter:
    def split(text: str) -> list[str]:
        parts = text.split(sep)
        return [p for p in (sep + s if i else s for i, s in enumerate(parts)) if p]

    return split


class SentenceSplitter:
    """Chunks of at most `chunk_size` tokens (as `tokenizer` counts them) that prefer whole
    sentences, each starting with up to `chunk_overlap` tokens of the previous chunk."""

    def __init__(
        self,
        chunk_size: int,
        chunk_overlap: int,
        tokenizer: Callable[[str], list[str]],
        sentences: Splitter,
    ) -> None:
        if chunk_overlap > chunk_size:
            raise ValueError(
                f"Got a larger chunk overlap ({chunk_overlap}) than chunk size ({chunk_size})"
            )
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._tokenizer = tokenizer
        self._split_fns: list[Splitter] = [_keeping_separator(PARAGRAPH_SEP), sentences]
        clauses = re.compile(CHUNKING_REGEX)
        self._sub_sentence_fns: list[Splitter] = [clauses.findall, _keeping_separator(" "), list]

    def split_text(self, text: str) -> list[str]:
        if text == "":
            return [text]
        return self._merge(self._split(text))

    def _tokens(self, text: str) -> int:
        return len(self._tokenizer(text))

    def _split(self, text: str) -> list[_Piece]:
        tokens = self._tokens(text)
        if tokens <= self.chunk_size:
            return [_Piece(text, True, tokens)]
        parts, is_sentence = self._split_once(text)
        pieces: list[_Piece] = []
        for part in parts:
            tokens = self._tokens(part)
            if tokens <= self.chunk_size or len(parts) == 1:
                # One part that cannot be split further stays whole; _merge refuses it.
                pieces.append(_Piece(part, is_sentence, tokens))
            else:
                pieces.extend(self._split(part))
        return pieces

    def _split_once(self, text: str) -> tuple[list[str], bool]:
        for fn in self._split_fns:
            parts = fn(text)
            if len(parts) > 1:
                return parts, True
        for fn in self._sub_sentence_fns:
            parts = fn(text)
            if len(parts) > 1:
                break
        return parts, False

    def _merge(self, pieces: list[_Piece]) -> list[str]:
        size = self.chunk_size
        chunks: list[str] = []
        current: list[tuple[str, int]] = []
        length = 0
        new_chunk = True

        def close() -> None:
            nonlocal current, length, new_chunk
            chunks.append("".join(text for text, _ in current))
            last, current, length, new_chunk = current, [], 0, True
            # The next chunk starts with whole pieces from the end of this one, up to the overlap.
            i = len(last) - 1
            while i >= 0 and length + last[i][1] <= self.chunk_overlap:
                current.insert(0, last[i])
                length += last[i][1]
                i -= 1

        i = 0
        while i < len(pieces):
            piece = pieces[i]
            if piece.tokens > size:
                raise ValueError("Single token exceeded chunk size")
            if length + piece.tokens > size and not new_chunk:
                close()
                continue
            if new_chunk and length + piece.tokens > size:
                # The overlap leaves no room for the next piece: drop overlap from the front.
                while current and length + piece.tokens > size:
                    length -= current.pop(0)[1]
            if piece.is_sentence or length + piece.tokens <= size or new_chunk:
                current.append((piece.text, piece.tokens))
                length += piece.tokens
                i += 1
                new_chunk = False
            else:
                close()
        if not new_chunk:
            chunks.append("".join(text for text, _ in current))
        return [c.strip() for c in chunks if c.strip()]
