import pytest

from rag.index.keyword import TantivyKeywordIndex, build
from rag.index.store import ChromaStore
from rag.pipeline import Pipeline, ingest_into
from rag.search.retrieve import HybridRetriever, fuse
from rag.types import Chunk


def test_rrf_scores_and_order():
    fused = fuse([["a", "b", "c"], ["c", "a"]], k=60)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)
    assert [cid for cid, _ in fused] == ["a", "c", "b"]


def test_fusion_is_keyed_by_chunk_id_not_text(tmp_path, embedder):
    """Two articles sharing a passage word for word each keep their own result."""
    store = ChromaStore(tmp_path / "chroma")
    shared = "The ministers agreed on a new transit corridor through the Caspian region."
    chunks = [
        Chunk("a.txt::0", "a.txt", 0, len(shared), shared),
        Chunk("b.txt::0", "b.txt", 0, len(shared), shared),
        Chunk("c.txt::0", "c.txt", 0, 20, "Football results fro"),
    ]
    for c in chunks:
        store.upsert([c], embedder.embed_documents([c.text]), {"title": c.doc_id})
    keywords = build(
        tmp_path / "keywords", [(c.doc_id, [(c.chunk_id, c.text)], None) for c in chunks]
    )
    from rag.settings import Settings

    # Duplicate collapse (on by default) would keep one of the two on purpose; fusion must not.
    retriever = HybridRetriever(store, keywords, embedder, Settings(k=3, dedupe=0.0))
    passages = retriever.retrieve("transit corridor Caspian").passages
    top_two = {p.chunk.doc_id for p in passages[:2]}
    assert top_two == {"a.txt", "b.txt"}
    assert [p.rank for p in passages] == [1, 2, 3]


def test_keyword_index_ignores_unknown_words_and_reopens(tmp_path):
    index = build(
        tmp_path / "keywords",
        [("x", [("x::0", "Patrushev spoke about AUKUS")], "Iran Press"),
         ("y", [("y::0", "Raisi in Tehran")], None)],
    )  # fmt: skip
    assert index.search("zzzz qqqq", 5) == []
    assert index.search("", 5) == [] and index.search("the of and", 5) == []
    loaded = TantivyKeywordIndex(tmp_path / "keywords")
    assert loaded.search("AUKUS", 5)[0][0] == "x::0"
    assert loaded.search("AUKUS", 5, outlet={"Iran Press"})[0][0] == "x::0"
    assert loaded.search("AUKUS", 5, outlet={"Press TV"}) == []


def test_a_repeated_word_counts_as_often_as_it_is_asked(tmp_path):
    """One clause boosted by the count scores as the repeated clauses did (bm25s's behaviour)."""
    import tantivy

    index = build(
        tmp_path / "keywords",
        [(d, [(f"{d}::0", text)], None) for d, text in [
            ("a", "oil prices rose as the oil minister spoke"), ("b", "gas prices fell"),
            ("c", "the minister spoke about gas and oil"), ("d", "prices of bread")]],
    )  # fmt: skip
    question = "oil oil prices minister oil"
    schema = index._index.schema
    repeated = tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "terms", w))
         for w in index._stemmer.terms(question)]
    )  # fmt: skip
    searcher = index._index.searcher()
    expected = [
        (searcher.doc(addr)["chunk_id"][0], score)
        for score, addr in searcher.search(repeated, 5).hits
    ]
    got = index.search(question, 5)
    assert [c for c, _ in got] == [c for c, _ in expected] and len(got) == 4
    assert [s for _, s in got] == pytest.approx([s for _, s in expected])
    assert got[0][1] > index.search("oil prices minister", 5)[0][1], "the repeats count"


@pytest.mark.parametrize(
    "question",
    ['"unbalanced', "AND OR NOT", "title:(x", "a* ?b ~2 ^3", "(((", "\\", "x:y:z", "'",
     "\x00\u200b"],
)
def test_raw_questions_never_raise(tmp_path, question):
    index = build(tmp_path / "keywords", [("x", [("x::0", "title x y z AND or not")], None)])
    assert isinstance(index.search(question, 5), list)


def test_upsert_and_delete_are_seen_by_a_reader_after_commit(tmp_path):
    """One writer, another reader (as `rag serve` beside `rag ingest`): nothing shows before the
    commit, all of it after the reader reloads; an upsert replaces a document's chunks."""
    first = [("a", [("a::0", "budget vote"), ("a::1", "vote")], None)]
    writer = build(tmp_path / "keywords", first)
    reader = TantivyKeywordIndex(tmp_path / "keywords")
    writer.upsert("a", [("a::0", "transit corridor")], "Mehr")
    writer.upsert("b", [("b::0", "budget corridor")], None)
    reader.reload()
    assert {c for c, _ in reader.search("budget", 5)} == {"a::0"}, "nothing before the commit"
    writer.commit()
    assert {c for c, _ in reader.search("budget", 5)} == {"a::0"}, "nor before a reload"
    reader.reload()
    assert {c for c, _ in reader.search("budget corridor vote", 5)} == {"a::0", "b::0"}
    assert reader.chunk_ids() == {"a::0", "b::0"}
    writer.delete("a")
    writer.commit()
    writer.close()
    reader.reload()
    assert reader.chunk_ids() == {"b::0"} and reader.count() == 1


