"""Answering through any OpenAI-compatible model server: llama.cpp's `llama-server`,
`python -m llama_cpp.server`, vLLM. The `openai` client is imported only here.

`ServerGenerator` has the same `Generator` protocol as the in-process `LlamaCppGenerator`, so the
evidence-first step runs unchanged over HTTP:
- `probabilities` asks `/v1/completions` for one token with `logprobs` (the top alternatives) and
  reads the options' probabilities among them (`next_token_probs` normalises the shapes servers
  return). An option missing from the alternatives counts as 0. A server that cannot return
  probabilities (`llama_cpp.server` without `--logits_all true`) gets one greedy token instead,
  the option it matches counting as 1, and the user is told once.
- `chat_prompt` renders the chat template: the server's own when it has `/apply-template`
  (llama-server), else ChatML (Qwen, the default models, and many others), said once.
- Token counts come from the server's tokenize endpoint (`/extras/tokenize/count` on
  llama_cpp.server, `/tokenize` on llama-server and vLLM), else an estimate, said once.

Every failure is one `ModelError` line naming the server: down, slow, a wrong URL, a refused key.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rag.errors import ModelError
from rag.settings import Settings

CHARS_PER_TOKEN = 4  # the estimate when a server cannot count tokens (English news, BPE)
TEMPLATE_TOKENS = 5  # role markers per message, as in LlamaCppGenerator.count_tokens
# Sampling as in process: llama_cpp.server penalises repeats by default (1.1), which changes the
# greedy words; llama-server and vLLM default to none and ignore the name they do not use.
PLAIN = {"repeat_penalty": 1.0}


def api_base(url: str) -> str:
    """The client's base URL: a bare server address gets `/v1`, where all three servers put the
    OpenAI routes; a URL with a path (a proxy) is taken as given."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelError(
            f"RAG_LLM_URL must be an http(s) URL, e.g. http://127.0.0.1:8080/v1; got {url!r}."
        )
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _server_root(base: str) -> str:
    """Where the non-OpenAI routes (tokenize, apply-template) live: the base without `/v1`."""
    return base.removesuffix("/v1")


def _piece(token: str) -> str:
    """A token as text. Some servers name tokens in byte-level BPE form (`ĠS` for ` S`)."""
    if "Ġ" in token or "Ċ" in token:
        return token.replace("Ġ", " ").replace("Ċ", "\n")
    return token


def _entries(items: Any) -> dict[str, float] | None:
    """[{token|tok_str, logprob|prob}, ...] -> {token: probability}."""
    if not isinstance(items, list):
        return None
    probs: dict[str, float] = {}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        token = item.get("token", item.get("tok_str"))
        if not isinstance(token, str):
            continue
        if item.get("logprob") is not None:
            p = math.exp(float(item["logprob"]))
        elif item.get("prob") is not None:
            p = float(item["prob"])
        else:
            continue
        key = _piece(token)
        probs[key] = max(p, probs.get(key, 0.0))  # two ids may read the same: keep the likelier
    return probs or None


def next_token_probs(payload: Mapping[str, Any]) -> dict[str, float] | None:
    """The next-token alternatives in a completion response, as {token text: probability}; None
    when the response carries none. The shapes, by server:
    - OpenAI `/v1/completions` (vLLM, llama_cpp.server): choices[0].logprobs.top_logprobs[0] is
      {token: logprob};
    - OpenAI chat, and llama-server's `/v1/*`: choices[0].logprobs.content[0].top_logprobs is
      [{token, logprob}];
    - llama-server's own `/completion` with `n_probs`: completion_probabilities[0] holds
      top_logprobs [{token, logprob}] (newer) or probs [{tok_str, prob}] (older)."""
    choices = payload.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        logprobs = choices[0].get("logprobs")
        if isinstance(logprobs, Mapping):
            top = logprobs.get("top_logprobs")
            if isinstance(top, list) and top and isinstance(top[0], Mapping):
                found: dict[str, float] = {}
                for token, lp in top[0].items():
                    key = _piece(str(token))
                    found[key] = max(math.exp(float(lp)), found.get(key, 0.0))
                if found:
                    return found
            content = logprobs.get("content")
            if isinstance(content, list) and content and isinstance(content[0], Mapping):
                return _entries(content[0].get("top_logprobs"))
    native = payload.get("completion_probabilities")
    if isinstance(native, list) and native and isinstance(native[0], Mapping):
        first = native[0]
        return _entries(first.get("top_logprobs", first.get("probs")))
    return None


