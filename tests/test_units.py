"""Evidence units: sentences joined with their attribution, chosen across articles within a
budget, numbered S1..Sn and rendered under one header per article."""

from itertools import pairwise
from pathlib import Path

import pytest

from rag.answer.units import (
    MAX_UNIT_WORDS,
    Unit,
    attributed_spans,
    build_units,
    estimate_tokens,
    render_units,
)
from rag.types import Chunk, Passage

SEED = Path(__file__).resolve().parents[1] / "seeds" / "001_72ccaa6fd02313a0.txt"


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in attributed_spans(text)]


# ---------------------------------------------------------------------------- attribution


def nato_span(text: str) -> str:
    [span] = [text[s:e] for s, e in attributed_spans(text) if "(NATO)" in text[s:e]]
    return span


def test_the_seed_quote_about_nato_comes_with_the_sentence_that_names_patrushev():
    doc = SEED.read_text(encoding="utf-8")
    span = nato_span(doc)
    assert span.startswith("Patrushev called the West's planned effort to expand its military")
    assert span.endswith("(NATO) aimed at increasing pressure on China.")
    assert '"very dangerous and worrying."\n\n"The tripartite defense pact' in span


def test_the_same_holds_in_the_chunk_that_carries_the_quote():
    from rag.sources.chunk import chunk_document
    from rag.types import Document

    doc = SEED.read_text(encoding="utf-8")
    chunks = chunk_document(Document("001", doc, "Patrushev"), chunk_size=200, overlap=40)
    carrying = [c for c in chunks if "(NATO)" in c.text and "Patrushev called the West" in c.text]
    assert carrying, "some chunk holds both the speaker's sentence and the quote"
    for chunk in carrying:
        assert nato_span(chunk.text).startswith("Patrushev called the West's planned effort")


def test_spans_are_contiguous_ordered_and_cover_every_sentence():
    doc = SEED.read_text(encoding="utf-8")
    spans = attributed_spans(doc)
    assert all(s < e for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(spans))
    assert all(not doc[e1:s2].strip() for (_, e1), (s2, _) in pairwise(spans))


def test_a_quote_joins_the_sentence_that_introduces_it():
    text = (
        "Markets were calm on Friday. Lopez told reporters what the plan would mean. "
        '"It will cut costs by half," the spokesman added.'
    )
    assert texts(text) == [
        "Markets were calm on Friday.",
        'Lopez told reporters what the plan would mean. "It will cut costs by half," the '
        "spokesman added.",
    ]


def test_a_colon_introduces_the_quote_on_the_next_line():
    text = "The minister ended with a warning:\n\n“No one will be spared,” he told them."
    assert texts(text) == [text]


def test_a_speakerless_quote_joins_the_sentence_before_it():
    text = 'The council met on Tuesday. "Nothing was decided." Rain fell all week.'
    assert texts(text) == [
        'The council met on Tuesday. "Nothing was decided."',
        "Rain fell all week.",
    ]


def test_a_quote_with_its_own_speaker_stands_alone():
    text = (
        'Markets fell sharply on Friday. "We expect a rebound soon," analyst Jane Roe said. '
        'Kim said: "The talks went well and both sides agreed to meet again." '
        '"We are hopeful," Kim added.'
    )
    assert texts(text) == [
        "Markets fell sharply on Friday.",
        '"We expect a rebound soon," analyst Jane Roe said.',
        'Kim said: "The talks went well and both sides agreed to meet again."',
        '"We are hopeful," Kim added.',
    ], "no sentence here introduces the next one's quote, and every quote names its speaker"


def test_a_quote_running_over_sentences_stays_with_its_speaker():
    text = 'Patel said: "Prices will rise. Wages will not. Families must choose."\n\nTrade grew.'
    assert texts(text) == [
        'Patel said: "Prices will rise. Wages will not. Families must choose."',
        "Trade grew.",
    ]


def test_a_pronoun_sentence_joins_its_antecedent():
    text = "Ana Silva won the race. She trained for a decade. Shelters opened in the north."
    assert texts(text) == [
        "Ana Silva won the race. She trained for a decade.",
        "Shelters opened in the north.",  # "Shelters" starts like "She" but is no pronoun
    ]


