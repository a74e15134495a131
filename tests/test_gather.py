"""Evidence from every article a question needs: the code completes the model's choice for the
outlets a question names and for questions that gather (rag/answer/gather.py)."""

import pytest

from rag.answer.gather import GATHER_AT, MAX_WIDENED, gathers, spread, widen
from rag.answer.units import Unit
from rag.search.query import SubQuery, find_dates
from rag.types import Chunk, Passage


def unit(i: int, doc: str, source: str | None, score: float, day: str | None = None) -> Unit:
    chunk = Chunk(f"c{i}", doc, 0, 20, "Some sentence here.")
    passage = Passage(i, chunk, score, f"T-{doc}", source=source, published_at=day)
    return Unit(i, passage, 0, 19, score)


@pytest.mark.parametrize(
    "question",
    [
        "In which cities did Shamkhani and Patrushev meet, across these reports?",
        "Which cities did Shamkhani visit?",
        "What companies were fined by the EU?",
        "List the players who scored.",
        "How many goals did Kane score?",
        "Who were the people at the summit?",
        "What did each article say, in all the reports?",
    ],
)
def test_questions_that_gather(question):
    assert gathers(question)


@pytest.mark.parametrize(
    "question",
    [
        "What did Patrushev say about AUKUS?",
        "Which company, reported by both TechCrunch and The Verge, is involved in X?",
        "Which sports team won the cup?",  # one team: "sports" is no plural answer
        "What is the news about the summit?",
        "Who is the individual accused of fraud?",
        "What does the series say about Kane?",
        "Did Shamkhani meet Patrushev in Dushanbe?",
        "Which business leaders met?",  # "business" ends in -ss: not a plural
    ],
)
def test_questions_that_do_not(question):
    assert not gathers(question)


def test_each_named_outlet_gets_its_best_unit():
    units = [
        unit(1, "a", "TechCrunch", 0.5),
        unit(2, "a", "TechCrunch", 0.6),
        unit(3, "b", "The Verge", 0.3),
        unit(4, "b", "The Verge", 0.4),
        unit(5, "c", "Fortune", 0.9),
    ]
    p = {1: 0.5, 2: 0.3, 3: 0.04, 4: 0.01, 5: 0.15}
    # The model chose TechCrunch only; The Verge's unit with the higher P(id) joins, Fortune
    # (not named) does not.
    assert widen((1,), p, units, [("TechCrunch",), ("The Verge",)], False) == (1, 3)
    # A named outlet already chosen adds nothing; one with no unit shown adds nothing.
    assert widen((1, 4), p, units, [("The Verge",), ("Engadget",)], False) == (1, 4)
    assert widen((1,), p, units, [], False) == (1,)


def test_a_gathering_question_takes_every_article_that_holds_a_part():
    units = [
        unit(1, "a", None, 0.35),
        unit(2, "b", None, 0.39),
        unit(3, "c", None, 0.43),  # the model passed over it, but it is the most relevant
        unit(4, "d", None, 0.12),  # the model gave it weight
        unit(5, "e", None, 0.10),  # neither: left out
        unit(6, "d", None, 0.30),
    ]
    p = {1: 0.30, 2: 0.40, 3: 0.003, 4: 0.01, 5: GATHER_AT / 2, 6: GATHER_AT}
    assert widen((2, 1), p, units, [], True) == (2, 1, 3, 6)
    assert widen((2, 1), p, units, [], False) == (2, 1)
    # Never more than MAX_WIDENED, the model's own choice first.
    many = [unit(i, f"d{i}", None, 0.5) for i in range(1, 10)]
    assert widen((9,), dict.fromkeys(range(1, 10), 0.1), many, [], True)[:1] == (9,)
    assert len(widen((9,), dict.fromkeys(range(1, 10), 0.1), many, [], True)) == MAX_WIDENED


def test_spread_puts_one_passage_of_every_article_first():
    def passage(rank: int, doc: str) -> Passage:
        return Passage(rank, Chunk(f"c{rank}", doc, 0, 1, "x"), 1.0 / rank, doc)

    ps = [passage(1, "a"), passage(2, "a"), passage(3, "a"), passage(4, "b"), passage(5, "c")]
    out = spread(ps, 4)
    assert [p.chunk.chunk_id for p in out] == ["c1", "c4", "c5", "c2"]
    assert [p.rank for p in out] == [1, 2, 3, 4]


def test_each_dated_report_gets_a_unit_of_its_own_day():
    """ "Between the TechCrunch report of October 1 and its report of October 7 ...": one
    outlet, two articles; the model chose units of the first only."""
    units = [
        unit(1, "a", "TechCrunch", 0.9, "2023-10-01T10:00:00+00:00"),
        unit(2, "b", "TechCrunch", 0.5, "2023-10-06T10:00:00+00:00"),
        unit(3, "c", "TechCrunch", 0.4, "2023-10-07T10:00:00+00:00"),
        unit(4, "d", "TechCrunch", 0.3, "2023-10-07T18:00:00+00:00"),
        unit(5, "e", "The Verge", 0.8, "2023-10-07T09:00:00+00:00"),
    ]
    p = {1: 0.6, 2: 0.2, 3: 0.01, 4: 0.05, 5: 0.1}
    first = SubQuery(
        "the TechCrunch report on October 1", ("TechCrunch",), tuple(find_dates("October 1, 2023"))
    )
    second = SubQuery(
        "its report on October 7", ("TechCrunch",), tuple(find_dates("October 7, 2023"))
    )
    # October 7's TechCrunch article with the higher P(id) joins; The Verge's of that day does not.
    assert widen((1,), p, units, [("TechCrunch",)], False, [first, second]) == (1, 4)
    # Already chosen, or a day no unit is from: nothing added.
    assert widen((1, 3), p, units, [("TechCrunch",)], False, [first, second]) == (1, 3)
    later = SubQuery("the report on December 5", (), tuple(find_dates("December 5")))
    assert widen((1,), p, units, [], False, [later]) == (1,)
    # A clause with a date but no outlet: any outlet's article of that day.
    any_outlet = SubQuery("the report on October 7", (), tuple(find_dates("October 7")))
    assert widen((1,), p, units, [], False, [any_outlet]) == (1, 5)
