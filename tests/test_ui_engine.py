"""The server's shared state without Gradio: a question waits while the model loads, uploads go
through the real ingest and are searchable at once, bad files are reported and dropped, and the
document lookup refuses anything that is not an indexed id."""

from __future__ import annotations

import shutil
import threading

import pytest

from rag.errors import IndexMissingError, InputError, ModelError
from rag.pipeline import Pipeline
from rag.settings import Settings
from ui.engine import UPLOADS, Engine

from .conftest import Scripted


def answering() -> Scripted:
    return Scripted(pieces=["AUKUS is a new NATO, ", "he said."])


@pytest.fixture
def seed_copy(seed_settings, tmp_path) -> Settings:
    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    return seed_settings.with_(index_dir=index)


def drain(stream):
    pieces = list(stream)
    return pieces, stream.answer


def scripted_engine(settings: Settings, embedder, load=lambda s: answering()) -> Engine:
    return Engine(
        Pipeline.open(settings, embedder=embedder, load_generator=load, allow_empty=True)
    )


def test_a_question_waits_for_the_model_to_load(seed_copy, embedder):
    release = threading.Event()

    def slow_model(settings: Settings) -> Scripted:
        release.wait()
        return answering()

    engine = scripted_engine(seed_copy, embedder, slow_model)
    engine.pipeline.preload()
    assert not engine.model_ready
    result: list = []
    asker = threading.Thread(target=lambda: result.append(drain(engine.stream("AUKUS?"))))
    asker.start()
    asker.join(timeout=1.0)
    assert asker.is_alive() and result == []  # waiting, not failed
    release.set()
    asker.join(timeout=60)
    pieces, answer = result[0]
    assert engine.model_ready and "".join(pieces).startswith("AUKUS is a new NATO")
    assert answer.model == "scripted" and answer.passages


def test_a_model_that_fails_to_load_is_reported_to_the_asker(seed_copy, embedder):
    def broken(settings: Settings) -> Scripted:
        raise ModelError("Could not load model x.gguf")

    engine = scripted_engine(seed_copy, embedder, broken)
    engine.pipeline.preload()
    with pytest.raises(ModelError, match=r"x\.gguf"):
        drain(engine.stream("AUKUS?"))


def test_empty_index_asks_for_articles_and_upload_fills_it(tmp_path, embedder):
    settings = Settings.from_env(env={}, index_dir=tmp_path / "index")
    engine = scripted_engine(settings, embedder)
    assert engine.pipeline.is_empty
    with pytest.raises(IndexMissingError, match="Add article files"):
        engine.stream("anything?")
    with pytest.raises(InputError):
        engine.document("001_72ccaa6fd02313a0.txt")

    good = tmp_path / "bridge.md"
    good.write_text("# Zorblat bridge\n\nTallinn opened the Zorblat footbridge in May.\n", "utf-8")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02")
    report = engine.add_files([good, bad])
    assert report.embedded_documents == 1 and len(report.problems) == 1
    assert "binary" in report.problems[0].message
    assert sorted(p.name for p in (settings.index_dir / UPLOADS).iterdir()) == ["bridge.md"]
    assert not engine.pipeline.is_empty
    assert engine.document("bridge.md").title == "Zorblat bridge"
    passages = engine.pipeline.retrieve("Zorblat footbridge").passages
    assert passages[0].chunk.doc_id == "bridge.md"


def test_upload_into_a_served_index_is_searchable_at_once(seed_copy, embedder, tmp_path):
    engine = scripted_engine(seed_copy, embedder)
    before = engine.pipeline.retrieve("Zorblat footbridge Kalamaja").passages
    assert all(p.chunk.doc_id != "zorblat.txt" for p in before)
    article = tmp_path / "zorblat.txt"
    article.write_text("Zorblat footbridge\n\nThe Zorblat footbridge links Kalamaja.\n", "utf-8")
    engine.add_files([article])
    after = engine.pipeline.retrieve("Zorblat footbridge Kalamaja").passages
    assert after[0].chunk.doc_id == "zorblat.txt"
    # The keyword index was reloaded too: it alone finds the new document.
    keyword = engine.pipeline.retriever.keywords.search("Zorblat", 3)
    assert any(cid.startswith("zorblat.txt::") for cid, _ in keyword)
    assert engine.document("001_72ccaa6fd02313a0.txt").source == "Iran Press"  # nothing lost


def test_only_article_files_are_accepted(seed_copy, embedder, tmp_path):
    engine = scripted_engine(seed_copy, embedder)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(InputError, match=r"Not an article file: tool\.exe"):
        engine.add_files([exe])
    assert not (seed_copy.index_dir / UPLOADS / "tool.exe").exists()


@pytest.mark.parametrize(
    "doc_id", ["", "nope.txt", "../../etc/passwd", "/etc/passwd", "seeds/001_72ccaa6fd02313a0.txt"]
)
def test_document_lookup_refuses_anything_not_indexed(seed_copy, embedder, doc_id):
    engine = scripted_engine(seed_copy, embedder)
    with pytest.raises(InputError, match="No indexed document"):
        engine.document(doc_id)
