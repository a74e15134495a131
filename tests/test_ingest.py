import pytest

from rag.errors import IndexMismatchError
from rag.index.docstore import DocStore
from rag.index.ingest import ingest
from rag.index.keyword import TantivyKeywordIndex
from rag.index.manifest import (
    IndexPaths,
    check_compatible,
    embeds_int8,
    new_index_int8,
    read_manifest,
    resolved,
)
from rag.index.store import ChromaStore
from rag.llm import embed
from rag.pipeline import Pipeline, ingest_into
from rag.settings import Settings


class CountingEmbedder:
    """The real embedder, counting what it embeds (same Protocol), optionally failing after N."""

    def __init__(self, inner, fail_after: int | None = None) -> None:
        self.inner, self.name = inner, inner.name
        self.calls, self.texts, self.fail_after = 0, 0, fail_after

    def embed_documents(self, texts):
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-ingest
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def tokenize(self, text):
        return self.inner.tokenize(text)


@pytest.fixture
def settings(tmp_path):
    return Settings.from_env(env={}, index_dir=tmp_path / "index")


def run(folder, settings, embedder, **kw):
    return ingest([folder], settings, lambda: embedder, **kw)


def test_second_run_embeds_nothing(seeds_copy, settings, embedder):
    first = CountingEmbedder(embedder)
    report = run(seeds_copy, settings, first)
    assert report.embedded_documents == 5 and first.texts == report.embedded_chunks > 0
    again = CountingEmbedder(embedder)
    report2 = run(seeds_copy, settings, again)
    assert again.texts == 0 and report2.embedded_chunks == 0 and report2.unchanged == 5
    assert report2.total_chunks == report.total_chunks
    manifest = read_manifest(IndexPaths(settings.index_dir))
    assert manifest["embed_model"] == "all-MiniLM-L6-v2"
    assert manifest["chunking"]["chunk_size"] == settings.chunk_tokens
    assert manifest["schema_version"] >= 1 and manifest["documents"] == 5


def test_changed_file_replaces_its_chunks_and_prune_removes_gone_files(
    seeds_copy, settings, embedder
):
    run(seeds_copy, settings, CountingEmbedder(embedder))
    target = seeds_copy / "003_7a1de87b9ac3f485.txt"
    target.write_text("A short replacement article about the Zanzibar summit.")
    counting = CountingEmbedder(embedder)
    report = run(seeds_copy, settings, counting)
    assert report.embedded_documents == 1 and counting.texts == 1
    paths = IndexPaths(settings.index_dir)
    store = ChromaStore(paths.chroma)
    hits = store.get(store.all_metadata()[0])
    mine = [h.chunk.text for cid, h in hits.items() if cid.startswith("003_")]
    assert mine == ["A short replacement article about the Zanzibar summit."]
    keywords = TantivyKeywordIndex(paths.keywords)
    assert keywords.search("Zanzibar", 3)[0][0] == "003_7a1de87b9ac3f485.txt::0"
    assert keywords.chunk_ids() == set(store.all_metadata()[0]), "the old chunks are gone"

    (seeds_copy / "004_3183116b0c1738f2.txt").unlink()
    kept = run(seeds_copy, settings, CountingEmbedder(embedder))
    assert kept.removed == 0 and kept.total_documents == 5, "no prune, nothing removed"
    pruned = run(seeds_copy, settings, CountingEmbedder(embedder), prune=True)
    assert pruned.removed == 1 and pruned.total_documents == 4
    assert not [i for i in store.all_metadata()[0] if i.startswith("004_")]
    keywords.reload()
    assert not [i for i in keywords.chunk_ids() if i.startswith("004_")], "pruned by keyword too"


def test_interrupted_ingest_leaves_a_usable_index(seeds_copy, settings, embedder, monkeypatch):
    # One document per embedding call, so that the failure lands between documents.
    monkeypatch.setattr("rag.index.ingest.EMBED_WINDOW", 1)
    with pytest.raises(KeyboardInterrupt):
        run(seeds_copy, settings, CountingEmbedder(embedder, fail_after=2))
    paths = IndexPaths(settings.index_dir)
    docs = DocStore(paths.documents)
    assert len(docs) == 2, "the two finished documents are complete"
    store = ChromaStore(paths.chroma)
    assert {i.split("::")[0] for i in store.all_metadata()[0]} == {d.doc_id for d in docs}
    resumed = CountingEmbedder(embedder)
    report = run(seeds_copy, settings, resumed)
    assert report.unchanged == 2 and report.embedded_documents == 3
    keywords = TantivyKeywordIndex(paths.keywords)
    assert keywords.search("AUKUS", 1)
    assert keywords.chunk_ids() == set(store.all_metadata()[0])


