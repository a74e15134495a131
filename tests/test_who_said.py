"""Who said what, end to end (issue 21): attributions stored with each document at ingest and
kept by `rag index check`, `--dry-run --json` "quotes", `rag quotes`, and "What did X say about
Y?" answered from X's own attributions with the real index and embedder (no model needed: the
answer is the speaker's words, chosen by the code)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from rag.answer.ask import ask
from rag.answer.mention import mention_answer, mentioned_question
from rag.answer.said import said_answer, said_question
from rag.index.docstore import DocStore
from rag.index.manifest import IndexPaths
from rag.pipeline import Pipeline

from .conftest import SEEDS, run_cli


def test_what_did_x_say_questions_are_recognised():
    assert said_question("What did Patrushev say about AUKUS?") == ("Patrushev", "AUKUS")
    assert said_question("What has the minister said on tariffs?") == ("minister", "tariffs")
    assert said_question("What did Shamkhani say Iran and Russia should do?") == (
        "Shamkhani",
        "Iran and Russia should do",
    )
    assert said_question("What did Patrushev say?") == ("Patrushev", "")
    assert said_question("Who won the match?") is None


def test_the_speakers_own_words_answer_and_are_cited(seed_settings, embedder):
    pipeline = Pipeline.open(seed_settings, embedder=embedder)
    said = said_answer(pipeline, "What did Patrushev say about AUKUS?")
    assert said is not None and said.quote is not None and said.passage is not None
    assert said.text.startswith("Nikolai Patrushev said: ") and "AUKUS" in said.text
    assert said.passage.chunk.doc_id == "001_72ccaa6fd02313a0.txt"
    c = said.passage.chunk
    assert c.start <= said.start < said.end <= c.end, "the cited chunk holds the quote"

    # Shamkhani's words, never Patrushev's under Shamkhani's name.
    said = said_answer(
        pipeline, "What did Shamkhani say Iran and Russia should do about the US sanctions system?"
    )
    assert said is not None and said.quote is not None
    assert "Shamkhani" in (said.quote.speaker or "")
    assert "coherent system of cooperation" in said.text


def test_nothing_said_on_a_topic_is_said_so_with_what_was(seed_settings, embedder):
    pipeline = Pipeline.open(seed_settings, embedder=embedder)
    said = said_answer(pipeline, "What did Patrushev say about the price of oil?")
    assert said is not None and said.quote is None
    assert said.text.startswith("The articles don't say. They quote Nikolai Patrushev ")
    assert said.text.endswith("nothing on the price of oil.")
    # Someone the articles never quote goes to the usual path.
    assert said_answer(pipeline, "What did Zorblat say about the price of oil?") is None


def test_did_x_mention_y_questions_are_recognised():
    assert mentioned_question("Did Patrushev mention China?") == ("Patrushev", "China")
    assert mentioned_question("Has Shamkhani talked about sanctions in the Mehr News report?") == (
        "Shamkhani",
        "sanctions",
    )
    assert mentioned_question("Did Raisi say anything about the dollar?") == ("Raisi", "the dollar")
    # A claim is not a topic: words about AUKUS need not say that it is harmless.
    assert mentioned_question("Did Patrushev say that AUKUS is harmless?") is None
    assert (
        mentioned_question(
            "Does 'The Verge' article mention a different discount for Jenga than the discount "
            "it reports for the Kasa plug?"
        )
        is None
    )
    # "mentioned" inside a clause about something else is not this question.
    assert (
        mentioned_question(
            "Does the 'Fortune' article suggest that Beyoncé's concert film was less successful "
            "than Taylor Swift's 'The Eras Tour' mentioned in 'The Independent'?"
        )
        is None
    )
    assert mentioned_question("Did TechCrunch mention the layoffs before The Verge did?") is None
    assert mentioned_question("What did Patrushev say about AUKUS?") is None


def _mention(pipeline: Pipeline, question: str):
    return mention_answer(pipeline, question, pipeline.retriever.plan(question).outlets)


def test_did_x_mention_y_is_answered_from_x_s_words(seed_settings, embedder):
    pipeline = Pipeline.open(seed_settings, embedder=embedder)
    said = _mention(pipeline, "Did Patrushev mention China?")
    assert said is not None and said.yes_no and said.quote is not None
    assert said.text.startswith("Yes. Nikolai Patrushev said: ") and "China" in said.text
    said = _mention(pipeline, "Did Patrushev mention the price of oil?")
    assert said is not None and said.passage is None
    assert said.text.startswith("No, not in these articles. They quote Nikolai Patrushev ")
    assert said.text.endswith("nothing on the price of oil.")
    assert _mention(pipeline, "Did Zorblat mention the price of oil?") is None
    # His words on Afghanistan, none with Shamkhani in them: neither Yes nor No for the code.
    assert _mention(pipeline, "Did Patrushev discuss Afghanistan with Shamkhani?") is None


def test_did_an_outlet_mention_y_is_answered_from_its_articles(seed_settings, embedder):
    pipeline = Pipeline.open(seed_settings, embedder=embedder)
    said = _mention(pipeline, "Does the Iran Press article mention China?")
    assert said is not None and said.yes_no and said.passage is not None
    assert said.text.startswith("Yes. From Iran Press: ") and "China" in said.text
    c = said.passage.chunk
    assert c.doc_id == "001_72ccaa6fd02313a0.txt"
    assert c.start <= said.start < said.end <= c.end
    assert "China" in c.text[said.start - c.start : said.end - c.start]
    # The Taliban are in Press TV's article only.
    said = _mention(pipeline, "Did Mehr News Agency mention the Taliban?")
    assert said is not None and said.passage is None
    assert said.text == (
        "No, not in these articles. The one article from Mehr News Agency in the index does "
        "not mention the Taliban."
    )
    said = _mention(pipeline, "Did Press TV mention the Taliban?")
    assert said is not None and said.passage is not None
    assert said.passage.chunk.doc_id == "004_3183116b0c1738f2.txt"
    # Every article, when the question asks about the articles themselves.
    said = _mention(pipeline, "Does any of the articles mention the Taliban?")
    assert said is not None and said.passage is not None
    assert said.passage.chunk.doc_id == "004_3183116b0c1738f2.txt"
    said = _mention(pipeline, "Do the articles mention the dollar?")
    assert said is not None
    assert said.text == (
        "No, not in these articles. None of the 5 articles in the index mentions the dollar."
    )
    # Half of it ("a ban on Russian oil imports"): the code cannot tell, the usual path answers.
    assert _mention(pipeline, "Do the articles mention the price of oil?") is None
    # A name must be there whole for a Yes: Iran Press writes of the Caspian Sea, which is half
    # of "the Black Sea", so the code cannot tell and the usual path answers.
    assert _mention(pipeline, "Do the articles mention the Black Sea?") is None


@pytest.mark.model
def test_a_yes_no_mention_question_is_answered_by_the_code(seed_pipeline):
    """The model's Yes never decides it: both answers come from the attributions, cited."""
    stream = ask(seed_pipeline, "Did Patrushev mention China?")
    text = "".join(stream)
    answer = stream.answer
    assert answer.short_answer == "Yes" and answer.route == "said" and not answer.abstained
    assert text.startswith("Yes.") and answer.citations
    assert answer.citations[0].passage.chunk.doc_id == "001_72ccaa6fd02313a0.txt"
    stream = ask(seed_pipeline, "Has Patrushev talked about the price of oil?")
    "".join(stream)
    assert stream.answer.short_answer == "No" and not stream.answer.abstained
    assert stream.answer.text.startswith("No, not in these articles.")
    # A topic no article has at all is a No too; someone no article has is not known.
    stream = ask(seed_pipeline, "Did Patrushev mention Wagner?")
    "".join(stream)
    assert stream.answer.short_answer == "No" and not stream.answer.abstained
    assert stream.answer.text == (
        "No, not in these articles. No article in the index mentions Wagner."
    )
    stream = ask(seed_pipeline, "Did Zorblat mention sanctions?")
    "".join(stream)
    assert stream.answer.abstained and stream.answer.text.startswith("The articles don't say.")


