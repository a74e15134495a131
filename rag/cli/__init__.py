"""The `rag` command line: one module per command group, each thin (parse, open the pipeline,
call, print). This module puts them together and is the one place where a `RagError` becomes a
one-line message and an exit code. Heavy libraries are imported inside the commands, so
`rag --help` and `rag ask --help` load none of them."""

from __future__ import annotations

import os
import sys

import typer
from rich.markup import escape

from rag import privacy
from rag.cli import ask, ingest, quotes, serve
from rag.cli import eval as eval_cmd
from rag.cli import index as index_cmd
from rag.cli import models as models_cmd
from rag.cli.common import err
from rag.errors import RagError

# No markup in help texts: rich read "[env: RAG_INDEX_DIR; default: index/]" as a style tag and
# dropped it, so no option showed its environment variable or default.
app = typer.Typer(
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="A local, private question-answering assistant for news articles.",
)
app.command("ingest")(ingest.ingest)
app.command("ask")(ask.ask)
app.command("quotes")(quotes.quotes)
app.command("serve")(serve.serve)
app.add_typer(models_cmd.app, name="models")
app.add_typer(eval_cmd.app, name="eval")
app.add_typer(index_cmd.app, name="index")


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
