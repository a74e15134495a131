"""The chunker's splitter (`rag.sources.splitter`) is llama-index's SentenceSplitter, chunk for
chunk: the port only saves importing llama-index, it must not move a boundary (an index chunks
the same way for its whole life). llama-index's own splitter is the reference here."""

from __future__ import annotations

import json
import random

import pytest
from llama_index.core.node_parser import SentenceSplitter as LlamaSplitter

from rag.sources import chunk
from rag.sources.punkt import split_sentences
from rag.sources.splitter import SentenceSplitter
from rag.types import Document

from .conftest import SEEDS, SHARED

CORPUS = SHARED / "eval" / "multihop_rag" / "corpus.json"


def _words(text: str) -> list[str]:
    return text.split()


def both(size: int, overlap: int, tokenizer) -> tuple[SentenceSplitter, LlamaSplitter]:
    ours = SentenceSplitter(size, overlap, tokenizer, split_sentences)
    theirs = LlamaSplitter(
        chunk_size=size, chunk_overlap=overlap, tokenizer=tokenizer,
        chunking_tokenizer_fn=split_sentences,
    )  # fmt: skip
    return ours, theirs


@pytest.fixture(scope="module")
def articles() -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return texts + [a["body"] for a in json.loads(CORPUS.read_text("utf-8"))]


def test_chunks_are_llama_indexs_on_every_article_at_the_products_sizes(articles, embedder):
    ours, theirs = both(214, 40, embedder.tokenize)  # 256 less a typical header and [CLS]/[SEP]
    differ = [i for i, t in enumerate(articles) if ours.split_text(t) != theirs.split_text(t)]
    assert len(articles) > 600 and differ == []


@pytest.mark.parametrize(("size", "overlap"), [(12, 0), (20, 5), (40, 20), (7, 7)])
def test_chunks_are_llama_indexs_when_sentences_must_be_cut(articles, size, overlap):
    # Small sizes in words force every fallback: clauses, words, and the overlap dropped to fit.
    ours, theirs = both(size, overlap, _words)
    for text in articles[:80]:
        assert ours.split_text(text) == theirs.split_text(text)


WORDS = "The minister said . , ; ? ! 。 ？ ！ J. Smith U.S. 3.5 ... — “quoted” (aside)"
PIECES = [
    *WORDS.split(),
    "a-very-long-unbroken-token-without-any-spaces-at-all-that-must-be-cut-by-characters",
    "\n", "\n\n", "\n\n\n", " ", "\t", "",
]  # fmt: skip


def test_chunks_are_llama_indexs_on_hostile_text():
    rng = random.Random(11)
    for _ in range(2000):
        n = rng.randint(0, 60)
        text = "".join(rng.choice(PIECES) + rng.choice(["", " "]) for _ in range(n))
        size = rng.randint(1, 30)
        overlap = rng.randint(0, size)
        ours, theirs = both(size, overlap, list)  # characters: every split level is reached
        assert ours.split_text(text) == theirs.split_text(text), repr((text, size, overlap))


def test_an_overlap_larger_than_the_chunk_is_refused():
    with pytest.raises(ValueError, match="overlap"):
        SentenceSplitter(10, 11, _words, split_sentences)


def test_chunk_documents_are_the_same_with_llama_indexs_splitter(articles, embedder, monkeypatch):
    docs = [Document(doc_id=str(i), title="t", text=t) for i, t in enumerate(articles[:40])]
    heads = ["", "A long headline about the minister's visit (Iran Press, May 25, 2022)"]

    def chunks() -> list[list[tuple[int, int]]]:
        return [
            [(c.start, c.end) for c in chunk.chunk_document(d, 256, 40, embedder.tokenize, h)]
            for d in docs
            for h in heads
        ]

    ours = chunks()

    def llama(chunk_size, chunk_overlap, tokenizer, sentences):
        return LlamaSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, tokenizer=tokenizer,
            chunking_tokenizer_fn=sentences,
        )  # fmt: skip

    monkeypatch.setattr(chunk, "SentenceSplitter", llama)
    assert ours == chunks() and sum(map(len, ours)) > 100

