"""`rag ask`: answer one question in the terminal, the evidence under the answer and the timings
on stderr."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

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
    out,
    print_json,
)

if TYPE_CHECKING:
    from rag.types import Answer, Passage


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
    from rag.answer.ask import ask as answer_question
    from rag.answer.ask import checked_question
    from rag.pipeline import Pipeline
    from rag.render import answer_json

    settings = answering_settings(
        index, k, model, n_gpu_layers, models_dir, chroma, llm_url, llm_model
    )
    question = checked_question(question, settings.max_question_chars)  # before any model loads
    pipeline = Pipeline.open(settings, preload=True)  # the model loads beside the index
    if as_json:
        print_json(answer_json(answer_question(pipeline, question).answer))
        return
    stream = answer_question(pipeline, question, on_reading=_show_reading)
    shown = []
    for piece in stream:
        shown.append(piece)
        out.print(piece, end="", markup=False)
    out.print()
    _print_answer(stream.answer, "".join(shown).strip())


def _show_reading(passages: list[Passage]) -> None:
    from rag.render import reading_line

    err.print(f"[dim]{escape(reading_line(passages))}[/]")


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
