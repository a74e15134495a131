"""Questions whose answer is a name: recognised, and answered with the name alone."""

import pytest

from rag.answer.entity import (
    asks_for_name,
    candidates,
    clause_evidence,
    entity_name,
    full_name,
    is_entity_question,
    names_of,
    naming,
    settle,
)
from rag.answer.units import Unit
from rag.types import Chunk, Passage


@pytest.mark.parametrize(
    "question",
    [
        "Who is the individual accused by Fortune of secretly accessing customer funds?",
        "Which company, reported by both TechCrunch and The Verge, is likely to win the case?",
        "Which world-leading AI development company, founded in late 2015, is ...?",
        "What is the name of the cryptocurrency exchange that was established by SBF?",
        "Which news agency's content is licensed under a Creative Commons licence?",
        "Who, according to TechCrunch, is the industry figure ...?",
    ],
)
def test_questions_that_ask_for_a_name(question):
    assert is_entity_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who did Shamkhani meet in Dushanbe?",  # answered from the evidence as written
        "What did Patrushev say about AUKUS?",
        "Which transport corridor did Patrushev call important?",
        "In which city was the dialogue held?",
        "Which company of the two reported a loss?",
    ],
)
def test_other_questions(question):
    assert not is_entity_question(question)


def test_a_name_is_asked_for_whatever_time_the_question_has():
    """Time words route a question as temporal ("... before the company's collapse"); it still
    asks for a name, and gets the name alone. A yes/no or choice question never does."""
    from rag.answer.route import route

    timed = (
        "Who is the individual accused of using Caroline Ellison as a front for access to "
        "customer funds, portrayed as a trustworthy figure before a major company's collapse, "
        "as reported by The Verge on October 10, 2023 and by TechCrunch on October 12, 2023?"
    )
    assert route(timed).kind == "temporal"
    assert asks_for_name(route(timed).kind, timed)
    plain = "Which company, reported by both TechCrunch and The Verge, is likely to win the case?"
    assert asks_for_name(route(plain).kind, plain)
    for kind in ("yes_no", "choice"):
        assert not asks_for_name(kind, plain)
    between = (
        "Between the report by Fortune on October 7th and the report by TechCrunch on October "
        "10th, which outlet described the trial as a turning point?"
    )
    assert not asks_for_name(route(between).kind, between)


class Replay:
    """A Generator (the Protocol's `complete`) that replays text, cut at the first stop."""

    name = "replay"

    def __init__(self, text: str) -> None:
        self.text = text

    def complete(self, prompt, max_tokens, stop=()):
        cut = min((self.text.find(s) for s in stop if s in self.text), default=len(self.text))
        yield self.text[:cut]


def test_the_name_the_answer_opens_or_closes_with_and_no_other():
    assert entity_name(Replay(" Donald Trump is implicated in both ..."), "") == "Donald Trump"
    assert entity_name(Replay(" Google, which ..."), "") == "Google"
    assert entity_name(Replay(" Taylor Swift and Travis Kelce were seen"), "") == (
        "Taylor Swift and Travis Kelce"
    )
    closing = " The individual accused of fraud, who ran FTX, is Sam Bankman-Fried. He was"
    assert entity_name(Replay(closing), "") == "Sam Bankman-Fried"
    assert entity_name(Replay(" the company that makes phones"), "") is None
    assert entity_name(Replay(" Sporting News reports that DraftKings, BetMGM"), "") is None
    assert entity_name(Replay(" It is not clear.\nSam"), "") is None  # one line is read
    # The name that closes the main clause, before a relative one.
    relative = " The prodigy associated with generative AI is Sam Altman, who faced no ..."
    assert entity_name(Replay(relative), "") == "Sam Altman"
    # A name of two or more words that opens the answer, whatever verb follows; "The" may
    # open a name but not a description.
    assert entity_name(Replay(" Justin Jefferson would need 153 yards"), "") == "Justin Jefferson"
    assert entity_name(Replay(" The All Blacks, known for ..."), "") == "The All Blacks"
    assert entity_name(Replay(" The Silicon Valley prodigy associated with AI"), "") is None
    assert entity_name(Replay(" The Verge reports that Apple won"), "") is None
    # One word opens a name only where the passages write it as one.
    ps = [passage(1, "The Verge", "A deal that Apple defends, said Professor Lee.")]
    assert entity_name(Replay(" Apple defends the Google deal"), "", ps) == "Apple"
    assert entity_name(Replay(" Professional bettors, such as"), "", ps) is None
    assert entity_name(Replay(" Apple defends the Google deal"), "") is None


