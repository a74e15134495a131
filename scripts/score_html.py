"""Score HTML-to-article extractors side by side on a folder of saved news pages.

Why: `rag.sources.html` replaced the BeautifulSoup pass in `rag.sources.load._html`; this shows, on
the same pages and with the shared scorer, what the new extractor gains over the old one and over
bare trafilatura, so that a change to its rules can be measured before it is kept.

For each candidate it writes `<out>/<name>.jsonl` (one prediction a page, with the in-process
extraction time in "ms"), runs the shared scorer (score_html_extraction.py beside the folder) on
it, and prints one markdown table with a column per candidate.

usage: python scripts/score_html.py [FOLDER] [--out DIR] [--no-bare] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

DEFAULT_FOLDER = Path("/work/shared/eval/news_html")
Pred = dict[str, Any]


def old_html(text: str) -> tuple[str, dict[str, str]]:
    """A frozen copy of `rag.sources.load._html` as it was before `rag.sources.html`: the
    baseline."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    meta: dict[str, str] = {}
    for attr, key in (
        ("og:title", "title"),
        ("og:site_name", "source"),
        ("article:published_time", "published_at"),
        ("og:url", "url"),
        ("author", "author"),
    ):
        tag = soup.find("meta", attrs={"property": attr}) or soup.find("meta", attrs={"name": attr})
        if tag and tag.get("content"):
            meta[key] = str(tag["content"]).strip()
    if "title" not in meta and soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript"]):
        tag.decompose()
    root = soup.find("article") or soup.body or soup
    lines = (line.strip() for line in root.get_text("\n").splitlines())
    return "\n\n".join(line for line in lines if line), meta


def predict_old(raw: bytes, url: str | None) -> Pred:
    # The old loader read files as UTF-8 text (errors replaced), so do the same here.
    text, meta = old_html(raw.decode("utf-8", "replace"))
    return {
        "text": text,
        "title": meta.get("title"),
        "published": meta.get("published_at"),
        "author": meta.get("author"),
        "site_name": meta.get("source"),
    }


def predict_bare(raw: bytes, url: str | None) -> Pred:
    """trafilatura as its docs suggest, metadata from its own extract_metadata."""
    import trafilatura

    text = trafilatura.extract(raw, url=url, favor_precision=True, include_comments=False)
    md = trafilatura.extract_metadata(raw, default_url=url)
    return {
        "text": text or "",
        "title": md.title,
        "published": md.date,
        "author": md.author,
        "site_name": md.sitename,
    }


def predict_new(raw: bytes, url: str | None) -> Pred:
    from rag.sources.html import extract_html

    x = extract_html(raw, url)
    return {
        "text": x.text,
        "title": x.title,
        "published": x.published_at,
        "author": x.author,
        "site_name": x.source,
        "provenance": x.provenance,
    }


CANDIDATES: dict[str, Callable[[bytes, str | None], Pred]] = {
    "old": predict_old,
    "trafilatura-bare": predict_bare,
    "new": predict_new,
}

ROWS = [  # (label, regex on the scorer's output whose first group is the number)
    ("body bow F1", r"body bow .*F1 ([\d.]+)"),
    ("body aeb F1", r"body aeb .*F1 ([\d.]+)"),
    ("snippet accuracy", r"snippets .*accuracy ([\d.]+)"),
    ("title (exact)", r"metadata title +\d+/\d+ = ([\d.]+)"),
    ("title_loose", r"metadata title_loose +\d+/\d+ = ([\d.]+)"),
    ("published", r"metadata published +\d+/\d+ = ([\d.]+)"),
    ("author", r"metadata author +\d+/\d+ = ([\d.]+)"),
    ("median ms", r"median ([\d.]+) ms"),
]


def run(name: str, fn: Callable[[bytes, str | None], Pred], folder: Path, out: Path,
        repeat: int) -> Path:  # fmt: skip
    lines = (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    gold = [json.loads(line) for line in lines if line.strip()]
    path = out / f"{name}.jsonl"
    fn(b"<html><body><p>warm up imports</p></body></html>", None)  # imports are not page time
    with open(path, "w", encoding="utf-8") as fh:
        for g in gold:
            raw = (folder / "pages" / f"{g['id']}.html").read_bytes()
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                pred = fn(raw, g.get("url"))
                times.append((time.perf_counter() - t0) * 1000)
            pred.update(id=g["id"], ms=round(min(times), 2))
            fh.write(json.dumps(pred, ensure_ascii=False) + "\n")
    return path


def score(folder: Path, preds: Path) -> str:
    scorer = folder.parent / "score_html_extraction.py"
    cmd = [sys.executable, str(scorer), str(folder), "--predictions", str(preds)]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--out", type=Path, default=Path("/tmp/score_html"))
    ap.add_argument("--no-bare", action="store_true", help="skip the bare trafilatura column")
    ap.add_argument("--only", help="comma-separated candidates to run (old,trafilatura-bare,new)")
    ap.add_argument("--repeat", type=int, default=1, help="time each page N times, keep the min")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    names = a.only.split(",") if a.only else list(CANDIDATES)
    if a.no_bare and "trafilatura-bare" in names:
        names.remove("trafilatura-bare")
    results: dict[str, dict[str, str]] = {}
    for name in names:
        text = score(a.folder, run(name, CANDIDATES[name], a.folder, a.out, a.repeat))
        (a.out / f"{name}.score.txt").write_text(text, encoding="utf-8")
        results[name] = {}
        for label, rx in ROWS:
            m = re.search(rx, text)
            results[name][label] = m.group(1) if m else "-"
    print(f"| {a.folder.name} | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for label, _ in ROWS:
        print(f"| {label} | " + " | ".join(results[n][label] for n in names) + " |")
    print(f"\npredictions and the scorer's full output in {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
