"""`rag eval answers` and `rag eval retrieval`: quality figures on the seed questions and on
MultiHop-RAG, through the same paths as `rag ask`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rag.cli.common import IndexOpt, LlmModelOpt, LlmUrlOpt, ModelsDirOpt, err, out, print_json
from rag.cli.ingest import ingest_with_bar
from rag.errors import InputError
from rag.settings import Settings

app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="Measure quality: retrieval and answers."
)


def _eval_index(settings: Settings, index: Path | None, corpus: Path) -> Path:
    """A benchmark corpus goes into its own index, beside and apart from the user's."""
    return index or Path(f"{settings.index_dir}-eval-{corpus.stem}")


@app.command("answers")
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
        ingest_with_bar([corpus], settings)
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
        print_json(report)
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


@app.command("retrieval")
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
    report = ingest_with_bar([corpus], settings)
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
        print_json(result)
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
