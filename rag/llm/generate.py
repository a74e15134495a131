"""Text generation with llama.cpp (llama-cpp-python). llama_cpp is imported only here. Greedy
decoding by default, so the same question gives the same answer.

Two ways to use the model:
- chat: `stream(messages)`, through the model's chat template (follow-up rewriting);
- raw prompts, for evidence-first answering: `chat_prompt(messages)` renders the template up to the
  assistant's turn; `probabilities(prompt, options)` evaluates a prompt and reads the next-token
  distribution (one forward pass, no sampling); `complete(prompt)` streams a continuation. Both
  reuse the longest token prefix already in the context, so a prompt that extends the last one
  costs only its new tokens, and a byte-identical system text first is evaluated once per process.
  The first evaluation of a new question (after `chat_prompt`) reuses only that system turn:
  llama.cpp's numbers depend on how a sequence was split into batches, and reusing the evidence
  of the question before made an answer's words depend on it.

The last token's logits are read with `llama_get_logits_ith(ctx, -1)`; `logits_all=True` is never
set: it would hold n_ctx x 151,936 floats (2.5 GB at n_ctx 4096) for Qwen's vocabulary. No
`LlamaRAMCache` either (each saved state copies a score array of that size), and no grammar
(slow over that vocabulary, and an invalid GBNF kills the process).

The `Generator` protocol is the seam for other back ends (a llama.cpp server, a test double)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ModelError
from rag.settings import Settings


class Generator(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]: ...

    def count_tokens(self, messages: list[dict[str, str]]) -> int: ...

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        """The model's chat template applied to `messages`, ending where its reply begins."""
        ...

    def prompt_tokens(self, prompt: str) -> int: ...

    def probabilities(self, prompt: str, options: Sequence[str]) -> list[float]:
        """P(next token is the first token of option) for each option, after `prompt`."""
        ...

    def complete(self, prompt: str, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        """A greedy continuation of `prompt`, streamed."""
        ...


def _shared(a: Sequence[object], b: Sequence[object]) -> int:
    """The length of the common prefix of two sequences (strings, token lists)."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def import_backend() -> None:
    """Import llama_cpp now, in the calling thread. Loading weights in a worker thread is safe;
    importing there while another thread imports numpy is not (numpy can come back half
    initialised: "cannot import name '__cpu_features__'").

    With verbose=False, llama-cpp-python quiets a model load by pointing the process's file
    descriptors 1 and 2 at /dev/null for the whole load. The model loads in a background thread
    (`Pipeline.preload`), so whatever the main thread printed meanwhile was lost: the table of a
    resumed `rag eval answers`, the articles-being-read line of `rag ask`. llama.cpp's own logs
    go through its log callback, which verbose=False already silences, so the redirect is
    replaced by nothing."""
    import contextlib

    import llama_cpp._internals
    import llama_cpp.llama

    def keep_outputs(disable: bool = True) -> contextlib.nullcontext[None]:
        return contextlib.nullcontext()

    llama_cpp.llama.suppress_stdout_stderr = keep_outputs  # type: ignore[misc,assignment]
    llama_cpp._internals.suppress_stdout_stderr = keep_outputs  # type: ignore[misc,assignment]


class LlamaCppGenerator:
    def __init__(self, path: Path, settings: Settings, name: str | None = None) -> None:
        import_backend()
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
        self._formatter: Any = None
        self._option_ids: dict[str, int] = {}
        self._head: int | None = None  # set by chat_prompt: a new question's shared head

    # -- raw prompts -----------------------------------------------------------------------

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if self._formatter is None:
            llm = self._llm
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ModelError(f"{self.name} has no chat template in its GGUF metadata.")
            eos, bos = llm.token_eos(), llm.token_bos()
            self._formatter = Jinja2ChatFormatter(
                template=template,
                eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
                bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
            )
        prompt = str(self._formatter(messages=messages).prompt)  # type: ignore[arg-type]
        self._head = self._head_tokens(messages, prompt)
        return prompt

    def _head_tokens(self, messages: list[dict[str, str]], prompt: str) -> int:
        """How many tokens of `prompt` come before its first non-system message: the part
        every question shares (the template's system turn)."""
        if not messages or messages[0]["role"] != "system" or len(messages) < 2:
            return 0
        alone = str(self._formatter(messages=messages[:1]).prompt)  # type: ignore[arg-type]
        head = self._tokens(prompt[: _shared(prompt, alone)])
        return _shared(head, self._tokens(prompt))

    def _tokens(self, prompt: str) -> list[int]:
        # special=True: the template's role markers (<|im_start|>) are single tokens.
        return self._llm.tokenize(prompt.encode(), add_bos=False, special=True)

    def prompt_tokens(self, prompt: str) -> int:
        return len(self._tokens(prompt))

    def probabilities(self, prompt: str, options: Sequence[str]) -> list[float]:
        import numpy as np
        from llama_cpp import llama_get_logits_ith

        llm = self._llm
        tokens = self._tokens(prompt)
        shared = _shared(llm._input_ids.tolist(), tokens)
        head, self._head = self._head, None
        if head is not None:
            # A new question. llama.cpp's numbers depend on how a sequence was split into
            # batches, so reusing another question's evidence (two questions often share their
            # first passage) made the same question's answer depend on the one before. Reuse
            # only the system turn, evaluated on its own, and the same question always gets
            # the same answer.
            if shared < head:
                llm.n_tokens = 0
                llm.eval(tokens[:head])
            shared = head
        shared = min(shared, len(tokens) - 1)  # evaluate at least one token: fresh logits
        llm.n_tokens = shared  # eval() drops the KV cache from here on
        llm.eval(tokens[shared:])
        n_vocab = llm.n_vocab()
        logits = np.ctypeslib.as_array(llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
        z = logits.astype(np.float64) - float(logits.max())
        probs = np.exp(z) / np.exp(z).sum()
        return [float(probs[self._first_token(o)]) for o in options]

    def _first_token(self, text: str) -> int:
        if text not in self._option_ids:
            ids = self._llm.tokenize(text.encode(), add_bos=False, special=False)
            self._option_ids[text] = ids[0]
        return self._option_ids[text]

    def complete(self, prompt: str, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        for part in self._llm.create_completion(
            prompt=self._tokens(prompt),  # type: ignore[arg-type]
            stream=True,
            temperature=self.settings.temperature,
            max_tokens=max_tokens,
            stop=list(stop) or None,
            seed=self.settings.seed,
        ):
            text: Any = part["choices"][0]["text"]  # type: ignore[index]
            if text:
                yield str(text)

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
