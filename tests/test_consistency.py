"""`rag.index.check`: each way a kill -9 can leave an index, made by hand on a real index (Chroma,
SQLite, tantivy, the real embedder), is reported as exactly one one-line finding, and `repair`
brings back what a clean ingest wrote.

One ingest for the module (it is the slow part): every test damages the index, repairs it and
checks that it is clean again, so the next test starts from a clean index too."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.index.check import (
    CHUNK_COUNT,
    CHUNK_TEXT,
    KEYWORDS_LEFTOVER,
    KEYWORDS_MISSING,
    KEYWORDS_OLD,
    KEYWORDS_STALE,
    MISSING_CHUNKS,
    ORPHAN_CHUNKS,
    ORPHAN_SENTENCES,
    Finding,
    built_with,
    check,
    repair,
)
from rag.index.docstore import DocStore
from rag.index.ingest import ingest
from rag.index.keyword import TantivyKeywordIndex
from rag.index.manifest import IndexPaths, read_manifest
from rag.index.store import ChromaStore
from rag.llm.embed import Embedder
from rag.settings import Settings
from rag.types import Chunk
from tests.conftest import SEEDS

DOC = "003_7a1de87b9ac3f485.txt"
Snapshot = dict[str, tuple[str, int, int, str]]  # chunk id -> (doc_id, start, end, text)


@dataclass
class Index:
    folder: Path
    settings: Settings
    paths: IndexPaths
    clean: Snapshot
    embedder: Embedder

    def store(self) -> ChromaStore:
        return ChromaStore(self.paths.chroma)

    def mend(self) -> list[str]:
        actions = repair(self.paths, self.settings, lambda: self.embedder)
        assert actions and all("\n" not in a for a in actions), actions
        assert check(self.paths) == []
        return actions


def keyword_ids(paths: IndexPaths) -> set[str]:
    return TantivyKeywordIndex(paths.keywords).chunk_ids()


def snapshot(paths: IndexPaths) -> Snapshot:
    store = ChromaStore(paths.chroma)
    hits = store.get(store.all_metadata()[0])
    return {
        cid: (h.chunk.doc_id, h.chunk.start, h.chunk.end, h.chunk.text) for cid, h in hits.items()
    }


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Index:
    root = tmp_path_factory.mktemp("consistency")
    folder = root / "articles"
    shutil.copytree(SEEDS, folder)
    settings = Settings.from_env(env={}, index_dir=root / "index")
    ingest([folder], settings, lambda: embedder)
    paths = IndexPaths(settings.index_dir)
    return Index(folder, settings, paths, snapshot(paths), embedder)


@pytest.fixture
def clean(index: Index) -> Index:
    assert check(index.paths) == [], "an earlier test left the index damaged"
    return index


def only(findings: list[Finding], kind: str, doc_id: str | None = None) -> Finding:
    assert [(f.kind, f.doc_id) for f in findings] == [(kind, doc_id)], findings
    message = findings[0].message
    assert "\n" not in message and "--repair" in message
    assert doc_id is None or message.startswith(f"{doc_id}: ")
    return findings[0]


def test_a_clean_ingest_and_no_index_check_clean(clean: Index, tmp_path: Path) -> None:
    assert len({doc for doc, *_ in clean.clean.values()}) == 5
    assert check(IndexPaths(tmp_path / "none")) == []
    assert repair(IndexPaths(tmp_path / "none"), clean.settings, lambda: clean.embedder) == []
    assert not (tmp_path / "none").exists()


def test_chunks_without_a_row_are_deleted_and_the_next_ingest_adds_the_document(
    clean: Index,
) -> None:
    docs = DocStore(clean.paths.documents)
    docs.delete(DOC)
    docs.close()
    n = sum(doc == DOC for doc, *_ in clean.clean.values())
    found = only(check(clean.paths), ORPHAN_CHUNKS, DOC)
    assert f"{n} chunks in Chroma but no document row" in found.message
    clean.mend()
    assert snapshot(clean.paths) == {k: v for k, v in clean.clean.items() if v[0] != DOC}
    assert not {c for c in keyword_ids(clean.paths) if c.startswith(f"{DOC}::")}
    assert read_manifest(clean.paths)["documents"] == 4  # type: ignore[index]
    ingest([clean.folder], clean.settings, lambda: clean.embedder)
    assert check(clean.paths) == [] and snapshot(clean.paths) == clean.clean


def test_missing_chunks_are_rebuilt_from_the_stored_text(clean: Index) -> None:
    clean.store().delete_documents([DOC])
    # BM25 and the manifest now disagree too, but only the cause is reported.
    found = only(check(clean.paths), MISSING_CHUNKS, DOC)
    assert "but Chroma has none" in found.message
    actions = clean.mend()
    assert any(a.startswith(f"{DOC}: re-chunked") for a in actions)
    assert snapshot(clean.paths) == clean.clean
    # The row keeps its content hash: the next ingest finds nothing to do.
    report = ingest([clean.folder], clean.settings, lambda: clean.embedder)
    assert report.embedded_chunks == 0 and report.unchanged == 5


def test_a_row_with_another_chunk_count(clean: Index) -> None:
    docs = DocStore(clean.paths.documents)
    doc = docs.get(DOC)
    assert doc is not None
    n = sum(d == DOC for d, *_ in clean.clean.values())
    docs.put(doc, docs.hashes()[DOC], n + 1, docs.signatures().get(DOC, (None,))[0])
    docs.close()
    found = only(check(clean.paths), CHUNK_COUNT, DOC)
    assert f"says {n + 1} chunks but Chroma has {n}" in found.message
    clean.mend()
    assert snapshot(clean.paths) == clean.clean


def test_chunks_that_do_not_match_the_row_text(clean: Index) -> None:
    store = clean.store()
    hit = store.get([f"{DOC}::1"])[f"{DOC}::1"]
    # As if a newer version's chunks were written and the kill came before its row.
    other = Chunk(hit.chunk.chunk_id, DOC, hit.chunk.start, hit.chunk.end, "A newer version.")
    store.upsert([other], clean.embedder.embed_documents([other.text]), [hit.metadata])
    found = only(check(clean.paths), CHUNK_TEXT, DOC)
    assert "1 of" in found.message
    clean.mend()
    assert snapshot(clean.paths) == clean.clean


def test_sentence_vectors_without_their_chunk_are_deleted(clean: Index) -> None:
    ghost = Chunk("ghost.txt::0", "ghost.txt", 0, 5, "Ghost")
    clean.store().upsert_sentences([ghost], [[(0, 5)]], clean.embedder.embed_documents(["Ghost"]))
    found = only(check(clean.paths), ORPHAN_SENTENCES, "ghost.txt")
    assert "1 sentence vector whose chunk is gone" in found.message
    clean.mend()
    assert snapshot(clean.paths) == clean.clean


def test_a_keyword_index_missing_a_document_is_rebuilt(clean: Index) -> None:
    keywords = TantivyKeywordIndex(clean.paths.keywords)
    keywords.delete(DOC)
    keywords.commit()
    keywords.close()
    n = sum(doc == DOC for doc, *_ in clean.clean.values())
    found = only(check(clean.paths), KEYWORDS_STALE)
    total = len(clean.clean)
    assert f"has {total - n} chunks, Chroma {total} ({n} not indexed, 0 gone)" in found.message
    clean.mend()
    assert keyword_ids(clean.paths) == set(clean.clean)


def test_a_keyword_index_with_a_document_chroma_lacks_is_rebuilt(clean: Index) -> None:
    keywords = TantivyKeywordIndex(clean.paths.keywords)
    keywords.upsert("ghost.txt", [("ghost.txt::0", "A ghost article")], None)
    keywords.commit()
    keywords.close()
    found = only(check(clean.paths), KEYWORDS_STALE)
    assert "(0 not indexed, 1 gone)" in found.message
    clean.mend()
    assert keyword_ids(clean.paths) == set(clean.clean)


def test_a_missing_keyword_index_is_rebuilt(clean: Index) -> None:
    shutil.rmtree(clean.paths.keywords)
    found = only(check(clean.paths), KEYWORDS_MISSING)
    assert "keywords/: the keyword index is missing" in found.message
    clean.mend()
    assert keyword_ids(clean.paths) == set(clean.clean)


def test_an_old_bm25s_keyword_index_is_converted_once(clean: Index) -> None:
    """As an index from before tantivy has it: a `bm25/` folder (bm25s's files and the chunk
    ids) and no `keywords/`. Converted from the chunks in Chroma, then the old folder goes."""
    shutil.rmtree(clean.paths.keywords)
    clean.paths.bm25.mkdir()
    (clean.paths.bm25 / "chunk_ids.json").write_text(json.dumps(sorted(clean.clean)), "utf-8")
    found = only(check(clean.paths), KEYWORDS_OLD)
    assert "old format (bm25s)" in found.message
    actions = clean.mend()
    assert any("converted the old keyword index" in a for a in actions), actions
    assert keyword_ids(clean.paths) == set(clean.clean) and not clean.paths.bm25.exists()
    assert TantivyKeywordIndex(clean.paths.keywords).search("Patrushev AUKUS", 1)


def test_an_old_keyword_index_is_converted_by_the_next_ingest(clean: Index) -> None:
    shutil.rmtree(clean.paths.keywords)
    clean.paths.bm25.mkdir()
    report = ingest([clean.folder], clean.settings, lambda: clean.embedder)
    assert report.converted == len(clean.clean) and report.embedded_chunks == 0
    assert check(clean.paths) == [] and not clean.paths.bm25.exists()
    assert keyword_ids(clean.paths) == set(clean.clean)


def test_a_rebuild_killed_midway_leaves_a_folder_that_repair_removes(clean: Index) -> None:
    shutil.copytree(clean.paths.keywords, clean.paths.root / "keywords.tmp")
    found = only(check(clean.paths), KEYWORDS_LEFTOVER)
    assert "keywords.tmp/: left over" in found.message
    clean.mend()
    assert not (clean.paths.root / "keywords.tmp").exists()
    assert keyword_ids(clean.paths) == set(clean.clean)


@pytest.mark.parametrize("int8", [False, True])
def test_a_lost_manifest_is_rewritten_with_the_precision_the_index_was_built_with(
    tmp_path: Path, seeds_copy: Path, int8: bool, embedder: Embedder, float32_embedder: Embedder
) -> None:
    # Whatever a new index would get on this machine: the stored documents' hashes decide.
    built = Settings.from_env(env={}, index_dir=tmp_path / "index", embed_int8=int8)
    ingest([seeds_copy], built, lambda: embedder if int8 else float32_embedder)
    paths = IndexPaths(built.index_dir)
    want = read_manifest(paths)
    paths.manifest.unlink()
    unset = Settings.from_env(env={}, index_dir=paths.root)
    assert built_with(paths, unset).embed_int8 is int8
    assert repair(paths, unset, lambda: pytest.fail("nothing is to be re-embedded"))
    again = read_manifest(paths)
    assert again is not None and want is not None
    assert again.get("embed_precision") == want.get("embed_precision")
    assert again.get("embed_precision") == ("int8" if int8 else None)
    assert check(paths) == []
