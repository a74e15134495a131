"""What the commands share: the two consoles, the options several commands take, and the
settings of the commands that answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from rag.settings import Settings

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


def answering_settings(
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


def print_json(data: dict[str, Any]) -> None:
    """One JSON object on stdout, flushed now: at exit llama.cpp's clean-up points the stdout
    descriptor at /dev/null while it frees the model, and a buffered line would be lost."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