def test_seed_retrieval_finds_the_aukus_paragraph(seed_settings, embedder):

    retriever = Pipeline.open(seed_settings, embedder=embedder).retriever
    passages = retriever.retrieve("What did Patrushev say about AUKUS?").passages
    assert passages[0].chunk.doc_id == "001_72ccaa6fd02313a0.txt"
    assert "AUKUS" in passages[0].chunk.text
    assert passages[0].source == "Iran Press"


def test_weighted_fusion():
    fused = dict(fuse([["a", "b"], ["b", "a"]], k=60, weights=[2.0, 1.0]))
    assert fused["a"] == pytest.approx(2 / 61 + 1 / 62)
    assert fused["a"] > fused["b"]


def test_near_duplicates_collapse_to_the_first():
    from rag.search.retrieve import collapse_duplicates

    wire = (
        "The central bank raised interest rates by a quarter point on Wednesday, citing "
        "persistent inflation in services and a tight labour market across the country."
    )
    texts = [wire, "Football: the home side won 2-1 after extra time.", wire + " (Reuters)", wire]
    assert collapse_duplicates(texts) == [0, 1]
    assert collapse_duplicates(texts, threshold=1.01) == [0, 1, 2, 3]


def _articles(tmp_path):
    import json

    story = "The {} phone has a faster chip, a brighter screen and a battery that lasts two days."
    rows = [
        ("TechCrunch", "Pixel 8 review", story.format("Pixel 8"), "2023-10-04"),
        (
            "The Verge",
            "Pixel 8 hands-on",
            "In our tests the battery lasted two days.",
            "2023-10-05",
        ),
        ("Wired", "Pixel 8 first look", story.format("Pixel 8"), "2023-10-06"),
        ("Wired", "Football", "The home side won 2-1 after extra time in the cup.", "2023-10-06"),
    ]
    corpus = [
        {
            "title": t,
            "body": b,
            "source": s,
            "published_at": f"{d}T10:00:00+00:00",
            "url": f"https://example.com/{i}",
        }
        for i, (s, t, b, d) in enumerate(rows)
    ]
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(corpus))
    return path


def test_named_outlets_are_each_represented_and_wire_copies_collapsed(tmp_path, embedder):
    from rag.settings import Settings

    settings = Settings.from_env(env={}, index_dir=tmp_path / "index", k=3)
    ingest_into(settings, [_articles(tmp_path)], embedder=embedder)
    retriever = Pipeline.open(settings, embedder=embedder).retriever
    plan = retriever.plan("Did TechCrunch and The Verge both praise the phone's battery?")
    assert [sq.sources for sq in plan.subqueries[1:]] == [("TechCrunch",), ("The Verge",)]
    found = retriever.retrieve("Did TechCrunch and The Verge both praise the phone's battery?")
    passages = found.passages
    assert {p.source for p in passages[:2]} == {"TechCrunch", "The Verge"}
    # Wired's copy of TechCrunch's text is the same story: it never sits beside it.
    texts = [p.chunk.text for p in passages]
    assert len(texts) == len(set(texts))
    assert found.timings_ms["dense"] > 0 and found.timings_ms["total"] >= found.timings_ms["bm25"]


def test_second_stage_scores_single_sentences(tmp_path, embedder):
    """The best-matching sentence lifts a chunk whose other sentences are off topic."""
    import json

    from rag.settings import Settings

    filler = "The council met on Tuesday to discuss parking, bins and the library roof. "
    corpus = [
        {"title": "Council notes", "body": filler * 6 + "The mayor resigned over the bridge."},
        {"title": "Bridge", "body": "Engineers inspected the bridge for cracks after storms."},
    ]
    (tmp_path / "c.json").write_text(json.dumps(corpus))
    settings = Settings.from_env(env={}, index_dir=tmp_path / "i", k=2, rerank_candidates=10)
    ingest_into(settings, [tmp_path / "c.json"], embedder=embedder)
    retriever = Pipeline.open(settings, embedder=embedder).retriever
    found = retriever.retrieve("Why did the mayor resign?")
    assert found.passages[0].title == "Council notes"
    assert found.timings_ms["rerank"] > 0


