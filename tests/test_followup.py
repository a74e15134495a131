"""Follow-up questions: the cheap path without history, the checks on the model's rewrite, and
the real default model resolving "he" against the history."""

from collections.abc import Iterator

import pytest

from rag.answer.followup import HISTORY_TURNS, clean_rewrite, condense, condense_messages
from rag.pipeline import default_generator
from rag.settings import Settings

from .conftest import AUKUS

CASPIAN = "What did he say about the Caspian Sea?"
HISTORY = [
    (
        AUKUS,
        'Patrushev called AUKUS "the creation of a new North Atlantic Treaty Organzation '
        '(NATO) aimed at increasing pressure on China." [1]',
    )
]


class Recording:
    """A Generator (same Protocol as LlamaCppGenerator) that replays a reply and records calls."""

    name = "recording"

    def __init__(self, reply: str) -> None:
        self.reply, self.calls = reply, []

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(len(m["content"].split()) for m in messages)

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        self.calls.append(messages)
        yield from self.reply.split(" ")


def test_no_history_means_no_model_call():
    gen = Recording("anything")
    assert condense(CASPIAN, [], gen) == CASPIAN
    assert gen.calls == []


def test_rewrite_is_one_clean_line():
    assert clean_rewrite('Standalone question: "What did Patrushev say?"\nMore', "q?") == (
        "What did Patrushev say?"
    )
    assert clean_rewrite("", "What did he say?") == "What did he say?"
    assert clean_rewrite("x" * 500, "What did he say?") == "What did he say?"  # a ramble


def test_history_is_trimmed_and_markers_dropped():
    history = [(f"q{i}", f"answer {i} [1]") for i in range(5)]
    user = condense_messages("And then?", history)[1]["content"]
    assert "[1]" not in user and "Last question: And then?" in user
    kept = [i for i in range(5) if f"q{i}" in user]
    assert kept == list(range(5 - HISTORY_TURNS, 5))


@pytest.fixture(scope="module")
def llm():
    return default_generator(Settings.from_env(env={}))


@pytest.mark.model
def test_real_model_resolves_the_pronoun(llm):
    rewritten = condense(CASPIAN, HISTORY, llm)
    assert "Patrushev" in rewritten and "Caspian" in rewritten, rewritten
    assert "\n" not in rewritten


@pytest.mark.model
def test_real_model_keeps_a_standalone_question(llm):
    question = "What did Shamkhani say about Iran's membership in the SCO?"
    rewritten = condense(question, HISTORY, llm)
    assert "Shamkhani" in rewritten and "SCO" in rewritten, rewritten


HISTORY = [("What did Patrushev say about AUKUS?", "He called it a new NATO aimed at China [1].")]


def test_a_statement_is_not_taken_for_the_rewrite():
    # The 1.5B model sometimes answers instead of rewriting; that must not become the query.
    rewrite = clean_rewrite("He was talking to Raisi.", "Who was he talking to?", HISTORY)
    assert rewrite == "Who was he talking to? (Patrushev, AUKUS, NATO, China)"


def test_a_rewrite_that_keeps_the_pronoun_falls_back_with_the_subject():
    rewrite = clean_rewrite("Who was he talking to?", "Who was he talking to?", HISTORY)
    assert rewrite.startswith("Who was he talking to? (Patrushev")


def test_a_resolved_rewrite_is_kept():
    assert clean_rewrite("Who was Patrushev talking to?", "Who was he talking to?", HISTORY) == (
        "Who was Patrushev talking to?"
    )
    # No pronoun to resolve: the question stands as asked when the reply is junk.
    assert clean_rewrite("", "When was AUKUS announced?", HISTORY) == "When was AUKUS announced?"


def test_subject_skips_words_capitalised_for_the_sentence():
    from rag.answer.followup import subject_of

    assert subject_of("For how many years has Iran been under sanctions, says Shamkhani?") == [
        "Iran",
        "Shamkhani",
    ]


def test_a_standalone_question_costs_no_rewrite():
    # It names its subject and has nothing to resolve: the model is not asked at all.
    gen = Recording("What did Patrushev say about AUKUS?")
    question = "Did Shamkhani mention the SCO in Dushanbe?"
    assert condense(question, HISTORY, gen) == question
    assert gen.calls == []


@pytest.mark.parametrize(
    "question",
    ["What did he say about it?", "What about Shamkhani?", "And in Tehran?", "Why?"],
)
def test_a_question_that_leans_on_the_last_turn_is_rewritten(question):
    from rag.answer.followup import standalone

    assert not standalone(question)
    gen = Recording("What did Shamkhani say about AUKUS?")
    condense(question, HISTORY, gen)
    assert len(gen.calls) == 1
