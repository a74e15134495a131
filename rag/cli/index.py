"""`rag index check [--repair]`: do the parts of an index agree; mend them when asked."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rag.cli.common import ChromaOpt, IndexOpt, err, out
from rag.errors import InputError
from rag.settings import Settings

app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="Inspect and mend the index."
)


@app.command("check")
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
    from rag.index import check as consistency
    from rag.index.lock import writing
    from rag.index.manifest import IndexPaths, check_store
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
        # The embedder a repair loads must be the index's, even when its manifest is lost.
        settings = consistency.built_with(paths, settings)
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
