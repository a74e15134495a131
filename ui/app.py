"""The Gradio chat: a transcript with streaming answers and clickable citations, a reader pane
that opens the cited article in the page with the sentence marked, and an upload box.

Gradio is imported only here. The page is built from plain HTML strings (`ui.render_html`), not
the Chatbot component: the Chatbot sanitises messages and would drop the `data-*` attributes the
citation markers carry. A click on a marker runs a few lines of JavaScript (`CITE_JS`) that send the
marker's document id and spans as a Gradio event; the server looks the id up in the index and
returns the reader's HTML, so the document goes through Gradio's queue and its login like every
other call. The same lookup is the `document` API endpoint.

Each browser session keeps its own history in `gr.State`; the index and the models are shared
(`ui.engine.Engine`). Questions and uploads run one at a time, because llama.cpp is not
thread-safe and an upload rebuilds the keyword index; opening documents runs alongside.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.index.ingest import Progress
from rag.sources.load import SUFFIXES
from ui import render_html as R
from ui.engine import EMPTY_HINT, Engine

log = logging.getLogger(__name__)

PLACEHOLDER = "Ask about the articles, e.g. What did Patrushev say about AUKUS?"
LOADING_NOTE = "Loading the model; your question is queued and will be answered when it is ready."

CITE_JS = """
element.addEventListener('click', (ev) => {
  const el = ev.target.closest('[data-doc]');
  if (!el || !element.contains(el)) return;
  ev.preventDefault();
  const d = el.dataset;
  trigger('cite', {doc_id: d.doc, start: Number(d.start), end: Number(d.end),
                   passage_start: Number(d.passageStart), passage_end: Number(d.passageEnd)});
});
"""

# Scroll the article inside the reader so the marked sentence sits a third of the way down.
SCROLL_JS = """
const show = () => {
  const m = element.querySelector('mark');
  const box = element.querySelector('.doctext');
  if (!m || !box) return;
  box.scrollTop = Math.max(0, m.offsetTop - box.clientHeight / 3);
  element.scrollIntoView({block: 'nearest'});
};
watch('value', show);
"""

CSS = """
#transcript .transcript { display: flex; flex-direction: column; gap: 1rem; }
#transcript .turn { border-bottom: 1px solid var(--border-color-primary); padding-bottom: .75rem; }
#transcript .question { font-weight: 600; margin-bottom: .35rem; }
#transcript .answer { line-height: 1.55; }
#transcript .answer.abstained { color: var(--body-text-color-subdued); font-style: italic; }
#transcript .cite { color: var(--color-accent); font-weight: 600; cursor: pointer; padding: 0 1px;
  background: none; border: none; font-size: .85em; vertical-align: super; }
#transcript .cite.pending { cursor: default; color: var(--body-text-color-subdued); }
#transcript .unverified { text-decoration: underline dotted #c2410c; text-underline-offset: 3px; }
#transcript .sources { margin: .5rem 0 0 0; padding: 0; list-style: none; font-size: .9em; }
#transcript .sources .byline, #transcript .searched, #transcript .timings, #transcript .note {
  color: var(--body-text-color-subdued); font-size: .82em; }
#transcript .sources .flag { color: #c2410c; font-size: .8em; }
#transcript .sources .evidence { color: var(--body-text-color-subdued); font-size: .8em; }
#transcript .hint { color: var(--body-text-color-subdued); }
#reader .reader-doc h3 { margin: 0 0 .25rem 0; }
#reader .byline, #reader .url { color: var(--body-text-color-subdued); font-size: .85em; }
#reader .doctext { position: relative; white-space: pre-wrap; line-height: 1.55; max-height: 70vh;
  overflow-y: auto; margin-top: .5rem; padding-right: .5rem; }
