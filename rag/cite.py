"""Turn the model's [n] markers into checked citations, and check each answer sentence.

Markers are first normalised (full-width brackets, "[Passage 2]", ranges) and those that name no
passage are dropped. For each marker, the cited passage's sentences are compared with the answer
sentences that carry it; the best-matching sentence becomes the quote, with its exact character
span in the article, and the citation is `verified` when that sentence supports the claim. A
marker whose passage does not support its sentence is re-pointed to the passage that does. An
answer that cites nothing but is clearly drawn from one passage gets that passage's marker, so
every non-abstaining answer leads back to its source. Finally every answer sentence becomes a
`Claim`, supported or not, for the terminal, `--json` and the chat to flag.

Which sentence is quoted, and which passage a wrong marker is re-pointed to, is decided with
content words (`claim_support`): the share of the claim's words a sentence holds, or, for a bare
answer such as "Dushanbe", whether a sentence names the answer and is about the question. Whether
a citation is `verified` is decided by meaning when an embedder is at hand (as in `rag ask`): the
cosine of question + claim with the passage's best sentence. On 44 hand-labelled pairs
(scripts/verifier_agreement.py, README "Answer quality") meaning agreed with the labels on 36 and
caught 17 of 22 unsupported pairs; content words agreed on 32 and caught 12. An NLI model or the
local LLM as a judge would be stronger, and slower; neither ships with weights here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.prompt import ABSTAIN, MARKER
from rag.sentences import answer_spans, content_words, sentence_spans
from rag.types import Citation, Claim, Passage

SUPPORT_THRESHOLD = 0.3  # content-word support (claim_support)
# Meaning: cosine of (question + claim) with the passage's best sentence. Chosen on 44 hand-labelled
# pairs (scripts/verifier_agreement.py): it agreed with the labels on 36, against 32 for words.
SIMILARITY_THRESHOLD = 0.6
# Similarities of one text to each of several others (embeddings; see rag.embed.similarities).
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


# Full-width brackets and commas (U+3010/3011, U+FF3B/FF3D, U+FF0C) from models trained on CJK.
_FULLWIDTH = re.compile(r"[\[\u3010\uff3b]\s*(\d+(?:\s*[,;\uff0c]\s*\d+)*)\s*[\]\u3011\uff3d]")
_WORDY = re.compile(
    r"\[\s*(?:passages?|sources?|doc(?:ument)?s?)\s*#?\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]", re.I
)
_RANGE = re.compile(r"\[\s*(\d+)\s*[-–]\s*(\d+)\s*\]")


def normalise_markers(text: str) -> str:
    """Small models write markers in many shapes: full-width brackets, [Passage 2], [1-3].
    All become the plain [n] / [n, m] that the rest of the code (and the UI) understands."""
    text = _FULLWIDTH.sub(lambda m: "[" + m.group(1).replace("\uff0c", ",") + "]", text)
    text = _WORDY.sub(r"[\1]", text)

    def expand(m: re.Match[str]) -> str:
        a, b = int(m.group(1)), int(m.group(2))
        return "[" + ", ".join(map(str, range(a, b + 1))) + "]" if 0 < a < b <= a + 10 else m[0]

    return _RANGE.sub(expand, text)


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


def clean_markers(answer: str, valid: set[int]) -> str:
    """Drop marker numbers that name no passage; drop a marker left empty."""

    def keep(m: re.Match[str]) -> str:
        nums = [n.strip() for n in re.split(r"[,;]", m.group(1)) if int(n) in valid]
        return f"[{', '.join(nums)}]" if nums else "\0"

    # A dropped marker takes the space before it along: "agreements [7]." -> "agreements."
    return re.sub(r"[ \t]*\0", "", MARKER.sub(keep, answer))


def correct_markers(text: str, by_rank: dict[int, Passage], question: str | None = None) -> str:
    """In each sentence, a marker whose passage does not support it is pointed at the passage
    that does, when one clearly does. Small models often cite the right text by the wrong number."""
    pieces, last = [], 0
    for s, e in answer_spans(text):
        claim = text[s:e]
        if markers_in(claim):
            scores = {n: _best_sentence(claim, p, question)[1] for n, p in by_rank.items()}
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


def attach_citations(
    answer: str,
    passages: list[Passage],
    question: str | None = None,
    similarity: Similarity | None = None,
) -> tuple[str, list[Citation]]:
    """The answer text (markers cleaned and checked, or one appended) and its citations, in
    marker order. With the question, a bare answer ("Dushanbe") is checked as the claim it makes
    together with the question."""
    by_rank = {p.rank: p for p in passages}
    text = clean_markers(normalise_markers(answer), set(by_rank))
    if is_abstention(text):
        return text, []
    text = correct_markers(text, by_rank, question)
    claims = [text[s:e] for s, e in answer_spans(text)]
    if not markers_in(text):
        scored = [(_best_sentence(text, p, question)[1], p) for p in passages]
        best_score, best = max(scored, key=lambda item: item[0], default=(0.0, None))
        if best is None or best_score < SUPPORT_THRESHOLD:
            return text, []
        text = f"{text.rstrip()} [{best.rank}]"
        claims = [text]
    citations = []
    for n in markers_in(text):
        claim = " ".join(c for c in claims if n in markers_in(c)) or text
        passage = by_rank[n]
        (s, e), score = _best_sentence(claim, passage, question)
        start, end = passage.chunk.start + s, passage.chunk.start + e
        citations.append(
            Citation(
                n,
                passage,
                start,
                end,
                passage.chunk.text[s:e],
                _supports(claim, passage, question, similarity, score),
            )
        )
    return text, citations


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
                _supports(sentence, by_marker[n].passage, question, similarity)
                for n in markers
                if n in by_marker
            )
        claims.append(Claim(s, e, tuple(markers), supported))
    return claims


def _supports(
    claim: str,
    passage: Passage,
    question: str | None,
    similarity: Similarity | None,
    words: float | None = None,
) -> bool:
    """The verifier: by meaning when embeddings are at hand, else by content words."""
    if similarity is None:
        if words is None:
            words = _best_sentence(claim, passage, question)[1]
        return words >= SUPPORT_THRESHOLD
    text = passage.chunk.text
    sentences = [text[s:e] for s, e in sentence_spans(text)] or [text]
    probe = f"{question} {MARKER.sub('', claim)}" if question else MARKER.sub("", claim)
    return max(similarity(probe, sentences)) >= SIMILARITY_THRESHOLD


def _best_sentence(
    claim: str, passage: Passage, question: str | None = None
) -> tuple[tuple[int, int], float]:
    text = passage.chunk.text
    spans = sentence_spans(text) or [(0, len(text))]
    scored = [(span, claim_support(claim, text[span[0] : span[1]], question)) for span in spans]
    return max(scored, key=lambda item: item[1])
