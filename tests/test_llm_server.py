"""Answering through an OpenAI-compatible model server: the real `python -m llama_cpp.server` with
the 0.5B model on 127.0.0.1 (started and stopped here), the shapes servers give probabilities in,
the greedy fallback, and one clear line for a server that is down, slow or at a wrong URL."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.answer.ask import ask
from rag.errors import ModelError
from rag.llm.catalogue import resolve
from rag.llm.server import ServerGenerator, api_base, next_token_probs, option_probabilities
from rag.pipeline import Pipeline
from rag.settings import Settings

from .conftest import AUKUS, DEV_QA, run_cli
from .servers import LlamaServer, free_port

SMALL = "qwen2.5-coder-0.5b-instruct-q4_k_m"
pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] is not installed")


@pytest.fixture(scope="module")
def small_model() -> Path:
    return resolve(SMALL, Settings())


@pytest.fixture(scope="module")
def llm_server(small_model: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(small_model, logits_all=True)
    yield server
    server.stop()


# -- the shapes servers return probabilities in ---------------------------------------------------


def test_openai_completions_shape() -> None:  # vLLM, llama_cpp.server
    top = [{" S": -0.1, " NONE": -2.5}]
    payload = {"choices": [{"text": " S", "logprobs": {"top_logprobs": top}}]}
    probs = next_token_probs(payload)
    assert probs is not None
    assert probs[" S"] == pytest.approx(0.904837, rel=1e-5)
    assert probs[" NONE"] == pytest.approx(0.082085, rel=1e-4)


def test_openai_chat_shape() -> None:  # OpenAI chat, llama-server's /v1/*
    top = [{"token": "Yes", "logprob": -0.2, "bytes": [89]}, {"token": "No", "logprob": -1.8}]
    payload = {"choices": [{"logprobs": {"content": [{"token": "Yes", "top_logprobs": top}]}}]}
    probs = next_token_probs(payload)
    assert probs == pytest.approx({"Yes": 0.818731, "No": 0.165299}, rel=1e-4)


def test_llama_server_native_shapes() -> None:  # /completion with n_probs, new and old
    new = {"completion_probabilities": [{"top_logprobs": [{"token": "3", "logprob": 0.0}]}]}
    old = {"completion_probabilities": [{"probs": [{"tok_str": "3", "prob": 0.75}]}]}
    assert next_token_probs(new) == {"3": 1.0}
    assert next_token_probs(old) == {"3": 0.75}


def test_byte_level_token_names_are_read_as_text() -> None:
    payload = {"choices": [{"logprobs": {"top_logprobs": [{"ĠS": -0.5, "Ċ": -1.0}]}}]}
    assert set(next_token_probs(payload) or {}) == {" S", "\n"}


def test_no_probabilities_is_none() -> None:
    assert next_token_probs({"choices": [{"text": "x", "logprobs": None}]}) is None
    assert next_token_probs({"choices": [{"logprobs": {"top_logprobs": [None]}}]}) is None
    assert next_token_probs({}) is None


def test_an_option_reads_its_first_token() -> None:
    top = {" NON": 0.5, " N": 0.2, "1": 0.1}
    assert option_probabilities(top, [" NONE", "12", " S"]) == [0.5, 0.1, 0.0]


def test_api_base() -> None:
    assert api_base("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert api_base("http://h:1/v1/") == "http://h:1/v1"
    assert api_base("https://proxy.example/llm/v1") == "https://proxy.example/llm/v1"
    with pytest.raises(ModelError, match="http"):
        api_base("127.0.0.1:8080")


# -- the real server ------------------------------------------------------------------------------


def _choice(answer) -> tuple:  # type: ignore[no-untyped-def]
    """What the evidence-first step decided: the evidence the model named first, whether to
    abstain, and for Yes/No and either-or questions the answer. (The words written after it may
    differ: in process each question reuses only the cached system turn, so that its answer
    does not depend on the question before; llama_cpp.server reuses the longest cached prefix.)"""
    decided = answer.short_answer if answer.route in ("yes_no", "choice") else None
    first = [(e.unit, e.quote) for e in answer.evidence[:1]]
    return first, answer.abstained, decided


# The two evaluate the prompt in different batches, so their logits differ in the last bits.
# Whether the model goes on with its evidence list (P(",") against P("\n") after "S3, S4") can
# be that close: on an AVX2-only CPU one of the 16 questions lists one unit more in process.
MAY_LIST_DIFFERENTLY = 2


def test_over_http_the_evidence_choice_matches_in_process(
    llm_server: LlamaServer, seed_settings: Settings, embedder
) -> None:
    """The seed dev questions, answered by the 0.5B model in process and through the server:
    the same first evidence, probabilities, abstentions and Yes/No answers, and the same
    evidence list for all but a near tie or two."""
    questions = [json.loads(line)["question"] for line in DEV_QA.read_text().splitlines() if line]
    local = Pipeline.open(seed_settings.with_(model=SMALL), embedder=embedder)
    here = [ask(local, q).answer for q in questions]
    del local
    remote = Pipeline.open(seed_settings.with_(llm_url=llm_server.url), embedder=embedder)
    assert remote.generator.name.endswith(llm_server.url.split("/")[2])
    there = [ask(remote, q).answer for q in questions]
    assert [a.abstained for a in here].count(True) not in (0, len(questions))  # both kinds
    listed_differently = 0
    for q, a, b in zip(questions, here, there, strict=True):
        assert _choice(a) == _choice(b), q
        assert a.p_none == pytest.approx(b.p_none, abs=0.05), q  # P(no evidence), as read
        p_here = {e.unit: e.p for e in a.evidence}
        p_there = {e.unit: e.p for e in b.evidence}
        for unit in p_here.keys() & p_there.keys():  # P(unit), as read
            assert p_here[unit] == pytest.approx(p_there[unit], abs=0.02), q
        listed_differently += p_here.keys() != p_there.keys()
    assert listed_differently <= MAY_LIST_DIFFERENTLY


def test_rag_ask_streams_from_the_server(llm_server: LlamaServer, seed_settings: Settings) -> None:
    r = run_cli("ask", AUKUS, "--index", str(seed_settings.index_dir), "--llm-url", llm_server.url)
    assert r.returncode == 0, r.stderr
    assert "[1]" in r.stdout and "Traceback" not in r.stderr
    assert llm_server.url.split("/")[2] in r.stdout + r.stderr  # the model line names the server


def test_streaming_and_token_counts(llm_server: LlamaServer, small_model: Path) -> None:
    from rag.llm.generate import LlamaCppGenerator

    remote = ServerGenerator(Settings(llm_url=llm_server.url))
    pieces = list(remote.stream([{"role": "user", "content": "Name three colours."}]))
    assert len(pieces) > 1 and "".join(pieces).strip()
    local = LlamaCppGenerator(small_model, Settings())
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": AUKUS}]
    prompt = local.chat_prompt(messages)
    assert remote.chat_prompt(messages) == prompt  # ChatML, as the model's own template
    assert remote.prompt_tokens(prompt) == local.prompt_tokens(prompt)


def test_a_server_without_probabilities_falls_back_to_greedy_and_says_so_once(
    small_model: Path,
) -> None:
    server = LlamaServer(small_model, logits_all=False)
    try:
        notes: list[str] = []
        g = ServerGenerator(Settings(llm_url=server.url), notice=notes.append)
        prompt = g.chat_prompt([{"role": "user", "content": "Is Paris in France? Yes or No."}])
        first = g.probabilities(prompt, ["Yes", "No"])
        again = g.probabilities(prompt, ["Yes", "No"])
        assert first == again and sorted(first) == [0.0, 1.0]
        greedy = [n for n in notes if "greedy" in n]
        assert len(greedy) == 1 and "--logits_all true" in greedy[0]
    finally:
        server.stop()


# -- a server that is down, slow, or at a wrong URL -----------------------------------------------


class Stub(BaseHTTPRequestHandler):
    delay = 0.0
    status = 200

    def _reply(self) -> None:
        time.sleep(self.delay)
        self._send({"data": [{"id": "m", "object": "model"}], "object": "list"}, self.status)

    def _send(self, payload: object, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply

    def log_message(self, *args: object) -> None:
        pass


def _stub(**attrs: float) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (Stub,), attrs)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_a_slow_server_is_one_line() -> None:
    server, url = _stub(delay=2.0)
    try:
        with pytest.raises(ModelError, match=r"did not answer .* within 0.3 s.*RAG_LLM_TIMEOUT_S"):
            ServerGenerator(Settings(llm_url=url, llm_timeout_s=0.3))
    finally:
        server.shutdown()


def test_a_wrong_url_is_one_line() -> None:
    server, url = _stub(status=404)
    try:
        with pytest.raises(ModelError, match=r"answered 404 .*ends in /v1"):
            ServerGenerator(Settings(llm_url=url))
    finally:
        server.shutdown()


def test_a_server_that_is_down_is_one_line_in_rag_ask(seed_settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    r = run_cli("ask", AUKUS, "--index", str(seed_settings.index_dir), "--llm-url", url)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Cannot reach the model server" in lines[0], r.stderr
    assert "Traceback" not in r.stderr


class EndsAtOnce(Stub):
    """llama_cpp.server's reply when the model's likeliest next token ends the text (an empty
    completion, logprobs with nothing in them, as captured from a real server), then a reply with
    probabilities."""

    calls = 0

    def do_POST(self) -> None:
        if not self.path.endswith("/completions"):
            return self._reply()
        EndsAtOnce.calls += 1
        empty = {"text_offset": [], "token_logprobs": [], "tokens": [], "top_logprobs": []}
        some = {"top_logprobs": [{" Yes": -0.1, " No": -2.5}], "tokens": [" Yes"]}
        first = EndsAtOnce.calls == 1
        choice = {
            "index": 0,
            "finish_reason": "stop" if first else "length",
            "text": "" if first else " Yes",
            "logprobs": empty if first else some,
        }
        reply = {"id": "c", "object": "text_completion", "created": 0, "model": "m"}
        self._send({**reply, "choices": [choice]})


def test_an_empty_completion_is_not_a_server_without_probabilities() -> None:
    """One reply that ends at once carries no logprobs: that call gives no option a chance, and
    the next call reads probabilities as usual (it once turned a whole session greedy)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EndsAtOnce)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        notes: list[str] = []
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        g = ServerGenerator(Settings(llm_url=url), notice=notes.append)
        assert g.probabilities("prompt", [" Yes", " No"]) == [0.0, 0.0]
        yes, no = g.probabilities("prompt", [" Yes", " No"])
        assert yes > 0.8 and 0 < no < 0.1
        assert not [n for n in notes if "greedy" in n]
    finally:
        server.shutdown()
