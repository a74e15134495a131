"""Retrieval: question analysis, hybrid search per sub-query, fusion, a second stage, merging and
near-duplicate collapse. One path serves `rag ask`, the UI and `rag eval retrieval`.

1. The question is analysed (`rag.search.query`): the outlets and dates it names, and, when it is
   about two or more stories, one sub-query per story restricted to the outlets that story names.
2. Each sub-query is searched densely (Chroma, chunk header + body embeddings) and by keywords
   (BM25 over header + body, `rag.index.keyword`); the two rankings are fused by chunk id with
   weighted reciprocal rank fusion, and chunks from a named outlet or a named date get a boost.
   Fusion is keyed by chunk id, never by text: two articles can share a passage word for word,
   and each must keep its own citation.
3. The second stage rescores the best fused chunks of each sub-query: the best match between
   the sub-query and any single sentence of the chunk (the same MiniLM model, sentence vectors
   stored at ingest), added to the fused score. No cross-encoder is available offline here.
4. Sub-query rankings are merged fairly (weighted reciprocal rank fusion, the whole question
   first), so each story gets places near the top.
5. Near-duplicates (the same wire story in two outlets) are collapsed to the better-ranked one.
6. Every outlet a story of the question names keeps a place in the top k: its best chunk takes
   the place of the lowest-ranked chunk of an outlet that holds two places (a question about a
   Fortune story and a Verge story cannot be answered from two Fortune passages).

Left out: a learned reranker, query expansion by an LLM (too slow on a CPU), relative dates.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rag.index.docstore import DocStore, read_outlets
from rag.index.keyword import KeywordIndex
from rag.index.manifest import IndexPaths
from rag.index.store import ChromaStore
from rag.llm.embed import Embedder
from rag.search.query import (
    OutletMatcher,
    QueryPlan,
    SubQuery,
    analyse,
    names_in,
    unknown_outlets,
)
from rag.settings import Settings
from rag.sources.sentences import scoring_spans
from rag.types import Hit, Passage, Retrieval


def fuse(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(id) = sum over rankings of w / (k + rank), rank from 1.
    Ties keep the order in which ids were first seen."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def shingles(text: str, n: int = 5) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(tuple(words[i : i + n])) for i in range(max(1, len(words) - n + 1))}


def collapse_duplicates(texts: Sequence[str], threshold: float = 0.6) -> list[int]:
    """Indexes of the texts to keep, in order: a text whose word 5-grams overlap an earlier kept
    one's by `threshold` (Jaccard) or more is dropped as a near-duplicate."""
    kept: list[int] = []
    seen: list[set[int]] = []
    for i, text in enumerate(texts):
        sh = shingles(text)
        if any(len(sh & other) / max(1, len(sh | other)) >= threshold for other in seen):
            continue
        kept.append(i)
        seen.append(sh)
    return kept


DENSE_WIDEN = 4  # a shared dense search fetches this many times the candidates


def doc_of(chunk_id: str) -> str:
    """The document id in a chunk id (`rag.sources.chunk.chunk_id`: "<doc_id>::<n>")."""
    return chunk_id.rsplit("::", 1)[0]


UNLABELLED_PROBE = 50  # keyword hits read for a publisher's name in articles without an outlet


