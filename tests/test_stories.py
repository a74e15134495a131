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
    stored = {f"a{i}": (stories.signature(t), None) for i, t in enumerate(base)}
    ours = stories.Stories(stored)  # type: ignore[arg-type]
    lsh = MinHashLSH(threshold=stories.THRESHOLD, num_perm=stories.NUM_PERM)
    for doc_id, (sig, _) in stored.items():
        lsh.insert(doc_id, lean(sig))
    found = 0
    for i, text in enumerate(copies):
        sig = stories.signature(text)
        assert sig is not None
        assert ours._candidates(sig) == set(lsh.query(lean(sig)))
        story = ours.story_of(f"copy{i}", sig)
        assert story in (None, f"a{i}")
        found += story == f"a{i}"
    assert 10 < found < 50, "light edits are found and heavy ones are not"


def test_removing_a_document_takes_it_out_of_every_band(articles):
    sig = stories.signature(articles[10])
    assert sig is not None
    s = stories.Stories({"a": (sig, "story-1")})
    assert s.story_of("b", sig) == "story-1"
    s.remove("a")
    assert s.story_of("b", sig) is None and all(not table for table in s._bands)
    assert s.story_of("a", sig) is None, "a document is never its own match"
