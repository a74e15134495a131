"""Text generation with llama.cpp (llama-cpp-python), streamed token by token. llama_cpp is
imported only here. Greedy decoding by default, so the same question gives the same answer.

The `Generator` protocol is the seam for other back ends (a llama.cpp server, a test double)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from rag.errors import ModelError
from rag.settings import Settings


class Generator(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]: ...

    def count_tokens(self, messages: list[dict[str, str]]) -> int: ...


class LlamaCppGenerator:
    def __init__(self, path: Path, settings: Settings, name: str | None = None) -> None:
        from llama_cpp import Llama

        self.name = name or path.stem
        self.settings = settings
        try:
            self._llm = Llama(
                model_path=str(path),
                n_ctx=settings.n_ctx,
                n_threads=settings.threads,
                n_gpu_layers=settings.n_gpu_layers,
                seed=settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as e:
            raise ModelError(
                f"Could not load model {path}: {e}. Is it a valid GGUF file?"
            ) from None

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        """Prompt tokens: each message's content, plus the chat template's few tokens per
        message (role markers; 5 for Qwen's ChatML, close for the others)."""
        return sum(
            len(self._llm.tokenize(m["content"].encode(), add_bos=False, special=False)) + 5
            for m in messages
        )

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        for part in self._llm.create_chat_completion(
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_tokens,
            seed=self.settings.seed,
        ):
            delta = part["choices"][0]["delta"].get("content")  # type: ignore[index, union-attr]
            if delta:
                yield str(delta)
