"""Pass 1 and what the code decides from it, with a scripted model (the same Protocol as
LlamaCppGenerator): which units are chosen, abstention by the calibrated logistic, Yes/No and
"X or Y" from probabilities, quotes for "What did X say about Y?", date labels, the shipped
calibration file, and citations set by code as the answer streams."""

from __future__ import annotations

import json

import pytest

from rag.answer.ask import _with_markers, abstention, first_sentence
from rag.answer.cite import cite_units, sentence_markers, strip_references, unit_citations
from rag.answer.evidence import (
    Calibration,
    choose,
    pick_option,
    quote_question,
    quoted_answer,
    yes_share,
)
from rag.answer.prompt import ANSWER, EVIDENCE, SYSTEM, evidence_line, evidence_messages
from rag.answer.route import route
from rag.answer.units import Unit
from rag.types import Chunk, Passage

from .conftest import Scripted

AUKUS_TEXT = (
    'Patrushev called the plan "very dangerous and worrying." "The tripartite defense pact '
    "between the United States, the UK and Australia, called AUKUS, is also the creation of a "
    'new NATO aimed at increasing pressure on China." The talks ended on Friday.'
)


def unit(i: int, text: str, doc: str = "a.txt", day: str | None = None, score=0.5) -> Unit:
    chunk = Chunk(f"{doc}::0", doc, 100, 100 + len(text), text)
    passage = Passage(i, chunk, 0.1, f"Title {doc}", source=f"Outlet {doc}", published_at=day)
    return Unit(i, passage, 0, len(text), score)


UNITS = [unit(1, "Rain fell in Tehran on Monday."), unit(2, AUKUS_TEXT), unit(3, "Delegates met.")]
CAL = Calibration(weights=(6.0, -4.0, -2.0), bias=-0.5, abstain_at=0.5, extra_unit_at=0.3)


def test_choose_follows_the_models_list_and_adds_likely_units():
    model = Scripted(
        {
            "Evidence:": {" S": 0.9, " NONE": 0.05, " None": 0.01},
            "Evidence: S": {"1": 0.05, "2": 0.6, "3": 0.35},
            "Evidence: S2": {",": 0.7, "\n": 0.3},
            "Evidence: S2, S": {"1": 0.2, "3": 0.8},
            "Evidence: S2, S3": {",": 0.1, "\n": 0.9},
        }
    )
    c = choose(model, "P", UNITS, CAL)
    assert c.chosen == (2, 3) and not c.abstain
    assert c.unit_p[2] == pytest.approx(0.6) and sum(c.unit_p.values()) == pytest.approx(1.0)
    assert c.features[0] == pytest.approx(0.06 / 0.96) and c.features[1] == pytest.approx(0.6)
    # One forward pass after "Evidence:", then one token at a time, on the same prompt.
    assert model.prompts[0] == "P" + EVIDENCE and all(p.startswith("P") for p in model.prompts)


def test_choose_abstains_when_none_outweighs_and_no_unit_stands_out():
    model = Scripted(
        {
            "Evidence:": {" S": 0.4, " NONE": 0.5, " None": 0.1},
            "Evidence: S": {"1": 0.3, "2": 0.35, "3": 0.35},
            "Evidence: S2": {",": 0.1, "\n": 0.9},
        }
    )
    c = choose(model, "P", UNITS, CAL)
    assert c.abstain and c.p_none == pytest.approx(0.6) and c.p_unanswerable >= 0.5
    text = abstention(UNITS, c)
    assert text.startswith("The articles don't say.") and "Title a.txt (Outlet a.txt)" in text
    assert "60% on no evidence" in text


def test_shipped_calibration_loads_and_decides_both_ways():
    cal = Calibration.load()
    assert len(cal.weights) == 3 and 0 < cal.abstain_at < 1 and 0 < cal.yes_at < 1
    answerable = cal.p_unanswerable((0.01, 0.9, 0.7))
    unanswerable = cal.p_unanswerable((0.6, 0.25, 0.2))
    assert answerable < cal.abstain_at <= unanswerable


