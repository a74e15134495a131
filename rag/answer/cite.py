"""Citations set by the code from the evidence the model chose, and a check of every sentence.

The model never numbers its own citations: pass 1 (`rag.answer.evidence`) chooses evidence units by
their probabilities, and here each answer sentence gets the markers of the chosen units that
support it (`sentence_markers`, by content words: the share of the claim's words a unit holds,
or, for a bare answer such as "Dushanbe", whether the unit names it and is about the question).
Numbers the model wrote anyway ([2], [S3]) are stripped first. Each citation's span is the unit's
exact span in the article, and it is `verified` when the sentences carrying it are supported by
the unit: by meaning when an embedder is at hand (as in `rag ask`), the cosine of question + claim
with the unit and its sentences, at least 0.6. On 44 hand-labelled pairs
(scripts/verifier_agreement.py, README "Answer quality") meaning agreed with the labels on 36 and
caught 17 of 22 unsupported pairs; content words agreed on 32 and caught 12. Finally every answer
sentence becomes a `Claim`, supported or not, for the terminal, `--json` and the chat to flag.
An NLI model would be a stronger verifier; none ships with weights here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.answer.prompt import ABSTAIN, MARKER
from rag.answer.units import Unit
from rag.sources.sentences import answer_spans, content_words, sentence_spans
from rag.types import Citation, Claim

SUPPORT_THRESHOLD = 0.3  # content-word support (claim_support)
# Meaning: cosine of (question + claim) with the passage's best sentence. Chosen on 44 hand-labelled
# pairs (scripts/verifier_agreement.py): it agreed with the labels on 36, against 32 for words.
SIMILARITY_THRESHOLD = 0.6
# Similarities of one text to each of several others (embeddings; see rag.llm.embed.similarities).
Similarity = Callable[[str, list[str]], list[float]]
_ABSTAIN = re.compile(
    r"(articles?|passages?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)? not)\s+"
    r"(say|mention|contain|provide|include|specify|state|give)"
    r"|\bno (information|mention)\b|\bnot (mentioned|stated|provided|specified)\b",
    re.I,
)


def is_abstention(answer: str) -> bool:
    text = MARKER.sub("", answer).strip()
    return not text or text.rstrip(".") == ABSTAIN.rstrip(".") or bool(_ABSTAIN.search(text))


def support(claim: str, sentence: str) -> float:
    """Share of the claim's content words that the sentence contains."""
    want = content_words(MARKER.sub("", claim))
    return len(want & content_words(sentence)) / len(want) if want else 0.0


SHORT_CLAIM_WORDS = 4


def claim_support(claim: str, sentence: str, question: str | None = None) -> float:
    """How well `sentence` supports `claim`. A full claim: the share of its content words the
    sentence holds. A bare answer ("Dushanbe", "43 years") is a claim only together with its
    question: the sentence must name the answer and be about the question (two of the question's
    content words give full credit)."""
    want = content_words(MARKER.sub("", claim))
    if not question or len(want) >= SHORT_CLAIM_WORDS:
        return support(claim, sentence)
    have = content_words(sentence)
    names = len(want & have) / len(want) if want else 0.0
    about = min(1.0, len(content_words(question) & have) / 2)
    return names * about


def markers_in(text: str) -> list[int]:
    found: list[int] = []
    for m in MARKER.finditer(text):
        for n in re.split(r"[,;]", m.group(1)):
            if int(n) not in found:
                found.append(int(n))
    return found


def check_claims(
    text: str,
    citations: list[Citation],
    question: str | None = None,
    similarity: Similarity | None = None,
) -> list[Claim]:
    """Each sentence of the answer, and whether a verified citation backs it. A sentence with no
    content of its own ("Yes.") needs none; an abstention makes no claims."""
    if is_abstention(text):
        return []
    by_marker = {c.marker: c for c in citations}
    claims = []
    for s, e in answer_spans(text):
        sentence = text[s:e]
        markers = markers_in(sentence)
        if not content_words(MARKER.sub("", sentence)):
            supported = True
        else:
            supported = any(
                _supported(sentence, by_marker[n].quote, question, similarity)
                for n in markers
                if n in by_marker
            )
        claims.append(Claim(s, e, tuple(markers), supported))
    return claims


def _supported(
    claim: str, evidence: str, question: str | None, similarity: Similarity | None
) -> bool:
    """The verifier: does `evidence` (a cited unit's text) support `claim`? By meaning when
    embeddings are at hand (the unit as a whole or any of its sentences), else by content
    words. A sentence with no content of its own ("Yes.") claims nothing to check."""
    if not content_words(MARKER.sub("", claim)):
        return True
    sentences = [evidence[s:e] for s, e in sentence_spans(evidence)] or [evidence]
    if similarity is None:
        return max(claim_support(claim, s, question) for s in sentences) >= SUPPORT_THRESHOLD
    if question and any(_names_it(claim, s, question) for s in sentences):
        return True
    probe = f"{question} {MARKER.sub('', claim)}" if question else MARKER.sub("", claim)
    return max(similarity(probe, [evidence, *sentences])) >= SIMILARITY_THRESHOLD


