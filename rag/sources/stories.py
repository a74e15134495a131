"""Near-duplicate stories at ingest: the same wire copy (AP, Reuters, AFP) republished by several
outlets is linked as one story, with several outlets, instead of living on as unrelated documents.

MinHash over word 5-gram shingles (datasketch) estimates the Jaccard similarity of two articles,
and an LSH index finds the candidates without comparing every pair, so a new article is checked
against an archive of any size in about a millisecond. Signatures are kept in the document store,
so a copy that arrives in a later ingest still finds its story. Copies are still indexed: each
outlet's text stays citable, and retrieval collapses near-duplicate passages at question time.

Why word 5-grams at 0.7: outlets edit wire copy lightly (a headline, a first paragraph, a
trailing line about the outlet), which keeps most 5-grams, while two different articles on one
event share few of them; at 0.7 a rewritten report is not taken for a copy.
"""

from __future__ import annotations

import re
from typing import Any

NUM_PERM = 128
SHINGLE = 5
# The hash scheme is part of a stored signature: fixed, so that a datasketch upgrade that changes
# its default cannot silently make old and new signatures incomparable.
SCHEME = "affine64"
THRESHOLD = 0.7
MIN_WORDS = 40  # shorter texts share 5-grams by chance (boilerplate, one-line notices)

_WORD = re.compile(r"\w+")


def signature(text: str) -> bytes | None:
    """The MinHash signature of `text` (NUM_PERM uint64 values), or None for a text too short to
    compare."""
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}
    m = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    m.update_batch(list(shingles))
    return bytes(m.hashvalues.astype("<u8").tobytes())


class Stories:
    """The LSH index of every stored document's signature, and which story each belongs to."""

    def __init__(self, stored: dict[str, tuple[bytes, str | None]]) -> None:
        from datasketch import MinHashLSH

        self._lsh: Any = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._minhash: dict[str, Any] = {}
        self._story: dict[str, str | None] = {}
        for doc_id, (sig, story) in stored.items():
            self.add(doc_id, sig, story)

    def add(self, doc_id: str, sig: bytes, story: str | None) -> None:
        self.remove(doc_id)
        m = _minhash(sig)
        self._lsh.insert(doc_id, m)
        self._minhash[doc_id] = m
        self._story[doc_id] = story

    def remove(self, doc_id: str) -> None:
        if doc_id in self._minhash:
            self._lsh.remove(doc_id)
            del self._minhash[doc_id]
            del self._story[doc_id]

    def story_of(self, doc_id: str, sig: bytes) -> str | None:
        """The story a new or changed document belongs to: the story (or, for a story of one
        so far, the doc_id) of the most similar stored document at or above THRESHOLD; None
        when it is new. The document itself is never its own match."""
        m = _minhash(sig)
        best: tuple[float, str] | None = None
        for other in self._lsh.query(m):
            if other == doc_id:
                continue
            similarity = float(m.jaccard(self._minhash[other]))
            if similarity >= THRESHOLD and (best is None or similarity > best[0]):
                best = (similarity, other)
        if best is None:
            return None
        return self._story[best[1]] or best[1]


def _minhash(sig: bytes) -> Any:
    import numpy as np
    from datasketch import LeanMinHash

    return LeanMinHash(seed=1, hashvalues=np.frombuffer(sig, dtype="<u8"), scheme=SCHEME)
