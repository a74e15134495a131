"""Keyword retrieval with bm25s (English stop words, Snowball stemming). bm25s is imported only
here. The index is rebuilt from the stored chunks after each ingest and swapped in atomically."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from rag.index.checkpoints import checkpoint

IDS_FILE = "chunk_ids.json"
SOURCE_FILE = "input.sha256"


def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def fingerprint(ids: list[str], texts: list[str]) -> str:
    """A hash of what an index is built from, saved beside it, so that `rag index check` can
    tell a stale index (same chunk ids, older texts) without rebuilding and comparing it:
    bm25s's own arrays depend on set order, which differs from process to process."""
    h = hashlib.sha256()
    for cid, text in sorted(zip(ids, texts, strict=True)):
        h.update(cid.encode() + b"\0" + text.encode() + b"\0")
    return h.hexdigest()


def top_positive(scores: Any, n: int) -> Any:
    """Rows of the `n` best positive scores, best first, ties in row order. Not bm25s's own
    top-k: numpy's argpartition over a mostly-zero array (a query restricted to one outlet,
    or of rare words) takes 15 ms at 100k rows and ten times that at 1M; over the positive
    scores alone it takes well under one."""
    import numpy as np

    rows = np.flatnonzero(scores > 0)
    values = scores[rows]
    if len(rows) > n:
        kth = np.partition(values, len(values) - n)[len(values) - n]  # the n-th best score
        keep = np.concatenate([rows[values > kth], rows[values == kth]])
        return keep[np.lexsort((keep, -scores[keep]))][:n]
    return rows[np.lexsort((rows, -values))]


class BM25Index:
    def __init__(self, retriever: object, ids: list[str], source: str | None = None) -> None:
        self._retriever = retriever
        self.ids = ids
        self.source = source  # the fingerprint of its input, where known
        self._stemmer = _stemmer()
        # Each row's label (a chunk's outlet) as an int code, set once per load by `label`:
        # a filter is then one array lookup, not a Python loop over every id per query.
        self._codes: Any = None
        self._code_of: dict[str, int] = {}

    @classmethod
    def build(cls, ids: list[str], texts: list[str], k1: float = 1.5, b: float = 0.75) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25(k1=k1, b=b)
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(retriever, ids, fingerprint(ids, texts))

    @classmethod
    def load(cls, path: Path) -> BM25Index | None:
        """The index at `path`; during a swap (or after a crash inside one) the previous one,
        which `save` keeps as `<path>.old` until the new one is in place."""
        import bm25s

        old = path.with_name(path.name + ".old")
        if not (path / IDS_FILE).is_file() and (old / IDS_FILE).is_file():
            path = old
        ids_file = path / IDS_FILE
        if not ids_file.is_file():
            return None
        ids = json.loads(ids_file.read_text("utf-8"))
        if not ids:
            return cls(bm25s.BM25(), [])
        # Memory-mapped: opens in milliseconds (reading takes 0.18 s at 100k chunks), and
        # replicas on one machine share its pages. A save swaps folders and never rewrites a
        # file in place, so a mapping stays valid.
        return cls(bm25s.BM25.load(str(path), mmap=True), ids)

    def save(self, path: Path) -> None:
        """Write to a sibling folder, then swap, so readers never see half an index."""
        tmp = path.with_name(path.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self._retriever.save(str(tmp))  # type: ignore[attr-defined]
        (tmp / IDS_FILE).write_text(json.dumps(self.ids), "utf-8")
        if self.source:
            (tmp / SOURCE_FILE).write_text(self.source, "utf-8")
        old = path.with_name(path.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if path.exists():
            path.rename(old)
        checkpoint("bm25-swap")  # the one moment with no bm25/ folder: `rag index check` mends it
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)

    def label(self, labels: Sequence[str | None]) -> None:
        """Give each row (`labels[i]` for `ids[i]`; None: no label) a label that `search` can
        filter on."""
        import numpy as np

        code_of: dict[str | None, int] = {None: 0}
        for name in labels:
            code_of.setdefault(name, len(code_of))
        self._codes = np.fromiter(
            (code_of[name] for name in labels), dtype=np.int32, count=len(labels)
        )
        self._code_of = {k: v for k, v in code_of.items() if k is not None}

    def search(
        self,
        query: str,
        n: int,
        allowed: set[str] | None = None,
        labels: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Top `n` chunk ids for `query`; with `allowed`, only among those chunk ids; with
        `labels`, only among rows given one of them by `label`."""
        import bm25s

        if not self.ids:
            return []
        mask = self._mask(allowed, labels)
        if mask is not None and not mask.any():
            return []
        tokens = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )[0]
        vocab = self._retriever.vocab_dict  # type: ignore[attr-defined]
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        scores = self._retriever.get_scores(tokens, weight_mask=mask)  # type: ignore[attr-defined]
        return [(self.ids[int(i)], float(scores[i])) for i in top_positive(scores, n)]

    def _mask(self, allowed: set[str] | None, labels: Collection[str] | None) -> Any:
        """bm25s's weight mask (1.0 for a row that may be returned), or None for all rows."""
        import numpy as np

        mask = None
        if allowed is not None:
            mask = np.fromiter((cid in allowed for cid in self.ids), dtype=np.float32)
        if labels is not None:
            if self._codes is None:
                raise ValueError("BM25Index.search(labels=...) needs BM25Index.label() first")
            table = np.zeros(len(self._code_of) + 1, dtype=np.float32)  # code -> 0.0 or 1.0
            table[[self._code_of[x] for x in labels if x in self._code_of]] = 1.0
            by_label = table[self._codes]
            mask = by_label if mask is None else mask * by_label
        return mask
