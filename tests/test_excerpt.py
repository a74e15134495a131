"""Prompt economy: the sentences that matter, within a budget, mapped back to the passage."""

from rag.excerpt import estimate_tokens, select, whole
from rag.types import Chunk, Passage

A = (
    "The summit opened in Dushanbe on Monday. Delegates discussed trade. "
    "Patrushev said AUKUS is a new NATO aimed at China. He spoke for an hour."
)
B = "Weather in Tehran was mild. The Caspian Sea summit will follow in spring. Markets rose."


def passage(rank: int, text: str) -> Passage:
    return Passage(rank, Chunk(f"d{rank}::0", f"d{rank}", 0, len(text), text), 0.1, f"T{rank}")


PASSAGES = [passage(1, A), passage(2, B)]


def test_budget_zero_sends_whole_passages():
    assert [x.text for x in select("q", PASSAGES, 0, None)] == [A, B]
    assert [x.text for x in whole(PASSAGES)] == [A, B]


def test_small_budget_keeps_the_best_passage_first_then_each_passage_best_sentence():
    excerpts = select("What did Patrushev say about AUKUS?", PASSAGES, 30, None)
    first, second = (x.text for x in excerpts)
    assert first.startswith("The summit opened in Dushanbe"), "the best passage, whole if it fits"
    assert "Markets rose" not in second and second, "the other passage: its best sentence"


def test_best_passage_is_cut_only_when_it_alone_exceeds_the_budget():
    [first, second] = select("What did Patrushev say about AUKUS?", PASSAGES, 35, None)
    assert first.text.startswith("The summit opened") and first.text != A
    assert second.text, "the best passage leaves room: every passage gets its best sentence"


def test_spans_are_exact_and_gaps_are_marked(embedder):
    excerpts = select("What did Patrushev say about AUKUS?", PASSAGES, 40, embedder)
    for x in excerpts:
        for s, e in x.spans:
            assert x.passage.chunk.text[s:e] in x.text
    for x in excerpts:  # a gap between kept sentences is shown; adjacent ones just follow
        body = x.passage.chunk.text
        pairs = zip(x.spans, x.spans[1:], strict=False)
        gaps = [bool(body[e:s].strip()) for (_, e), (s, _) in pairs]
        assert x.text.count(" … ") == sum(gaps)
    total = sum(estimate_tokens(x.text) for x in excerpts)
    assert total <= 40 + 10, "within the budget, give or take the gap marks"


def test_large_budget_keeps_everything_in_article_order():
    [x, y] = select("AUKUS", PASSAGES, 10_000, None)
    assert x.text == A and y.text == B
