"""`rag serve`: the chat UI (Gradio), imported only by this command."""

from __future__ import annotations

from typing import Annotated

import typer

from rag.cli.common import (
    ChromaOpt,
    GpuOpt,
    IndexOpt,
    KOpt,
    LlmModelOpt,
    LlmUrlOpt,
    ModelOpt,
    ModelsDirOpt,
    answering_settings,
    err,
)
from rag.errors import InputError


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
    settings = answering_settings(
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