def test_calibration_file_round_trip(tmp_path):
    path = tmp_path / "c.json"
    params = {"weights": [1, 2, 3], "bias": -1, "abstain_at": 0.7, "yes_at": 0.4}
    path.write_text(json.dumps({**params, "extra_unit_at": 0.25}))
    cal = Calibration.load(path)
    assert cal.weights == (1.0, 2.0, 3.0) and cal.yes_at == 0.4 and cal.extra_unit_at == 0.25


def test_yes_no_and_options_come_from_probabilities():
    head = "P" + evidence_line((2,)) + ANSWER
    model = Scripted({ANSWER: {" Yes": 0.02, " No": 0.06, " Google": 0.3, " Apple": 0.1}})
    assert yes_share(model, head) == pytest.approx(0.25)
    assert pick_option(model, head, ("Google", "Apple")) == "Google"
    same = Scripted({ANSWER: {" Google": 0.2, " Google Cloud": 0.2}})
    assert pick_option(same, head, ("Google", "Google Cloud")) is None  # same first token


def test_quote_questions_answer_with_the_speakers_words():
    assert quote_question("What did Patrushev say about AUKUS?") == ("Patrushev", "AUKUS")
    assert quote_question("What has the CEO said about layoffs?") == ("the CEO", "layoffs")
    assert quote_question("Who won the match?") is None
    answer = quoted_answer("What did Patrushev say about AUKUS?", [UNITS[0], UNITS[1]])
    assert answer is not None and answer.startswith('Patrushev said: "The tripartite')
    assert "NATO aimed at increasing pressure on China" in answer and answer.count('"') == 2
    assert quoted_answer("What did Patrushev say about the Olympics?", UNITS) is None


def test_temporal_questions_label_articles_by_date():
    units = [
        unit(1, "Sales rose.", "b.txt", "2023-10-09"),
        unit(2, "Sales fell.", "a.txt", "2023-10-01"),
    ]
    question = "Did the report on October 9 come after the report on October 1?"
    user = evidence_messages(question, units, route(question))[1]["content"]
    assert "[Outlet b.txt · 2023-10-09 · Title b.txt] (later)" in user
    assert "[Outlet a.txt · 2023-10-01 · Title a.txt] (earlier)" in user
    assert user.endswith(f"Question: {question}")
    assert evidence_messages(question, units)[0]["content"] == SYSTEM  # byte-identical first


def test_markers_are_set_by_code_as_the_answer_streams():
    chosen = [UNITS[1], UNITS[0]]
    pieces = [" Patrushev said AUKUS", " is a new NATO aimed at China.", " Rain fell in Tehran."]
    question = "What did Patrushev say about AUKUS?"
    streamed = "".join(_with_markers(iter(pieces), chosen, question))
    want = "Patrushev said AUKUS is a new NATO aimed at China. [1] Rain fell in Tehran. [2]"
    assert streamed == want
    # The same markers as checking the whole text afterwards.
    text, cites = cite_units(want.replace(" [1]", "").replace(" [2]", ""), chosen, question)
    assert text == streamed and [c.marker for c in cites] == [1, 2]
    assert cites[0].quote == AUKUS_TEXT and cites[0].start == 100


def test_a_yes_no_answer_cites_all_its_evidence_and_idle_units_are_not_cited():
    units = [UNITS[2], UNITS[0]]
    out = "".join(_with_markers(iter(["Yes.", " Rain fell in Tehran."]), units, None))
    assert out == "Yes. [1, 2] Rain fell in Tehran. [2]"
    assert [c.marker for c in unit_citations(out, units)] == [1, 2]
    # An open answer: a chosen unit that supports no sentence is not cited.
    out = "".join(_with_markers(iter(["Rain fell in Tehran."]), units, None))
    assert out == "Rain fell in Tehran. [2]"


def test_numbers_the_model_writes_are_not_citations():
    assert strip_references("AUKUS is a new NATO [S2] (S3) [1].") == "AUKUS is a new NATO."
    assert sentence_markers("Yes.", UNITS) == []
    assert sentence_markers("Bananas grow on the Moon.", UNITS) == [1], "unsupported: first unit"
    assert first_sentence("Dushanbe hosted it [1]. More text.") == "Dushanbe hosted it"