def option_probabilities(top: Mapping[str, float], options: Sequence[str]) -> list[float]:
    """Each option's probability among the alternatives `top`: that of the option's first token,
    as in process. Without the server's tokenizer the first token is taken to be the longest
    alternative the option starts with (" NONE" may be one token or " NON" + "E")."""
    out = []
    for option in options:
        heads = [t for t in top if t and option.startswith(t)]
        out.append(top[max(heads, key=len)] if heads else 0.0)
    return out


def _chatml(messages: list[dict[str, str]]) -> str:
    turns = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return turns + "<|im_start|>assistant\n"


def _to_stderr(message: str) -> None:
    print(f"Note: {message}", file=sys.stderr, flush=True)


class ServerGenerator:
    """The `Generator` protocol over an OpenAI-compatible server (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        api_key: str | None = None,
        notice: Callable[[str], None] = _to_stderr,
    ) -> None:
        import openai

        self.settings = settings
        self.base = api_base(settings.llm_url)
        self._root = _server_root(self.base)
        self._notice = notice
        self._said: set[str] = set()
        self._errors = openai
        # No retries: a local server that fails once fails again, and a retry doubles the wait.
        self._client = openai.OpenAI(
            base_url=self.base,
            api_key=settings.llm_api_key or api_key or "unused",
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )
        self.model = settings.llm_model or self._first_model()
        self.name = f"{self.model} @ {urlsplit(self.base).netloc}"
        self._greedy = False  # the server returned no probabilities once: greedy from then on
        self._template: str | None = None  # "server" or "chatml", found on first use
        self._count_route: str | None = None  # the tokenize route that worked, or "estimate"

    # -- errors --------------------------------------------------------------------------------

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Turn the client's exceptions into one line that names the server and what to do."""
        e = self._errors
        where = f"The model server at {self.base}"
        try:
            yield
        except e.APITimeoutError:
            raise ModelError(
                f"{where} did not answer {what} within {self.settings.llm_timeout_s:g} s. "
                "Is it overloaded? Raise RAG_LLM_TIMEOUT_S to wait longer."
            ) from None
        except e.APIConnectionError as err:
            cause = err.__cause__ or err
            raise ModelError(
                f"Cannot reach the model server at {self.base} ({_short(cause)}). Start it, fix "
                "RAG_LLM_URL (--llm-url), or unset it to answer with the built-in model."
            ) from None
        except e.AuthenticationError as err:
            raise ModelError(
                f"{where} refused the API key (HTTP {err.status_code}). Set RAG_LLM_API_KEY."
            ) from None
        except e.NotFoundError as err:
            raise ModelError(
                f"{where} answered 404 to {what} ({_short(err.message)}): is the URL the server's "
                "OpenAI API (it usually ends in /v1), and is the model name right (RAG_LLM_MODEL)?"
            ) from None
        except e.APIStatusError as err:
            raise ModelError(
                f"{where} failed {what}: HTTP {err.status_code} ({_short(err.message)})."
            ) from None

    def _say_once(self, key: str, message: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self._notice(message)

    def _first_model(self) -> str:
        with self._calling("the list of models"):
            page = self._client.models.list()
        models = [m.id for m in page.data]
        if not models:
            raise ModelError(f"The model server at {self.base} lists no models. Load one first.")
        return models[0]

    def _post(self, route: str, body: dict[str, Any], what: str) -> Any:
        """A JSON POST to one of the server's own routes (outside `/v1`); None when the server
        has no such route or refuses it (each server has its own), an error when it is down."""
        with self._calling(what):
            try:
                return self._client.post(f"{self._root}{route}", body=body, cast_to=object)
            except self._errors.APIStatusError:
                return None

    # -- prompts and tokens --------------------------------------------------------------------

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        if self._template != "chatml":
            out = self._post("/apply-template", {"messages": messages}, "the chat template")
            if isinstance(out, Mapping) and isinstance(out.get("prompt"), str):
                self._template = "server"
                return str(out["prompt"])
            self._template = "chatml"
            self._say_once(
                "template",
                f"{self.base} does not render chat templates (/apply-template); prompts use "
                "ChatML, the template of Qwen and many others.",
            )
        return _chatml(messages)

    def prompt_tokens(self, prompt: str) -> int:
        routes: list[tuple[str, dict[str, Any]]] = [
            ("/extras/tokenize/count", {"input": prompt}),  # llama_cpp.server
            # llama-server reads `content`, vLLM `model` and `prompt`; each ignores the others.
            ("/tokenize", {"content": prompt, "model": self.model, "prompt": prompt,
                           "add_special": False, "add_special_tokens": False}),
        ]  # fmt: skip
        if self._count_route != "estimate":
            for route, body in routes:
                if self._count_route not in (None, route):
                    continue
                count = _token_count(self._post(route, body, "a token count"))
                if count is not None:
                    self._count_route = route
                    return count
            self._count_route = "estimate"
            self._say_once(
                "tokens",
                f"{self.base} has no tokenize endpoint; token counts are estimated "
                f"({CHARS_PER_TOKEN} characters a token).",
            )
        return max(1, len(prompt) // CHARS_PER_TOKEN)

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(self.prompt_tokens(m["content"]) + TEMPLATE_TOKENS for m in messages)

    # -- the evidence step ---------------------------------------------------------------------

    def probabilities(self, prompt: str, options: Sequence[str]) -> list[float]:
        top = None if self._greedy else self._alternatives(prompt)
        if top is None:
            with self._calling("a one-token completion"):
                out = self._client.completions.create(
                    model=self.model, prompt=prompt, max_tokens=1, temperature=0.0,
                    seed=self.settings.seed, extra_body=PLAIN,
                )  # fmt: skip
            top = {out.choices[0].text: 1.0}
        return option_probabilities(top, options)

    def _alternatives(self, prompt: str) -> dict[str, float] | None:
        """The next token's top alternatives, or None (and greedy from now on) when the server
        gives none: it refuses `logprobs`, or answers without them."""
        with self._calling("a completion"):
            try:
                out = self._client.completions.create(
                    model=self.model, prompt=prompt, max_tokens=1, temperature=0.0,
                    logprobs=self.settings.llm_top_logprobs, seed=self.settings.seed,
                    extra_body=PLAIN,
                )  # fmt: skip
            except self._errors.APIStatusError as err:
                if err.status_code in (401, 403, 404):
                    raise  # a wrong key or URL, not a server without probabilities
                reason = f"it refused logprobs: HTTP {err.status_code}"
                top = None
            else:
                top = next_token_probs(out.to_dict())
                choice = out.choices[0] if out.choices else None
                if top is None and choice is not None and not choice.text:
                    # The model's likeliest next token ends the text, and llama_cpp.server then
                    # sends an empty completion without logprobs. That is not a server without
                    # probabilities: none of the options is likely here, and the next call is
                    # read as usual (greedy from here on broke the rest of a session).
                    return {}
                reason = "its completions carry no logprobs"
        if top is None:
            self._greedy = True
            self._say_once(
                "greedy",
                f"{self.base} returns no token probabilities ({reason}); choosing evidence and "
                "Yes/No from one greedy token instead, so abstention is less careful. For "
                "python -m llama_cpp.server, start it with --logits_all true.",
            )
        return top

    # -- text ----------------------------------------------------------------------------------

    def complete(self, prompt: str, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        with self._calling("a completion"):
            for part in self._client.completions.create(
                model=self.model, prompt=prompt, max_tokens=max_tokens, stream=True,
                temperature=self.settings.temperature, seed=self.settings.seed,
                stop=list(stop) or None, extra_body=PLAIN,
            ):  # fmt: skip
                if part.choices and part.choices[0].text:
                    yield part.choices[0].text

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        with self._calling("a chat completion"):
            parts: Any = self._client.chat.completions.create(
                model=self.model, messages=messages,  # type: ignore[arg-type]
                max_tokens=self.settings.max_tokens, stream=True,
                temperature=self.settings.temperature, seed=self.settings.seed,
                extra_body=PLAIN,
            )  # fmt: skip
            for part in parts:
                if part.choices and part.choices[0].delta.content:
                    yield part.choices[0].delta.content


def _token_count(out: Any) -> int | None:
    if not isinstance(out, Mapping):
        return None
    if isinstance(out.get("count"), int):
        return int(out["count"])
    if isinstance(out.get("tokens"), list):
        return len(out["tokens"])
    return None


def _short(value: object) -> str:
    """An error's text on one line, not endless."""
    text = " ".join(str(value).split()) or type(value).__name__
    return text if len(text) <= 160 else text[:157] + "..."
