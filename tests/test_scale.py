"""Scale: the retriever reads nothing per chunk at start, and the keyword index filters by outlet
itself (issue 13, item 4)."""

import json

import pytest

from rag.index.docstore import DocStore, read_outlets
from rag.index.keyword import TantivyKeywordIndex, build
from rag.index.manifest import IndexPaths
from rag.index.store import ChromaStore
from rag.pipeline import Pipeline, ingest_into
from rag.search.retrieve import HybridRetriever, doc_of
from rag.settings import Settings


def test_keyword_outlet_filter_keeps_only_those_outlets_and_their_scores(tmp_path):
    ids = [f"d{i}::0" for i in range(6)]
    outlets = ["A", "B", None, "A", "C", "B"]
    rows = [(cid.split("::")[0], [(cid, "budget vote in parliament")], o)
            for cid, o in zip(ids, outlets, strict=True)]  # fmt: skip
    index = build(tmp_path / "keywords", rows)
    everything = dict(index.search("budget vote", 10))
    assert set(everything) == set(ids)
    for wanted in (["A"], ["B", "C"], ["Z"], []):
        allowed = {cid for cid, o in zip(ids, outlets, strict=True) if o in wanted}
        by_outlet = index.search("budget vote", 10, outlet=wanted)
        assert {cid for cid, _ in by_outlet} == allowed
        assert all(score == pytest.approx(everything[cid]) for cid, score in by_outlet)


def test_read_outlets_is_read_only(tmp_path):
    path = tmp_path / "documents.sqlite"
    assert read_outlets(path) == {}
    assert not path.exists()  # a reader never creates the file
    DocStore(path).close()
    assert read_outlets(path) == {}


def test_doc_of_splits_at_the_last_separator():
    assert doc_of("a::b.txt::12") == "a::b.txt"


def _corpus(tmp_path):
    rows = [
        ("TechCrunch", "Budget vote", "Parliament passed the budget vote on Tuesday night."),
        ("The Verge", "Budget vote", "The budget vote was delayed by a week in parliament."),
        ("Wired", "Cup final", "The home side won the cup final after extra time."),
    ]
    corpus = [
        {"title": t, "body": b, "source": s, "published_at": f"2023-10-0{i + 1}T10:00:00+00:00"}
        for i, (s, t, b) in enumerate(rows)
    ]
    (tmp_path / "c.json").write_text(json.dumps(corpus))
    return tmp_path / "c.json"


def test_retriever_reads_no_chunk_metadata_at_start_and_drops_removed_chunks(
    tmp_path, embedder, monkeypatch
):
    settings = Settings.from_env(env={}, index_dir=tmp_path / "index", k=3)
    ingest_into(settings, [_corpus(tmp_path)], embedder=embedder)

    def refuse(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the retriever must not read every chunk's metadata")

    monkeypatch.setattr(ChromaStore, "all_metadata", refuse)
    monkeypatch.setattr(ChromaStore, "all_hits", refuse)
    pipeline = Pipeline.open(settings, embedder=embedder)
    retriever = pipeline.retriever
    assert retriever is not None
    question = "What did TechCrunch and The Verge say about the budget vote?"
    plan = retriever.plan(question)
    assert [sq.sources for sq in plan.subqueries[1:]] == [("TechCrunch",), ("The Verge",)]
    before = retriever.retrieve(question).passages
    assert {p.source for p in before[:2]} == {"TechCrunch", "The Verge"}

    # A chunk removed from the store behind the keyword index's back is dropped.
    gone = next(p.chunk for p in before if p.source == "The Verge")
    pipeline.store.delete_document(gone.doc_id)
    again = HybridRetriever(pipeline.store, retriever.keywords, embedder, settings)
    after = again.retrieve(question)
    assert gone.chunk_id not in {p.chunk.chunk_id for p in after.passages}
    assert after.passages


def test_retriever_takes_the_outlets_from_a_given_document_table(tmp_path, embedder):
    settings = Settings.from_env(env={}, index_dir=tmp_path / "index", k=3)
    ingest_into(settings, [_corpus(tmp_path)], embedder=embedder)
    paths = IndexPaths(settings.index_dir)
    store = ChromaStore(paths.chroma)
    keywords = TantivyKeywordIndex(paths.keywords)
    documents = DocStore(paths.documents)
    retriever = HybridRetriever(store, keywords, embedder, settings, documents)
    plan = retriever.plan("Did Wired cover the cup final?")
    assert [m.sources for m in plan.outlets] == [("Wired",)]
    documents.close()
