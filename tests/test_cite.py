"""Citations set by code from chosen evidence units, and the sentence checks: markers per
sentence by content words, spans that are the units' exact article spans, the verifier by
meaning, abstentions that cite nothing."""

from functools import partial

import pytest

from rag.answer.cite import check_claims, cite_units, is_abstention, markers_in, strip_references
from rag.answer.units import Unit
from rag.llm.embed import similarities
from rag.sources.sentences import sentence_spans
from rag.types import Chunk, Passage

DOC = (
    "Raisi met Patrushev in Tehran. The joint economic commission oversees the agreements. "
    "Patrushev said AUKUS is a new NATO aimed at China. He also spoke about the Caspian Sea."
)
CHUNK = Chunk("doc.txt::0", "doc.txt", 0, len(DOC), DOC)
PASSAGE = Passage(1, CHUNK, 0.1, "T")


def unit(i: int, sentence: str) -> Unit:
    start = DOC.index(sentence)
    return Unit(i, PASSAGE, start, start + len(sentence))


COMMISSION = unit(1, "The joint economic commission oversees the agreements.")
AUKUS = unit(2, "Patrushev said AUKUS is a new NATO aimed at China.")


def test_each_sentence_cites_the_unit_that_supports_it():
    answer = "AUKUS is a new NATO aimed at China. The commission oversees agreements."
    text, cites = cite_units(answer, [AUKUS, COMMISSION])
    assert text == (
        "AUKUS is a new NATO aimed at China. [1] The commission oversees agreements. [2]"
    )
    assert [(c.marker, c.quote) for c in cites] == [(1, AUKUS.text), (2, COMMISSION.text)]
    for c in cites:
        assert DOC[c.start : c.end] == c.quote and c.verified


def test_numbers_the_model_wrote_are_replaced_by_the_codes():
    text, cites = cite_units("AUKUS is a new NATO aimed at China [7] (S3).", [AUKUS])
    assert text == "AUKUS is a new NATO aimed at China. [1]" and [c.marker for c in cites] == [1]
    assert strip_references("In both S2 and S5 they met.") == "In both S2 and S5 they met."


def test_abstention_is_detected_and_cites_nothing():
    for answer in [
        "The articles don't say.",
        "The passages do not mention the Olympics.",
        "There is no information about that [1].",
    ]:
        assert is_abstention(answer)
        assert cite_units(answer, [AUKUS])[1] == []
    assert not is_abstention("Patrushev said AUKUS is a new NATO [2].")


def test_markers_and_sentences():
    assert markers_in("a [2] b [1, 3] c [2]") == [2, 1, 3]
    text = 'He said "yes." Then left!  Next\nline'
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        'He said "yes."',
        "Then left!",
        "Next",
        "line",
    ]


def test_bare_answers_are_checked_with_their_question():
    question = "Who called AUKUS a new NATO aimed at China?"
    text, cites = cite_units("Patrushev.", [COMMISSION, AUKUS], question)
    # The sentence takes the unit that names the answer and is about the question; the other
    # chosen unit supports no sentence and is not cited.
    assert text == "Patrushev. [2]"
    assert {c.marker: c.quote for c in cites} == {2: AUKUS.text}


def test_claims_flag_unsupported_sentences():
    text, cites = cite_units(
        "Yes. AUKUS is a new NATO aimed at China. Bananas grow on the Moon.", [AUKUS]
    )
    claims = check_claims(text, cites)
    assert [(text[c.start : c.end], c.supported) for c in claims] == [
        ("Yes. [1]", True),  # the decided answer cites every chosen unit
        ("AUKUS is a new NATO aimed at China. [1]", True),
        ("Bananas grow on the Moon. [1]", False),
    ]
    assert check_claims("The articles don't say.", []) == []


@pytest.mark.parametrize("precision", ["int8 or float32, as a new index", "float32"])
def test_verifier_by_meaning_on_handmade_pairs(precision, embedder, float32_embedder):
    """The verifier `rag ask` uses: embeddings of question + claim against the unit, with the
    embedder of a new index and with the float32 one (older indexes)."""
    similarity = partial(similarities, float32_embedder if precision == "float32" else embedder)
    question = "What did Patrushev say about AUKUS?"
    supported = "Patrushev described AUKUS as a new NATO directed against China."
    # A claim with the same speaker and subject scores 0.54 to 0.61 against the unit whatever
    # it says (a bridge across the Caspian: 0.597 in float32, 0.614 in int8), so the margin at
    # 0.6 is thin; how the verifier agrees with people is measured on 44 labelled pairs
    # (scripts/verifier_agreement.py: 36/44 in float32, 37/44 in int8), not here.
    unsupported = "Patrushev said AUKUS is a trade deal on wheat exports."
    for answer, expected in ((supported, True), (unsupported, False)):
        text, [c] = cite_units(answer, [AUKUS], question, similarity)
        assert c.verified is expected, answer
        [claim] = check_claims(text, [c], question, similarity)
        assert claim.supported is expected


def test_a_bare_name_is_supported_by_a_sentence_that_names_it_about_the_question():
    from rag.answer.cite import _supported

    q = "Which individual is accused of inflating the value of a Manhattan apartment?"
    unit = "The lawsuit accused Trump and his company of inflating the value of assets."

    def far(probe: str, texts: list[str]) -> list[float]:  # meaning that finds nothing
        return [0.1 for _ in texts]

    assert _supported("Donald Trump. [1]", unit, q, far)
    assert not _supported("Sam Altman. [1]", unit, q, far)  # not named
    assert not _supported("Donald Trump. [1]", "Trump played golf on Sunday.", q, far)  # off topic
