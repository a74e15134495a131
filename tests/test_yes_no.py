"""Yes/No questions: the order of two reports is read from their dates by the code."""

from rag.answer.units import Unit
from rag.answer.yes_no import Order, order_answer, order_claim, order_holds, order_units
from rag.search.query import OutletMatcher
from rag.types import Chunk, Passage

OUTLETS = OutletMatcher(["Fortune", "Mashable", "TechCrunch", "The Verge"])


def unit(i: int, source: str, day: str, score: float = 0.5) -> Unit:
    chunk = Chunk(f"c{i}", f"d{i}", 0, 20, "Some sentence here.")
    passage = Passage(i, chunk, score, f"T{i}", source=source, published_at=f"{day}T10:00:00")
    return Unit(i, passage, 0, 19, score)


def claim(question: str) -> Order | None:
    return order_claim(question, OUTLETS.find(question))


def test_the_order_a_question_claims_between_two_outlets():
    q = "Did Mashable report the sale before Fortune mentioned the card's statement credit?"
    assert claim(q) == Order(("Mashable",), ("Fortune",))
    q = "Did The Verge cover the launch after TechCrunch reported the funding?"
    assert claim(q) == Order(("TechCrunch",), ("The Verge",))  # after: the other way round
    # No order word, one outlet only, the same outlet on both sides, two order words: no claim.
    assert claim("Did Mashable and Fortune both report the sale?") is None
    assert claim("Did Fortune report the sale before the holidays?") is None
    assert claim("Did Fortune report X before Fortune reported Y?") is None
    assert claim("Did Fortune report X before TechCrunch, and after The Verge?") is None


def test_the_dates_decide_and_the_chosen_evidence_picks_each_side():
    order = Order(("Mashable",), ("Fortune",))
    units = [
        unit(1, "Fortune", "2023-12-12"),
        unit(2, "Mashable", "2023-11-25", 0.2),
        unit(3, "Mashable", "2023-12-20", 0.9),
    ]
    # The chosen unit of a side wins over a more relevant one of the same outlet.
    first, second = order_units(order, units, chosen=(2, 1))
    assert (first.id, second.id) == (2, 1) and order_holds(first, second) is True
    # Nothing chosen from Mashable: its most relevant unit stands for it.
    first, second = order_units(order, units, chosen=(1,))
    assert first.id == 3 and order_holds(first, second) is False
    # The same day cannot be ordered; a side without evidence cannot either.
    assert order_holds(unit(4, "Fortune", "2023-12-12"), units[0]) is None
    assert order_units(Order(("TechCrunch",), ("Fortune",)), units, ()) is None


def test_an_order_word_about_something_else_is_no_claim():
    q = "Did The Verge feature lights before Halloween, and Mashable advice for the holidays?"
    assert claim(q) is None
    assert claim("Did Mashable report it after the 'Fortune' report?") == Order(
        ("Fortune",), ("Mashable",)
    )


def test_a_negated_order_is_decided_either_way():
    q = (
        "Did the Sporting News fail to report on FC Cincinnati's achievement before "
        "The Roar mentioned Aston Villa's victory?"
    )
    matcher = OutletMatcher(["Sporting News", "The Roar"])
    order = order_claim(q, matcher.find(q))
    assert order == Order(("Sporting News",), ("The Roar",), negated=True)
    early, late = unit(1, "Sporting News", "2023-10-07"), unit(2, "The Roar", "2023-11-12")
    assert order_answer(order, early, late) is False  # it reported first: it did not fail
    assert order_answer(order, late, early) is True  # it came after: it failed to be first
    # Not negated: a wrong order is "No", a right one is for the evidence to decide.
    plain = Order(("Sporting News",), ("The Roar",))
    assert order_answer(plain, late, early) is False
    assert order_answer(plain, early, late) is None
    # A negation inside the story is not a negated report.
    q = "Did TechCrunch report Denino not obtaining consent before The Verge covered it?"
    assert claim(q) == Order(("TechCrunch",), ("The Verge",))
