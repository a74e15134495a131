from rag.search.query import OutletMatcher, aliases, analyse, find_dates
from rag.types import day_number

SOURCES = [
    "TechCrunch",
    "The Verge",
    "The New York Times",
    "Cnbc | World Business News Leader",
    "The Independent - Life and Style",
    "The Independent - Sports",
    "Sporting News",
    "The Age",
]


def test_aliases_drop_taglines_and_a_leading_the_only_when_words_remain():
    assert aliases("Cnbc | World Business News Leader") >= {"Cnbc"}
    assert "New York Times" in aliases("The New York Times")
    assert "Age" not in aliases("The Age"), "a common word alone is not an outlet"
    assert "The Independent" in aliases("The Independent - Sports")


def test_outlets_found_by_any_alias_and_case():
    m = OutletMatcher(SOURCES)
    found = m.find("Did CNBC and the New York Times agree, and what did The Age say?")
    assert [f.sources for f in found] == [
        ("Cnbc | World Business News Leader",),
        ("The New York Times",),
        ("The Age",),
    ]
    assert m.find("At what age do sporting careers end?") == []


def test_a_shared_alias_stands_for_every_outlet_it_names():
    (mention,) = OutletMatcher(SOURCES).find("as reported by The Independent")
    assert mention.sources == ("The Independent - Life and Style", "The Independent - Sports")


def test_dates_in_common_written_forms():
    spans = {
        (d.first, d.last)
        for d in find_dates(
            "After the report on October 7, 2023 and the one of 2023-10-30, "
            "what changed by late November 2023, and 3 December?"
        )
    }
    assert spans == {
        (20231007, 20231007),
        (20231030, 20231030),
        (20231121, 20231130),
        (1203, 1203),  # no year given: any year
    }
    assert find_dates("You may say so") == [], "'may' is not a month"


def test_date_span_without_year_matches_any_year():
    (d,) = find_dates("published on November 16")
    assert d.matches(20231116) and d.matches(20221116) and not d.matches(20231117)
    assert not d.matches(None)


def test_day_number():
    assert day_number("2023-10-07T14:00:00+00:00") == 20231007
    assert day_number(None) is None and day_number("yesterday") is None


def test_a_two_story_question_is_split_per_outlet():
    q = (
        "Does 'The New York Times' article attribute the success to Jordan Poyer, while the "
        "'Sporting News' article suggests that the Ravens' defense needs to improve?"
    )
    plan = analyse(q, OutletMatcher(SOURCES))
    whole, *parts = plan.subqueries
    assert whole.text == q and set(whole.sources) == {"The New York Times", "Sporting News"}
    assert [p.sources for p in parts] == [("The New York Times",), ("Sporting News",)]
    assert "Poyer" in parts[0].text and "Ravens" in parts[1].text


def test_same_outlet_two_dates_is_split_per_date():
    q = (
        "After the TechCrunch report on October 7, 2023, concerning Flexport, and the "
        "subsequent TechCrunch article on October 30, 2023, was there a change?"
    )
    _, first, second = analyse(q, OutletMatcher(SOURCES)).subqueries
    assert [d.first for d in first.dates] == [20231007]
    assert [d.first for d in second.dates] == [20231030]
    assert first.sources == second.sources == ("TechCrunch",)


def test_single_story_questions_and_decompose_off_are_not_split():
    m = OutletMatcher(SOURCES)
    assert len(analyse("What did TechCrunch report about Flexport?", m).subqueries) == 1
    q = "Did TechCrunch and The Verge both report on the Pixel 8?"
    assert len(analyse(q, m).subqueries) == 3
    assert len(analyse(q, m, decompose=False).subqueries) == 1
    assert analyse("What happened?", OutletMatcher([])).subqueries[0].sources == ()


def test_publishers_named_in_a_publishers_place_that_the_index_lacks():
    from rag.search.query import unknown_outlets

    m = OutletMatcher(SOURCES)
    assert unknown_outlets("Based on a Bloomberg article and a report by Reuters, who won?", m) == [
        "Bloomberg",
        "Reuters",
    ]
    q = "What did an article in The New York Times and another in The Wall Street Journal say?"
    assert unknown_outlets(q, m) == ["Wall Street Journal"]
    assert unknown_outlets("Was it reported by both CNN and The Verge?", m) == ["CNN"]
    # Outlets the index holds, by any of their names, first words included.
    assert unknown_outlets("Did a Verge article and a CNBC report agree?", m) == []
    assert unknown_outlets("What did an Independent piece say?", m) == []
    # Names in other places are people, companies or topics, left to retrieval.
    for q in (
        "What did the TechCrunch article on the EU's analysis of X say?",
        "Which pop star was claimed by Jason Alexander to be his wife?",
        "According to Patrushev, what did the report say?",
        "Which article on Visa Inc. came first?",
    ):
        assert unknown_outlets(q, m) == [], q


def test_names_are_capitalised_runs_outside_sentence_starts_and_known_outlets():
    from rag.search.query import names_in

    q = "What did Patrushev say about the Paris Olympics? Did Serban Ionescu's firm reply?"
    assert names_in(q, []) == [
        ("Patrushev", ["Patrushev"]),
        ("Paris Olympics", ["Paris", "Olympics"]),
        ("Serban Ionescu", ["Serban", "Ionescu"]),
    ]
    # Acronyms are not names to look up (articles spell them out); an outlet span is skipped.
    q = "Did the JCPOA come up in a TechCrunch article about NATO?"
    at = q.index("TechCrunch")
    assert names_in(q, [(at, at + len("TechCrunch"))]) == []
    assert names_in("What did he say, Please? Thanks", []) == []
    assert names_in("So Apple's CEO Tim Cook said: Hello World", []) == [
        ("Apple", ["Apple"]), ("Tim Cook", ["Tim", "Cook"]), ("World", ["World"])
    ]  # fmt: skip
