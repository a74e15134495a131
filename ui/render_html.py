"""Pure HTML rendering for the chat: answers with clickable citation markers, the sources and
timings under them, the transcript of a session, and the reader pane with the cited sentence in a
`<mark>`. No Gradio here, so all of it is unit-tested as plain strings.

Every piece of article or model text goes through `html.escape`: an article may contain `<script>`
and the page must show it, not run it. A marker carries what the reader needs to open its source:
`data-citation` (the n in the text), `data-doc` (the document id, which the server looks up in the
index) and the character spans of the cited sentence and its passage. The browser never sends a
file path.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from rag.answer.prompt import MARKER
from rag.render import reading_line, unit_label
from rag.sources.sentences import answer_spans
from rag.types import Answer, Citation, Claim, Document, Evidence, Passage

UNVERIFIED_TITLE = "This citation could not be matched to the passage it names"


@dataclass
class Turn:
    """One question and what came back: the finished answer, or text still streaming, or a
    note (empty index, model loading, an error)."""

    question: str
    answer: Answer | None = None
    streaming: str = ""
    note: str | None = None
    # doc_id -> other outlets that carried the same story, for the cited documents.
    also_in: dict[str, list[str]] = field(default_factory=dict)

    def reading(self, passages: list[Passage]) -> None:
        """Shown as the note while the model reads: the articles, as soon as retrieval ends."""
        self.note = reading_line(passages)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def _attrs(c: Citation | Evidence) -> str:
    p = c.passage.chunk
    return (
        f'data-doc="{esc(p.doc_id)}" data-start="{c.start}" data-end="{c.end}" '
        f'data-passage-start="{p.start}" data-passage-end="{p.end}"'
    )


def _markers_html(text: str, cites: dict[int, Citation]) -> str:
    """Escaped text with each [n] (or [n, m]) turned into one element per number."""
    out, last = [], 0
    for m in MARKER.finditer(text):
        out.append(esc(text[last : m.start()]))
        for n in (int(x) for x in re.split(r"[,;]", m.group(1))):
            c = cites.get(n)
            if c is None:  # still streaming, or a number that names no passage
                out.append(f'<span class="cite pending" data-citation="{n}">[{n}]</span>')
            else:
                title = esc(f"{c.passage.title}: {c.quote}")
                out.append(
                    f'<button type="button" class="cite" data-citation="{n}" {_attrs(c)} '
                    f'title="{title}">[{n}]</button>'
                )
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out).replace("\n", "<br>")


def answer_html(
    text: str, citations: list[Citation] | None = None, claims: list[Claim] | None = None
) -> str:
    """The answer with clickable markers. A sentence that no verified citation supports (the
    checked `claims` of the answer; without them, a sentence whose citation is not `verified` or
    names no passage) is wrapped in `<span class="unverified">` so the user sees which claims to
    doubt."""
    if citations is None:  # streaming: markers are shown but cannot be opened yet
        return _markers_html(text, {})
    cites = {c.marker: c for c in citations}
    if claims is None:
        claims = [
            Claim(s, e, tuple(numbers), all(n in cites and cites[n].verified for n in numbers))
            for s, e in answer_spans(text)
            for numbers in [[int(x) for m in MARKER.finditer(text[s:e]) for x in _nums(m)]]
        ]
    out, last = [], 0
    for claim in claims:
        out.append(esc(text[last : claim.start]))
        inner = _markers_html(text[claim.start : claim.end], cites)
        if not claim.supported:
            inner = f'<span class="unverified" title="{esc(UNVERIFIED_TITLE)}">{inner} ⚠</span>'
        out.append(inner)
        last = claim.end
    out.append(esc(text[last:]))
    return "".join(out)


def _nums(m: re.Match[str]) -> list[str]:
    return re.split(r"[,;]", m.group(1))


def sources_html(
    citations: list[Citation],
    evidence: Sequence[Evidence] = (),
    also_in: Mapping[str, list[str]] | None = None,
) -> str:
    """Only the sources the answer cites: title, outlet and date, each opening the reader at
    the cited span, with the evidence unit it came from and how sure the model was of it."""
    if not citations:
        return ""
    units = {(e.passage.chunk.doc_id, e.start, e.end): e for e in evidence}
    items = []
    for c in citations:
        p = c.passage
        byline = ", ".join(x for x in (p.byline, p.pages(c.start, c.end)) if x)
        byline = f' <span class="byline">{esc(byline)}</span>' if byline else ""
        flag = ' <span class="flag">unverified</span>' if not c.verified else ""
        e = units.get((p.chunk.doc_id, c.start, c.end))
        sure = f' <span class="evidence">{esc(unit_label(e))}</span>' if e else ""
        others = (also_in or {}).get(p.chunk.doc_id)
        also = f' <span class="also-in">also in: {esc(", ".join(others))}</span>' if others else ""
        items.append(
            f'<li><a href="#" class="source" data-source="{c.marker}" {_attrs(c)}>'
            f"[{c.marker}] {esc(p.title)}</a>{byline}{sure}{flag}{also}</li>"
        )
    return f'<ol class="sources">{"".join(items)}</ol>'


def closest_evidence_html(evidence: Sequence[Evidence]) -> str:
    """For an abstention: the sentences that came closest, each opening the reader, so the
    user sees what was read and why it fell short."""
    if not evidence:
        return ""
    items = []
    for e in evidence:
        p = e.passage
        byline = f' <span class="byline">{esc(p.byline)}</span>' if p.byline else ""
        items.append(
            f'<li><a href="#" class="source" {_attrs(e)}>{esc(p.title)}</a>{byline} '
            f'<span class="evidence">{esc(unit_label(e))}</span></li>'
        )
    return (
        '<div class="note">Closest evidence (not enough to answer):</div>'
        f'<ul class="sources">{"".join(items)}</ul>'
    )


def _seconds(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def timings_html(timings_ms: dict[str, float], model: str = "") -> str:
    names = [("rewrite", "rewrite"), ("retrieve", "retrieve"), ("first_token", "first token")]
    names.append(("total", "total"))
    parts = [f"{label} {_seconds(timings_ms[key])}" for key, label in names if key in timings_ms]
    if model:
        parts.append(esc(model))
    data = " ".join(f'data-{k.replace("_", "-")}-ms="{v:.0f}"' for k, v in timings_ms.items())
    return f'<div class="timings" {data}>{" · ".join(parts)}</div>'


def turn_html(turn: Turn) -> str:
    body = [f'<div class="question">{esc(turn.question)}</div>']
    a = turn.answer
    if a is not None:
        cls = "answer abstained" if a.abstained else "answer"
        body.append(f'<div class="{cls}">{answer_html(a.text, a.citations, a.claims)}</div>')
        if a.search_query and a.search_query != a.question:
            body.append(f'<div class="searched">Searched for: {esc(a.search_query)}</div>')
        body.append(sources_html(a.citations, a.evidence, turn.also_in))
        if a.abstained:
            body.append(closest_evidence_html(a.evidence))
        body.append(timings_html(a.timings_ms, a.model))
    elif turn.streaming:
        body.append(f'<div class="answer streaming">{answer_html(turn.streaming)}</div>')
    if turn.note:
        body.append(f'<div class="note">{esc(turn.note)}</div>')
    return f'<div class="turn">{"".join(body)}</div>'


def transcript_html(turns: list[Turn], empty_hint: str = "") -> str:
    if not turns:
        return f'<div class="transcript empty"><p class="hint">{esc(empty_hint)}</p></div>'
    return f'<div class="transcript">{"".join(turn_html(t) for t in turns)}</div>'


def _clamp(span: tuple[int, int] | None, length: int) -> tuple[int, int] | None:
    if span is None:
        return None
    s, e = max(0, min(span[0], length)), max(0, min(span[1], length))
    return (s, e) if s < e else None


def document_html(
    doc: Document,
    mark: tuple[int, int] | None = None,
    passage: tuple[int, int] | None = None,
    said: Sequence[tuple[int, int, str]] = (),
) -> str:
    """The whole article, with `text[mark]` (the cited sentence) in a `<mark>` inside a
    highlighted passage. Spans come from the browser, so they are clamped to the text; a passage
    that does not contain the mark is dropped, and the passage alone is marked when no sentence
    is given."""
    text = doc.text
    mark, passage = _clamp(mark, len(text)), _clamp(passage, len(text))
    if mark is None and passage is not None:
        mark, passage = passage, None
    if passage and mark and not passage[0] <= mark[0] <= mark[1] <= passage[1]:
        passage = None
    # Who said what: each attribution underlined with its speaker, where it nests in the marks.
    spoken = partial(_said_html, text, said, mark, passage)
    if mark is None:
        body = spoken(0, len(text))
    else:
        ps, pe = passage or mark
        s, e = mark
        speaker = _speaker_at(said, s, e)
        who = f' data-speaker="{esc(speaker)}" title="{esc(speaker)}"' if speaker else ""
        body = (
            spoken(0, ps)
            + '<span class="passage">'
            + spoken(ps, s)
            + f'<mark id="cited"{who}>{esc(text[s:e])}</mark>'
            + spoken(e, pe)
            + "</span>"
            + spoken(pe, len(text))
        )
    meta = [x for x in (doc.source, doc.published_at, doc.author) if x]
    byline = f'<div class="byline">{esc(" · ".join(meta))}</div>' if meta else ""
    url = f'<div class="url">{esc(doc.url)}</div>' if doc.url else ""
    return (
        f'<article class="reader-doc" data-doc-id="{esc(doc.doc_id)}">'
        f"<h3>{esc(doc.title)}</h3>{byline}{url}"
        f'<div class="doctext">{body}</div></article>'
    )


def _said_html(
    text: str,
    said: Sequence[tuple[int, int, str]],
    mark: tuple[int, int] | None,
    passage: tuple[int, int] | None,
    lo: int,
    hi: int,
) -> str:
    """text[lo:hi] escaped, with each attribution that lies wholly inside it (and crosses no mark)
    in a `<span class="said">` naming its speaker."""
    out, at = [], lo
    for s, e, speaker in sorted(said):
        if s < at or e > hi or s >= e:
            continue
        if any((b and s < b[0] < e) or (b and s < b[1] < e) for b in (mark, passage)):
            continue
        out.append(esc(text[at:s]))
        out.append(
            f'<span class="said" data-speaker="{esc(speaker)}" title="{esc(speaker)}">'
            f"{esc(text[s:e])}</span>"
        )
        at = e
    out.append(esc(text[at:hi]))
    return "".join(out)


def _speaker_at(said: Sequence[tuple[int, int, str]], start: int, end: int) -> str | None:
    """The speaker of the attribution that covers most of start:end, if any covers a third."""
    best, most = None, 0
    for s, e, speaker in said:
        covered = min(end, e) - max(start, s)
        if covered > most:
            best, most = speaker, covered
    return best if most * 3 >= max(1, end - start) else None


def reader_placeholder() -> str:
    return '<div class="reader-empty">Click a citation marker or a source to read it here.</div>'


def people_html(people: Sequence[tuple[str, int, Sequence[tuple[str, int, int, str, str]]]]) -> str:
    """The "People" list: each speaker with their count, opening to their quotes, each quote a
    link that opens the reader at it. `people`: (name, count, [(doc_id, start, end, title,
    text)]) most quoted first."""
    if not people:
        return '<div class="reader-empty">No one is quoted in the indexed articles yet.</div>'
    items = []
    for name, count, quotes in people:
        links = "".join(
            f'<li><a href="#" class="source quote" data-doc="{esc(doc_id)}" data-start="{s}" '
            f'data-end="{e}" data-passage-start="{s}" data-passage-end="{e}">'
            f'{esc(_short(text))}</a> <span class="byline">{esc(title)}</span></li>'
            for doc_id, s, e, title, text in quotes
        )
        items.append(
            f'<details class="speaker"><summary>{esc(name)} <span class="count">{count}</span>'
            f"</summary><ul>{links}</ul></details>"
        )
    return f'<div class="people">{"".join(items)}</div>'


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
