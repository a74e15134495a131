from rag.chunk import chunk_document, locate
from rag.load import SourceFile, find_files, load_file
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
