"""Questions whose answer is a name: "Who is the individual ...?", "Which company, reported by
both TechCrunch and The Verge, ...?".

Written freely, a 1.5B model answers such a question by pasting a name in front of the
question's own words ("Solana is the organization founded in late 2015 known for creating the
AI-powered chatbot ChatGPT"): a sentence that reads as a finding of the articles but is only the
question restated. Here the answer is the name alone: the model's answer is cut where the name
ends (at its first verb or punctuation), and the code cites the chosen units that name it. A name
that no evidence unit holds is still shown, but flagged as unsupported like any other claim.

Left out: proposing candidates in code from the units of every outlet the question names. On 33
MultiHop-RAG dev questions the four retrieved passages held the gold name in two named outlets'
units for only 9 (README, "Answer quality").
"""

from __future__ import annotations

import re

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
NAME_TOKENS = 12
# Where a name ends in "Donald Trump is implicated in ...", "Google, which ...".
_NAME_END = ("\n", ",", ".", ";", ":", " is ", " was ", " has ", " are ", " were ", " had ")
_WORD = r"[A-Z0-9][\w’'&.+-]*"
_NAME = re.compile(rf"^{_WORD}(?:\s+(?:of|de|van|von|al|bin|&|and|the|{_WORD}))*$")
MAX_NAME_WORDS = 6


def is_entity_question(question: str) -> bool:
    """ "Who is/was ...?" or "Which company/person/team ...?": the answer is a name."""
    return bool(_ENTITY_QUESTION.match(question))


def entity_name(generator: Generator, head: str) -> str | None:
    """The name the model answers with after `head` (the prompt up to "Answer:"), cut where the
    name ends; None when its answer does not start with a name ("The individual ...")."""
    text = "".join(generator.complete(head, NAME_TOKENS, _NAME_END))
    name = text.strip().strip("\"'“”‘’")
    if not name or len(name.split()) > MAX_NAME_WORDS or not _NAME.match(name):
        return None
    if name.split()[0] in ("The", "A", "An", "It", "He", "She", "They", "This"):
        return None
    return name