def test_other_chunking_is_refused_on_an_existing_index(seeds_copy, settings, embedder):
    run(seeds_copy, settings, CountingEmbedder(embedder))
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        run(seeds_copy, settings.with_(chunk_tokens=128), CountingEmbedder(embedder))


def test_broken_file_is_reported_and_the_rest_ingested(seeds_copy, settings, embedder):
    (seeds_copy / "broken.txt").write_bytes(b"\xff\xfe\x00\x00garbage")
    report = run(seeds_copy, settings, CountingEmbedder(embedder))
    assert [p.path.endswith("broken.txt") for p in report.problems] == [True]
    assert report.total_documents == 5


def test_documents_round_trip_through_the_docstore(seeds_copy, settings, embedder):
    run(seeds_copy, settings, CountingEmbedder(embedder))
    docs = DocStore(IndexPaths(settings.index_dir).documents)
    doc = docs.get("001_72ccaa6fd02313a0.txt")
    assert doc.text == (seeds_copy / "001_72ccaa6fd02313a0.txt").read_text()
    assert doc.source == "Iran Press" and doc.path.endswith("001_72ccaa6fd02313a0.txt")
    assert [d.doc_id for d in docs] == sorted(p.name for p in seeds_copy.glob("*.txt"))


def test_second_writer_is_refused_naming_the_first(seeds_copy, settings, embedder):
    """One writer per index: while another holds the lock, `rag ingest` waits
    RAG_LOCK_WAIT_S, then says who holds it and what to do, in one line, and writes nothing."""
    import os

    from rag.index.lock import writing

    from .conftest import run_cli

    with writing(settings.index_dir, "rag serve (a chat upload)"):
        result = run_cli(
            "ingest", str(seeds_copy), "--index", str(settings.index_dir),
            env={"RAG_LOCK_WAIT_S": "1"},
        )  # fmt: skip
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert f"rag serve (a chat upload) (pid {os.getpid()}" in line
    assert "add articles from the chat page, or stop the server" in line
    assert "Traceback" not in result.stderr
    assert read_manifest(IndexPaths(settings.index_dir)) is None, "nothing was written"


def test_a_running_pipeline_sees_another_process_ingest(seeds_copy, settings, embedder, tmp_path):
    """`rag ingest` beside a running server: the server's next question sees the new article
    (dense and BM25), without a restart."""
    from rag.pipeline import Pipeline

    from .conftest import run_cli

    run(seeds_copy, settings, embedder)
    server = Pipeline.open(settings, embedder=embedder)
    assert server.retrieve("Zanzibar ferry capsized").passages[0].chunk.doc_id != "zanzibar.txt"
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "zanzibar.txt").write_text(
        "A ferry capsized off Zanzibar on Tuesday. Rescuers pulled forty passengers from the sea, "
        "and the island's government declared three days of mourning."
    )
    result = run_cli("ingest", str(extra), "--index", str(settings.index_dir))
    assert result.returncode == 0, result.stderr
    passages = server.retrieve("Zanzibar ferry capsized").passages
    assert passages[0].chunk.doc_id == "zanzibar.txt"
    dense = server.store.query(embedder.embed_query("ferry capsized off Zanzibar"), 3)
    assert dense[0].chunk.doc_id == "zanzibar.txt", "the vector index was reloaded too"