def test_joined_units_stay_under_the_word_cap():
    lead = "Ana Silva won the race in Lisbon on a cold and windy Sunday morning."
    more = " She thanked her coach, her family and the crowd that waited in the rain." * 8
    spans = attributed_spans(lead + more)
    words = [len((lead + more)[s:e].split()) for s, e in spans]
    assert len(spans) > 1
    assert all(w <= MAX_UNIT_WORDS for w in words)
    assert words[0] > 40, "the chain is joined as far as the cap allows, not cut at once"


def test_a_single_long_sentence_is_kept_whole():
    text = " ".join(["word"] * 120) + "."
    assert attributed_spans(text) == [(0, len(text))]


# ---------------------------------------------------------------------------- units


def passage(
    rank: int,
    doc_id: str,
    text: str,
    start: int = 0,
    source: str | None = "Outlet",
    published_at: str | None = "2023-10-07T14:00:00+00:00",
    title: str = "Title",
) -> Passage:
    chunk = Chunk(f"{doc_id}::{start}", doc_id, start, start + len(text), text)
    return Passage(rank, chunk, 0.5, title, source=source, published_at=published_at)


def test_unit_properties():
    p = passage(1, "d", "Intro here.  The  port\nreopened on Monday.", start=100)
    u = Unit(1, p, 13, len(p.chunk.text))
    assert u.text == "The port reopened on Monday."
    assert (u.doc_start, u.doc_end) == (113, 100 + len(p.chunk.text))
    assert u.header == "Outlet · 2023-10-07 · Title"
    bare = passage(1, "d", "x", source=None, published_at=None, title="Only title")
    assert Unit(1, bare, 0, 1).header == "Only title"
    no_title = passage(1, "d", "x", published_at="2022-05-30", title="")
    assert Unit(1, no_title, 0, 1).header == "Outlet · 2022-05-30"


DUSHANBE = (
    "The summit opened in Dushanbe on Monday. Delegates discussed trade and transit. "
    'Patrushev called the pact dangerous. "AUKUS is a new NATO aimed at China." '
    "Wheat prices were not discussed."
)
CASPIAN = "The Caspian summit is planned for June. Patrushev wants the Caspian kept free of bases."
WEATHER = "Rain fell in Tehran. Markets rose slightly on Monday. Schools stayed open."
AUKUS = "What did Patrushev say about AUKUS and NATO?"
SUMMIT = "What did Patrushev say about AUKUS and NATO at the Dushanbe summit?"


def three_articles() -> list[Passage]:
    return [
        passage(1, "dushanbe", DUSHANBE, source="Iran Press", title="Shamkhani meets Patrushev"),
        passage(2, "caspian", CASPIAN, source="Tass", published_at="2022-05-31", title="Caspian"),
        passage(3, "weather", WEATHER, source="Daily", published_at=None, title="Weather"),
    ]


def test_every_article_gives_its_best_unit_before_any_gets_a_second():
    # By score alone the Dushanbe article would fill all three places (3/8, 2/8; 1/8 Caspian).
    units = build_units(SUMMIT, three_articles(), None, max_units=3)
    assert sorted(u.doc_id for u in units) == ["caspian", "dushanbe", "weather"]
    [best] = [u for u in units if u.doc_id == "dushanbe"]
    assert best.text == 'Patrushev called the pact dangerous. "AUKUS is a new NATO aimed at China."'


def test_order_is_by_article_with_the_most_relevant_last_and_ids_follow_it():
    units = build_units(SUMMIT, three_articles(), None)
    assert [u.id for u in units] == list(range(1, len(units) + 1))
    docs = list(dict.fromkeys(u.doc_id for u in units))
    assert docs == ["weather", "caspian", "dushanbe"], "ascending relevance: the best last"
    assert [u.doc_id for u in units] == sorted((u.doc_id for u in units), key=docs.index), (
        "grouped by article"
    )
    dushanbe = [u.text for u in units if u.doc_id == "dushanbe"]
    assert dushanbe == [
        "The summit opened in Dushanbe on Monday.",
        'Patrushev called the pact dangerous. "AUKUS is a new NATO aimed at China."',
    ], "article order within an article, though the second scored higher"
    assert units[-1].text.endswith('a new NATO aimed at China."')