def passage(i: int, source: str, text: str, title: str = "A title") -> Passage:
    return Passage(i, Chunk(f"c{i}", f"d{i}", 0, len(text), text), 1.0, title, source=source)


def test_names_of_a_text():
    text = (
        "The FTX founder Sam Bankman-Fried spoke on Wednesday. In court, Bankman-Fried's "
        "lawyers said the SEC was wrong. According to Caroline Ellison, it was planned."
    )
    got = names_of(text)
    assert {"FTX", "Sam Bankman-Fried", "Bankman-Fried", "SEC", "Caroline Ellison"} <= set(got)
    assert not {"Wednesday", "The", "In", "According"} & set(got)


def test_candidates_are_the_names_every_named_outlet_holds():
    q = "Which individual, reported by both TechCrunch and The Verge, ran FTX?"
    ps = [
        passage(1, "TechCrunch", "Sam Bankman-Fried ran FTX. Later, Caroline Ellison spoke."),
        passage(2, "The Verge", "The trial of Bankman-Fried went on. Google was not involved."),
        passage(3, "The Verge", "A jury heard from Sam Bankman-Fried and the FTX lawyers."),
        passage(4, "Fortune", "Caroline Ellison testified."),
    ]
    outlets = [("TechCrunch",), ("The Verge",)]
    # "FTX" is the question's own; Ellison is only in TechCrunch among the named outlets;
    # "Bankman-Fried" is the short form of the longer name.
    assert candidates(q, ps, outlets) == ["Sam Bankman-Fried"]
    assert candidates(q, ps, outlets[:1]) == []  # one outlet: nothing to intersect
    assert candidates(q, ps, [("TechCrunch",), ("Engadget",)]) == []


class Options:
    """A Generator (the Protocol's `probabilities`) that prefers one first word."""

    def __init__(self, liked: str) -> None:
        self.liked = liked

    def probabilities(self, prompt, options):
        return [0.9 if o.strip().startswith(self.liked) else 0.1 for o in options]


def test_settle_keeps_the_models_name_when_it_is_a_candidate_or_in_a_passage():
    gen = Options("Google")
    ps = [passage(1, "Fortune", "Peter Easton testified about Alphabet.")]
    cands = ["Sam Bankman-Fried", "Google"]
    assert settle("Bankman-Fried", cands, gen, "", ps) == "Bankman-Fried"
    assert settle("Alphabet", cands, gen, "", ps) == "Alphabet"  # the passages hold it
    # A name no passage holds: the candidate the model would start with, else the most
    # frequent. No name (the model restated the question): the same.
    assert settle("Solana", cands, gen, "", ps) == "Google"
    assert settle("Solana", ["Sam Altman", "Sam Bankman-Fried"], gen, "", ps) == "Sam Altman"
    assert settle(None, ["OpenAI"], gen, "", ps) == "OpenAI"
    assert settle(None, ["Sam Altman", "Google"], gen, "", ps) == "Google"
    assert settle(None, [], gen, "", ps) is None  # no candidates: the model's sentence
    # A name the question itself uses is no answer to it.
    asked = "Who, according to | , testified about Alphabet?"  # its outlet taken out
    assert settle("Fortune", cands, gen, "", ps, asked, ["Fortune"]) == "Google"
    assert settle("Fortune", [], gen, "", ps, asked, ["Fortune"]) is None
    assert settle("Alphabet", cands, gen, "", ps, asked, ["Fortune"]) == "Google"
    assert settle("Alphabet", cands, gen, "", ps, "Who spoke?") == "Alphabet"
    # A word of an outlet's name is not a name the question uses.
    country = "Which country, says | ?"
    assert settle("Israel", [], gen, "", ps, country, ["Globes"]) == "Israel"
    assert settle("Solana", [], gen, "", ps) == "Solana"


def test_a_name_is_cited_to_every_unit_whose_passage_names_it():
    def u(i: int, text: str, chunk: str) -> Unit:
        return Unit(i, Passage(i, Chunk(f"c{i}", f"d{i}", 0, len(chunk), chunk), 1.0, "T"), 0, 5)

    units = [
        u(1, "x", "Bankman-Fried told the jury."),
        u(2, "x", "Caroline Ellison testified."),
        u(3, "x", "Sam Bankman-Fried founded FTX."),
        u(4, "x", "Epic won. Games were played."),
    ]
    assert naming("Sam Bankman-Fried", units) == [1, 3]
    assert naming("Epic Games", units) == []  # "Games" alone is no name
    # A person named by surname after the first mention: "Trump" inside a sentence.
    more = [u(1, "x", "The former president Trump said so."), u(2, "x", "Trump. Trumpets blared.")]
    assert naming("Donald Trump", more) == [1]


