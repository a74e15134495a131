"""Turn the model's [n] markers into checked citations.

For each marker the answer uses, the cited passage's sentences are compared with the answer
sentences that carry that marker; the best-matching sentence becomes the quote (with its exact
character span in the document), and the citation is `verified` when that sentence shares enough
content words with the claim. Markers that name no passage are removed. An answer that cites
nothing but is clearly drawn from one passage gets that passage's marker appended, so every
non-abstaining answer leads back to its source.

Lexical overlap is crude but cheap and transparent; an NLI model would be the next step.
"""

from __future__ import annotations

import re

from rag.prompt import ABSTAIN
from rag.types import Citation, Passage

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+|\n+")
# In an answer, markers after the full stop belong to the sentence before them.
_CLAIM_END = re.compile(r"(?<=[.!?])[\"'”’)]*(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?:\s+|\Z)|\n+")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'’][A-Za-z0-9]+)*")
_STOP = frozenset(
    """a an and are as at be been but by for from had has have he her his i in is it its of on or
    our she that the their them there they this to was we were which who will with would said
    says also not than then these those into about after before over under more most such""".split()  # noqa: SIM905
)
SUPPORT_THRESHOLD = 0.3
_ABSTAIN = re.compile(
    r"(articles?|passages?|sources?|context|text)\s+(do(es)?\s*n[o']t|do(es)? not)\s+"
    r"(say|mention|contain|provide|include|specify|state|give)"
    r"|\bno (information|mention)\b|\bnot (mentioned|stated|provided|specified)\b",
    re.I,
)


def is_abstention(answer: str) -> bool:
    text = MARKER.sub("", answer).strip()
    return not text or text.rstrip(".") == ABSTAIN.rstrip(".") or bool(_ABSTAIN.search(text))


def content_words(text: str) -> set[str]:
    # A 6-letter prefix is a crude stem: "laboratories" and "laboratory" meet at "labora".
    return {w.lower()[:6] for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


def support(claim: str, sentence: str) -> float:
    """Share of the claim's content words that the sentence contains."""
    want = content_words(MARKER.sub("", claim))
    return len(want & content_words(sentence)) / len(want) if want else 0.0


def sentence_spans(text: str, boundary: re.Pattern[str] = _SENTENCE_END) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, trimmed of surrounding whitespace."""
    spans, start = [], 0
    for m in boundary.finditer(text):
        spans.append((start, m.start() + len(m.group(0).rstrip())))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        piece = text[s:e]
        s2 = s + len(piece) - len(piece.lstrip())
        e2 = s + len(piece.rstrip())
        if e2 > s2:
            out.append((s2, e2))
    return out


def markers_in(text: str) -> list[int]:
    found: list[int] = []
    for m in MARKER.finditer(text):
        for n in re.split(r"[,;]", m.group(1)):
            if int(n) not in found:
                found.append(int(n))
    return found


def clean_markers(answer: str, valid: set[int]) -> str:
    """Drop marker numbers that name no passage; drop a marker left empty."""

    def keep(m: re.Match[str]) -> str:
        nums = [n.strip() for n in re.split(r"[,;]", m.group(1)) if int(n) in valid]
        return f"[{', '.join(nums)}]" if nums else ""

    return MARKER.sub(keep, answer)


def correct_markers(text: str, by_rank: dict[int, Passage]) -> str:
    """In each sentence, a marker whose passage does not support it is pointed at the passage
    that does, when one clearly does. Small models often cite the right text by the wrong number."""
    pieces, last = [], 0
    for s, e in sentence_spans(text, _CLAIM_END):
        claim = text[s:e]
        if markers_in(claim):
            scores = {n: _best_sentence(claim, p)[1] for n, p in by_rank.items()}
            best = max(scores, key=lambda n: scores[n])

            def fix(m: re.Match[str], scores: dict[int, float] = scores, best: int = best) -> str:
                nums: list[int] = []
                for n in (int(x) for x in re.split(r"[,;]", m.group(1))):
                    if scores[n] < SUPPORT_THRESHOLD <= scores[best]:
                        n = best
                    if n not in nums:
                        nums.append(n)
                return f"[{', '.join(map(str, nums))}]"

            claim = MARKER.sub(fix, claim)
        pieces.append(text[last:s] + claim)
        last = e
    return "".join(pieces) + text[last:]


def attach_citations(answer: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """The answer text (markers cleaned and checked, or one appended) and its citations, in
    marker order."""
    by_rank = {p.rank: p for p in passages}
    text = clean_markers(answer, set(by_rank))
    if is_abstention(text):
        return text, []
    text = correct_markers(text, by_rank)
    claims = [text[s:e] for s, e in sentence_spans(text, _CLAIM_END)]
    if not markers_in(text):
        scored = [(_best_sentence(text, p)[1], p) for p in passages]
        best_score, best = max(scored, key=lambda item: item[0], default=(0.0, None))
        if best is None or best_score < SUPPORT_THRESHOLD:
            return text, []
        text = f"{text.rstrip()} [{best.rank}]"
        claims = [text]
    citations = []
    for n in markers_in(text):
        claim = " ".join(c for c in claims if n in markers_in(c)) or text
        passage = by_rank[n]
        (s, e), score = _best_sentence(claim, passage)
        start, end = passage.chunk.start + s, passage.chunk.start + e
        citations.append(
            Citation(n, passage, start, end, passage.chunk.text[s:e], score >= SUPPORT_THRESHOLD)
        )
    return text, citations


def _best_sentence(claim: str, passage: Passage) -> tuple[tuple[int, int], float]:
    spans = sentence_spans(passage.chunk.text) or [(0, len(passage.chunk.text))]
    scored = [(span, support(claim, passage.chunk.text[span[0] : span[1]])) for span in spans]
    return max(scored, key=lambda item: item[1])


def claim_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of an answer, its trailing markers included."""
    return sentence_spans(text, _CLAIM_END)