def test_units_with_no_question_words_only_come_as_their_articles_one_representative():
    units = build_units(AUKUS, three_articles(), None)
    assert [u.text for u in units if u.doc_id == "weather"] == ["Rain fell in Tehran."]
    assert "Wheat prices were not discussed." not in [u.text for u in units]


def test_meaning_scores_are_asked_once_and_count_half():
    calls = []

    def scores(question: str, candidates: list[str]) -> list[float]:
        calls.append((question, list(candidates)))
        return [1.0 if "Markets rose" in t else 0.0 for t in candidates]

    units = build_units(AUKUS, three_articles(), scores, max_units=4)
    assert len(calls) == 1 and calls[0][0] == AUKUS
    assert "Markets rose slightly on Monday." in calls[0][1]
    weather = [u.text for u in units if u.doc_id == "weather"]
    assert weather == ["Markets rose slightly on Monday."], "the cosine picks the weather unit"
    assert units[-1].doc_id == "weather", "0.5 by meaning outranks 0.25 by words for AUKUS"


def test_budget_and_max_units_are_kept():
    passages = three_articles()
    small = build_units(AUKUS, passages, None, budget_tokens=40)
    assert len(small) == 1 and small[0].doc_id == "dushanbe", "the best unit always comes"
    for budget in (60, 100, 380):
        units = build_units(AUKUS, passages, None, budget_tokens=budget)
        assert estimate_tokens(render_units(units)) <= budget
    assert len(build_units(AUKUS, passages, None, max_units=2)) == 2
    many = [passage(i, f"d{i}", f"Patrushev spoke on AUKUS, day {i}.") for i in range(1, 15)]
    assert len(build_units(AUKUS, many, None, budget_tokens=10_000)) == 9


def test_overlapping_chunks_of_one_article_give_each_sentence_once():
    doc = DUSHANBE
    cut = doc.index("Patrushev called")
    first = passage(1, "dushanbe", doc[: doc.index("Wheat")].rstrip())
    second = passage(2, "dushanbe", doc[cut:], start=cut)
    units = build_units(AUKUS, [first, second], None, budget_tokens=10_000)
    spans = sorted((u.doc_start, u.doc_end) for u in units)
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(spans))
    assert [u.text for u in units].count(
        'Patrushev called the pact dangerous. "AUKUS is a new NATO aimed at China."'
    ) == 1
    for u in units:
        assert doc[u.doc_start : u.doc_end] == u.passage.chunk.text[u.start : u.end]


def test_repeated_text_in_two_articles_is_taken_once():
    same = "Patrushev said AUKUS is a new NATO."
    units = build_units(AUKUS, [passage(1, "a", same), passage(2, "b", same)], None)
    assert [u.text for u in units] == [same]


def test_no_passages_no_units():
    assert build_units(AUKUS, [], None) == []
    assert render_units([]) == ""


def test_render_groups_units_under_one_header_per_article():
    units = build_units(SUMMIT, three_articles(), None)
    assert render_units(units) == (
        "[Daily · Weather]\n"
        "S1: Rain fell in Tehran.\n"
        "\n"
        "[Tass · 2022-05-31 · Caspian]\n"
        "S2: The Caspian summit is planned for June.\n"
        "S3: Patrushev wants the Caspian kept free of bases.\n"
        "\n"
        "[Iran Press · 2023-10-07 · Shamkhani meets Patrushev]\n"
        "S4: The summit opened in Dushanbe on Monday.\n"
        'S5: Patrushev called the pact dangerous. "AUKUS is a new NATO aimed at China."'
    )


@pytest.mark.parametrize("max_units", [0, -1])
def test_no_room_no_units(max_units):
    assert build_units(AUKUS, three_articles(), None, max_units=max_units) == []
