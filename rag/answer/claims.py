"""Yes/No by claims: "Does A suggest X, while B reports Y?" is "Yes" only when each clause holds
in its own outlet's sentences, each checked on its own.

Asked the whole question over all the evidence, a 1.5B model says "Yes" to nearly everything
(P(Yes) above 0.8 whether the gold answer is Yes or No). Asked one small question at a time, "Is
it true that B reports Y?" over the three sentences of B's articles nearest to it in meaning, it
separates true claims from false ones better, if far from well (AUROC 0.69 on held-out dev
questions against 0.51-0.59 for the whole question; `scripts/yes_no_claims.py`, README "Answer
quality"). So the code splits the question into its clauses (one per outlet it names,
`HybridRetriever.clauses`), finds each clause's sentences, reads P(Yes) for each, and answers
"Yes" only when every clause holds, quoting the sentence each clause rests on, or "No" with the
sentence of the clause that failed.

Not for questions about how reports relate ("Was A's report consistent with B's?", "Did the
coverage change?"): each report can say what the question describes and the answer still be
No. Those keep the model's answer (`relates_reports`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer.contrast import opposite
from rag.answer.entity import names_of
from rag.llm.generate import Generator
from rag.search.query import SubQuery
from rag.sources.sentences import sentence_spans
from rag.types import Passage

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

SENTENCES = 3  # shown per clause: the nearest one is not always the one that decides
HOLDS_AT = 0.4  # P(Yes) / (P(Yes) + P(No)) at which a clause holds (see the README)
MIN_SENTENCE_CHARS = 20  # shorter "sentences" are headings and bylines

# Words that make a question about the relation between reports, not about what each says.
# Only the forms that mean it: "the same source also reported ...", "on the same day",
# "alternative", "the remaining games", "trade agreements" are about the story.
_RELATION = re.compile(
    r"\b(?:consisten\w*|inconsisten\w*|chang\w*|shift\w*|align\w*|agree(?:s|d|ing|ment)?|"
    r"disagree\w*|differ\w*|similar\w*|remain(?:s|ed)?|alter(?:s|ed|ing|ations?)?|"
    r"same(?!\s+(?:source|publication|outlet|news\s+source|publisher|day|week|month|year)\b))\b",
    re.I,
)
_LEAD = re.compile(
    r"^\W*(?:and|while|whereas|but|or|compared\s+(?:to|with)|versus|vs\.?|than|with)\s+", re.I
)
_AUX_START = re.compile(
    r"^(?:does|did|is|are|was|were|has|have|had|do|can|could|would|will|should)\b", re.I
)

SYSTEM = "You are a careful fact checker. You answer only from the sentences you are given."


def relates_reports(question: str) -> bool:
    """Whether the question asks how reports relate (agree, stay consistent, change)."""
    return bool(_RELATION.search(question))


def clause_claims(clauses: Sequence[SubQuery]) -> list[tuple[SubQuery, str]]:
    """Each clause as a question of its own: "Does the Verge article imply X" stays a question,
    "while Fortune focuses on Y" becomes "Is it true that Fortune focuses on Y?", and a person
    it refers to by pronoun only is named (`named_person`). [] when fewer than two clauses are
    long enough to be claims."""
    out = []
    outlets = [s for c in clauses for s in c.sources]
    for i, c in enumerate(clauses):
        text = _LEAD.sub("", c.text.strip(" ,;?")).strip()
        if len(text.split()) < 3:
            continue
        text = named_person(text, " ".join(x.text for x in clauses[:i]), outlets)
        if _AUX_START.match(text):
            out.append((c, text[0].upper() + text[1:] + "?"))
        else:
            out.append((c, f"Is it true that {text}?"))
    return out if len(out) >= 2 else []


# A person referred to by pronoun ("while The Verge focuses on his awareness ..."). Lowercase
# only: a capitalised "He" opens a quote or a title more often than a clause.
_PERSON = re.compile(r"\b(?:he|she|him|his|her)\b")
# "her" before these is the person, not her belongings: "asked her to", "saw her at".
_OBJECT_AFTER = re.compile(
    r"\s*(?:$|[.,;:?!)]|(?:to|and|or|in|on|at|for|with|as|that|of|by|from|about|after|"
    r"before|over|into)\b)"
)


def named_person(text: str, before: str, outlets: Sequence[str]) -> str:
    """`text` with its first personal pronoun replaced by the person the question named most
    often `before` it, the first of equals (its subject, as a later clause's "he" usually is:
    "... Caroline Ellison took $14 billion under Sam Bankman-Fried's instruction, while another
    article alleges Sam Bankman-Fried is facing trial, and a third suggests that he ..."), when
    `text` names no one ahead of the pronoun: split off the question, "while The Verge focuses
    on his awareness of financial discrepancies" would be retrieved and read without knowing
    whose. A person is a name of two or more words that is not an outlet."""

    def person(name: str) -> bool:
        return len(name.split()) >= 2 and not any(name in o or o in name for o in outlets)

    m = _PERSON.search(text)
    if m is None or any(person(n) for n in names_of(text[: m.start()])):
        return text
    named = names_of(before)
    people = [n for n in named if person(n)]  # in the order they were first named
    if not people:
        return text
    name = max(people, key=lambda n: named[n])  # the most named; of equals, the first
    word = m.group()
    possessive = word == "his" or (word == "her" and not _OBJECT_AFTER.match(text, m.end()))
    return text[: m.start()] + (f"{name}'s" if possessive else name) + text[m.end() :]


@dataclass(frozen=True)
class Sentence:
    passage: Passage
    start: int  # in the document text
    end: int
    text: str  # whitespace collapsed, as the model and the answer show it

    @property
    def quote(self) -> str:
        """The sentence exactly as the document has it (a citation's quote)."""
        c = self.passage.chunk
        return c.text[self.start - c.start : self.end - c.start]


@dataclass(frozen=True)
class Check:
    """One clause, the sentences it was read against (nearest first), P(Yes), and P(Yes) for
    the clause's opposite over the same sentences where code can word one."""

    claim: str
    sources: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    p_yes: float
    prompt_tokens: int = 0  # of the check's prompt
    opposite: str | None = None
    p_opposite: float | None = None

    @property
    def margin(self) -> float:
        return margin(self.p_yes, self.p_opposite)

    @property
    def holds(self) -> bool:
        return self.margin >= 0


def margin(p_yes: float, p_opposite: float | None) -> float:
    """How far a clause is from the line between holding and not, in log-odds (>= 0: it holds).
    It holds when the model leans to "Yes" for it (P >= HOLDS_AT) and, where the clause has an
    opposite, finds it likelier than the opposite: the model's leaning to "Yes", which is the
    same for both, cancels there, and a claim the sentences deny loses to its denial."""
    plain = logit(p_yes) - logit(HOLDS_AT)
    if p_opposite is None:
        return plain
    return min(plain, logit(p_yes) - logit(p_opposite))


def logit(p: float) -> float:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def nearest_sentences(
    claim: str,
    passages: Sequence[Passage],
    similarity: Callable[[str, list[str]], list[float]],
    n: int = SENTENCES,
) -> list[Sentence]:
    """The `n` sentences of `passages` closest in meaning to `claim`, without repeats."""
    found: dict[str, Sentence] = {}
    for p in passages:
        for s, e in sentence_spans(p.chunk.text):
            text = " ".join(p.chunk.text[s:e].split())
            if e - s > MIN_SENTENCE_CHARS and text not in found:
                found[text] = Sentence(p, p.chunk.start + s, p.chunk.start + e, text)
    if not found:
        return []
    texts = list(found)
    scores = similarity(claim, texts)
    order = sorted(range(len(texts)), key=lambda j: -scores[j])
    return [found[texts[j]] for j in order[:n]]


def check_messages(claim: str, sentences: Sequence[Sentence], source: str) -> list[dict[str, str]]:
    body = "\n".join(f'- "{s.text}"' for s in sentences)
    user = (
        f"Sentences from {source or 'the articles'}:\n{body}\n\n"
        f"Question: {claim}\nAnswer Yes or No, from these sentences only."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def _p_yes(generator: Generator, prompt: str) -> float:
    yes, no = generator.probabilities(prompt, ["Yes", "No"])
    return yes / (yes + no) if yes + no > 0 else 0.5


def reworded(prompt: str, claim: str, other: str) -> str:
    """A check's `prompt` (`check_messages`) asking `other` instead of `claim`: the same text up
    to the question, so its evaluation is reused."""
    return prompt.replace(f"Question: {claim}\n", f"Question: {other}\n")


def check(
    generator: Generator, claim: str, sources: tuple[str, ...], sentences: Sequence[Sentence]
) -> Check:
    """P(Yes) for `claim` over `sentences`, read as the reply's first token, and for its
    opposite (`contrast.opposite`) after the same sentences: the prompt up to the question is
    shared, so the second read costs only the question's tokens."""
    prompt = generator.chat_prompt(check_messages(claim, sentences, " / ".join(sources)))
    p_yes = _p_yes(generator, prompt)
    tokens = generator.prompt_tokens(prompt)
    other = opposite(claim, [s.text for s in sentences])
    if other is None:
        return Check(claim, sources, tuple(sentences), p_yes, tokens)
    # Not a new chat_prompt(): that starts a new question, which reuses only the system turn.
    p_other = _p_yes(generator, reworded(prompt, claim, other))
    return Check(claim, sources, tuple(sentences), p_yes, tokens, other, p_other)


def verdict(checks: Sequence[Check]) -> tuple[bool, list[Check]]:
    """(Yes?, the checks the answer quotes): every clause when all hold; else the ones that
    held, in the question's order, then the ones that failed, least likely first: "A says X,
    but B says Z" shows the reader both sides."""
    failed = sorted((c for c in checks if not c.holds), key=lambda c: c.margin)
    return (not failed, [c for c in checks if c.holds] + failed)


def reason(yes: bool, quoted: Sequence[Check]) -> tuple[str, list[Sentence]]:
    """The answer's text and the sentences its markers [1], [2], ... stand for: "Yes. The
    Verge: “...” [1] TechCrunch: “...” [2]", "No. What Fortune says is: “...” [1]", or, where
    some clauses held, "No. The Verge: “...” [1] But what Fortune says is: “...” [2]"."""
    parts, cited = [], []
    for n, c in enumerate(quoted, 1):
        s = c.sentences[0]
        who = s.passage.source or s.passage.title
        cited.append(s)
        words = s.text.strip('"“”')  # in quotation marks of its own: not doubled, not left open
        if yes or c.holds:
            parts.append(f"{who}: “{words}” [{n}]")
        else:
            lead = "But what" if n > 1 and quoted[n - 2].holds else "What"
            parts.append(f"{lead} {who} says is: “{words}” [{n}]")
    return ("Yes. " if yes else "No. ") + " ".join(parts), cited


def check_question(
    pipeline: Pipeline,
    question: str,
    passages: Sequence[Passage],
    similarity: Callable[[str, list[str]], list[float]],
) -> list[Check]:
    """Each clause of `question` checked against its own outlet's nearest sentences (retrieved
    for the clause, which names the outlet); a question of one clause is one claim, read
    against `passages`. [] when no sentence was found for any."""
    assert pipeline.retriever is not None  # the question was just retrieved for
    pairs = clause_claims(pipeline.retriever.clauses(question))
    targets = (
        [(sub.sources, claim, pipeline.retrieve(claim).passages) for sub, claim in pairs]
        if pairs
        else [((), question, list(passages))]
    )
    checks = []
    for sources, claim, found in targets:
        own = [p for p in found if not sources or p.source in sources] or found
        sentences = nearest_sentences(claim, own, similarity)
        if sentences:
            checks.append(check(pipeline.generator, claim, sources, sentences))
    return checks
