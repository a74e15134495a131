from rag.sources.chunk import chunk_document, locate
from rag.sources.load import SourceFile, find_files, load_file
from rag.types import Document

from .conftest import SEEDS


def test_offsets_hold_for_every_seed_chunk():
    for src in find_files([SEEDS]):
        for doc in load_file(src):
            chunks = chunk_document(doc, 100, 20)
            assert len(chunks) > 1
            for c in chunks:
                assert doc.text[c.start : c.end] == c.text
                assert c.text.strip() == c.text and c.text


def test_offsets_survive_odd_whitespace_and_repeats():
    para = "The same sentence appears twice.   It really does.\n\n\n"
    text = "Intro line.\n\n" + para * 30 + "Tab\tseparated\t words   end here."
    doc = Document("d", text, "t")
    chunks = chunk_document(doc, 40, 10)
    starts = [c.start for c in chunks]
    assert starts == sorted(starts), "repeated text must map to successive positions"
    for c in chunks:
        assert text[c.start : c.end] == c.text
    assert chunks[-1].end == len(text)


def test_chunk_ids_are_stable_and_derived_from_document():
    doc = load_file(SourceFile(SEEDS / "001_72ccaa6fd02313a0.txt", "001_72ccaa6fd02313a0.txt"))[0]
    first = chunk_document(doc, 100, 20)
    again = chunk_document(doc, 100, 20)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert first[0].chunk_id == "001_72ccaa6fd02313a0.txt::0"


def test_locate_tolerates_whitespace_changes():
    text = "alpha  beta\n gamma delta"
    assert locate(text, "beta gamma", 0) == (7, 18)
    assert locate(text, "missing words", 0) is None


def test_header_carries_title_outlet_and_readable_date_but_never_enters_offsets(embedder):
    from rag.sources.chunk import header, indexed_text

    body = "Flexport's chief executive resigned. " * 80
    doc = Document(
        "u", body, "Clark leaves Flexport", "TechCrunch", "2023-10-07T14:00:00+00:00", "u"
    )
    head = header(doc)
    assert head == "Clark leaves Flexport (TechCrunch, October 7, 2023)"
    assert header(Document("s", "x", "Seed title", "Iran Press")) == "Seed title (Iran Press)"
    assert header(Document("s", "x", "Only a title")) == "Only a title"
    chunks = chunk_document(doc, 96, 8, embedder.tokenize, head)
    assert len(chunks) > 3
    for c in chunks:
        assert body[c.start : c.end] == c.text and "TechCrunch" not in c.text
        # Header, body and [CLS]/[SEP] fit the budget, so nothing embedded is cut off.
        assert len(embedder.tokenize(indexed_text(head, c.text))) + 2 <= 96


def test_sentence_spans_cover_sentences_and_merge_fragments():
    from rag.sources.sentences import scoring_spans as sentence_spans

    text = "By Jane Doe\nThe minister resigned on Monday. Markets fell sharply! Why? Nobody knows."
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    # A byline and a short last sentence do not stand alone.
    assert pieces == [
        "By Jane Doe\nThe minister resigned on Monday.",
        "Markets fell sharply! Why? Nobody knows.",
    ]
