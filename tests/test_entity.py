"""Questions whose answer is a name: recognised, and answered with the name alone."""

import pytest

from rag.answer.entity import entity_name, is_entity_question


@pytest.mark.parametrize(
    "question",
    [
        "Who is the individual accused by Fortune of secretly accessing customer funds?",
        "Which company, reported by both TechCrunch and The Verge, is likely to win the case?",
        "Which world-leading AI development company, founded in late 2015, is ...?",
        "What is the name of the cryptocurrency exchange that was established by SBF?",
        "Which news agency's content is licensed under a Creative Commons licence?",
        "Who, according to TechCrunch, is the industry figure ...?",
    ],
)
def test_questions_that_ask_for_a_name(question):
    assert is_entity_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who did Shamkhani meet in Dushanbe?",  # answered from the evidence as written
        "What did Patrushev say about AUKUS?",
        "Which transport corridor did Patrushev call important?",
        "In which city was the dialogue held?",
        "Which company of the two reported a loss?",
    ],
)
def test_other_questions(question):
    assert not is_entity_question(question)


class Replay:
    """A Generator (the Protocol's `complete`) that replays text, cut at the first stop."""

    name = "replay"

    def __init__(self, text: str) -> None:
        self.text = text

    def complete(self, prompt, max_tokens, stop=()):
        cut = min((self.text.find(s) for s in stop if s in self.text), default=len(self.text))
        yield self.text[:cut]


def test_the_name_the_answer_opens_or_closes_with_and_no_other():
    assert entity_name(Replay(" Donald Trump is implicated in both ..."), "") == "Donald Trump"
    assert entity_name(Replay(" Google, which ..."), "") == "Google"
    assert entity_name(Replay(" Taylor Swift and Travis Kelce were seen"), "") == (
        "Taylor Swift and Travis Kelce"
    )
    closing = " The individual accused of fraud, who ran FTX, is Sam Bankman-Fried. He was"
    assert entity_name(Replay(closing), "") == "Sam Bankman-Fried"
    assert entity_name(Replay(" the company that makes phones"), "") is None
    assert entity_name(Replay(" Sporting News reports that DraftKings, BetMGM"), "") is None
    assert entity_name(Replay(" It is not clear.\nSam"), "") is None  # one line is read
