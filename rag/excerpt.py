"""Prompt economy: from each retrieved passage, keep the sentences that matter, within a token
budget. On a CPU the prompt is the cost (about 17 s per 1,000 prompt tokens for the 1.5B model on
2 cores), so sending whole chunks wastes most of the wait on text the question does not need.

Each sentence is scored against the question by meaning (cosine of embeddings, with the model
that is already loaded for retrieval) and by words (share of the question's content words it
holds). The best passage goes first and whole, as far as the budget allows, because a sentence
cut from its neighbours loses who said it. Then every other passage gets its best sentence, in
rank order, so a question about two stories keeps both; the rest of the budget goes to the best
remaining sentences anywhere, each bringing the sentence before it (a pronoun's antecedent).
Kept sentences appear in article order, with "…" for gaps.

Token counts here are estimates (characters / 4, close for English with Qwen's tokenizer); the
exact prompt size is counted by the model and reported with each answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.embed import Embedder, similarities
from rag.sentences import content_words, sentence_spans
from rag.types import Passage

CHARS_PER_TOKEN = 4
GAP = " … "


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass(frozen=True)
class Excerpt:
    """The sentences of one passage that go to the model: spans within `passage.chunk.text`."""

    passage: Passage
    spans: tuple[tuple[int, int], ...]

    @property
    def text(self) -> str:
        body = self.passage.chunk.text
        parts: list[str] = []
        prev_end = None
        for s, e in self.spans:
            if prev_end is not None and body[prev_end:s].strip():
                parts.append(GAP)
            elif prev_end is not None:
                parts.append(" ")
            parts.append(body[s:e])
            prev_end = e
        return "".join(parts)


def whole(passages: list[Passage]) -> list[Excerpt]:
    """No selection: every passage in full (budget 0 means this)."""
    return [Excerpt(p, ((0, len(p.chunk.text)),)) for p in passages]


def select(
    question: str, passages: list[Passage], budget: int, embedder: Embedder | None
) -> list[Excerpt]:
    """Excerpts of `passages` (same order) whose sentences fit in about `budget` tokens."""
    if budget <= 0 or not passages:
        return whole(passages)
    sentences = [(i, span) for i, p in enumerate(passages) for span in _spans(p)]
    texts = [passages[i].chunk.text[s:e] for i, (s, e) in sentences]
    scores = _scores(question, texts, embedder)
    order = sorted(range(len(sentences)), key=lambda j: -scores[j])
    chosen: set[int] = set()
    used = 0

    def take(j: int) -> bool:
        nonlocal used
        cost = estimate_tokens(texts[j]) + 1
        if j in chosen:
            return True
        if used + cost > budget and chosen:
            return False
        chosen.add(j)
        used += cost
        return True

    # Every passage, in rank order, gives its best sentence, so a two-story question keeps
    # both; then each best sentence gets the sentences either side, because a sentence cut from
    # its neighbours loses who said it ("Patrushev called ...: 'AUKUS is a new NATO'").
    bests = [next((j for j in order if sentences[j][0] == i), None) for i in range(len(passages))]
    for best in bests:
        if best is not None:
            take(best)
    for i, best in enumerate(bests):
        for j in () if best is None else (best - 1, best + 1):
            if 0 <= j < len(sentences) and sentences[j][0] == i:
                take(j)
    for j in order:
        if j in chosen:
            continue
        prev = j - 1
        if prev >= 0 and sentences[prev][0] == sentences[j][0] and prev not in chosen:
            take(prev)  # context first: "He said" needs the sentence that names him
        take(j)
    return [
        Excerpt(p, tuple(sentences[j][1] for j in sorted(chosen) if sentences[j][0] == i))
        for i, p in enumerate(passages)
    ]


def _spans(p: Passage) -> list[tuple[int, int]]:
    return sentence_spans(p.chunk.text) or [(0, len(p.chunk.text))]


def _scores(question: str, texts: list[str], embedder: Embedder | None) -> list[float]:
    want = content_words(question)
    lexical = [len(want & content_words(t)) / len(want) if want else 0.0 for t in texts]
    if embedder is None:
        return lexical
    cosine = similarities(embedder, question, texts)
    return [0.5 * c + 0.5 * w for c, w in zip(cosine, lexical, strict=True)]