def test_each_named_outlet_keeps_a_place_in_the_top_k():
    from rag.search.query import SubQuery
    from rag.search.retrieve import cover_outlets
    from rag.types import Hit

    outlet = {"f1": "Fortune", "f2": "Fortune", "f3": "Fortune", "v1": "The Verge", "t1": "Wired"}
    hits = {
        cid: Hit(Chunk(cid, "d-" + cid, 0, 4, "text"), 1.0, {"source": src})
        for cid, src in outlet.items()
    }
    merged = [("f1", 0.9), ("f2", 0.8), ("t1", 0.7), ("f3", 0.6), ("v1", 0.1)]
    subqueries = [SubQuery("q"), SubQuery("q", ("Fortune",)), SubQuery("q", ("The Verge",))]
    rankings = [["f1", "f2", "t1", "f3", "v1"], ["f1", "f2", "f3"], ["v1"]]
    top = cover_outlets(merged[:3], merged, subqueries, rankings, hits)
    # The Verge's best chunk takes the place of Fortune's second, never of Wired's only one.
    assert [cid for cid, _ in top] == ["f1", "t1", "v1"]
    # Every named outlet already placed: the top k stays as it was.
    assert cover_outlets(merged[:5], merged, subqueries, rankings, hits) == merged[:5]


def test_a_publisher_no_article_is_from_unless_an_unlabelled_article_names_it(tmp_path, embedder):
    rows = [
        {"title": "Phones", "body": "The Pixel 8 has a faster chip.", "source": "TechCrunch",
         "url": "https://example.com/1"},
        {"title": "Rates", "body": "LONDON (Reuters) - The central bank raised rates again.",
         "url": "https://example.com/2"},
    ]
    retriever = _retriever_of(rows, tmp_path, embedder)
    # The article without an outlet says it is Reuters': that publisher may be in the index.
    assert retriever.unknown_outlets("What did a Reuters report say about rates?") == []
    assert retriever.unknown_outlets("What did a Bloomberg article say about rates?") == [
        "Bloomberg"
    ]
    assert retriever.unknown_outlets("What did the TechCrunch article say?") == []
    assert retriever.outlets() == [("TechCrunch", 1)]


def test_the_keyword_index_says_which_words_no_chunk_has(tmp_path):
    index = build(
        tmp_path / "keywords",
        [("x", [("x::0", "Nikolai Patrushev met Zelensky in a school")], None)],
    )
    assert index.holds("Patrushev") and index.holds("the") and index.holds("patrushev's")
    assert index.holds("Patrushv") and index.holds("Zelenskyy")  # one edit away, long words
    assert not index.holds("Ionescu") and not index.holds("Olympics")
    assert not index.holds("Schoofs")  # one edit from "school", but short: no guessing


def test_a_name_no_article_mentions_is_unknown(tmp_path, embedder):
    rows = [{"title": "Talks", "body": "Nikolai Patrushev met Ali Shamkhani in Tehran.",
             "source": "Mehr", "url": "https://example.com/1"}]  # fmt: skip
    retriever = _retriever_of(rows, tmp_path, embedder)
    assert retriever.unknown_names("What did Patrushev say in Tehran?") == []
    assert retriever.unknown_names("Did Patrushev meet Serban Ionescu in Paris?") == [
        "Serban Ionescu",
        "Paris",
    ]
    assert retriever.unknown_names("What did the Mehr article say?") == []
    assert retriever.unknown_names("Did Ionescu's firm pay Ionescu?") == ["Ionescu"]


def _retriever_of(rows, tmp_path, embedder):
    """The retriever of a fresh index of these articles (MultiHop-RAG's JSON fields)."""
    import json

    from rag.settings import Settings

    corpus = tmp_path / "corpus.json"
    corpus.write_text(json.dumps(rows))
    settings = Settings.from_env(env={}, index_dir=tmp_path / "index")
    ingest_into(settings, [corpus], embedder=embedder)
    return Pipeline.open(settings, embedder=embedder).retriever


def test_open_loads_the_vector_index_before_the_first_question(
    seed_settings, embedder, monkeypatch, tmp_path
):
    """Chroma reads its vector index on a collection's first query (about 4 s at a million
    chunks): Pipeline.open does it, beside the embedder's load, not the user's question."""
    warmed: list[ChromaStore] = []
    real = ChromaStore.warm

    def warm(self: ChromaStore) -> None:
        warmed.append(self)
        real(self)

    monkeypatch.setattr(ChromaStore, "warm", warm)
    pipeline = Pipeline.open(seed_settings, embedder=embedder)
    assert warmed == [pipeline.store]
    ChromaStore(tmp_path / "empty").warm()  # nothing stored yet: nothing to load, no error
