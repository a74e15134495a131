"""The opposite of a claim, made in code: "Is it true that Fortune says rates rose?" against
"Is it true that Fortune says rates fell?".

A 1.5B model answers "Yes" to most claims it is shown, true or not, so P(Yes) alone says little
about whether a clause holds. Asked the claim and its opposite over the same sentences, the
model's leaning to "Yes" is the same for both and cancels: the claim holds when the model finds
it likelier than its opposite. The opposite is made by one edit a reader would make to deny the
claim: a number replaced by the one the sentences give for the same thing ("his ninth league
goal" against "his eighth league goal"), a negation taken out ("does not", "failed to", "could
not") or one word swapped for its antonym ("higher" for "lower", "victory" for "defeat"). A
claim with none of these has no opposite here, and keeps the plain reading.

Only the part after the question's frame is edited ("Does the Verge article suggest that ..."
keeps "suggest"): the frame says who claims, not what.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

# Pairs of words that deny each other in news prose. Each is swapped both ways; forms are listed
# one by one, since a stemmer would turn "rose" into "fell" but not "rising" into "falling".
_PAIRS = """
positive negative | positively negatively | higher lower | high low | increase decrease |
increased decreased | increases decreases | increasing decreasing | rise fall | rose fell |
risen fallen | rising falling | won lost |
winning losing | victory defeat | victories defeats | success failure | successful unsuccessful |
succeeded failed | improve worsen | improved worsened | improves worsens | improving worsening |
improvement deterioration | better worse | best worst | more less | most least |
earlier later | lawful unlawful | true false |
supported opposed | supporting opposing | accept reject | accepts rejects | accepted rejected |
accepted declined | praise criticize | praised criticized | praises criticizes |
optimistic pessimistic | strong weak | stronger weaker | strongest weakest | above below |
encourage discourage | encourages discourages | encouraged discouraged | benefit harm |
benefits harms | benefited harmed | helps hurts | helped hurt | related unrelated |
relevant irrelevant | likely unlikely | possible impossible | able unable | confirmed denied |
confirms denies | confirm deny | allowed banned | allows bans | include exclude |
includes excludes | included excluded | approve reject | approved rejected | approves rejects |
upward downward | growth decline | grew shrank | grow shrink | growing shrinking |
expanded contracted | expansion contraction |
profitable unprofitable | cheaper dearer | cautious reckless | safe unsafe |
always never | impressive disappointing |
surprising unsurprising | agree disagree | agrees disagrees | agreed disagreed |
consistent inconsistent | similar different | same different | aware unaware |
hired fired | entered exited | leading trailing | boost hurt | boosted hurt |
bullish bearish | hawkish dovish | overvalued undervalued | overestimated underestimated |
transparent opaque | honest dishonest | guilty innocent | convicted acquitted
"""

_SWAP: dict[str, str] = {}
for pair in filter(str.strip, _PAIRS.split("|")):
    a, b = pair.split()
    _SWAP.setdefault(a, b)
    _SWAP.setdefault(b, a)

# A negation whose removal leaves a grammatical sentence: "does not suggest" -> "does suggest",
# "could not have" -> "could have", "failed to report" -> "reported" is not attempted (the verb's
# form would change): "failed to" -> "did".
_NEGATION = re.compile(
    r"\b(?P<aux>do|does|did|is|are|was|were|has|have|had|could|can|will|would|should|may|might)"
    r"(?:\s+not\b|n['’]t\b)"
    r"|\b(?P<cannot>cannot|can['’]t)\b"
    r"|\b(?P<fail>fail(?:s|ed)?|failing)\s+to\b"
    r"|\b(?P<never>never)\b"
    r"|\b(?P<other>someone|something|somewhere|anyone|anything)\s+other\s+than\b",
    re.I,
)
_FAIL = {"fail": "do", "fails": "does", "failed": "did", "failing": ""}

# The question's frame: "Does the Verge article suggest that", "Is it true that the Verge
# article says that". The claim proper comes after it.
_TRUE = re.compile(r"^\s*is\s+it\s+true\s+that\b", re.I)
_FRAME = re.compile(
    r".*?\b(?:suggest|suggests|imply|implies|indicate|indicates|"
    r"claim|claims|state|states|say|says|report|reports|argue|argues|allege|alleges|"
    r"attribute|attributes|credit|credits|describe|describes|mention|mentions|"
    r"anticipate|anticipates|assert|asserts|focus|focuses|discuss|discusses)\b(?:\s+that\b)?",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if like[0].isupper() else word


def _negation_removed(body: str) -> str | None:
    m = _NEGATION.search(body)
    if m is None:
        return None
    if m.group("aux"):
        new = m.group("aux")
    elif m.group("cannot"):
        new = _cased("can", m.group("cannot"))
    elif m.group("fail"):
        new = _FAIL[m.group("fail").lower()]
    else:  # "never", "someone other than": the word goes
        new = ""
    out = body[: m.start()] + new + body[m.end() :]
    return re.sub(r"\s{2,}", " ", out)


def _antonym_swapped(body: str) -> str | None:
    for m in _WORD.finditer(body):
        other = _SWAP.get(m.group().lower())
        if other is not None:
            head = _ARTICLE.sub(partial(_article, word=other), body[: m.start()])
            return head + _cased(other, m.group()) + body[m.end() :]
    return None


_ARTICLE = re.compile(r"\b(an?)(\s+)$", re.I)


def _article(m: re.Match[str], *, word: str) -> str:
    """ "a" or "an" as the swapped-in word needs ("a decrease", "an increase")."""
    a = "an" if word[0] in "aeiou" else "a"
    return _cased(a, m.group(1)) + m.group(2)


# A number as news prose writes it: "16", "2-1", "$26.3", "16th", "eighth", "three".
_ORDINALS = (
    "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
_CARDINALS = "two three four five six seven eight nine ten eleven twelve"
_WORDED = "|".join(f"{_ORDINALS} {_CARDINALS}".split())
_NUMBER = re.compile(
    rf"(?<![\w.,$-])(?:\$?\d[\d,.]*(?:-\d+|st|nd|rd|th|%)?|(?:{_WORDED}))"
    r"\s+(?P<next>[A-Za-z][A-Za-z-]*)",
    re.I,
)


def _numbers(text: str) -> dict[str, set[str]]:
    """The numbers of `text` by the word that follows each: {"league": {"eighth"}}."""
    found: dict[str, set[str]] = {}
    for m in _NUMBER.finditer(text):
        number = m.group()[: m.start("next") - m.start()].strip().lower()
        found.setdefault(m.group("next").lower(), set()).add(number)
    return found


def _number_corrected(body: str, evidence: Sequence[str]) -> str | None:
    """`body` with a number it states replaced by the one the evidence states for the same
    thing, where the evidence never states the claim's: "his ninth league goal" against "his
    eighth league goal" gives "his eighth league goal"."""
    told: dict[str, set[str]] = {}
    for text in evidence:
        for word, numbers in _numbers(text).items():
            told.setdefault(word, set()).update(numbers)
    for m in _NUMBER.finditer(body):
        number = body[m.start() : m.start("next")].strip()
        said = told.get(m.group("next").lower(), set())
        if said and not any(_same_number(number, n) for n in said):
            other = sorted(said)[0]
            return body[: m.start()] + _cased(other, number) + body[m.start() + len(number) :]
    return None


def _same_number(a: str, b: str) -> bool:
    """Whether two written numbers can be the same figure: equal, or one a rounding of the
    other ("$26.3" and "$26")."""
    a, b = a.lower().lstrip("$"), b.lower().lstrip("$")
    if a == b:
        return True
    whole = [x.replace(",", "").split(".")[0] for x in (a, b)]
    return ("." in a or "." in b) and whole[0] == whole[1]


def opposite(claim: str, evidence: Sequence[str] = ()) -> str | None:
    """`claim` denied by one edit after its frame, or None when none applies: a number replaced
    by the one the evidence gives for the same thing, else a negation removed, else the first
    word with an antonym swapped."""
    true = _TRUE.match(claim)
    cut = true.end() if true else 0
    frame = _FRAME.match(claim, cut)
    cut = frame.end() if frame else cut
    head, body = claim[:cut], claim[cut:]
    new = _number_corrected(body, evidence) or _negation_removed(body) or _antonym_swapped(body)
    return None if new is None else head + new
