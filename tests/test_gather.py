"""Evidence from every article a question needs: the code completes the model's choice for the
outlets a question names and for questions that gather (rag/answer/gather.py)."""

import pytest

from rag.answer.gather import GATHER_AT, MAX_WIDENED, gathers, spread, widen
from rag.answer.units import Unit
from rag.types import Chunk, Passage


def unit(i: int, doc: str, source: str | None, score: float) -> Unit:
    chunk = Chunk(f"c{i}", doc, 0, 20, "Some sentence here.")
    return Unit(i, Passage(i, chunk, score, f"T-{doc}", source=source), 0, 19, score)


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
