"""The story check's MinHash and LSH (`rag.sources.stories`) are datasketch's, written out so that
ingest does not import scipy: signatures bit for bit (earlier indexes stored datasketch's), the
same bands, and the same candidates. datasketch is the reference here."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from rag.sources import stories

from .conftest import SEEDS, SHARED

CORPUS = SHARED / "eval" / "multihop_rag" / "corpus.json"


@pytest.fixture(scope="module")
def articles() -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return texts + [a["body"] for a in json.loads(CORPUS.read_text("utf-8"))]


def datasketch_signature(text: str) -> bytes | None:
    words = stories._WORD.findall(text.lower())
    if len(words) < stories.MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + 5]).encode() for i in range(len(words) - 4)}
    m = MinHash(num_perm=128, scheme="affine64")
    m.update_batch(list(shingles))
    return bytes(m.hashvalues.astype("<u8").tobytes())


def test_signatures_are_datasketchs_bit_for_bit(articles):
    assert [stories.signature(t) for t in articles] == [datasketch_signature(t) for t in articles]
    assert stories.signature("too short to compare") is None


def test_the_bands_are_the_ones_datasketch_chooses():
    lsh = MinHashLSH(threshold=stories.THRESHOLD, num_perm=stories.NUM_PERM)
    assert (lsh.b, lsh.r) == (stories.BANDS, stories.ROWS)


def lean(sig: bytes) -> LeanMinHash:
    return LeanMinHash(seed=1, hashvalues=np.frombuffer(sig, "<u8"), scheme="affine64")


def edited(text: str, rng: random.Random, share: float) -> str:
    """A copy with about `share` of its words replaced, as an outlet edits wire copy."""
    words = text.split()
    return " ".join(w if rng.random() > share else f"x{rng.randint(0, 9999)}" for w in words)


def test_candidates_and_stories_match_datasketchs(articles):
    rng = random.Random(3)
    base = [t for t in articles if stories.signature(t)][:120]
    # Copies edited lightly (found), heavily (not found) and in between (either way, as LSH is).
    copies = [edited(t, rng, rng.choice([0.01, 0.03, 0.08, 0.15, 0.3])) for t in base[:60]]
    ours = stories.Stories()
    lsh = MinHashLSH(threshold=stories.THRESHOLD, num_perm=stories.NUM_PERM)
    for i, text in enumerate(base):
        sig = stories.signature(text)
        assert sig is not None
        ours.add(f"a{i}", sig, None)
        lsh.insert(f"a{i}", lean(sig))
    found = 0
    for i, text in enumerate(copies):
        sig = stories.signature(text)
        assert sig is not None
        assert ours._candidates(stories.band_keys(sig)) == set(lsh.query(lean(sig)))
        story = ours.story_of(f"copy{i}", sig)
        assert story in (None, f"a{i}")
        found += story == f"a{i}"
    assert 10 < found < 50, "light edits are found and heavy ones are not"


def test_removing_a_document_takes_it_out_of_every_band(articles):
    sig = stories.signature(articles[10])
    assert sig is not None
    s = stories.Stories()
    s.add("a", sig, "story-1")
    assert s.story_of("b", sig) == "story-1"
    s.remove("a")
    assert s.story_of("b", sig) is None and not s._by_key
    assert s.story_of("a", sig) is None, "a document is never its own match"


def test_stored_documents_are_found_by_their_band_keys_without_loading_them(tmp_path, articles):
    """The document store keeps each signature's band keys, indexed: a copy is linked to a
    stored story, a deleted document is no longer a candidate, and documents signed before the
    table existed get their keys the first time candidates are looked up."""
    from rag.index.docstore import DocStore
    from rag.types import Document

    texts = [t for t in articles if stories.signature(t)][:30]
    docs = DocStore(tmp_path / "documents.sqlite")
    for i, text in enumerate(texts):
        doc = Document(doc_id=f"d{i}", text=text, title=f"t{i}", story="s0" if i == 3 else None)
        docs.put(doc, "hash", 1, stories.signature(text))
    copy = stories.signature(edited(texts[3], random.Random(1), 0.01))
    assert copy is not None
    run = stories.Stories(docs.near_copies)
    assert run.story_of("new", copy) == "s0", "the stored document's story"
    assert stories.Stories(docs.near_copies).story_of("d3", copy) is None, "never itself"
    other = stories.signature(edited(texts[5], random.Random(2), 0.01))
    assert other is not None
    assert run.story_of("new2", other) == "d5", "a story of one so far is named by its doc_id"
    docs.delete("d5")
    assert run.story_of("new2", other) is None
    # As if signed by a version without the table: the keys are filled in on the first lookup.
    docs._db.execute("DELETE FROM story_bands")
    docs._db.commit()
    assert (
        stories.Stories(DocStore(tmp_path / "documents.sqlite").near_copies).story_of("new", copy)
        == "s0"
    )
    assert docs._db.execute("SELECT COUNT(*) FROM story_bands").fetchone()[0] == 29 * 14
