"""Who said what, searched: the attributions stored with the documents (`rag.sources.quotes`,
written at ingest), by speaker, outlet and date, ranked by what they are about.

What `rag quotes` lists and what a "What did X say about Y?" answer stands on. Relevance is the
share of the topic's content words found in what was said (the stems of
`rag.sources.sentences.content_words`), so that "nothing on the price of oil" is a fact the code
checked, not the model's guess; the embedding similarity breaks ties when an embedder is given.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.sources.quotes import Attribution, speaker_key
from rag.sources.sentences import content_words
from rag.types import Document

if TYPE_CHECKING:
    from rag.index.docstore import DocStore
    from rag.llm.embed import Embedder

# Share of the topic's content words a quote must hold to be "about" it.
ABOUT_SHARE = 0.5


@dataclass(frozen=True)
class Quote:
    doc: Document
    attribution: Attribution
    relevance: float = 0.0  # share of the topic's content words in what was said

    @property
    def text(self) -> str:
        s, e = self.attribution.content
        return self.doc.text[s:e]

    @property
    def speaker(self) -> str | None:
        return self.attribution.speaker


def find_quotes(
    docs: DocStore,
    speaker: str | None = None,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[Quote]:
    """Attributions, with their documents, of `speaker` (any spelling: grouped by
    `speaker_key`), from `outlet` (case-insensitive), published between `since` and `until`
    (ISO dates, inclusive; undated documents are left out when either is given)."""
    cache: dict[str, Document | None] = {}
    out = []
    for doc_id, att in docs.quotes(speaker=speaker):
        if speaker is None and att.speaker is None:
            continue
        if doc_id not in cache:
            cache[doc_id] = docs.get(doc_id)
        doc = cache[doc_id]
        if doc is None or not _kept(doc, outlet, since, until):
            continue
        out.append(Quote(doc, att))
    return out


def _kept(doc: Document, outlet: str | None, since: str | None, until: str | None) -> bool:
    if outlet and (doc.source or "").casefold() != outlet.casefold():
        return False
    if since or until:
        day = (doc.published_at or "")[:10]
        if not day or (since and day < since[:10]) or (until and day > until[:10]):
            return False
    return True


def about(
    quotes: list[Quote], topic: str, embedder: Embedder | None = None, ignore: str = ""
) -> list[Quote]:
    """`quotes` ranked by how much they are about `topic` (the words of `ignore`, such as the
    speaker's name, do not count), most relevant first."""
    want = content_words(topic) - content_words(ignore)
    if not want:
        return quotes
    ranked = [replace(q, relevance=len(want & content_words(q.text)) / len(want)) for q in quotes]
    similarity = [0.0] * len(ranked)
    if embedder is not None and ranked:
        asked = embedder.embed_query(topic)
        similarity = [_cosine(asked, v) for v in embedder.embed_documents([q.text for q in ranked])]
    order = sorted(range(len(ranked)), key=lambda i: (-ranked[i].relevance, -similarity[i]))
    return [ranked[i] for i in order]


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def topics(quotes: list[Quote], every: list[Quote], n: int = 4) -> list[str]:
    """What `quotes` are about, in a few words: the content words these quotes use most,
    weighed by how rare they are across `every` quote of the index (a word every speaker uses
    says nothing about this one), as they are written."""
    df: Counter[str] = Counter()
    for q in every:
        df.update(content_words(q.text))
    tf: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for q in quotes:
        words = content_words(q.text) - content_words(q.speaker or "")
        for w in words:
            name = _proper(q.text, w)
            if name:  # names of places, groups, treaties: what a quote is about, in a word
                tf[w] += 1
                shown.setdefault(w, name)
    total = max(1, len(every))

    def weight(w: str) -> float:
        return tf[w] * math.log(total / df[w]) if tf[w] > 1 else 0.0

    ranked = sorted((w for w in tf if weight(w) > 0), key=lambda w: (-weight(w), w))
    out: list[str] = []
    heads: set[str] = set()
    for w in ranked:
        if w[:4] in heads:  # "West" after "Western", "sanctioned" after "sanctions"
            continue
        if any(shown[w] in name or name in shown[w] for name in out):
            continue  # "States" after "United States"
        heads.add(w[:4])
        out.append(shown[w])
        if len(out) == n:
            break
    return out


_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")


def _proper(text: str, stem: str) -> str | None:
    """The word of `text` with this stem as written, when it is capitalised inside a sentence
    (a name: "AUKUS", "Caspian", "Ukraine"), else None ("between", "Therefore" opening one)."""
    for m in _WORD.finditer(text):
        word = m.group(0)
        if not word.lower().startswith(stem) or not word[:1].isupper():
            continue
        before = text[: m.start()].rstrip(" \"'“‘(")
        if before and before[-1] not in ".!?:":
            # "United States", "North Atlantic": the name is the capitalised run, not its
            # first word
            for run in _CAPITALISED_RUN.finditer(text):
                if run.start() <= m.start() < run.end():
                    words = run.group(0).split()
                    while len(words) > 1 and not content_words(words[0]):
                        words = words[1:]  # "The United States", "In Ukraine"
                    return " ".join(words)
            return word
    return None


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:[^\S\n]+[A-Z][\w’'-]*){0,2}")


def same_speaker(name: str, quote: Quote) -> bool:
    return bool(quote.speaker) and speaker_key(name) == speaker_key(quote.speaker or "")