def test_dry_run_json_has_the_quotes_contract():
    done = run_cli("ingest", str(SEEDS), "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    quotes = [(r["text"], q) for r in rows for q in r["quotes"]]
    assert len(quotes) > 20
    for text, q in quotes:
        assert set(q) == {"source", "cue", "content", "speaker"}
        s, e = q["content"]
        assert 0 <= s < e <= len(text)
        for span in (q["source"], q["cue"]):
            assert span is None or 0 <= span[0] < span[1] <= len(text)
    said = [text[q["content"][0] : q["content"][1]] for text, q in quotes]
    assert any("AUKUS" in s for s in said)


def test_rag_quotes_lists_speakers_and_their_quotes(seed_settings):
    index = str(seed_settings.index_dir)
    speakers = run_cli("quotes", "--index", index)
    assert speakers.returncode == 0, speakers.stderr
    top = speakers.stdout.splitlines()[:2]
    assert any("Patrushev" in line for line in top) and any("Shamkhani" in line for line in top)

    found = run_cli(
        "quotes", "--speaker", "Patrushev", "--about", "AUKUS", "--json", "--index", index
    )
    assert found.returncode == 0, found.stderr
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    assert rows and "AUKUS" in rows[0]["text"] and rows[0]["relevance"] >= 0.5
    assert all("Patrushev" in r["speaker"] for r in rows)
    assert rows[0]["path"].endswith("001_72ccaa6fd02313a0.txt")

    none = run_cli("quotes", "--speaker", "Patrushev", "--outlet", "Reuters", "--index", index)
    assert none.returncode == 0 and "No quotes by Patrushev" in none.stderr


def test_an_index_from_before_attributions_is_found_and_repaired(seed_settings, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    db = sqlite3.connect(IndexPaths(index).documents)
    with db:
        db.execute("DELETE FROM quotes")
        db.execute("UPDATE documents SET quotes_version = NULL")
    db.close()
    check = run_cli("index", "check", "--index", str(index))
    assert check.returncode == 1 and "without attributions" in check.stdout, check.stdout
    repaired = run_cli("index", "check", "--repair", "--index", str(index))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "attributions extracted for 5 documents" in repaired.stdout
    assert run_cli("index", "check", "--index", str(index)).returncode == 0
    docs = DocStore(IndexPaths(index).documents)
    assert docs.speakers()[0][2] > 5


@pytest.mark.parametrize("doc", ["001_72ccaa6fd02313a0.txt"])
def test_deleting_a_document_deletes_its_quotes(tmp_path, doc):
    docs = DocStore(tmp_path / "documents.sqlite")
    from rag.types import Document

    text = (SEEDS / doc).read_text()
    docs.put(Document(doc_id=doc, text=text, title="t"), "h", 1)
    assert docs.quotes(doc_id=doc)
    docs.delete(doc)
    assert docs.quotes(doc_id=doc) == []


def test_speech_put_in_the_wrong_mouth_is_flagged(seed_settings, embedder):
    from rag.answer.said import Speakers, misattributed
    from rag.types import Citation, Claim

    pipeline = Pipeline.open(seed_settings, embedder=embedder)
    aukus = said_answer(pipeline, "What did Patrushev say about AUKUS?")
    assert aukus is not None and aukus.passage is not None
    quote = aukus.quote.text if aukus.quote else ""
    cite = Citation(1, aukus.passage, aukus.start, aukus.end, quote, verified=True)
    speakers = Speakers(pipeline)
    for text, supported in [
        ("Shamkhani said AUKUS is a new NATO aimed at China [1].", False),
        ("According to Shamkhani, AUKUS is a new NATO [1].", False),
        ("Patrushev said AUKUS is a new NATO aimed at China [1].", True),
        ("AUKUS is a new NATO aimed at China [1].", True),
    ]:
        claims = misattributed(text, [Claim(0, len(text), (1,), True)], [cite], speakers)
        assert claims[0].supported is supported, text


def test_what_a_speaker_is_quoted_on_names_whole_names():
    from rag.search.quotes import Quote, topics
    from rag.sources.quotes import Attribution
    from rag.types import Document

    def quote(text: str, speaker: str) -> Quote:
        doc = Document(doc_id=text[:8], text=text, title="")
        return Quote(doc, Attribution((0, len(text)), None, None, speaker))

    said = [
        quote("He said the role of the United States in Ukraine is to expand NATO.", "Ana Ruiz"),
        quote("She blamed the United States for the war in Ukraine.", "Ana Ruiz"),
    ]
    others = [quote("The weather in Lisbon was mild on Monday.", "Tom Bell")] * 6
    on = topics(said, said + others)
    assert "United States" in on and "United" not in on and "States" not in on