class HybridRetriever:
    def __init__(
        self,
        store: ChromaStore,
        keywords: KeywordIndex | None,
        embedder: Embedder,
        settings: Settings,
        documents: DocStore | None = None,
    ) -> None:
        """`documents`: the index's document table, for the outlet names (read-only from
        `settings.index_dir` when not given). Nothing is read per chunk at start: a chunk's
        outlet and day come with its hit, and the keyword index keeps each chunk's outlet."""
        self.store = store
        self.keywords = keywords
        self.embedder = embedder
        self.settings = settings
        outlet_of = (
            documents.outlets()
            if documents is not None
            else read_outlets(IndexPaths(settings.index_dir).documents)
        )
        self._matcher = OutletMatcher(sorted(set(outlet_of.values())))
        self._outlet_articles = Counter(outlet_of.values())
        # Articles with no outlet recorded (a folder of .txt files): one of them may be the
        # publisher a question names, so such a name is looked for in their text.
        self._unlabelled = len(documents) - len(outlet_of) if documents is not None else 0
        self._sentence_cache: dict[str, Any] = {}

    def plan(self, question: str) -> QueryPlan:
        s = self.settings
        return analyse(question, self._matcher, s.decompose, s.clause_text)

    def clauses(self, question: str) -> list[SubQuery]:
        """The question's clauses, one per story it names (outlet or date), each with its own
        text: [] when it names fewer than two."""
        return analyse(question, self._matcher, True, True).subqueries[1:]

    def unknown_outlets(self, question: str) -> list[str]:
        """Publishers the question names ("a Bloomberg article") that no indexed article is from:
        none is from that outlet, and no article without a recorded outlet names it."""
        names = unknown_outlets(question, self._matcher)
        if names and self._unlabelled:
            names = [n for n in names if not self._named_by_unlabelled(n)]
        return names

    def unknown_names(self, question: str) -> list[str]:
        """Names the question uses ("Serban Ionescu", "the Paris Olympics") with a word that no
        indexed chunk has, nor a near spelling of it (`KeywordIndex.holds`). Outlets the index
        holds are not looked up; without a keyword index nothing is called unknown."""
        if self.keywords is None:
            return []
        keywords = self.keywords
        held = [(m.start, m.end) for m in self._matcher.find(question)]
        unknown = [
            name
            for name, words in names_in(question, held)
            if not all(keywords.holds(w) for w in words)
        ]
        return list(dict.fromkeys(unknown))  # "Did M-Pesa ... M-Pesa's ...": said once

    def _named_by_unlabelled(self, name: str) -> bool:
        if self.keywords is None:
            return True  # cannot tell: never abstain on a guess
        ids = [cid for cid, _ in self.keywords.search(name, UNLABELLED_PROBE)]
        return any(
            not h.metadata.get("source") and name.casefold() in h.chunk.text.casefold()
            for h in self.store.get(ids).values()
        )

    def outlets(self) -> list[tuple[str, int]]:
        """The index's outlets with their article counts, most articles first."""
        return self._outlet_articles.most_common()

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        """The best `k` passages for `question`, with the time each stage took."""
        s = self.settings
        k = k or s.k
        t0 = time.perf_counter()
        timings = {"dense": 0.0, "bm25": 0.0, "rerank": 0.0}
        plan = self.plan(question)
        hits: dict[str, Hit] = {}
        t = time.perf_counter()
        texts = list(dict.fromkeys(sq.text for sq in plan.subqueries))
        vectors = self.embedder.embed_queries(texts)  # one model call for all sub-queries
        by_text = dict(zip(texts, vectors, strict=True))
        timings["dense"] += (time.perf_counter() - t) * 1000
        dense_cache: dict[str, list[Hit]] = {}
        found = [
            self._candidates(sq, by_text[sq.text], plan, k, dense_cache, timings)
            for sq in plan.subqueries
        ]
        t = time.perf_counter()
        for dense, _ in found:
            for h in dense:
                hits.setdefault(h.chunk.chunk_id, h)
        # One read for every sub-query's BM25 candidates that no dense search returned: their
        # outlet and day (for the boosts) and text. Chunks that a later, interrupted ingest
        # removed are not returned, and drop out of the rankings below.
        keyword_ids = dict.fromkeys(cid for _, kw in found for cid, _ in kw if cid not in hits)
        hits.update(self.store.get(list(keyword_ids)))
        timings["bm25"] += (time.perf_counter() - t) * 1000
        rankings = [
            self._rank(sq, by_text[sq.text], dense, keyword, hits, timings)
            for sq, (dense, keyword) in zip(plan.subqueries, found, strict=True)
        ]
        weights = [s.whole_weight] + [1.0] * (len(rankings) - 1)
        merged = fuse(rankings, s.rrf_k, weights)
        merged = merged[: max(3 * k, k + 10)]
        hits.update(self.store.get([cid for cid, _ in merged if cid not in hits]))
        merged = [(cid, sc) for cid, sc in merged if cid in hits]
        if s.dedupe > 0:
            keep = collapse_duplicates([hits[cid].chunk.text for cid, _ in merged], s.dedupe)
            merged = [merged[i] for i in keep]
        top = merged[:k]
        if s.cover_outlets:
            top = cover_outlets(top, merged, plan.subqueries, rankings, hits)
        passages = [passage_of_hit(rank, hits[cid], sc) for rank, (cid, sc) in enumerate(top, 1)]
        timings["total"] = (time.perf_counter() - t0) * 1000
        return Retrieval(passages, timings)

    def _candidates(
        self,
        sq: SubQuery,
        qv: list[float],
        plan: QueryPlan,
        k: int,
        dense_cache: dict[str, list[Hit]],
        timings: dict[str, float],
    ) -> tuple[list[Hit], list[tuple[str, float]]]:
        """One sub-query's dense hits and BM25 (chunk id, score)s, best first."""
        s = self.settings
        n = max(s.candidates, k)
        # Clauses search only their outlets; the whole question only boosts them (a misread
        # outlet name must not hide everything), unless `outlet_filter` says otherwise.
        restrict = bool(sq.sources) and (s.outlet_filter or sq is not plan.subqueries[0])
        t = time.perf_counter()
        dense = self._dense(sq, qv, n, restrict, dense_cache)
        t_dense = time.perf_counter()
        labels = sq.sources if restrict else None
        keyword = self.keywords.search(sq.text, n, outlet=labels) if self.keywords else []
        timings["dense"] += (t_dense - t) * 1000
        timings["bm25"] += (time.perf_counter() - t_dense) * 1000
        return dense, keyword

    def _rank(
        self,
        sq: SubQuery,
        qv: list[float],
        dense: list[Hit],
        keyword: list[tuple[str, float]],
        hits: dict[str, Hit],
        timings: dict[str, float],
    ) -> list[str]:
        """One sub-query's ranking of chunk ids (best first): fused, boosted, rescored.
        `hits` holds every stored candidate."""
        s = self.settings
        keyword = [(cid, sc) for cid, sc in keyword if cid in hits]
        fused = dict(
            fuse(
                [[h.chunk.chunk_id for h in dense], [cid for cid, _ in keyword]],
                s.rrf_k,
                [s.w_dense, s.w_bm25],
            )
        )
        unit = 1.0 / (s.rrf_k + 1)
        for cid in fused:
            meta = hits[cid].metadata
            if sq.sources and meta.get("source") in sq.sources:
                fused[cid] += s.outlet_boost * unit
            if sq.dates and any(d.matches(meta.get("day")) for d in sq.dates):
                fused[cid] += s.date_boost * unit
        ranked = sorted(fused, key=lambda c: -fused[c])
        if s.sentence_weight <= 0 or s.rerank_candidates <= 0:
            return ranked
        t = time.perf_counter()
        head = ranked[: s.rerank_candidates]
        scores = self._second_stage(qv, head, {c: fused[c] / unit for c in head}, hits)
        timings["rerank"] += (time.perf_counter() - t) * 1000
        return sorted(head, key=lambda c: -scores[c]) + ranked[s.rerank_candidates :]

    def _dense(
        self,
        sq: SubQuery,
        qv: list[float],
        n: int,
        restrict: bool,
        cache: dict[str, list[Hit]],
    ) -> list[Hit]:
        """Dense hits for a sub-query. Sub-queries that share their text (a question restricted
        to each outlet it names) share one wide search, filtered here: one Chroma query instead
        of a filtered query per outlet, which costs several times more. A rare outlet may get
        fewer than `n` dense hits this way; BM25, which carries most of the weight, still
        searches all of its chunks."""
        if self.settings.w_dense <= 0:
            return []  # not fused: skip the search
        if sq.text not in cache:
            cache[sq.text] = self.store.query(qv, n * DENSE_WIDEN)
        wide = cache[sq.text]
        if not restrict:
            return wide[:n]
        return [h for h in wide if h.metadata.get("source") in sq.sources][:n]

    def _second_stage(
        self, qv: list[float], ids: list[str], base: dict[str, float], hits: dict[str, Hit]
    ) -> dict[str, float]:
        """Fused score (first place = 1) plus the weighted cosine of the best single sentence.
        Sentence vectors come from the index when ingest stored them, else they are embedded
        here (and kept, so a chunk is embedded once per process)."""
        import numpy as np

        q = np.asarray(qv, dtype=np.float32)
        if self.settings.sentence_vectors:
            vectors = self.store.sentence_vectors(ids)
        else:
            vectors = self._live_sentence_vectors(ids, hits)
        scores = {}
        for cid in ids:
            sims = vectors[cid] @ q if cid in vectors else np.zeros(1, dtype=np.float32)
            scores[cid] = base[cid] / 2 + self.settings.sentence_weight * float(sims.max())
        return scores

    def _live_sentence_vectors(self, ids: list[str], hits: dict[str, Hit]) -> dict[str, Any]:
        import numpy as np

        todo = [cid for cid in ids if cid not in self._sentence_cache]
        hits.update(self.store.get([cid for cid in todo if cid not in hits]))
        texts: list[str] = []
        owners: list[str] = []
        for cid in todo:
            if cid not in hits:
                continue
            body = hits[cid].chunk.text
            for a, b in scoring_spans(body):
                texts.append(body[a:b])
                owners.append(cid)
        if texts:
            vecs = np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
            for cid in dict.fromkeys(owners):
                rows = [i for i, o in enumerate(owners) if o == cid]
                self._sentence_cache[cid] = vecs[rows]
        return {cid: self._sentence_cache[cid] for cid in ids if cid in self._sentence_cache}


