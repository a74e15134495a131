"""Answer a question: retrieve, prompt, stream from the model, then attach checked citations.

`ask(pipeline, question)` returns an `AnswerStream`: iterate over it for the text as the model
writes it; afterwards `.answer` is the finished, checked `Answer` (its text may differ from what
streamed: markers are cleaned and corrected). Every consumer (CLI, chat UI, evaluation) reads it
the same way: `for piece in s: ...; answer = s.answer`.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING

from rag.cite import attach_citations, check_claims, is_abstention
from rag.embed import similarities
from rag.errors import InputError
from rag.excerpt import select
from rag.followup import condense
from rag.prompt import ABSTAIN, build_messages
from rag.types import Answer

if TYPE_CHECKING:
    from rag.pipeline import Pipeline


def checked_question(question: str) -> str:
    """The question, stripped; an empty one is an error."""
    question = question.strip()
    if not question:
        raise InputError(
            'The question is empty. Ask something, e.g. rag ask "What did Patrushev say?"'
        )
    return question


class AnswerStream:
    """The text of an answer as it streams, then the checked `Answer` (the shape of llm's
    `Response`). Reading `.answer` before iterating runs the stream to its end."""

    def __init__(self, pieces: Generator[str, None, Answer]) -> None:
        self._pieces = pieces
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        if self._answer is None:
            self._answer = yield from self._pieces

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        assert self._answer is not None
        return self._answer


def ask(
    pipeline: Pipeline,
    question: str,
    history: Sequence[tuple[str, str]] = (),
    k: int | None = None,
) -> AnswerStream:
    """Answer `question` from the pipeline's index. `history`: earlier (question, answer) turns;
    a follow-up is rewritten with them into the standalone question that retrieval and the
    prompt use. The question is checked now; the work starts when the stream is read."""
    return AnswerStream(_answer(pipeline, checked_question(question), history, k))


def _answer(
    pipeline: Pipeline, question: str, history: Sequence[tuple[str, str]], k: int | None
) -> Generator[str, None, Answer]:
    generator = pipeline.generator
    embedder = pipeline.embedder
    t0 = time.perf_counter()
    search = condense(question, history, generator)
    t_rewritten = time.perf_counter()
    retrieval = pipeline.retrieve(search, k)
    passages = retrieval.passages
    t_retrieved = time.perf_counter()
    parts: list[str] = []
    first_token = None
    prompt_tokens = 0
    if passages:
        excerpts = select(search, passages, pipeline.settings.prompt_budget, embedder)
        messages = build_messages(search, excerpts)
        prompt_tokens = generator.count_tokens(messages)
        for piece in generator.stream(messages):
            if first_token is None:
                first_token = time.perf_counter()
            parts.append(piece)
            yield piece
    else:
        parts.append(ABSTAIN)
        yield ABSTAIN
    raw = "".join(parts).strip()
    similarity = partial(similarities, embedder)
    text, citations = attach_citations(raw, passages, search, similarity)
    t_end = time.perf_counter()
    return Answer(
        question=question,
        text=text,
        abstained=is_abstention(text),
        model=generator.name,
        passages=passages,
        citations=citations,
        claims=check_claims(text, citations, search, similarity),
        timings_ms={
            **({"rewrite": (t_rewritten - t0) * 1000} if history else {}),
            "retrieve": (t_retrieved - t_rewritten) * 1000,
            "first_token": ((first_token or t_end) - t0) * 1000,
            "total": (t_end - t0) * 1000,
        },
        prompt_tokens=prompt_tokens,
        search_query=search if history else None,
    )
