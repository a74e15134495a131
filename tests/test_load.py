import json

import pytest

from rag.errors import InputError
from rag.sources.load import find_files, load_file

from .conftest import SEEDS


def load_all(path):
    return [d for src in find_files([path]) for d in load_file(src)]


def test_seeds_have_titles_and_outlets_from_the_sidecar():
    docs = {d.doc_id: d for d in load_all(SEEDS)}
    assert sorted(docs) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert docs["000_a71badf03f227bf3.txt"].source == "Mehr News Agency"
    assert docs["001_72ccaa6fd02313a0.txt"].source == "Iran Press"
    assert docs["004_3183116b0c1738f2.txt"].source == "Press TV"
    assert (
        docs["002_7e1ea03fbc0937c0.txt"].title
        == "Tehran, Moscow Determined to Upgrade Strategic Ties"
    )
    assert all(d.published_at is None and d.url is None for d in docs.values()), "never invented"
    # The text is the file's text, so offsets into it are offsets into the file.
    assert docs["001_72ccaa6fd02313a0.txt"].text == (SEEDS / "001_72ccaa6fd02313a0.txt").read_text()


def test_json_list_jsonl_and_ids(tmp_path):
    arts = [
        {
            "title": "A",
            "body": "Alpha body.",
            "source": "Outlet",
            "published_at": "2023-10-01",
            "url": "https://example.org/a",
        },
        {"title": "B", "body": "Beta body."},
    ]
    (tmp_path / "corpus.json").write_text(json.dumps(arts))
    (tmp_path / "more.jsonl").write_text("\n".join(json.dumps(a) for a in arts[:1]) + "\n")
    docs = load_all(tmp_path)
    ids = [d.doc_id for d in docs]
    assert ids == ["https://example.org/a", "corpus.json#1", "https://example.org/a"]
    assert docs[0].source == "Outlet" and docs[0].published_at == "2023-10-01"


def test_html_and_markdown_front_matter(tmp_path):
    (tmp_path / "a.html").write_text(
        "<html><head><title>Page title</title><meta property='og:site_name' content='Daily'>"
        "</head><body><nav>menu</nav><article><h1>Head</h1><p>First para.</p>"
        "<p>Second para.</p></article><script>x()</script></body></html>"
    )
    (tmp_path / "b.md").write_text(
        "---\ntitle: Front\nsource: Wire\ndate: 2024-01-02\n---\nBody.\n"
    )
    a, b = load_all(tmp_path)
    assert a.title == "Page title" and a.source == "Daily"
    assert "First para." in a.text and "menu" not in a.text and "x()" not in a.text
    assert (b.title, b.source, b.published_at, b.text) == ("Front", "Wire", "2024-01-02", "Body.\n")


def test_bad_files_raise_clear_errors(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "nobody.json").write_text(json.dumps({"title": "x"}))
    for src in find_files([tmp_path]):
        with pytest.raises(InputError, match=src.path.name):
            load_file(src)


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="No such file or folder"):
        find_files([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="No article files"):
        find_files([tmp_path / "empty"])
