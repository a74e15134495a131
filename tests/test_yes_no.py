"""Yes/No questions: the order of two reports is read from their dates by the code."""

from rag.answer.claims import (
    Check,
    Sentence,
    clause_claims,
    nearest_sentences,
    reason,
    relates_reports,
    verdict,
)
from rag.answer.units import Unit
from rag.answer.yes_no import Order, order_answer, order_claim, order_holds, order_units
from rag.search.query import OutletMatcher, SubQuery
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


# -- claims: each clause checked on its own (rag/answer/claims.py) ------------------------------


def test_a_question_about_how_reports_relate_is_not_a_claim_check():
    assert relates_reports("Was the Fortune report consistent with the TechCrunch one?")
    assert relates_reports("Did the coverage of the trial change between October and November?")
    assert relates_reports("Did both articles report the same outcome?")
    assert not relates_reports("Does Fortune suggest X, while TechCrunch reports Y?")
    assert not relates_reports("Did Fortune report X, and did the same source also report Y?")
    # Words that only look like it: about the story, not how the reports relate.
    assert not relates_reports("Did Iran and Russia sign trade agreements, as Mehr reports?")
    assert not relates_reports("Does Fortune call bitcoin an alternative asset?")
    assert not relates_reports("Did the Chiefs win their remaining games, as ESPN reports?")
    assert relates_reports("Has TechCrunch's stance remained unchanged?")


def test_each_clause_becomes_a_question_of_its_own():
    clauses = [
        SubQuery("Does the Verge article imply that prices rose", ("The Verge",)),
        SubQuery("while Fortune focuses on the holiday sales?", ("Fortune",)),
    ]
    assert [q for _, q in clause_claims(clauses)] == [
        "Does the Verge article imply that prices rose?",
        "Is it true that Fortune focuses on the holiday sales?",
    ]
    # One clause long enough to be a claim is not a split.
    assert clause_claims([clauses[0], SubQuery("and Fortune?", ("Fortune",))]) == []


def test_a_clause_that_refers_to_a_person_by_pronoun_is_given_the_name():
    swift = SubQuery(
        "Does the Independent article suggest that Taylor Swift is open about her relationship "
        "with Travis Kelce",
        ("The Independent",),
    )
    fox = SubQuery("while the FOX News article indicates that she engaged with a video", ("FOX",))
    own = SubQuery("and does Fortune say Jason Kelce praised his brother", ("Fortune",))
    asked = SubQuery("and did TechCrunch say the band asked her to sing", ("TechCrunch",))
    claims = [q for _, q in clause_claims([swift, fox, own, asked])]
    # The question's subject, not the last person named; a clause that names someone ahead of
    # its pronoun keeps it; "her" before "to" is the person, not her belongings.
    assert (
        claims[1]
        == "Is it true that the FOX News article indicates that Taylor Swift engaged with a video?"
    )
    assert claims[2] == "Does Fortune say Jason Kelce praised his brother?"
    assert claims[3] == "Did TechCrunch say the band asked Taylor Swift to sing?"
    sbf = SubQuery("Did TechCrunch imply that Sam Bankman-Fried offered money", ("TechCrunch",))
    verge = SubQuery("while The Verge focuses on his awareness of the losses", ("The Verge",))
    assert [q for _, q in clause_claims([sbf, verge])][1] == (
        "Is it true that The Verge focuses on Sam Bankman-Fried's awareness of the losses?"
    )


def sentence(source: str, text: str) -> Sentence:
    chunk = Chunk("c", "d", 100, 100 + len(text), text)
    return Sentence(Passage(1, chunk, 0.5, "T", source=source), 100, 100 + len(text), text)


def test_yes_needs_every_clause_and_no_quotes_the_one_that_failed():
    a = Check("A?", ("Fortune",), (sentence("Fortune", "Prices rose."),), 0.9)
    b = Check("B?", ("The Verge",), (sentence("The Verge", "Prices fell."),), 0.1)
    assert verdict([a, a]) == (True, [a, a]) and verdict([b, a]) == (False, [a, b])
    # A "No" shows both sides: what held, then what failed.
    text, cited = reason(*verdict([b, a]))
    assert text == "No. Fortune: “Prices rose.” [1] But what The Verge says is: “Prices fell.” [2]"
    assert cited == [a.sentences[0], b.sentences[0]]
    text, cited = reason(*verdict([b]))
    assert text == "No. What The Verge says is: “Prices fell.” [1]" and cited == [b.sentences[0]]
    text, _ = reason(*verdict([a]))
    assert text == "Yes. Fortune: “Prices rose.” [1]"
    # A sentence that is a quote, or opens one the sentence split left open: one pair of marks.
    for said in ("“Prices rose.”", '"Prices rose.'):
        quote = Check("C?", ("Fortune",), (sentence("Fortune", said),), 0.9)
        assert reason(*verdict([quote]))[0] == "Yes. Fortune: “Prices rose.” [1]"


def test_the_nearest_sentences_by_meaning(embedder):
    from functools import partial

    from rag.llm.embed import similarities

    text = "The weather was mild. Prices of oil  rose sharply in October. See also: our newsletter."
    chunk = Chunk("c", "d", 40, 40 + len(text), text)
    found = nearest_sentences(
        "Did oil get more expensive?",
        [Passage(1, chunk, 0.5, "T")],
        partial(similarities, embedder),
    )
    assert found[0].text == "Prices of oil rose sharply in October."
    # Shown on one line; quoted as the document has it, at its offsets in the document.
    assert found[0].quote == "Prices of oil  rose sharply in October."
    assert text[found[0].start - 40 : found[0].end - 40] == found[0].quote
    assert len(found) == 3