def test_a_changed_document_keeps_its_chunks_until_the_new_ones_are_written(
    seeds_copy, settings, embedder, monkeypatch
):
    """Chunks are replaced in place (upsert, then leftovers deleted): a reader, or a kill,
    between the two steps never finds a document without chunks."""
    run(seeds_copy, settings, embedder)
    target = seeds_copy / "003_7a1de87b9ac3f485.txt"
    target.write_text("A short replacement article about the Zanzibar summit.")
    seen_at_upsert: list[int] = []
    original = ChromaStore.upsert

    def upsert(self, chunks, embeddings, doc_meta):
        mine = [i for i in self.all_metadata()[0] if i.startswith("003_")]
        seen_at_upsert.append(len(mine))
        return original(self, chunks, embeddings, doc_meta)

    monkeypatch.setattr(ChromaStore, "upsert", upsert)
    run(seeds_copy, settings, embedder)
    assert seen_at_upsert and seen_at_upsert[0] > 1, "the old chunks were still there"
    ids = [i for i in ChromaStore(IndexPaths(settings.index_dir).chroma).all_metadata()[0]]
    assert [i for i in ids if i.startswith("003_")] == ["003_7a1de87b9ac3f485.txt::0"]


@pytest.mark.parametrize(
    ("hardware", "bulk_bf16", "int8"),
    [(False, True, True), (True, True, False), (True, False, True)],
)
def test_a_new_index_is_int8_unless_the_bulk_embedder_is_there(
    monkeypatch, tmp_path, hardware, bulk_bf16, int8
):
    # A GPU or bfloat16 CPU embeds a large ingest faster in float32 (the bulk embedder)
    monkeypatch.setattr(embed, "bulk_hardware", lambda: hardware)
    settings = Settings(index_dir=tmp_path / "new", bulk_bf16=bulk_bf16)
    assert embeds_int8(settings) is int8 and resolved(settings).embed_int8 is int8
    assert embeds_int8(settings.with_(embed_int8=not int8)) is not int8  # as set, if set


def test_a_new_index_records_its_precision_and_questions_follow_it(seeds_copy, settings):
    int8 = new_index_int8(settings)  # int8 here unless this machine has a GPU or bfloat16
    report = ingest_into(settings, [seeds_copy])
    assert report.embedder == "OnnxEmbedder" and report.embedded_documents == 5
    paths = IndexPaths(settings.index_dir)
    assert read_manifest(paths).get("embed_precision", "float32") == ("int8" if int8 else "float32")
    name = Pipeline.open(settings).embedder.name
    assert name == ("all-MiniLM-L6-v2 int8" if int8 else "all-MiniLM-L6-v2")
    check_compatible(paths, settings.with_(embed_int8=int8))
    with pytest.raises(IndexMismatchError, match="embed_precision"):
        check_compatible(paths, settings.with_(embed_int8=not int8))


def test_a_float32_index_keeps_working_unset_and_refuses_int8(
    seeds_copy, settings, float32_embedder
):
    run(seeds_copy, settings.with_(embed_int8=False), CountingEmbedder(float32_embedder))
    manifest = read_manifest(IndexPaths(settings.index_dir))
    # float32, the precision of every index from before the option: not written, so that an
    # upgrade changes no document's hash and re-embeds nothing
    assert "embed_precision" not in manifest
    # Unset, the precision is the index's: no `--rebuild`, nothing re-embedded, float32 questions.
    assert settings.embed_int8 is None and not embeds_int8(settings)
    assert ingest_into(settings, [seeds_copy]).unchanged == 5
    assert "embed_precision" not in read_manifest(IndexPaths(settings.index_dir))
    assert Pipeline.open(settings).embedder.name == "all-MiniLM-L6-v2"
    with pytest.raises(IndexMismatchError, match="embed_precision"):
        run(seeds_copy, settings.with_(embed_int8=True), CountingEmbedder(float32_embedder))


def test_a_shorter_version_drops_every_later_chunk_of_the_longer_one(tmp_path):
    from rag.types import Chunk

    store = ChromaStore(tmp_path / "chroma")

    def version(n: int) -> list[Chunk]:
        return [Chunk(f"d::{i}", "d", i, i + 1, f"chunk {i}") for i in range(n)]

    other = [Chunk("e::0", "e", 0, 1, "another document")]
    store.replace_documents(["e"], other, [[1.0, 0.0]], [{}])
    # More leftovers than one page of ids (PROBE): every page is asked for.
    store.replace_documents(["d"], version(600), [[0.0, 1.0]] * 600, [{}] * 600)
    store.replace_documents(["d"], version(3), [[0.0, 1.0]] * 3, [{}] * 3)
    assert sorted(store.all_metadata()[0]) == ["d::0", "d::1", "d::2", "e::0"]
