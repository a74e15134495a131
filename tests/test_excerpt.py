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


def test_small_budget_keeps_the_best_sentence_of_each_passage():
    excerpts = select("What did Patrushev say about AUKUS?", PASSAGES, 20, None)
    first, second = (x.text for x in excerpts)
    assert first == "Patrushev said AUKUS is a new NATO aimed at China."
    assert second, "every passage keeps its best sentence, so a two-story question sees both"


def test_the_best_sentences_bring_their_neighbours():
    [first, _] = select("What did Patrushev say about AUKUS?", PASSAGES, 45, None)
    assert first.text == (
        "Delegates discussed trade. Patrushev said AUKUS is a new NATO aimed at China. "
        "He spoke for an hour."
    ), "the sentences either side of the best one come with it: who spoke, and about what"


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