def test_each_report_the_question_describes_is_cited_for_the_name():
    """ "..., according to 'Fortune', and ..., as reported by 'The Age'": the model's evidence
    held Fortune's article; The Age's sentence naming the answer is found by that clause's own
    retrieval, and the sentence nearest the clause is the one cited."""
    from rag.search.query import SubQuery

    fortune = passage(1, "Fortune", "Donald Trump inflated the value of his apartment.")
    age_text = (
        "The weather was fine. Former president Donald Trump met donors on Tuesday. "
        "Trump adjusted the apartment's value to make up for a loss."
    )
    age = passage(2, "The Age", age_text)
    # Sentence-initial "Trump" alone does not show that a passage is about him.
    other = passage(3, "The Age", "Trump adjusted the value to make up for a loss. Games began.")
    clauses = [
        SubQuery("inflating the value of an apartment, according to Fortune", ("Fortune",)),
        SubQuery("adjusting the valuation to make up for a loss, The Age", ("The Age",)),
    ]
    cited = [Unit(1, fortune, 0, len(fortune.chunk.text))]
    searched = []

    def retrieve(text):
        searched.append(text)
        return [age, other, fortune]

    def similarity(claim, texts):  # shared words with the clause
        words = set(claim.lower().split())
        return [len(words & set(t.lower().split())) / 10 for t in texts]

    found = clause_evidence("Donald Trump", clauses, cited, retrieve, similarity)
    assert searched == [clauses[1].text]  # Fortune's report is cited already: not looked for
    assert [(u.passage.source, u.passage.chunk.text[u.start : u.end].strip()) for u in found] == [
        ("The Age", "Trump adjusted the apartment's value to make up for a loss.")
    ]
    # No sentence of the clause's outlet names the answer: nothing is added.
    assert clause_evidence("Sam Altman", clauses, cited, retrieve, similarity) == []


WHO = "Who is the individual accused of committing fraud for personal gain?"


def test_a_surname_is_given_the_first_name_the_articles_write_before_it():
    ps = [
        passage(1, "CNBC", "Paradigm pressed Bankman-Fried. FTX Co-Founder Sam Bankman-Fried."),
        passage(2, "The Verge", "Now, in court, Bankman-Fried said he did not know."),
    ]
    assert full_name("Bankman-Fried", WHO, ps) == "Sam Bankman-Fried"
    # Already in full, or no first name before it anywhere: as it was.
    assert full_name("Sam Bankman-Fried", WHO, ps) == "Sam Bankman-Fried"
    assert full_name("Bankman-Fried", WHO, ps[1:]) == "Bankman-Fried"
    # A passage past the first mention: the article's title may name him in full.
    titled = passage(4, "Fortune", "Then Bankman-Fried spoke.", "Is Sam Bankman-Fried a bad man?")
    assert full_name("Bankman-Fried", WHO, [titled]) == "Sam Bankman-Fried"
    # Titles and roles are not first names.
    judge = [passage(3, "Fortune", "Said Judge Kaplan on Monday. President Kaplan agreed.")]
    assert full_name("Kaplan", WHO, judge) == "Kaplan"


def test_a_surname_stays_short_when_the_first_name_is_not_clear():
    two = [passage(1, "Fortune", "Donald Trump said. Eric Trump said.")]
    assert full_name("Trump", WHO, two) == "Trump"  # one each: which Trump is not clear
    more = [*two, passage(2, "Fortune", "Donald Trump, again, and Donald Trump.")]
    assert full_name("Trump", WHO, more) == "Donald Trump"  # 3 against 1


def test_only_a_persons_surname_is_completed():
    ps = [passage(1, "TechCrunch", "Alameda Research lost money, as Caroline Ellison said.")]
    company = "Which company is associated with FTX and Caroline Ellison?"
    assert full_name("Alameda", company, ps) == "Alameda"  # not a person: no first name added
    assert full_name("Alameda", WHO, ps) == "Alameda"  # nothing capitalised before it
    acronym = [passage(2, "TechCrunch", "The founder Sam FTX, no.")]
    assert full_name("FTX", WHO, acronym) == "FTX"  # an acronym is no surname
