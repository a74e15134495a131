"""Question routing: made-up questions of each kind (none copied from the evaluation sets)."""

import pytest

from rag.answer.route import Route, choice_options, is_temporal, route


@pytest.mark.parametrize(
    "question",
    [
        "Did the central bank raise interest rates in March?",
        "Is there any mention of a ceasefire in the Reuters piece?",
        "Hasn't the company denied the claims?",
        "Were the two climbers rescued alive?",
        "Does the Verge article say the phone ships with a charger?",
        # A leading clause before the main one: the shape of most report-comparison questions.
        "According to the Herald, has the port reopened?",
        "After the Times article that described the fire, did the Post report any injuries?",
        # An "or" inside the question is not a choice when it only joins what is asked about.
        "Did the Reuters or the AP article report casualties?",
        "Does the article say whether prices or wages rose faster?",
    ],
)
def test_yes_no(question):
    assert route(question).kind == "yes_no"
    assert route(question).options == ()


@pytest.mark.parametrize(
    "question",
    [
        "What did the minister say about the pipeline?",
        "Who won the election in Chile?",
        "According to the Verge, which phone has the best battery?",
        "Considering the Reuters and AP reports, which union called the strike?",
        "Which company did the CEO leave, according to Reuters or Bloomberg?",
        "Summarise the coverage of the drought.",
    ],
)
def test_open(question):
    assert route(question) == Route("open")


@pytest.mark.parametrize(
    "question",
    [
        "How did the coverage of the strike change between the March 3 report and the "
        "April 10 report?",
        "What changed in Fortune's reporting after the October 4 article?",
        "Which outlet reported the recall earlier than the others?",
    ],
)
def test_temporal_questions_that_are_not_yes_no(question):
    assert route(question) == Route("temporal", (), True)


@pytest.mark.parametrize(
    "question",
    [
        "Between the Reuters report on May 3 and the AP report on May 9, was there a change in "
        "the reported death toll?",
        "Following the Guardian's report on the flood, did the BBC report more deaths?",
        "Did Reuters report the outage before Bloomberg covered it?",
        "Did the Herald article of 2 June contradict the one of 9 June about the tunnel?",
    ],
)
def test_a_temporal_yes_no_question_stays_yes_no_with_the_flag(question):
    assert route(question) == Route("yes_no", (), True)


@pytest.mark.parametrize(
    "question",
    [
        "Did the striker score after a 0-2 start to the season?",  # an order, but not of reports
        "Did the company change its logo?",  # a change, but no reports or dates compared
        "Who has been previously accused of fraud?",
    ],
)
def test_order_or_change_words_alone_are_not_temporal(question):
    assert not is_temporal(question)


@pytest.mark.parametrize(
    ("question", "options", "temporal"),
    [
        ("Which chipmaker cut its forecast, Intel or AMD?", ("Intel", "AMD"), False),
        ("Which came first, the merger or the layoffs?", ("merger", "layoffs"), True),
        ("Did the strike or the lockout happen first?", ("strike", "lockout"), True),
        ("Was it the mayor or the governor?", ("mayor", "governor"), False),
        ("Was the summit held in Dushanbe or Tehran?", ("Dushanbe", "Tehran"), False),
        ("Did the BBC report a rise or a fall in unemployment?", ("rise", "fall"), False),
        (
            "Did the minister criticise the plan before or after the vote?",
            ("before", "after"),
            True,
        ),
        (
            "Was the tone of the two reports consistent or inconsistent?",
            ("consistent", "inconsistent"),
            False,
        ),
        (
            "Do both articles agree on the cause of the outage, or do they give different "
            "explanations?",
            ("agree", "different"),
            False,
        ),
        (
            "Is the Post's account of the rescue similar to the Times' account, or are the two "
            "accounts inconsistent?",
            ("similar", "inconsistent"),
            False,
        ),
        (
            "Is the later report's forecast optimistic or pessimistic? (optimistic/pessimistic)",
            ("optimistic", "pessimistic"),
            True,
        ),
    ],
)
def test_choice_and_its_options(question, options, temporal):
    assert route(question) == Route("choice", options, temporal)


def test_clauses_that_lean_the_same_way_are_not_a_choice():
    q = (
        "Does the Post say the dam is safe, while the same paper quotes engineers, or do both "
        "articles agree it is safe?"
    )
    assert choice_options(q) == ()
    assert route(q).kind == "yes_no"


def test_a_list_closing_a_yes_no_question_is_not_a_choice():
    q = "Did the ministry name new risks this year, floods or droughts in the north?"
    assert route(q).kind == "yes_no"
