"""The opposite of a claim, worded in code (rag/answer/contrast.py)."""

import pytest

from rag.answer.claims import Check
from rag.answer.contrast import opposite


@pytest.mark.parametrize(
    ("claim", "denied"),
    [
        # a negation taken out, after the frame
        (
            "Does the CBSSports.com article suggest that the Buccaneers could not have success?",
            "Does the CBSSports.com article suggest that the Buccaneers could have success?",
        ),
        (
            "Does the second TechCrunch article assert that his actions were not motivated by "
            "personal gain?",
            "Does the second TechCrunch article assert that his actions were motivated by "
            "personal gain?",
        ),
        (
            "Is it true that the Verge says Google doesn't pay for search?",
            "Is it true that the Verge says Google does pay for search?",
        ),
        (
            "Did the 'Sport Grill' article attribute the winning penalty to someone other than "
            "Tessa Wullaert?",
            "Did the 'Sport Grill' article attribute the winning penalty to Tessa Wullaert?",
        ),
        # else the first word that has an antonym
        (
            "Does the TechCrunch article claim that Google's behavior benefits news publishers?",
            "Does the TechCrunch article claim that Google's behavior harms news publishers?",
        ),
        (
            "Is it true that The Age reports a decrease in the yield?",
            "Is it true that The Age reports an increase in the yield?",
        ),
        (
            "Does the Sporting News anticipate a Disappointing game?",
            "Does the Sporting News anticipate an Impressive game?",
        ),
    ],
)
def test_a_claim_is_denied_by_one_edit(claim: str, denied: str) -> None:
    assert opposite(claim) == denied


def test_the_frame_is_never_edited_and_a_claim_without_either_has_no_opposite() -> None:
    # "Is it true" is the frame: "true"/"false" inside the claim would be swapped, not there.
    assert opposite("Is it true that the Fortune article focuses on Adam Yedidia?") is None
    # "reports" is the frame's verb, not the claim's: nothing after it to deny.
    assert opposite("Does the Verge article report on the Steam Deck OLED?") is None
    # Words whose other sense is common in news are not swapped ("legal battle", "to secure").
    assert opposite("Is it true that Epic is in a legal battle to secure its store?") is None


def test_a_clause_holds_when_the_model_leans_to_yes_and_prefers_it_to_its_opposite() -> None:
    assert Check("A?", (), (), 0.6, 0, "not A?", 0.2).holds
    # P(Yes) 0.9 holds against the fixed line (0.4), but the opposite is likelier still: the
    # model said Yes to both, and the sentences back the denial more.
    both = Check("A?", (), (), 0.9, 0, "not A?", 0.97)
    assert not both.holds and both.margin < 0
    # Likelier than its opposite, but the model does not lean to Yes for it.
    assert not Check("A?", (), (), 0.35, 0, "not A?", 0.2).holds
    # Without an opposite, the fixed line decides.
    assert Check("A?", (), (), 0.45).holds and not Check("A?", (), (), 0.35).holds


def test_a_number_is_denied_by_the_one_the_sentences_give_for_the_same_thing() -> None:
    said = ["Kane cut the deficit with his eighth league goal."]
    claim = "Is it true that The Guardian credits Kane with his ninth league goal from a penalty?"
    assert opposite(claim, said) == (
        "Is it true that The Guardian credits Kane with his eighth league goal from a penalty?"
    )
    # The same number, or a rounding of it, is no denial; then the other edits apply.
    assert opposite("Did Kane score his eighth league goal?", said) is None
    assert opposite("Did Google pay $26.3 billion in 2021?", ["Google paid $26 billion."]) is None
    # A number the sentences give for something else is no denial either.
    assert opposite("Did Kane score nine goals?", said) is None
