"""`rag ingest`: read, extract, chunk, embed and index articles; `--dry-run` shows what would be
stored. The progress bar and the summary lines are shared with `rag eval`, which ingests its
corpus."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from rag.cli.common import ChromaOpt, IndexOpt, err, out, print_json
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.index.ingest import IngestReport

DEFAULT_SEEDS = Path("seeds")
EXIT_PARTIAL = 2  # ingest finished, but some files were skipped


def ingest(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, folders or http(s) URLs of pages [default: seeds/]", show_default=False
        ),
    ] = None,
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", help="RSS or Atom feed URL: ingest its new articles (repeatable)"),
    ] = None,
    index: IndexOpt = None,
    chroma: ChromaOpt = None,
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Delete the index first and build it anew.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Extract and show what would be stored; index nothing."
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="With --dry-run: one JSON line per document on stdout."),
    ] = False,
) -> None:
    """Load, extract, chunk, embed and index articles: .txt .md .html .pdf .json .jsonl files,
    web pages by URL, and feeds."""
    import shutil

    from rag.index.ingest import Sources
    from rag.sources.fetch import is_url

    settings = Settings.from_env(index_dir=index, chroma_url=chroma)
    given = sources or ([] if feed else [str(DEFAULT_SEEDS)])
    chosen = Sources(
        paths=[Path(s) for s in given if not is_url(s)],
        urls=[s for s in given if is_url(s)],
        feeds=list(feed or []),
    )
    if as_json and not dry_run:
        raise typer.BadParameter("--json needs --dry-run (ingest reports on stderr).")
    if dry_run:
        if _preview(chosen, settings, as_json):
            raise typer.Exit(EXIT_PARTIAL)
        return
    if rebuild and settings.index_dir.exists():
        shutil.rmtree(settings.index_dir)
    report = ingest_with_bar(chosen, settings, prune=prune)
    if report.problems:
        err.print(f"[yellow]{len(report.problems)} skipped; fix them and ingest again.[/]")
        raise typer.Exit(EXIT_PARTIAL)


DRY_RUN_FIELDS = (
    "path", "doc_id", "title", "source", "published_at", "author", "url", "language", "text"
)  # fmt: skip


def _preview(sources: Any, settings: Settings, as_json: bool) -> int:
    """`rag ingest --dry-run`: each document as it would be stored (JSON lines, or one line
    each for people); returns how many sources failed."""
    from dataclasses import asdict

    from rag.index.ingest import preview
    from rag.sources.load import Problem
    from rag.sources.quotes import extract_attributions

    problems = 0
    for item in preview(sources, settings):
        if isinstance(item, Problem):
            problems += 1
            err.print(f"[yellow]skipped[/] {escape(item.message)}")
            continue
        if as_json:
            data = asdict(item)
            row = {k: data[k] for k in DRY_RUN_FIELDS}
            row.update(kind=item.kind, provenance=item.provenance)
            if item.pages:
                row["pages"] = list(item.pages)
            # Who said what, as ingest stores it: spans are offsets into "text".
            row["quotes"] = [
                {
                    "source": list(a.source) if a.source else None,
                    "cue": list(a.cue) if a.cue else None,
                    "content": list(a.content),
                    "speaker": a.speaker,
                }
                for a in extract_attributions(item.text)
            ]
            print_json(row)
        else:
            meta = ", ".join(
                f"{k}={getattr(item, k)!r}"
                for k in ("source", "published_at", "author", "language")
                if getattr(item, k)
            )
            line = f"{item.doc_id} ({item.kind}) {item.title!r}: {len(item.text)} chars"
            out.print(escape(line + (f"; {meta}" if meta else "")))
    return problems


def _ingest_bar() -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.fields[stage]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )


def ingest_with_bar(sources: Any, settings: Settings, prune: bool = False) -> IngestReport:
    """Run ingest with a progress bar on stderr (files read, then chunks embedded, with a rate
    and an ETA), then print what it did."""
    from rag.index.ingest import Progress as IngestProgress
    from rag.pipeline import ingest_into

    bar = _ingest_bar()

    class BarProgress(IngestProgress):
        task: Any = None
        unit = "files"

        def start(self, total: int, stage: str = "Ingesting") -> None:
            if self.task is not None:
                bar.remove_task(self.task)
            self.unit = "chunks" if stage == "Embedding" else "sources"
            self.task = bar.add_task("", total=total, stage=stage, rate="")

        def advance(self, label: str, steps: int = 1) -> None:
            bar.update(self.task, advance=steps, description=escape(label[-60:]))
            speed = bar.tasks[-1].speed if bar.tasks else None
            if speed:
                bar.update(self.task, rate=f"{speed:.1f} {self.unit}/s")

    with bar:
        report = ingest_into(
            settings,
            sources,
            prune=prune,
            progress=BarProgress(),
            wait_s=settings.lock_wait_s,
            on_wait=lambda line: err.print(escape(line)),
        )
    for problem in report.problems:
        err.print(f"[yellow]skipped[/] {escape(problem.message)}")
    err.print(escape(summary(report, settings)))
    return report


def summary(report: IngestReport, settings: Settings) -> str:
    """What an ingest did, in a few lines: documents in by type and outlet, dates, stories,
    what was embedded (and how fast), and the index after it."""

    from collections import Counter

    from rag.index.ingest import NO_OUTLET

    def top(counts: Any, n: int = 6) -> str:
        items = counts.most_common()
        shown = ", ".join(f"{k} {v}" for k, v in items[:n])
        return shown + (f", {len(items) - n} more" if len(items) > n else "")

    outlets = Counter({k: v for k, v in report.outlets.items() if k != NO_OUTLET})
    unnamed = report.outlets.get(NO_OUTLET, 0)
    lines = [
        f"{report.documents} documents in ({top(report.kinds)}) from {len(outlets)} outlets"
        + (f" ({top(outlets)})" if outlets else "")
        + (f", {unnamed} without one" if unnamed else "")
        + f"; {report.dated} of {report.documents} dated"
        + (f"; {report.linked} linked to an earlier copy of a story" if report.linked else "")
        + "."
    ]
    if report.converted:
        lines.append(
            f"Converted the keyword index to the incremental format ({report.converted} chunks), "
            "once."
        )
    if report.fetched:
        lines.append(
            f"Fetched {report.fetched} pages and feeds, {report.not_modified} unchanged since the "
            "last run."
        )
    rate = (
        f" in {report.embed_seconds:.1f} s ({report.embedded_chunks / report.embed_seconds:.1f} "
        f"chunks/s, {report.embedder})"
        if report.embed_seconds > 0
        else ""
    )
    lines.append(
        f"Embedded {report.embedded_chunks} chunks from {report.embedded_documents} new or changed "
        f"documents{rate}; {report.unchanged} unchanged, {report.removed} removed. "
        f"Index {settings.index_dir}: {report.total_documents} documents, "
        f"{report.total_chunks} chunks."
    )
    return "\n".join(lines)
