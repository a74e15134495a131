"""`rag.index.check`: each way a kill -9 can leave an index, made by hand on a real index (Chroma,
SQLite, bm25s, the real embedder), is reported as exactly one one-line finding, and `repair`
brings back what a clean ingest wrote.

One ingest for the module (it is the slow part): every test damages the index, repairs it and
checks that it is clean again, so the next test starts from a clean index too."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.index.bm25 import BM25Index
from rag.index.check import (
    BM25_LEFTOVER,
    BM25_MISSING,
    BM25_STALE,
    CHUNK_COUNT,
    CHUNK_TEXT,
    MANIFEST_COUNTS,
    MANIFEST_MISSING,
    MISSING_CHUNKS,
    ORPHAN_CHUNKS,
    ORPHAN_SENTENCES,
    Finding,
    check,
    repair,
)
from rag.index.docstore import DocStore
from rag.index.ingest import ingest
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
    assert BM25Index.load(clean.paths.bm25).ids.count(f"{DOC}::0") == 0  # type: ignore[union-attr]
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


def test_a_stale_bm25_is_rebuilt(clean: Index) -> None:
    ids, texts = clean.store().all_indexed_texts()
    BM25Index.build(ids[:-3], texts[:-3]).save(clean.paths.bm25)
    found = only(check(clean.paths), BM25_STALE)
    assert f"{len(ids) - 3} chunk ids, Chroma {len(ids)} (3 not indexed, 0 gone" in found.message
    clean.mend()
    assert sorted(BM25Index.load(clean.paths.bm25).ids) == sorted(ids)  # type: ignore[union-attr]


def test_a_bm25_of_older_texts_under_the_same_ids_is_rebuilt(clean: Index) -> None:
    ids, texts = clean.store().all_indexed_texts()
    BM25Index.build(ids, [*texts[:-1], "Words of an older version."]).save(clean.paths.bm25)
    found = only(check(clean.paths), BM25_STALE)
    assert "older chunk texts" in found.message
    clean.mend()
    assert BM25Index.load(clean.paths.bm25).search("Patrushev AUKUS", 1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("moves", "kind", "said"),
    [
        (["bm25>bm25.old"], BM25_MISSING, "bm25.old left behind"),
        (["bm25>bm25.old", "bm25.old>>bm25.tmp"], BM25_MISSING, "bm25.tmp and bm25.old left"),
        (["bm25>>bm25.old"], BM25_LEFTOVER, "bm25.old: left over"),
        (["bm25>>bm25.tmp"], BM25_LEFTOVER, "bm25.tmp: left over"),
    ],
    ids=["killed-after-old", "killed-before-new", "killed-before-cleanup", "killed-writing-tmp"],
)
def test_bm25_killed_mid_swap(clean: Index, moves: list[str], kind: str, said: str) -> None:
    root = clean.paths.root
    for move in moves:  # "a>b" renames a to b, "a>>b" copies it
        src, copy, dst = _parse(move)
        if copy:
            shutil.copytree(root / src, root / dst)
        else:
            (root / src).rename(root / dst)
    found = only(check(clean.paths), kind)
    assert said in found.message
    clean.mend()
    assert clean.paths.bm25.is_dir()
    assert not (root / "bm25.old").exists() and not (root / "bm25.tmp").exists()


def _parse(move: str) -> tuple[str, bool, str]:
    copy = ">>" in move
    src, _, dst = move.partition(">>" if copy else ">")
    return src, copy, dst


def test_a_missing_manifest_is_written(clean: Index) -> None:
    before = read_manifest(clean.paths)
    clean.paths.manifest.unlink()
    found = only(check(clean.paths), MANIFEST_MISSING)
    assert "holds 5 documents" in found.message
    clean.mend()
    after = read_manifest(clean.paths)
    assert after is not None and before is not None
    assert {k: after[k] for k in ("documents", "chunks", "chunking", "embed_model")} == {
        k: before[k] for k in ("documents", "chunks", "chunking", "embed_model")
    }


def test_manifest_counts_that_differ_are_rewritten(clean: Index) -> None:
    data = json.loads(clean.paths.manifest.read_text("utf-8"))
    chunks = data["chunks"]
    clean.paths.manifest.write_text(json.dumps({**data, "documents": 7}), "utf-8")
    found = only(check(clean.paths), MANIFEST_COUNTS)
    assert f"says 7 documents and {chunks} chunks, the index holds 5 and {chunks}" in found.message
    clean.mend()
    assert read_manifest(clean.paths)["documents"] == 5  # type: ignore[index]
