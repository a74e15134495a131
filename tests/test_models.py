import pytest

from rag.errors import ModelError
from rag.llm import catalogue as models
from rag.settings import Settings


def test_catalogue_has_the_embedded_models_with_checksums():
    cat = models.catalogue()
    big = cat["qwen2.5-coder-1.5b-instruct-q4_k_m"]
    assert big.size == 1_117_320_768 and big.sha256.startswith("cc324af0")
    assert cat["qwen2.5-coder-0.5b-instruct-q4_k_m"].size == 491_400_064
    assert Settings().model in cat


def test_embedded_parts_are_installed_in_order():
    spec = models.catalogue()["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    parts = models.part_files(spec)
    assert parts and len(parts) >= 6
    assert sum(p.stat().st_size for p in parts) == spec.size


def test_assemble_verifies_and_caches(tmp_path):
    settings = Settings(models_dir=tmp_path)
    spec = models.catalogue()["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    assert models.status(spec, settings).state == "installed parts"
    path = models.resolve(spec.name, settings)  # assembles: the sha256 check runs here
    assert path == tmp_path / spec.file and path.stat().st_size == spec.size
    assert models.status(spec, settings).state == "ready"
    assert models.resolve(spec.name, settings) == path  # reused, not rebuilt
    assert not list(tmp_path.glob("*.part-*")), "no temporary file left behind"


def test_corrupt_assembly_is_refused(tmp_path):
    spec = models.catalogue()["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    wrong = models.ModelSpec(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError, match="sha256 mismatch"):
        models.assemble(wrong, Settings(models_dir=tmp_path))
    assert not list(tmp_path.iterdir()), "nothing published"


def test_resolution_errors(tmp_path):
    with pytest.raises(ModelError, match="Unknown model"):
        models.resolve("nope", Settings())
    with pytest.raises(ModelError, match="not found"):
        models.resolve(str(tmp_path / "x.gguf"), Settings())


def test_pull_offline_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    spec = models.catalogue()["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    with pytest.raises(ModelError, match="Could not download"):
        models.pull(spec)
