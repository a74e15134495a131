""" "What did X say (about Y)?" answered from X's attributions, which ingest extracted
(`rag.sources.quotes`), not from whatever retrieval brought back.

Why: asked what Shamkhani said about the sanctions system, the evidence-first path quoted
Patrushev's words under Shamkhani's name, because the model picks sentences by topic and cannot
see who spoke them; asked what Patrushev said about the price of oil, it quoted him on
laboratories. Here the code decides both things it can know: whose words they are (the speaker of
the attribution) and whether they are about the topic (the topic's content words in them).

- X is quoted on Y: the answer is X's words, verbatim, cited to the passage they are in.
- X is quoted, but never on Y: the answer says so and names what X is quoted on ("Nikolai
  Patrushev is quoted on AUKUS, sanctions and laboratories; nothing on the price of oil.").
- X is not a speaker the index knows, or the question is not of this form: None, and the usual
  path answers.

"Did X mention Y?" ("Has Shamkhani talked about sanctions?", "Did Raisi say anything about the
dollar?") is the same lookup asked as yes/no, and the code answers it the same way, so that a
1.5B model's "Yes" to every yes/no question never reaches it: "Yes." with X's words on Y, cited,
or "No, not in these articles." with what X is quoted on. A claim ("Did Patrushev say that AUKUS
is harmless?") is not of this form (`rag.answer.mention`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from typing import TYPE_CHECKING

from rag.answer.prompt import ABSTAIN
from rag.search.quotes import ABOUT_SHARE, Quote, about, find_quotes, topics
from rag.sources.quotes import speaker_key
from rag.sources.sentences import content_words, sentence_spans

if TYPE_CHECKING:
    from rag.answer.units import Unit
    from rag.pipeline import Pipeline
    from rag.types import Citation, Claim, Passage

# "What did Patrushev say about AUKUS?", "What has the minister said on tariffs?", "What did
# Shamkhani say Iran and Russia should do about sanctions?" (the rest of the question is its topic).
_SAID = re.compile(
    r"^\W*what\s+(?:did|does|do|has|have|had)\s+(?P<who>.+?)\s+"
    r"(?:say|said|tell|told|claim|claimed|write|wrote|state|stated|announce|announced|warn|"
    r"warned|argue|argued|stress|stressed|note|noted)\b"
    r"(?:\s+(?:about|of|on|regarding|concerning|that)\b)?\s*(?P<topic>.*?)\W*$",
    re.I,
)
# A quote longer than this is cut to its sentences most about the topic.
MAX_QUOTE_CHARS = 400


@dataclass(frozen=True)
class Said:
    """What the answer path needs: the text, and the passage and span it stands on (None:
    nothing found); `quote` when they are a speaker's words."""

    text: str
    quote: Quote | None
    passage: Passage | None
    start: int = 0  # the quoted span in the document text
    end: int = 0
    who: str = ""  # the speaker as the question names them
    yes_no: bool = False  # asked "Did X mention Y?": the text leads with its Yes or No

    @property
    def speaker(self) -> str | None:
        return self.quote.speaker if self.quote else None

    def could_be(self, speakers: Speakers, unit: Unit) -> bool:
        """Whether `unit` may be the asked speaker's words: it is theirs, or nobody's that the
        attributions know."""
        doc_id = unit.passage.chunk.doc_id
        found = speakers.of(doc_id, unit.doc_start, unit.doc_end)
        return found is None or speaker_key(found) == speaker_key(self.who)


def said_question(question: str) -> tuple[str, str] | None:
    """(speaker, topic) of a "What did X say (about Y)?" question ("" when no topic), else None."""
    m = _SAID.match(question.strip())
    if m is None:
        return None
    who = re.sub(r"^(?:the\s+)", "", m.group("who").strip(), flags=re.I)
    return who, m.group("topic").strip()


def said_answer(pipeline: Pipeline, question: str) -> Said | None:
    """X's words on Y for "What did X say about Y?", or that X is quoted, but not on Y."""
    asked = said_question(question)
    return on_topic(pipeline, *asked) if asked else None


def on_topic(
    pipeline: Pipeline,
    who: str,
    topic: str,
    leads: tuple[str, str] | None = None,
    share: float = ABOUT_SHARE,
    no_below: float | None = None,
) -> Said | None:
    """`who`'s quote most about `topic`; or, when none is, that nothing is, and what `who` is
    quoted on. `leads` ("Yes.", "No, ...") begin the text for a yes/no question, which `Said`
    then records; `share` is the part of the topic's content words a quote must have. None when
    the articles quote no `who`, or when `no_below` is set and the best quote has a part of them
    between it and `share` (too much to say "nothing", too little to say it is about the topic)."""
    found, nothing = leads or ("", ABSTAIN)
    yes_no = leads is not None
    quotes = find_quotes(pipeline.documents, speaker=who)
    if not quotes or not topic:
        return None
    name = _name(quotes, who)
    ranked = about(quotes, topic, pipeline.embedder, ignore=who)
    best = ranked[0]
    if no_below is not None and no_below <= best.relevance < share:
        return None
    if best.relevance < share:
        text = f"{nothing} {_quoted_on(pipeline, quotes, name)}; nothing on {_topic(topic)}."
        return Said(text, None, None, who=who, yes_no=yes_no)
    start, end = _span(best, topic, who)
    passage = _passage_of(pipeline, best.doc.doc_id, start, end)
    if passage is None:
        return None
    words = best.doc.text[start:end].strip()
    if words[:1] in OPENERS:
        text = f"{name} said: {closed(words)}"
    else:  # reported speech keeps its own verb: "Patrushev stressed the need to ..."
        cue = best.attribution.cue
        verb = best.doc.text[cue[0] : cue[1]] if cue else "said"
        verb = "said" if verb.lower().startswith("accord") else verb.lower()
        text = f"{name} {verb} {words.rstrip('.')}."
    return Said(f"{found} {text}".lstrip(), best, passage, start, end, who, yes_no)


