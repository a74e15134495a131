"""Score the attribution extractor (`rag.sources.quotes`) on PolNeAR (Newell, Margolin & Ruths,
LREC 2018): who said what in ~1,000 US election news articles, annotated in brat standoff.

    python scripts/score_attributions.py --split dev [--polnear PATH] [--show N]
    python scripts/score_attributions.py --split dev --from-dry-run lines.jsonl
    python scripts/score_attributions.py --split dev --export DIR   # the split's texts, to ingest

PATH is a PolNeAR checkout or its bare git mirror (read with `git cat-file`; nothing of
PolNeAR is copied into this repository). Tune on train and dev only; test is for one final look.

Two figures:
  (a) direct quotes: of the gold attributions whose content is a direct quote (it begins with an
      opening quotation mark and ends with a closing one, punctuation and space aside), the share
      that some prediction finds: content Dice >= 0.5 and a source span overlapping the gold one.
  (b) attribution pairs: one-to-one matching (best Dice first) of predictions to gold, a match
      needing content Dice >= 0.5 and, where gold has a source, overlapping source spans;
      precision, recall, F1, and by kind (direct quote or reported speech).
Dice is over character positions, whitespace left out: 2|A∩B| / (|A| + |B|).

Gold: each brat event (E line) with a content; Content and Content2 fragments (discontinuous
spans included) make its content, its Source fragments its source. An article annotated by
several annotators is scored against the first annotator's file (sorted by name).

--from-dry-run FILE reads the JSON lines of `rag ingest --dry-run --json` ("path", "text" and
"quotes": [{"source", "cue", "content", "speaker"}]), matches each line to its PolNeAR article by
file name, and maps offsets in "text" onto the raw article through a whitespace-insensitive
character alignment (the loader may have trimmed or normalised whitespace).
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_POLNEAR = Path("/work/.mirror/networkdynamics+PolNeAR/repo")
OPEN_QUOTES = '"“„«'
CLOSE_QUOTES = '"”»'
SKIP = " \t\n\r,.;:!?—–-()’"  # around a direct quote: punctuation and space aside


Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Gold:
    content: Spans
    source: Spans
    direct: bool
    cue: Spans = ()


@dataclass(frozen=True)
class Pred:
    content: tuple[int, int]
    source: tuple[int, int] | None
    cue: tuple[int, int] | None
    speaker: str | None


@dataclass(frozen=True)
class Article:
    name: str
    text: str
    gold: list[Gold]


# --- reading PolNeAR ------------------------------------------------------------------------


class _Reader:
    """Files of a PolNeAR checkout, or of its bare git mirror (no work tree)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git = not (root / "data").is_dir()
        self.proc: subprocess.Popen[bytes] | None = None

    def list(self, folder: str) -> list[str]:
        if not self.git:
            return sorted(p.name for p in (self.root / folder).iterdir())
        out = subprocess.run(
            ["git", "--git-dir", str(self.root), "ls-tree", "--name-only", "HEAD", folder + "/"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return sorted(line.rsplit("/", 1)[-1] for line in out.splitlines())

    def read(self, path: str) -> str:
        if not self.git:
            return (self.root / path).read_text(encoding="utf-8")
        if self.proc is None:
            self.proc = subprocess.Popen(
                ["git", "--git-dir", str(self.root), "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(f"HEAD:{path}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3:
            raise FileNotFoundError(path)
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.readline()
        return data.decode("utf-8")


def _spans(field: str) -> Spans:
    return tuple(
        (int(a), int(b)) for a, b in (frag.split() for frag in field.split(";"))
    )  # fmt: skip


def is_direct(text: str, spans: Spans) -> bool:
    """Content within quotation marks: it opens with a quotation mark (or one stands just before
    it) and closes with one (or one stands just after it), punctuation and space aside."""
    s, e = spans[0][0], spans[-1][1]
    i = s
    while i < e and text[i] in SKIP:
        i += 1
    opens = i < e and (text[i] in OPEN_QUOTES or text.startswith("''", i))
    if not opens:
        j = s - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        opens = j >= 0 and (text[j] in OPEN_QUOTES or text.startswith("''", j - 1))
    k = e - 1
    while k > s and text[k] in SKIP:
        k -= 1
    closes = k > s and (text[k] in CLOSE_QUOTES or text.startswith("''", k - 1))
    if not closes:
        j = e
        while j < len(text) and text[j] in " \t,.":
            j += 1
        closes = j < len(text) and (text[j] in CLOSE_QUOTES or text.startswith("''", j))
    return opens and closes


def parse_ann(ann: str, text: str) -> list[Gold]:
    entities: dict[str, tuple[str, Spans]] = {}
    events: list[list[str]] = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            kind, _, where = parts[1].partition(" ")
            entities[parts[0]] = (kind, _spans(where))
        elif line.startswith("E") and len(parts) >= 2:
            events.append(parts[1].split())
    gold = []
    for roles in events:
        content: list[tuple[int, int]] = []
        source: list[tuple[int, int]] = []
        cue: list[tuple[int, int]] = []
        for role in roles:
            name, _, ref = role.partition(":")
            if ref not in entities:
                continue
            if name.startswith("Content"):
                content.extend(entities[ref][1])
            elif name == "Source":
                source.extend(entities[ref][1])
            elif name == "Cue":
                cue.extend(entities[ref][1])
        if content:
            c = tuple(sorted(content))
            gold.append(Gold(c, tuple(sorted(source)), is_direct(text, c), tuple(sorted(cue))))
    return gold


def load_split(root: Path, split: str) -> list[Article]:
    reader = _Reader(root)
    texts = {n.removesuffix(".txt") for n in reader.list(f"data/{split}/text")}
    chosen: dict[str, str] = {}
    for ann in reader.list(f"data/{split}/attributions"):
        stem = ann.removesuffix(".ann").rsplit("_", 1)[0]
        if stem in texts and stem not in chosen:  # sorted: the first annotator's file
            chosen[stem] = ann
    articles = []
    for stem in sorted(chosen):
        text = reader.read(f"data/{split}/text/{stem}.txt")
        ann = reader.read(f"data/{split}/attributions/{chosen[stem]}")
        articles.append(Article(stem, text, parse_ann(ann, text)))
    return articles


# --- predictions ----------------------------------------------------------------------------


def predict(text: str) -> list[Pred]:
    from rag.sources.quotes import extract_attributions

    return [Pred(a.content, a.source, a.cue, a.speaker) for a in extract_attributions(text)]


def _nonspace(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if not ch.isspace()]


class Aligner:
    """Maps offsets in a loader's text onto the raw file, whitespace aside: the non-space
    characters are matched (identically when they are the same sequence, else by difflib)."""

    def __init__(self, loaded: str, raw: str) -> None:
        self.src = _nonspace(loaded)
        dst = _nonspace(raw)
        a = "".join(loaded[i] for i in self.src)
        b = "".join(raw[i] for i in dst)
        self.map: list[int | None]
        if a == b:
            self.map = list(dst)
        else:
            self.map = [None] * len(a)
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            for blk in matcher.get_matching_blocks():
                for k in range(blk.size):
                    self.map[blk.a + k] = dst[blk.b + k]
        self.raw_len = len(raw)

    def _at(self, offset: int, forward: bool) -> int | None:
        k = bisect_right(self.src, offset - 1) if forward else bisect_right(self.src, offset) - 1
        step = 1 if forward else -1
        while 0 <= k < len(self.map):
            if self.map[k] is not None:
                return self.map[k]
            k += step
        return None

    def span(self, s: int, e: int) -> tuple[int, int] | None:
        a = self._at(s, forward=True)  # first non-space character at or after s
        b = self._at(e - 1, forward=False)  # last one at or before e - 1
        if a is None or b is None or b < a:
            return None
        return a, b + 1


def dry_run_predictions(path: Path, articles: list[Article]) -> dict[str, list[Pred]]:
    by_name = {a.name: a for a in articles}
    out: dict[str, list[Pred]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        stem = Path(str(row.get("path") or row.get("doc_id") or "")).stem
        if stem not in by_name:
            continue
        align = Aligner(row["text"], by_name[stem].text)

        def m(span: list[int] | None, align: Aligner = align) -> tuple[int, int] | None:
            return align.span(span[0], span[1]) if span else None

        preds = []
        for q in row.get("quotes") or []:
            content = m(q.get("content"))
            if content:
                preds.append(Pred(content, m(q.get("source")), m(q.get("cue")), q.get("speaker")))
        out[stem] = preds
    return out


# --- scoring --------------------------------------------------------------------------------


def _chars(text: str, spans: Iterable[tuple[int, int]]) -> set[int]:
    return {i for s, e in spans for i in range(s, e) if not text[i].isspace()}


def dice(a: set[int], b: set[int]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _overlaps(a: tuple[int, int] | None, spans: Spans) -> bool:
    return a is not None and any(a[0] < e and s < a[1] for s, e in spans)


@dataclass
class Tally:
    gold: int = 0
    found: int = 0  # gold matched
    pred: int = 0
    right: int = 0  # predictions matched

    def line(self, name: str) -> str:
        p = self.right / self.pred if self.pred else 0.0
        r = self.found / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return (
            f"{name:<9} P {p:.3f} ({self.right}/{self.pred})  R {r:.3f} ({self.found}/{self.gold})"
            f"  F1 {f:.4f}"
        )


def score(articles: list[Article], preds: dict[str, list[Pred]], show: int = 0) -> dict[str, Tally]:
    tallies = {k: Tally() for k in ("all", "direct", "reported", "quotes(a)")}
    misses: list[str] = []
    wrong: list[str] = []
    for art in articles:
        text = art.text
        ps = preds.get(art.name, [])
        gchars = [_chars(text, g.content) for g in art.gold]
        pchars = [_chars(text, [p.content]) for p in ps]
        pdirect = [is_direct(text, (p.content,)) for p in ps]
        ok: list[tuple[float, int, int]] = []
        for gi, g in enumerate(art.gold):
            for pi, p in enumerate(ps):
                d = dice(gchars[gi], pchars[pi])
                if d >= 0.5 and (not g.source or _overlaps(p.source, g.source)):
                    ok.append((d, gi, pi))
        # (a): any prediction will do.
        hit_any = {gi for _, gi, _ in ok}
        for gi, g in enumerate(art.gold):
            if g.direct:
                tallies["quotes(a)"].gold += 1
                tallies["quotes(a)"].found += gi in hit_any
        # (b): one-to-one, best Dice first.
        ok.sort(reverse=True)
        gdone: set[int] = set()
        pdone: set[int] = set()
        for _, gi, pi in ok:
            if gi not in gdone and pi not in pdone:
                gdone.add(gi)
                pdone.add(pi)
        for gi, g in enumerate(art.gold):
            for k in ("all", "direct" if g.direct else "reported"):
                tallies[k].gold += 1
                tallies[k].found += gi in gdone
            if gi not in gdone and len(misses) < 10 * show + 50:
                kind = "direct" if g.direct else "reported"
                src = " | ".join(text[s:e] for s, e in g.source) or "-"
                src += " / cue=" + (" | ".join(text[s:e] for s, e in g.cue) or "-")
                con = " … ".join(text[s:e] for s, e in g.content)
                misses.append(
                    f"[{art.name}] MISS {kind}: source={src!r}\n    content={con[:300]!r}"
                )
        for pi, p in enumerate(ps):
            for k in ("all", "direct" if pdirect[pi] else "reported"):
                tallies[k].pred += 1
                tallies[k].right += pi in pdone
            if pi not in pdone and len(wrong) < 10 * show + 50:
                src = text[p.source[0] : p.source[1]] if p.source else "-"
                con = text[p.content[0] : p.content[1]]
                wrong.append(
                    f"[{art.name}] FALSE: source={src!r} speaker={p.speaker!r}\n"
                    f"    content={con[:300]!r}"
                )
    tallies["quotes(a)"].pred = tallies["quotes(a)"].right = 0
    if show:
        import random

        rng = random.Random(0)
        for title, items in (("Missed gold", misses), ("Unmatched predictions", wrong)):
            print(f"\n{title} (a sample of {min(show, len(items))}):")
            for item in rng.sample(items, min(show, len(items))):
                print(item)
        print()
    return tallies


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--polnear", type=Path, default=DEFAULT_POLNEAR)
    ap.add_argument("--split", default="dev", choices=["train", "dev", "test"])
    ap.add_argument("--show", type=int, default=0, help="print N example misses")
    ap.add_argument("--from-dry-run", type=Path, help="JSON lines of rag ingest --dry-run --json")
    ap.add_argument("--export", type=Path, help="write the split's texts to DIR and stop")
    ap.add_argument(
        "--write-dry-run", type=Path, help="write dry-run style lines from the extractor"
    )
    args = ap.parse_args(argv)
    articles = load_split(args.polnear, args.split)
    if args.export:
        args.export.mkdir(parents=True, exist_ok=True)
        for a in articles:
            (args.export / f"{a.name}.txt").write_text(a.text, encoding="utf-8")
        print(f"{len(articles)} texts written to {args.export}")
        return 0
    t0 = time.perf_counter()
    if args.from_dry_run:
        preds = dry_run_predictions(args.from_dry_run, articles)
        missing = [a.name for a in articles if a.name not in preds]
        if missing:
            print(f"warning: {len(missing)} articles have no line in {args.from_dry_run}")
    else:
        preds = {a.name: predict(a.text) for a in articles}
    elapsed = time.perf_counter() - t0
    if args.write_dry_run:
        with args.write_dry_run.open("w", encoding="utf-8") as f:
            for a in articles:
                quotes = [
                    {"source": p.source, "cue": p.cue, "content": p.content, "speaker": p.speaker}
                    for p in preds[a.name]
                ]
                f.write(json.dumps({"path": f"{a.name}.txt", "text": a.text, "quotes": quotes}))
                f.write("\n")
    t = score(articles, preds, args.show)
    qa = t["quotes(a)"]
    print(
        f"PolNeAR {args.split}: {len(articles)} articles, {t['all'].gold} gold attributions, "
        f"{sum(len(v) for v in preds.values())} predicted ({1000 * elapsed / len(articles):.1f} "
        "ms/article)"
    )
    print(f"(a) direct quotes found with their source: {qa.found / max(qa.gold, 1):.3f} "
          f"({qa.found}/{qa.gold})")  # fmt: skip
    print(f"(b) attribution pairs: {t['all'].line('').strip()}")
    for k in ("direct", "reported"):
        print("    " + t[k].line(k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