def _names_it(claim: str, sentence: str, question: str) -> bool:
    """A bare answer ("Donald Trump.") that the sentence names (by its last word: "Trump"), in a
    sentence about the question (two of its content words). The embedding of question + a bare
    name sits far from any one sentence, so meaning alone flagged right names."""
    words = _WORDS.findall(MARKER.sub("", claim))
    if not words or len(content_words(MARKER.sub("", claim))) >= SHORT_CLAIM_WORDS:
        return False
    have = content_words(sentence)
    named = re.search(rf"\b{re.escape(words[-1])}\b", sentence, re.I) is not None
    return named and len(content_words(question) & have) >= 2


_WORDS = re.compile(r"[\w’'-]+")


# -- evidence-first citations ---------------------------------------------------------------

# What the model may write when it numbers evidence itself: [1], [S3], (S3, S5). A bare "S3" in
# prose is left alone: taking it out would leave "In both and".
_MODEL_REFS = re.compile(r"\s*[\[(]\s*S?\d+(?:\s*[,;]\s*S?\d+)*\s*[\])]")
MAX_MARKERS_PER_SENTENCE = 2


def strip_references(answer: str) -> str:
    """The answer without any evidence or passage numbers the model wrote: citations are set
    by the code from the units chosen in pass 1, never taken from the model's text."""
    return " ".join(_MODEL_REFS.sub("", answer).split())


def sentence_markers(sentence: str, units: list[Unit], question: str | None = None) -> list[int]:
    """Markers (1-based unit positions) for one answer sentence: the units that support it
    best by content words (at most two), or the first unit when none does clearly; none for a
    sentence with no content of its own ("Yes.")."""
    if not content_words(sentence):
        return []
    # A short sentence may be a bare answer ("Dushanbe", read with its question) or a short
    # claim of its own ("Rain fell in Tehran"): either reading may find its unit.
    scores = [
        max(support(sentence, u.text), claim_support(sentence, u.text, question)) for u in units
    ]
    ranked = sorted(range(len(units)), key=lambda i: -scores[i])
    picks = [i for i in ranked if scores[i] >= SUPPORT_THRESHOLD][:MAX_MARKERS_PER_SENTENCE]
    return sorted(i + 1 for i in (picks or ranked[:1]))


class Marking:
    """Which markers each answer sentence gets, sentence by sentence as the answer streams.

    A sentence with content gets the units that support it (`sentence_markers`). A first
    sentence with no content of its own is the decided answer of a yes/no question ("Yes."):
    every chosen unit went into that decision, so it cites them all. A chosen unit that supports
    no sentence is not cited: a citation must stand behind a claim. An answer whose sentences
    took no unit at all cites the model's first choice after its last sentence."""

    def __init__(self, units: list[Unit], question: str | None = None) -> None:
        self.units, self.question = units, question
        self.placed: set[int] = set()
        self.sentences = 0

    def markers(self, sentence: str) -> str:
        """The marker text to put after `sentence` ("" or " [1, 2]")."""
        first = self.sentences == 0
        self.sentences += 1
        if first and sentence.strip() and not content_words(sentence):
            found = list(range(1, len(self.units) + 1))
        else:
            found = sentence_markers(sentence, self.units, self.question)
        self.placed.update(found)
        return f" [{', '.join(map(str, found))}]" if found else ""

    def closing(self) -> str:
        """The marker text after the last sentence: the first unit when nothing was cited."""
        return " [1]" if self.units and not self.placed else ""


def cite_units(
    answer: str,
    units: list[Unit],
    question: str | None = None,
    similarity: Similarity | None = None,
) -> tuple[str, list[Citation]]:
    """The answer with markers set by code (`Marking`, sentence by sentence, as when it
    streams) and its citations (`unit_citations`)."""
    text = strip_references(answer)
    if not units or not text or is_abstention(text):
        return text, []
    marking = Marking(units, question)
    pieces, last = [], 0
    for _, e in answer_spans(text):
        pieces.append(text[last:e] + marking.markers(text[last:e]))
        last = e
    cited = "".join(pieces) + marking.closing()
    return cited, unit_citations(cited, units, question, similarity)


def unit_citations(
    text: str,
    units: list[Unit],
    question: str | None = None,
    similarity: Similarity | None = None,
) -> list[Citation]:
    """One citation per unit that the text's markers name (marker n is the n-th unit); each is
    `verified` when the sentences carrying it are supported by the unit (by meaning when an
    embedder is at hand, as for model-written markers)."""
    spans = answer_spans(text)
    citations = []
    for n in markers_in(text):
        if not 1 <= n <= len(units):
            continue
        u = units[n - 1]
        claim = " ".join(text[s:e] for s, e in spans if n in markers_in(text[s:e]))
        citations.append(
            Citation(
                n,
                u.passage,
                u.doc_start,
                u.doc_end,
                u.passage.chunk.text[u.start : u.end],
                _supported(
                    claim or text, u.passage.chunk.text[u.start : u.end], question, similarity
                ),
            )
        )
    return sorted(citations, key=lambda c: c.marker)