OPENERS = "\"“‘'"
_CLOSERS = {'"': '"', "“": "”", "‘": "’", "'": "'"}


def quoted_on(pipeline: Pipeline, who: str) -> str | None:
    """ "They quote Nikolai Patrushev 31 times on Ukraine, West, Russia and Islamic Republic."
    for a speaker the articles quote, else None."""
    quotes = find_quotes(pipeline.documents, speaker=who)
    return f"{_quoted_on(pipeline, quotes, _name(quotes, who))}." if quotes else None


def _quoted_on(pipeline: Pipeline, quotes: list[Quote], name: str) -> str:
    on = topics(quotes, find_quotes(pipeline.documents))
    listed = ", ".join(on[:-1]) + f" and {on[-1]}" if len(on) > 1 else "".join(on)
    what = f" on {listed}" if listed else ""
    return f"They quote {name} {len(quotes)} time{'s' if len(quotes) != 1 else ''}{what}"


def closed(words: str) -> str:
    """A quote as shown: closed where the article (or the span) left it open."""
    close = _CLOSERS[words[0]]
    if words.count(close) >= (2 if close == words[0] else 1):
        return words
    return words + close


def _name(quotes: list[Quote], who: str) -> str:
    """The speaker's most common full name in the articles ("Nikolai Patrushev")."""
    from collections import Counter

    counts = Counter(q.speaker for q in quotes if q.speaker)
    full = [n for n, _ in counts.most_common() if " " in n]
    return full[0] if full else (counts.most_common(1)[0][0] if counts else who)


def _topic(topic: str) -> str:
    return topic[:1].lower() + topic[1:] if topic[:2].istitle() and " " in topic else topic


def _span(q: Quote, topic: str, who: str) -> tuple[int, int]:
    """The quote's span, or for a long one its sentence most about the topic."""
    s, e = q.attribution.content
    if e - s <= MAX_QUOTE_CHARS:
        return s, e
    want = content_words(topic) - content_words(who)
    text = q.doc.text[s:e]
    spans = sentence_spans(text)
    if not spans:
        return s, e
    a, b = max(spans, key=lambda sp: len(want & content_words(text[sp[0] : sp[1]])))
    return s + a, s + b


def _passage_of(pipeline: Pipeline, doc_id: str, start: int, end: int) -> Passage | None:
    """The stored chunk of `doc_id` that holds start:end (else the one that overlaps it most),
    as a passage to cite."""
    from rag.search.retrieve import passage_of_hit

    n = pipeline.documents.chunk_count(doc_id)
    hits = pipeline.store.get([f"{doc_id}::{i}" for i in range(n)])

    def overlap(h: object) -> int:
        c = h.chunk  # type: ignore[attr-defined]
        return min(end, c.end) - max(start, c.start)

    best = max(hits.values(), key=overlap, default=None)
    if best is None or overlap(best) <= 0:
        return None
    return passage_of_hit(1, best, 1.0)


class Speakers:
    """Who said a span of a document, from its stored attributions (read once per document):
    the speaker the terminal and the chat show beside each piece of evidence."""

    # The attribution must cover this share of the span: a unit that only touches a quote at
    # its edge is not that speaker's words.
    COVER = 0.3

    def __init__(self, pipeline: Pipeline) -> None:
        self._docs = pipeline.documents
        self._cache: dict[str, list[tuple[int, int, str]]] = {}

    def of(self, doc_id: str, start: int, end: int) -> str | None:
        if doc_id not in self._cache:
            self._cache[doc_id] = [
                (*a.content, a.speaker) for _, a in self._docs.quotes(doc_id=doc_id) if a.speaker
            ]
        best, most = None, 0
        for s, e, speaker in self._cache[doc_id]:
            covered = min(end, e) - max(start, s)
            if covered > most:
                best, most = speaker, covered
        return best if most >= self.COVER * max(1, end - start) else None


# "Patrushev said ...", "Nikolai Patrushev warned that ...", "according to Shamkhani, ...".
_REPORTS = re.compile(
    r"(?:\b(?P<who>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})\s+(?:also\s+)?"
    r"(?:said|says|told|stated|stressed|noted|added|warned|argued|claimed|called|urged|"
    r"emphasi[sz]ed|insisted|announced|explained)\b)|(?:\b[Aa]ccording to\s+"
    r"(?P<per>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}))"
)


def misattributed(
    text: str, claims: list[Claim], citations: list[Citation], speakers: Speakers
) -> list[Claim]:
    """Claims whose sentence reports someone's speech ("X said ...") while every unit it cites
    is known to be another speaker's words: marked unsupported, so that the terminal and the
    chat flag them instead of showing them as fact."""
    by_marker = {c.marker: c for c in citations}
    out = []
    for claim in claims:
        m = _REPORTS.search(text[claim.start : claim.end])
        who = (m.group("who") or m.group("per")) if m else None
        cited = [by_marker[n] for n in claim.markers if n in by_marker]
        if who and cited and claim.supported:
            found = [speakers.of(c.passage.chunk.doc_id, c.start, c.end) for c in cited]
            key = speaker_key(who)
            if all(f is not None and speaker_key(f) != key for f in found):
                claim = dataclass_replace(claim, supported=False)
        out.append(claim)
    return out
