"""Answer a question: retrieve, prompt, stream from the model, then attach checked citations.

`Assistant` holds the loaded parts (embedder, stores, model) so a server answers many questions
without reloading; the CLI builds one per run. `stream()` yields the answer's text as the model
writes it and returns the finished `Answer` (Python's generator return value); `ask()` is the same
without streaming.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from functools import partial

from rag.bm25 import BM25Index
from rag.cite import attach_citations, check_claims, is_abstention
from rag.docstore import DocStore
from rag.embed import Embedder, SentenceTransformerEmbedder, similarities
from rag.errors import InputError
from rag.excerpt import select
from rag.followup import condense
from rag.generate import Generator as TextGenerator
from rag.generate import LlamaCppGenerator
from rag.index import IndexPaths, require_ingested
from rag.models import resolve
from rag.prompt import ABSTAIN, build_messages
from rag.retrieve import HybridRetriever
from rag.settings import Settings
from rag.store import ChromaStore
from rag.types import Answer, Document


@dataclass
class Parts:
    """Factories for the swappable parts, so tests and servers can supply their own."""

    embedder: Callable[[Settings], Embedder]
    generator: Callable[[Settings], TextGenerator]


def default_generator(settings: Settings) -> TextGenerator:
    path = resolve(settings.model, settings)
    return LlamaCppGenerator(path, settings, name=settings.model)


DEFAULT_PARTS = Parts(
    embedder=lambda s: SentenceTransformerEmbedder(s.embed_model),
    generator=default_generator,
)


def checked_question(question: str) -> str:
    """The question, stripped; an empty one is an error."""
    question = question.strip()
    if not question:
        raise InputError(
            'The question is empty. Ask something, e.g. rag ask "What did Patrushev say?"'
        )
    return question


class Assistant:
    def __init__(self, settings: Settings, parts: Parts = DEFAULT_PARTS) -> None:
        index = IndexPaths(settings.index_dir)
        require_ingested(index, settings)  # before any model loads: fail fast and cheaply
        self.settings = settings
        self._parts = parts
        self._generator: TextGenerator | None = None
        self.documents = DocStore(index.documents)
        self.retriever = HybridRetriever(
            ChromaStore(index.chroma),
            BM25Index.load(index.bm25),
            parts.embedder(settings),
            settings,
        )

    def reload(self) -> None:
        """Pick up what an ingest in this process added: Chroma and SQLite see new rows at
        once, but the BM25 index is a file loaded at start, and the retriever keeps each
        chunk's outlet and day (for boosts) from when it was built. The embedder is kept."""
        r = self.retriever
        bm25 = BM25Index.load(IndexPaths(self.settings.index_dir).bm25)
        self.retriever = HybridRetriever(r.store, bm25, r.embedder, r.settings)

    @property
    def generator(self) -> TextGenerator:
        # Loaded on first use: retrieval-only callers (evaluation, the viewer) never pay for it.
        if self._generator is None:
            self._generator = self._parts.generator(self.settings)
        return self._generator

    def document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def stream(
        self, question: str, k: int | None = None, history: Sequence[tuple[str, str]] = ()
    ) -> Generator[str, None, Answer]:
        """`history`: earlier (question, answer) turns; a follow-up is rewritten with them into
        the standalone question that retrieval and the prompt use."""
        question = checked_question(question)
        generator = self.generator
        t0 = time.perf_counter()
        search = condense(question, history, generator)
        t_rewritten = time.perf_counter()
        passages = self.retriever.retrieve(search, k)
        t_retrieved = time.perf_counter()
        parts: list[str] = []
        first_token = None
        prompt_tokens = 0
        if passages:
            excerpts = select(
                search, passages, self.settings.prompt_budget, self.retriever.embedder
            )
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
        similarity = partial(similarities, self.retriever.embedder)
        text, citations = attach_citations(raw, passages, search, similarity)
        if text != raw and text.startswith(raw):
            yield text[len(raw) :]  # a marker appended by citation checking
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

    def ask(
        self, question: str, k: int | None = None, on_text: Callable[[str], None] | None = None
    ) -> Answer:
        """The finished answer; `on_text` receives the text as it streams."""
        gen = self.stream(question, k)
        while True:
            try:
                piece = next(gen)
            except StopIteration as stop:
                return stop.value
            if on_text is not None:
                on_text(piece)
