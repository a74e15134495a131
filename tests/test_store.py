"""The vector store keys a new collection's records by a short hash of the chunk id (Chroma holds
every record id in memory), and still reads and writes a collection from before, keyed by the
chunk ids themselves. Either way, callers see chunk ids only."""

import pytest

from rag.index.store import HASHED, IDS, ChromaStore, hashed_key
from rag.types import Chunk

DOC = "https://www.example.org/2023/10/07/a-long-article-address-as-outlets-write-them"


def chunks(doc: str, n: int) -> list[Chunk]:
    return [Chunk(f"{doc}::{i}", doc, 10 * i, 10 * i + 9, f"text {i} of {doc}") for i in range(n)]


def old_collection(path) -> None:
    """A collection as the store made them before the hashed ids: no `IDS` entry."""
    store = ChromaStore(path)
    client = store._client
    for name in ("chunks", "sentences"):
        client.delete_collection(name)
        client.create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)


@pytest.mark.parametrize("scheme", ["hashed", "old"])
def test_callers_see_chunk_ids_whatever_the_records_are_keyed_by(tmp_path, scheme):
    path = tmp_path / "chroma"
    if scheme == "old":
        old_collection(path)
    store = ChromaStore(path)
    a, b = chunks(DOC, 3), chunks("other.txt", 2)
    vectors = [[1.0, 0.0], [0.9, 0.1], [0.8, 0.2], [0.0, 1.0], [0.1, 0.9]]
    store.replace_documents([DOC, "other.txt"], a + b, vectors, [{"source": "X"}] * 5)

    raw = store._col.get(include=[])["ids"]
    want = {c.chunk_id for c in a + b}
    if scheme == "hashed":
        assert store._col.metadata[IDS] == HASHED
        assert set(raw) == {hashed_key(c) for c in want} and max(map(len, raw)) == 24
    else:
        assert IDS not in store._col.metadata and set(raw) == want

    assert set(store.all_metadata()[0]) == want
    top = store.query([1.0, 0.0], 2)
    assert [h.chunk.chunk_id for h in top] == [f"{DOC}::0", f"{DOC}::1"]
    got = store.get([f"{DOC}::2", "other.txt::1", "missing::0"])
    assert set(got) == {f"{DOC}::2", "other.txt::1"}
    third = got[f"{DOC}::2"].chunk
    assert third.text == f"text 2 of {DOC}" and third.doc_id == DOC
    rows = {doc: [cid for cid, _ in pairs] for doc, pairs, _ in store.keyword_rows()}
    assert rows == {
        DOC: [f"{DOC}::{i}" for i in range(3)],
        "other.txt": ["other.txt::0", "other.txt::1"],
    }
    assert {cid for ids, _ in store.all_vectors() for cid in ids} == want

    # A shorter version drops the rest of the longer one; a deleted document leaves nothing.
    store.replace_documents([DOC], chunks(DOC, 1), vectors[:1], [{}])
    assert set(store.all_metadata()[0]) == {f"{DOC}::0", "other.txt::0", "other.txt::1"}
    store.delete_document("other.txt")
    assert store.all_metadata()[0] == [f"{DOC}::0"]
    assert ChromaStore(path).get([f"{DOC}::0"])[f"{DOC}::0"].chunk.chunk_id == f"{DOC}::0"
