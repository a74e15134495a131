"""Near-duplicate stories at ingest: the same wire copy (AP, Reuters, AFP) republished by several
outlets is linked as one story, with several outlets, instead of living on as unrelated documents.

MinHash over word 5-gram shingles estimates the Jaccard similarity of two articles, and LSH
bands find the candidates without comparing every pair. Signatures and band keys are kept in the
document store, indexed, so a copy that arrives in a later ingest still finds its story, and a
new article is checked against an archive of any size in a millisecond without loading it (at a
million chunks, loading every signature into memory cost 2-3 s per ingest). Copies are still
indexed: each outlet's text stays citable, and retrieval collapses near-duplicate passages at
question time.

Why word 5-grams at 0.7: outlets edit wire copy lightly (a headline, a first paragraph, a
trailing line about the outlet), which keeps most 5-grams, while two different articles on one
event share few of them; at 0.7 a rewritten report is not taken for a copy.

The signatures are datasketch 2's MinHash (scheme "affine64", seed 1), bit for bit, and the LSH
bands are the ones datasketch picks for 0.7 and 128 permutations; both are written out here
(about thirty lines of numpy) because importing datasketch imports scipy, which it needs only to
choose the bands: 0.5 s of every `rag ingest`. `tests/test_stories.py` checks both against
datasketch, so the signatures stored by earlier versions stay comparable.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

NUM_PERM = 128
SHINGLE = 5
THRESHOLD = 0.7
BANDS, ROWS = 14, 9  # datasketch's optimum for THRESHOLD and NUM_PERM (equal weights)
MIN_WORDS = 40  # shorter texts share 5-grams by chance (boilerplate, one-line notices)

_WORD = re.compile(r"\w+")


def _permutations(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The affine maps h -> a*h + b (mod 2^64, a odd, so each is a bijection) of datasketch's
    "affine64" scheme: part of every stored signature, so fixed for the index's life."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 64, NUM_PERM, dtype=np.uint64)
    return a, b


_A, _B = _permutations()


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, which datasketch applies to each input hash once."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def signature(text: str) -> bytes | None:
    """The MinHash signature of `text` (NUM_PERM uint64 values), or None for a text too short to
    compare."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}
    # Each shingle's hash: the first 8 bytes of its SHA-1, little-endian (datasketch's sha1_hash64).
    digests = b"".join(hashlib.sha1(s).digest()[:8] for s in shingles)
    hashes = _fmix64(np.frombuffer(digests, dtype="<u8").astype(np.uint64)).reshape(-1, 1)
    with np.errstate(over="ignore"):  # the products wrap around: that is the mod 2^64
        values = (hashes * _A + _B).min(axis=0)
    return bytes(values.astype("<u8").tobytes())


Stored = Callable[[list[int]], Iterable[tuple[str, bytes, str | None]]]


def band_keys(sig: bytes) -> list[int]:
    """One 64-bit key per LSH band (signed, as SQLite keeps integers): two signatures with an
    equal band share that band's key, so a table of keys finds a signature's candidates without
    loading every signature (a rare collision only adds a candidate, which the similarity
    check then turns away)."""
    return [
        int.from_bytes(
            hashlib.blake2b(bytes([i]) + band, digest_size=8).digest(), "little", signed=True
        )
        for i, band in enumerate(_bands(sig))
    ]


def similarity(a: bytes, b: bytes) -> float:
    """The Jaccard similarity the two signatures estimate: the share of equal hash values."""
    return float(np.count_nonzero(_minhash(a) == _minhash(b))) / NUM_PERM


class Stories:
    """Which story a new document belongs to, among the stored documents (`stored`: the
    document store's lookup by band keys, see `DocStore.near_copies`) and those of this run so
    far, which are not stored yet (kept here in memory, by the same band keys)."""

    def __init__(self, stored: Stored | None = None) -> None:
        self._stored = stored
        self._by_key: defaultdict[int, set[str]] = defaultdict(set)  # this run's documents
        self._run: dict[str, tuple[bytes, str | None]] = {}

    def add(self, doc_id: str, sig: bytes, story: str | None) -> None:
        self.remove(doc_id)
        for key in band_keys(sig):
            self._by_key[key].add(doc_id)
        self._run[doc_id] = (sig, story)

    def remove(self, doc_id: str) -> None:
        if doc_id in self._run:
            sig, _ = self._run.pop(doc_id)
            for key in band_keys(sig):
                self._by_key[key].discard(doc_id)
                if not self._by_key[key]:
                    del self._by_key[key]

    def _candidates(self, keys: list[int]) -> set[str]:
        """Every document of this run that shares at least one band key with `keys`."""
        found: set[str] = set()
        for key in keys:
            found |= self._by_key.get(key, set())
        return found

    def story_of(self, doc_id: str, sig: bytes) -> str | None:
        """The story a new or changed document belongs to: the story (or, for a story of one
        so far, the doc_id) of the most similar document at or above THRESHOLD; None when it
        is new. The document itself is never its own match, nor is its stored version."""
        keys = band_keys(sig)
        found: dict[str, tuple[bytes, str | None]] = {}
        if self._stored is not None:
            for other, other_sig, story in self._stored(keys):
                if other not in self._run:  # this run's version replaces the stored one
                    found[other] = (other_sig, story)
        found.update((other, self._run[other]) for other in self._candidates(keys))
        found.pop(doc_id, None)
        best: tuple[float, str] | None = None
        for other in sorted(found):
            score = similarity(sig, found[other][0])
            if score >= THRESHOLD and (best is None or score > best[0]):
                best = (score, other)
        if best is None:
            return None
        return found[best[1]][1] or best[1]


def _minhash(sig: bytes) -> np.ndarray:  # a view, no copy
    return np.frombuffer(sig, dtype="<u8")


def _bands(sig: bytes) -> list[bytes]:
    """The signature's BANDS bands of ROWS values each (the last NUM_PERM - BANDS*ROWS unused)."""
    width = ROWS * 8
    return [sig[i * width : (i + 1) * width] for i in range(BANDS)]