#reader .passage { background: rgba(250, 204, 21, .18); }
#reader mark { background: #fde047; color: #111; padding: 0 1px; }
#reader .said { border-bottom: 1px dotted var(--body-text-color-subdued); }
#reader mark[data-speaker] { outline: 2px solid #ca8a04; }
#people details.speaker summary { cursor: pointer; }
#people .count { color: var(--body-text-color-subdued); font-size: .85em; }
#reader .reader-empty { color: var(--body-text-color-subdued); }
"""


class _UploadProgress(Progress):
    """Ingest's progress, shown by Gradio's progress bar."""

    def __init__(self, bar: gr.Progress) -> None:
        self.bar, self.done, self.total = bar, 0, 0

    def start(self, total: int, stage: str = "Ingesting") -> None:
        self.done, self.total, self.stage = 0, total, stage
        self.bar((0, total), desc=stage)

    def advance(self, label: str, steps: int = 1) -> None:
        self.done += steps
        self.bar((self.done, self.total), desc=f"{self.stage}: {label}")


def _gradio_error(e: Exception) -> gr.Error:
    """The one place where errors become what the user sees: our messages as they are, anything
    else as one line (the traceback goes to the server log)."""
    if isinstance(e, RagError):  # the user's to fix, not a bug: no traceback in the server log
        return gr.Error(str(e), print_exception=False)
    log.exception("unexpected error")
    return gr.Error(f"Something went wrong: {type(e).__name__}: {e}")


def build(engine: Engine) -> gr.Blocks:
    def transcript(turns: list[R.Turn]) -> str:
        return R.transcript_html(turns, EMPTY_HINT if engine.pipeline.is_empty else "")

    def respond(question: str, turns: list[R.Turn]) -> Iterator[tuple[str, list[R.Turn], str]]:
        question = (question or "").strip()
        if not question:
            raise gr.Error("Type a question first.", print_exception=False)
        history = [(t.question, t.answer.text) for t in turns if t.answer]
        turn = R.Turn(question)
        turns = [*turns, turn]
        if engine.pipeline.is_empty:
            turn.note = EMPTY_HINT
            yield transcript(turns), turns, ""
            return
        if not engine.model_ready:
            turn.note = LOADING_NOTE
        yield transcript(turns), turns, ""
        try:
            stream = engine.stream(question, history, on_reading=turn.reading)
            for piece in stream:
                if piece:
                    turn.note = None
                turn.streaming += piece
                yield transcript(turns), turns, ""
            answer = stream.answer
        except Exception as e:
            turn.note = f"Error: {e}" if isinstance(e, RagError) else f"Error ({type(e).__name__})."
            yield transcript(turns), turns, question
            raise _gradio_error(e) from None
        turn.answer, turn.streaming, turn.note = answer, "", None
        cited = {c.passage.chunk.doc_id for c in answer.citations}
        turn.also_in = {d: engine.pipeline.also_in(d) for d in cited}
        yield transcript(turns), turns, ""

    def document(
        doc_id: str,
        start: int | None = None,
        end: int | None = None,
        passage_start: int | None = None,
        passage_end: int | None = None,
    ) -> str:
        """The reader's HTML for an indexed document, with text[start:end] marked. Any id that
        is not in the index is refused."""
        try:
            doc = engine.document(str(doc_id or ""))
        except Exception as e:
            raise _gradio_error(e) from None
        spans = (_span(start, end), _span(passage_start, passage_end))
        return R.document_html(doc, *spans, said=engine.said(doc.doc_id))

    def open_cited(evt: gr.EventData) -> str:
        data: dict[str, Any] = getattr(evt, "_data", None) or {}
        spans = [data.get(k) for k in ("start", "end", "passage_start", "passage_end")]
        return document(str(data.get("doc_id") or ""), *spans)

    def upload(files: list[str] | None, turns: list[R.Turn], progress=gr.Progress()):  # noqa: B008
        if not files:
            return gr.update(), transcript(turns), gr.update()
        try:
            report = engine.add_files([_path(f) for f in files], _UploadProgress(progress))
        except Exception as e:
            raise _gradio_error(e) from None
        # The user knows the file by its name, not by where the server keeps its copy.
        skipped = [p.message.replace(p.path, Path(p.path).name) for p in report.problems]
        for message in skipped:
            gr.Warning(message)
        lines = [
            f"Added {report.embedded_documents} new or changed article(s) "
            f"({report.unchanged} unchanged). The index holds {report.total_documents} "
            "articles; ask away."
        ]
        lines += [f"- Skipped: {m}" for m in skipped]
        return "\n".join(lines), transcript(turns), R.people_html(engine.people())

    with gr.Blocks(title="rag: ask the news") as demo:
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.HTML(
                    transcript([]),
                    elem_id="transcript",
                    js_on_load=CITE_JS,
                    autoscroll=True,
                    max_height="65vh",  # type: ignore[arg-type]  # CSS lengths work
                    min_height=200,
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder=PLACEHOLDER,
                        show_label=False,
                        elem_id="question",
                        scale=6,
                        autofocus=True,
                    )
                    ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                    new_chat = gr.Button("New chat", elem_id="new-chat", scale=1)
                with gr.Accordion("Add articles", open=engine.pipeline.is_empty):
                    files = gr.File(
                        label="Article files (.txt, .md, .html, .pdf, .json)",
                        file_count="multiple",
                        file_types=sorted(SUFFIXES),
                        elem_id="upload",
                    )
                    status = gr.Markdown(elem_id="upload-status")
            with gr.Column(scale=2):
                reader = gr.HTML(
                    R.reader_placeholder(), elem_id="reader", js_on_load=SCROLL_JS, min_height=200
                )
                # Who said what: each speaker's quotes, each opening the reader at it.
                with gr.Accordion("People", open=False, elem_id="people-box"):
                    people = gr.HTML(
                        R.people_html(engine.people()), elem_id="people", js_on_load=CITE_JS
                    )

        model_queue: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}
        io = ([question, turns], [chat, turns, question])
        ask.click(respond, *io, api_name="ask", **model_queue)
        question.submit(respond, *io, api_visibility="private", **model_queue)
        new_chat.click(
            lambda: ([], transcript([]), R.reader_placeholder()),
            None,
            [turns, chat, reader],
            api_visibility="private",
        )
        chat.cite(open_cited, None, reader, api_visibility="private", concurrency_limit=None)
        people.cite(open_cited, None, reader, api_visibility="private", concurrency_limit=None)
        files.upload(
            upload, [files, turns], [status, chat, people], api_visibility="private", **model_queue
        )
        gr.api(document, api_name="document", concurrency_limit=None)
    return demo


def _int(x: object) -> int | None:
    try:
        return int(x)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):  # NaN from a marker without spans, junk
        return None


def _span(start: object, end: object) -> tuple[int, int] | None:
    """A (start, end) pair from the browser or an API caller, or None where either is unusable."""
    s, e = _int(start), _int(end)
    return (s, e) if s is not None and e is not None else None


def _path(f: Any) -> Path:
    return Path(f if isinstance(f, str) else getattr(f, "name", f))


def serve(engine: Engine, host: str, port: int, auth: tuple[str, str] | None = None) -> None:
    """Build the app and serve it until interrupted. Private by default: no share link, no
    server-side rendering process, Gradio analytics off (rag.privacy), local fonts only."""
    demo = build(engine)
    demo.queue(default_concurrency_limit=1)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        share=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        show_error=False,
        css=CSS,
        footer_links=["api", "settings"],
        # The same cap as `rag ingest` (RAG_MAX_FILE_MB), enforced by Gradio while receiving.
        max_file_size=f"{max(1, int(engine.pipeline.settings.max_file_mb))}mb",
        quiet=False,
    )