def passage_of_hit(rank: int, hit: Hit, score: float) -> Passage:
    meta = hit.metadata
    return Passage(
        rank=rank,
        chunk=hit.chunk,
        score=score,
        title=str(meta.get("title") or hit.chunk.doc_id),
        source=meta.get("source"),
        published_at=meta.get("published_at"),
        path=meta.get("path"),
        url=meta.get("url"),
        page=meta.get("page"),
        page_breaks=_page_breaks(meta.get("page_breaks")),
    )


def _page_breaks(value: str | None) -> tuple[tuple[int, int], ...]:
    """ "3@1200,4@2400" (chunk metadata: Chroma keeps scalars only) -> ((3, 1200), (4, 2400))."""
    if not value:
        return ()
    pairs = (item.split("@") for item in value.split(","))
    return tuple((int(page), int(offset)) for page, offset in pairs)


def cover_outlets(
    top: list[tuple[str, float]],
    merged: list[tuple[str, float]],
    subqueries: Sequence[SubQuery],
    rankings: Sequence[list[str]],
    hits: dict[str, Hit],
) -> list[tuple[str, float]]:
    """`top` with a place for each story's outlets: a sub-query restricted to outlets that no
    chunk of `top` is from brings its best chunk in, in the place of the lowest-ranked chunk
    whose outlet holds another place. Scores stay those of the merged ranking."""
    top = list(top)
    score = dict(merged)

    def side_of(cid: str) -> object:
        return hits[cid].metadata.get("source")

    for sq, ranking in zip(subqueries[1:], rankings[1:], strict=True):
        if not sq.sources or any(side_of(cid) in sq.sources for cid, _ in top):
            continue
        best = next((c for c in ranking if c in hits and side_of(c) in sq.sources), None)
        if best is None:
            continue
        taken = [side_of(cid) for cid, _ in top]
        spare = [i for i, (cid, _) in enumerate(top) if taken.count(side_of(cid)) > 1]
        if not spare:
            continue
        i = spare[-1]
        top[i] = (best, min(score.get(best, top[i][1]), top[i][1]))
    return sorted(top, key=lambda t: -t[1])
