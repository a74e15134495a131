"""The real default model through the raw-prompt API that evidence-first answering uses: unit ids
are one token each, next-token probabilities are a distribution and do not depend on what was
evaluated before (prefix reuse), and a completion continues the prompt."""

import pytest

from rag.answer.prompt import SYSTEM

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def llm(seed_pipeline):
    return seed_pipeline.generator


def test_unit_ids_are_one_token_each(llm):
    """S1..S9 are read as P(digit) after " S": each id must add exactly one token."""
    base = llm.prompt_tokens("Evidence: S")
    assert base == llm.prompt_tokens("Evidence:") + 1  # " S" is one token
    for i in range(1, 10):
        assert llm.prompt_tokens(f"Evidence: S{i}") == base + 1


def test_probabilities_are_a_distribution_and_reuse_agrees(llm):
    prompt = llm.chat_prompt(
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "S1: Rain fell.\n\nQuestion: Did it rain?"},
        ]
    )
    first = llm.probabilities(prompt + "Evidence:", [" S", " NONE", " None"])
    assert 0 < sum(first) <= 1.0 + 1e-6 and first[0] > 0.5
    llm.probabilities(prompt + "Evidence: S", ["1"])  # extends the cached prefix
    again = llm.probabilities(prompt + "Evidence:", [" S", " NONE", " None"])  # goes back
    # Re-evaluating a suffix over the cached prefix is not bit-identical to one pass over the
    # whole prompt (llama.cpp's kernels depend on the batch); measured: within 0.005.
    assert again == pytest.approx(first, abs=0.01)
    yes, no = llm.probabilities(prompt + "Evidence: S1\nAnswer:", [" Yes", " No"])
    assert yes > no
    text = "".join(llm.complete(prompt + "Evidence: S1\nAnswer:", 20, ["\n\n"]))
    assert text.strip()


def test_the_same_question_gets_the_same_answer_whatever_came_before(seed_pipeline):
    """llama.cpp's numbers depend on how a prompt was split into batches; reusing what another
    question (or the same one) left in the cache once changed an answer's words: asked a second
    time, this question was answered "as stated by Shamkhani in both S2 and S5" instead of "as
    stated in both S2 and S5". After another question, and again with the whole prompt cached:
    the same answer each time."""
    from rag.answer.ask import ask

    question = "For how many years has Iran been under sanctions, according to Shamkhani?"

    def answer() -> tuple:  # type: ignore[type-arg]
        a = ask(seed_pipeline, question).answer
        return a.text, [e.unit for e in a.evidence], [c.quote for c in a.citations]

    ask(seed_pipeline, "What did Patrushev say about AUKUS?").answer  # noqa: B018
    first = answer()
    assert answer() == first  # the whole prompt is in the cache now
    ask(seed_pipeline, "What did Shamkhani say about sanctions on Iran?").answer  # noqa: B018
    assert answer() == first


def test_what_the_main_thread_prints_while_a_model_loads_is_kept(capfd):
    # The model loads in a background thread (Pipeline.preload) while the CLI prints; a load
    # must not point the process's stdout at /dev/null meanwhile.
    import os
    import threading

    from rag.pipeline import default_generator
    from rag.settings import Settings

    loader = threading.Thread(target=default_generator, args=(Settings.from_env(env={}),))
    loader.start()
    written = 0
    while loader.is_alive() or written == 0:
        os.write(1, b"line\n")
        written += 1
    loader.join()
    assert capfd.readouterr().out.count("line\n") == written
