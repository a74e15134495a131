"""The chunker's sentence ends (`rag.sources.punkt`) are nltk's untrained Punkt's, span for span,
and chunking with them gives llama-index's default SentenceSplitter chunks: the port only saves
the nltk import, it must not move a boundary (an index chunks the same way for its whole life)."""

import json
import random

import pytest
from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer
from nltk.tokenize import PunktSentenceTokenizer

from rag.sources import chunk
from rag.sources.punkt import sentence_spans, split_sentences
from rag.types import Document

from .conftest import SEEDS, SHARED

CORPUS = SHARED / "eval" / "multihop_rag" / "corpus.json"


@pytest.fixture(scope="module")
def articles() -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return texts + [a["body"] for a in json.loads(CORPUS.read_text("utf-8"))]


def test_spans_are_nltks_on_every_article(articles):
    punkt = PunktSentenceTokenizer()
    differ = [
        i for i, t in enumerate(articles) if list(sentence_spans(t)) != list(punkt.span_tokenize(t))
    ]
    assert len(articles) > 600 and differ == []


# Pieces where the rules turn: initials, numbers, abbreviations, ellipses, closing quotes and
# brackets after an end, dashes, line breaks, non-ASCII letters and digits.
WORDS = "J. Smith the The 3. 2023. U.S. ... .. . ? ! \" ” “ ' ) ( ] -- , ; : a. É. élan Mr. p.m."
NUMBERS_AND_MARKS = "1,000. -5. x?! word.. .5 & # @ * { } ÄB. ¿ ١. » « ’"
PIECES = [*WORDS.split(), *NUMBERS_AND_MARKS.split(), "\n", "\n\n", " ", "\t"]


def test_spans_are_nltks_on_hostile_text():
    punkt = PunktSentenceTokenizer()
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(
            rng.choice(PIECES) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(1, 25))
        )
        assert list(sentence_spans(text)) == list(punkt.span_tokenize(text)), repr(text)


def test_sentences_keep_the_space_that_follows_them():
    text = "He left at 3 p.m. on Monday. J. Smith stayed… “Why?” she asked. (It was late.) Then"
    assert "".join(split_sentences(text)) == text
    assert split_sentences(text) == split_by_sentence_tokenizer()(text)


def test_chunks_equal_llama_index_defaults(articles, embedder, monkeypatch):
    docs = [Document(doc_id=str(i), title="t", text=t) for i, t in enumerate(articles[:60])]

    def chunks() -> list[list[tuple[int, int]]]:
        return [
            [(c.start, c.end) for c in chunk.chunk_document(d, 256, 40, embedder.tokenize)]
            for d in docs
        ]

    ours = chunks()
    monkeypatch.setattr(chunk, "split_sentences", split_by_sentence_tokenizer())
    assert ours == chunks() and sum(map(len, ours)) > 200
