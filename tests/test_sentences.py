"""The project's sentence splitter: a full stop after an abbreviation does not end a sentence,
so a cited quote is never cut at "U.S." or "vs."."""

import pytest

from rag.sources.sentences import answer_spans, sentence_spans


def pieces(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "It accused Google of behavior in violation of U.S. antitrust law. It denied it.",
            ["It accused Google of behavior in violation of U.S. antitrust law.", "It denied it."],
        ),
        (
            "Jordan Love, Packers vs. Bears. Love threw.",
            ["Jordan Love, Packers vs. Bears.", "Love threw."],
        ),
        (
            "What is left of FTX is led by John J. Ray III. He testified.",
            ["What is left of FTX is led by John J. Ray III.", "He testified."],
        ),
        (
            "Rep. Smith said no. On Nov. 5 it rained.",
            ["Rep. Smith said no.", "On Nov. 5 it rained."],
        ),
        (
            "He went to the U.S. District Court in D.C. on Friday.",
            ["He went to the U.S. District Court in D.C. on Friday."],
        ),
        ("He left at 3 p.m. on Monday. No. 3 won.", ["He left at 3 p.m. on Monday.", "No. 3 won."]),
    ],
)
def test_abbreviations_do_not_end_a_sentence(text, expected):
    assert pieces(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The sentence does end at an abbreviation when a usual opening follows it.
        (
            "They face penalties from the U.S. The firm declined.",
            ["They face penalties from the U.S.", "The firm declined."],
        ),
        ("He joined Apple Inc. Then he left.", ["He joined Apple Inc.", "Then he left."]),
        # A quoted "No." and a paragraph break end it whatever follows.
        ('He said "No." She left.', ['He said "No."', "She left."]),
        ("He met Mr.\nSmith", ["He met Mr.", "Smith"]),
        ("Markets fell. Why? Nobody knows!", ["Markets fell.", "Why?", "Nobody knows!"]),
    ],
)
def test_sentences_still_end(text, expected):
    assert pieces(text) == expected


def test_answer_sentences_keep_their_markers_across_an_abbreviation():
    a = "Yes. The U.S. antitrust case was filed [1]. It ended. [2] Done."
    assert [a[s:e] for s, e in answer_spans(a)] == [
        "Yes.",
        "The U.S. antitrust case was filed [1].",
        "It ended. [2]",
        "Done.",
    ]
