"""Questions whose answer is a name: "Who is the individual ...?", "Which company, reported by
both TechCrunch and The Verge, ...?".

Written freely, a 1.5B model answers such a question by pasting a name in front of the
question's own words ("Solana is the organization founded in late 2015 known for creating the
AI-powered chatbot ChatGPT"): a sentence that reads as a finding of the articles but is only the
question restated. Here the answer is the name alone: the name the model's first sentence opens
with (cut at its first verb or punctuation) or closes with ("The individual who ... is Sam
Bankman-Fried"), and the code cites the chosen units that name it. A name that no evidence unit
holds is still shown, but flagged as unsupported like any other claim.

Left out: proposing candidates in code from the units of every outlet the question names. On 33
MultiHop-RAG dev questions the four retrieved passages held the gold name in two named outlets'
units for only 9 (README, "Answer quality").
"""

from __future__ import annotations

import re

from rag.answer.prompt import MARKER
from rag.llm.generate import Generator

_ENTITY_NOUNS = (
    r"company|companies|individual|person|people|organi[sz]ation|firm|team|player|athlete|"
    r"country|entity|platform|brand|figure|celebrity|artist|musician|singer|actor|actress|"
    r"executive|ceo|founder|group|club|network|startup|exchange|bank|coach|manager|"
    r"politician|leader|official|agency|outlet|university|city|state|nation"
)
_ENTITY_QUESTION = re.compile(
    rf"^\W*(?:who\s*(?:,|is\b|was\b|are\b|were\b|has\b|had\b)|what\s+is\s+the\s+name\s+of\b|"
    rf"(?:which|what)\s+(?:[\w-]+\s+){{0,3}}?"
    rf"(?:{_ENTITY_NOUNS})\b(?!\s+(?:of|did|does|do)\b))",
    re.I,
)
NAME_TOKENS = 64  # "The individual accused of ... is Sam Bankman-Fried": the name may come last
# Where a name that opens the answer ends: "Donald Trump is implicated in ...", "Google, which".
_LEAD_END = re.compile(r",|;|:|\s(?:is|was|are|were|has|had|became|faced|founded)\s")
# A name that closes the first sentence: "The individual ... is Sam Bankman-Fried."
_CLOSING_NAME = re.compile(r"\s(?:is|was|are|were)\s+(?P<name>[A-Z0-9][^,;:]*?)[.!]?\s*$")
_SENTENCE_END = re.compile(r"(?<![A-Z])[.!?](?=\s|$)")
_WORD = r"[A-Z0-9][\w’'&.+-]*"
_NAME = re.compile(rf"^{_WORD}(?:\s+(?:of|de|van|von|al|bin|&|and|the|{_WORD}))*$")
_NOT_A_NAME_START = frozenset("The A An It He She They This That These Those".split())  # noqa: SIM905
MAX_NAME_WORDS = 6


def is_entity_question(question: str) -> bool:
    """ "Who is/was ...?" or "Which company/person/team ...?": the answer is a name."""
    return bool(_ENTITY_QUESTION.match(question))


def entity_name(generator: Generator, head: str) -> str | None:
    """The name the model answers with after `head` (the prompt up to "Answer:"): the name its
    first sentence opens with, or the one it closes with ("The individual who ... is Sam
    Bankman-Fried."); None when it names nobody."""
    text = "".join(generator.complete(head, NAME_TOKENS, ("\n",))).strip()
    return read_name(text)


def read_name(text: str) -> str | None:
    """The name an answer's first sentence opens or closes with (see `entity_name`)."""
    text = MARKER.sub("", text).strip().strip("\"'“”‘’")
    end = _SENTENCE_END.search(text)
    first = text[: end.start()] if end else text
    lead = _LEAD_END.split(first, maxsplit=1)[0].strip().strip("\"'“”‘’")
    if _is_name(lead):
        return lead
    m = _CLOSING_NAME.search(first)
    return m.group("name").strip() if m and _is_name(m.group("name").strip()) else None


def _is_name(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= MAX_NAME_WORDS
        and words[0] not in _NOT_A_NAME_START
        and bool(_NAME.match(text))
    )
