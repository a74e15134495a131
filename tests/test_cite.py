from functools import partial

from rag.cite import (
    attach_citations,
    check_claims,
    is_abstention,
    markers_in,
    normalise_markers,
)
from rag.embed import similarities
from rag.sentences import sentence_spans
from rag.types import Chunk, Passage

DOC = (
    "Raisi met Patrushev in Tehran. The joint economic commission oversees the agreements. "
    "Patrushev said AUKUS is a new NATO aimed at China. He also spoke about the Caspian Sea."
)


def passage(rank: int, start: int, end: int, doc_id: str = "doc.txt") -> Passage:
    return Passage(rank, Chunk(f"{doc_id}::{rank}", doc_id, start, end, DOC[start:end]), 0.1, "T")


SPLIT = DOC.index("Patrushev said")
P1 = passage(1, 0, SPLIT - 1)  # Raisi ... commission
P2 = passage(2, SPLIT, len(DOC))  # AUKUS ... Caspian


def test_marker_maps_to_the_cited_passage_and_its_sentence():
    text, cites = attach_citations(
        "Patrushev called AUKUS a new NATO aimed at China [2].", [P1, P2]
    )
    assert text.endswith("[2].")
    [c] = cites
    assert c.marker == 2 and c.passage is P2 and c.verified
    assert c.quote == "Patrushev said AUKUS is a new NATO aimed at China."
    assert DOC[c.start : c.end] == c.quote


def test_wrong_number_is_corrected_to_the_supporting_passage():
    text, cites = attach_citations("AUKUS is a new NATO aimed at China. [1]", [P1, P2])
    assert text == "AUKUS is a new NATO aimed at China. [2]"
    assert [c.marker for c in cites] == [2]


def test_markers_that_name_no_passage_are_removed():
    text, cites = attach_citations("The commission oversees the agreements [7].", [P1, P2])
    assert "[7]" not in text
    assert [c.marker for c in cites] == [1], "an uncited but supported answer gets its marker"


def test_several_markers_each_cite_their_own_sentence():
    answer = "The joint economic commission oversees agreements [1]. AUKUS aims at China [2]."
    _, cites = attach_citations(answer, [P1, P2])
    assert [(c.marker, c.quote) for c in cites] == [
        (1, "The joint economic commission oversees the agreements."),
        (2, "Patrushev said AUKUS is a new NATO aimed at China."),
    ]


def test_unsupported_answer_without_markers_gets_no_citation():
    text, cites = attach_citations("Bananas are yellow.", [P1, P2])
    assert cites == [] and text == "Bananas are yellow."


def test_abstention_is_detected_and_cites_nothing():
    for answer in [
        "The articles don't say.",
        "The passages do not mention the Olympics.",
        "There is no information about that [1].",
    ]:
        assert is_abstention(answer)
        assert attach_citations(answer, [P1, P2])[1] == []
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


def test_malformed_markers_are_normalised_or_dropped():
    assert normalise_markers("a 【1】 b ［2］ c [Passage 3] d [1-3] e [1，2]") == (
        "a [1] b [2] c [3] d [1, 2, 3] e [1,2]"
    )
    answer = "AUKUS aims at China 【2】. The commission oversees the agreements [1,2] [7]."
    text, cites = attach_citations(answer, [P1, P2])
    assert text == "AUKUS aims at China [2]. The commission oversees the agreements [1]."
    assert [c.marker for c in cites] == [2, 1], "[1,2] on a commission claim keeps only 1"


def test_bare_answers_are_checked_with_their_question():
    question = "Who called AUKUS a new NATO aimed at China?"
    text, [c] = attach_citations("Patrushev [1].", [P1, P2], question)
    assert text == "Patrushev [2].", "re-pointed: only P2 says it, read with the question"
    assert c.verified and c.quote.startswith("Patrushev said AUKUS")


def test_claims_flag_unsupported_sentences():
    answer = "Yes. AUKUS is a new NATO aimed at China [2]. Bananas grow on the Moon [2]."
    text, cites = attach_citations(answer, [P1, P2])
    claims = check_claims(text, cites)
    assert [(text[c.start : c.end], c.supported) for c in claims] == [
        ("Yes.", True),
        ("AUKUS is a new NATO aimed at China [2].", True),
        ("Bananas grow on the Moon [2].", False),
    ]
    assert check_claims("The articles don't say.", []) == []


def test_verifier_by_meaning_on_handmade_pairs(embedder):
    """The verifier `rag ask` uses: embeddings of question + claim against passage sentences."""
    similarity = partial(similarities, embedder)
    question = "What did Patrushev say about AUKUS?"
    supported = "Patrushev described AUKUS as a new NATO directed against China [2]."
    unsupported = "Patrushev said AUKUS will build a bridge across the Caspian Sea [2]."
    for answer, expected in ((supported, True), (unsupported, False)):
        _, [c] = attach_citations(answer, [P1, P2], question, similarity)
        assert c.verified is expected, answer
        [claim] = check_claims(answer, [c], question, similarity)
        assert claim.supported is expected
