"""Each user error: a one-line message that says what to do, a non-zero exit, no traceback."""

import pytest

from .conftest import run_cli


def assert_clean_error(result, *needles, code=1):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    for needle in needles:
        assert needle in error_lines[0]


def test_missing_path(tmp_path):
    r = run_cli("ingest", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert_clean_error(r, "No such file or folder", "nope")


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run_cli("ingest", str(tmp_path / "empty"), "--index", str(tmp_path / "i"))
    assert_clean_error(r, "No article files")


def test_binary_and_non_utf8_files_are_skipped_and_the_rest_ingested(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "good.txt").write_text("Patrushev met Shamkhani in Dushanbe to discuss sanctions.")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (folder / "latin1.md").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    r = run_cli("ingest", str(folder), "--index", str(tmp_path / "i"))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    skipped = [line for line in r.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2
    assert any("binary" in s for s in skipped) and any("not UTF-8" in s for s in skipped)
    assert "1 documents" in r.stderr.replace("\n", " ")


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question(tmp_path, question):
    assert_clean_error(run_cli("ask", question, "--index", str(tmp_path)), "question is empty")


def test_ask_before_ingest(tmp_path):
    r = run_cli("ask", "Anything?", "--index", str(tmp_path / "never"))
    assert_clean_error(r, "Nothing has been ingested", "rag ingest")


def test_missing_model(seed_settings, tmp_path):
    index = str(seed_settings.index_dir)
    r = run_cli("ask", "Anything?", "--index", index, "--model", str(tmp_path / "none.gguf"))
    assert_clean_error(r, "Model file not found")
    r = run_cli("ask", "Anything?", "--index", index, "--model", "no-such-model")
    assert_clean_error(r, "Unknown model", "rag models list")


def test_not_a_model(seed_settings, tmp_path):
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a gguf at all")
    r = run_cli("ask", "Anything?", "--index", str(seed_settings.index_dir), "--model", str(fake))
    assert_clean_error(r, "Could not load model")


@pytest.mark.parametrize("auth", ["nopass", ":pw", "user:"])
def test_serve_bad_auth(tmp_path, auth):
    r = run_cli("serve", "--index", str(tmp_path), "--auth", auth)
    assert_clean_error(r, "--auth must be USER:PASS")
