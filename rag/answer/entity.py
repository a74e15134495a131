"""Questions whose answer is a name: "Who is the individual ...?", "Which company, reported by
both TechCrunch and The Verge, ...?".

Written freely, a 1.5B model answers such a question by pasting a name in front of the
question's own words ("Solana is the organization founded in late 2015 known for creating the
AI-powered chatbot ChatGPT"): a sentence that reads as a finding of the articles but is only the
question restated. Here the answer is the name alone: the name the model's first sentence opens
with (cut at its first verb or punctuation) or closes with ("The individual who ... is Sam
Bankman-Fried"), and the code cites the chosen units that name it. A name that no evidence unit
holds is still shown, but flagged as unsupported like any other claim.

A question that describes one entity through several outlets ("Which company, reported by both
TechCrunch and The Verge, ...") is answered by a name every one of them holds: the candidates are
the names that occur in the retrieved passages of each named outlet (`candidates`), those the
question itself uses left out. The model's name stands when it is one of them or any retrieved
passage holds it; a name no passage holds is replaced by the candidate the model scores highest
as its answer's first token (`settle`). Measured on
the 205 MultiHop-RAG dev questions of this kind that name two or more outlets, the candidates
held the gold name for 144, and there was a single candidate for half of them (README, "Answer
quality"). Without candidates (one outlet named, or no name common to all) the model's name
stands as before.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from rag.answer.evidence import pick_option
from rag.answer.prompt import MARKER
from rag.answer.units import Scores, Unit, attributed_spans
from rag.llm.generate import Generator
from rag.search.query import SubQuery
from rag.types import Passage

# Nouns for a person: the answer may be a surname the articles write in full (`full_name`).
_PERSON_NOUNS = (
    r"individual|person|player|athlete|executive|ceo|founder|coach|manager|politician|leader|"
    r"official|celebrity|artist|musician|singer|actor|actress|rapper|author|writer|journalist|"
    r"scholar|scientist|economist|analyst|investor|billionaire|entrepreneur|businessman|"
    r"businesswoman|receiver|quarterback|pitcher|driver|golfer|boxer|fighter"
)
_ENTITY_NOUNS = (
    rf"{_PERSON_NOUNS}|company|companies|people|organi[sz]ation|firm|team|country|entity|"
    r"platform|brand|figure|group|club|network|startup|exchange|bank|agency|outlet|university|"
    r"city|state|nation|institution|authority|regulator|court|product|device|vehicle|truck|car|"
    r"app|chatbot|service|website|retailer|automaker|airline|manufacturer|maker|establishments?"
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
# A name that closes the first sentence, or its main clause: "The individual ... is Sam
# Bankman-Fried." or "... is Sam Altman, who faced ...".
_CLOSING_NAME = re.compile(
    r"\s(?:is|was|are|were)\s+(?P<name>[A-Z0-9][^,;:]*?)"
    r"(?:[.!]?\s*$|,\s|\s+(?:who|which|whose)\b)"
)
# A name that opens the answer, whatever verb follows: "Justin Jefferson would need ...".
# Not a source's ("Sporting News reports that ..."): that is who said it.
_OPENING_RUN = re.compile(
    r"^(?P<name>[A-Z0-9][\w’'&.+-]*(?:\s+(?:of|de|&|[A-Z0-9][\w’'&.+-]*))*)\s+(?P<next>[a-z]\w*)"
)
_REPORTING = frozenset(
    """reports reported says said writes wrote notes noted states stated according
    claims claimed suggests suggested argues argued""".split()  # noqa: SIM905
)
_SENTENCE_END = re.compile(r"(?<![A-Z])[.!?](?=\s|$)")
_WORD = r"[A-Z0-9][\w’'&.+-]*"
_NAME = re.compile(rf"^{_WORD}(?:\s+(?:of|de|van|von|al|bin|&|and|the|{_WORD}))*$")
_NOT_A_NAME_START = frozenset("The A An It He She They This That These Those".split())  # noqa: SIM905
MAX_NAME_WORDS = 6


def is_entity_question(question: str) -> bool:
    """ "Who is/was ...?" or "Which company/person/team ...?": the answer is a name."""
    return bool(_ENTITY_QUESTION.match(question))


def asks_for_name(kind: str, question: str) -> bool:
    """Whether the answer to `question`, routed as `kind` (`rag.answer.route`), is a name: an
    entity question that is neither yes/no nor a choice. Time in it ("Who is the individual ...
    portrayed as trustworthy before the company's collapse?") routes it as temporal, and it
    still asks for a name."""
    return kind in ("open", "temporal") and is_entity_question(question)


def entity_name(generator: Generator, head: str, passages: Sequence[Passage] = ()) -> str | None:
    """The name the model answers with after `head` (the prompt up to "Answer:"): the name its
    first sentence opens with, or the one it closes with ("The individual who ... is Sam
    Bankman-Fried."); None when it names nobody."""
    text = "".join(generator.complete(head, NAME_TOKENS, ("\n",))).strip()
    return read_name(text, passages)


def read_name(text: str, passages: Sequence[Passage] = ()) -> str | None:
    """The name an answer's first sentence opens or closes with (see `entity_name`). One
    word that opens it ("Apple defends ...", "Professional bettors ...") is a name only where
    `passages` write it capitalised inside a sentence."""
    text = MARKER.sub("", text).strip().strip("\"'“”‘’")
    end = _SENTENCE_END.search(text)
    first = text[: end.start()] if end else text
    lead = _LEAD_END.split(first, maxsplit=1)[0].strip().strip("\"'“”‘’")
    if _is_name(lead):
        return lead
    m = _CLOSING_NAME.search(first)
    if m and _is_name(m.group("name").strip()):
        return m.group("name").strip()
    m = _OPENING_RUN.match(first)
    if m is None or m.group("next") in _REPORTING:
        return None
    opening = m.group("name")  # not "The Silicon Valley" of "The Silicon Valley prodigy ..."
    if opening.split()[0] in _NOT_A_NAME_START or not _is_name(opening):
        return None
    if " " not in opening and not _proper(opening, passages):
        return None
    return opening


def _proper(word: str, passages: Sequence[Passage]) -> bool:
    """Whether some passage writes `word` capitalised after a lower-case word or a comma: as
    a name, not as the first word of a sentence."""
    written = re.compile(rf"(?<=[a-z,] ){re.escape(word)}\b")
    return any(written.search(p.chunk.text) for p in passages)


def _is_name(text: str) -> bool:
    """A short run of capitalised words; "The" may open it when a name follows ("The All
    Blacks"), not when a description does ("The individual ...", "The Silicon Valley
    prodigy ...": lower-case words are no name)."""
    words = text.split()
    return (
        0 < len(words) <= MAX_NAME_WORDS
        and (words[0] not in _NOT_A_NAME_START or (words[0] == "The" and len(words) > 1))
        and bool(_NAME.match(text))
    )


# Capitalised words in a row, acronyms included ("FTX", "Sam Bankman-Fried").
_CAPITALISED = re.compile(r"(?<![\w'’.-])[A-Z][\w'’&.-]*(?:[ ][A-Z][\w'’&.-]*)*")
# Capitalised for the sentence, not as a name: dropped from the front of a run.
_LEADING = frozenset(
    """The A An In On At It He She They We I This That These Those But And As For If When
    While After Before Its His Her Their Our Mr Ms Mrs Dr According Also So Then There Here
    What Who How Why Where Which Some Many Most One Two""".split()  # noqa: SIM905
)
_NOT_ENTITIES = frozenset(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December CEO CFO Inc Ltd Co LLC""".split()  # noqa: SIM905
)
MAX_CANDIDATES = 8


def names_of(text: str) -> Counter[str]:
    """The names in `text`, with how often each occurs: capitalised runs without the
    sentence-opening words in front of them, possessives and weekdays left out. Not
    `rag.search.query.names_in`, which reads a question: it skips acronyms and whatever opens
    a sentence, and an answer may be "FTX" or the "Sam Bankman-Fried" a sentence opens with."""
    out: Counter[str] = Counter()
    for m in _CAPITALISED.finditer(text):
        words = [re.sub(r"(?:['’]s?)?[.,'’-]*$", "", w) for w in m.group(0).split()]
        while words and words[0] in _LEADING:
            words.pop(0)
        name = " ".join(w for w in words if w)
        if len(name) >= 2 and name not in _NOT_ENTITIES and not name.isdigit():
            out[name] += 1
    return out


def candidates(
    question: str, passages: Sequence[Passage], outlets: Sequence[Sequence[str]]
) -> list[str]:
    """Names that the retrieved passages of every named outlet hold (title or text) and that
    the question does not use, the most frequent first; [] for fewer than two outlets. A short
    form of a longer candidate ("Trump" of "Donald Trump", "Alameda" of "Alameda Research") is
    the longer one."""
    if len(outlets) < 2:
        return []
    per_outlet = []
    counts: Counter[str] = Counter()
    for sources in outlets:
        found: Counter[str] = Counter()
        for p in passages:
            if p.source in sources:
                found += names_of(f"{p.title}.\n{p.chunk.text}")
        per_outlet.append(set(found))
        counts += found
    common = set.intersection(*per_outlet) if all(per_outlet) else set()
    asked = question.lower()
    common = {n for n in common if not _uses(asked, n)}
    kept = [n for n in common if not any(_short_form(n, m) for m in common if m != n)]
    return sorted(kept, key=lambda n: (-counts[n], n))[:MAX_CANDIDATES]


def _uses(question: str, name: str) -> bool:
    """Whether `question` (lower-cased) uses `name` as a whole word or words."""
    return re.search(rf"\b{re.escape(name.lower())}\b", question) is not None


def _short_form(short: str, long: str) -> bool:
    """ "Trump" of "Donald Trump": the first or last words of a name of at most three words."""
    a, b = short.split(), long.split()
    return len(a) < len(b) <= 3 and (b[: len(a)] == a or b[-len(a) :] == a)


def settle(
    name: str | None,
    options: Sequence[str],
    generator: Generator,
    head: str,
    passages: Sequence[Passage],
    question: str = "",
    outlets: Sequence[str] = (),
) -> str | None:
    """The answer's name given the candidates. A name the question itself uses (`question`
    without its outlets: "according to 'Globes English | Israel Business Arena'" does not use
    the name Israel) or an outlet it names (`outlets`: "Who, according to Iran Press, ...?"
    answered "Iran Press") is no answer to it: it counts as none. The model's own stands when
    it is one of them
    (or a form of one), and also when the retrieved passages hold it at all: four passages may
    miss the name in one outlet's story, and overruling the model then cost more answers than
    it won on dev (README, "Answer quality"). A name no passage holds is replaced by the
    candidate the model would start its answer with, else the most frequent; so is no name
    at all (the model restated the question: "The electric pickup truck discussed in
    TechCrunch as ..." when the candidates were Cybertruck and Tesla). No candidates: as the
    model said."""
    if name is not None and (
        _uses(question.lower(), name) or name.lower() in {o.lower() for o in outlets}
    ):
        name = None
    if not options:
        return name
    if name is None:
        return _likeliest(options, generator, head)
    low = name.lower()
    if any(low in o.lower() or o.lower() in low for o in options):
        return name
    if any(low in f"{p.title} {p.chunk.text}".lower() for p in passages):
        return name
    return _likeliest(options, generator, head)


# A question about a person: its answer may be a surname the articles write in full.
_PERSON_QUESTION = re.compile(rf"^\W*who\b|\b(?:{_PERSON_NOUNS})\b", re.I)
# Capitalised words that stand before a surname without being a first name: titles and roles
# ("Judge Kaplan", "Co-Founder Sam Bankman-Fried" gives Sam, not Co-Founder).
_NOT_FIRST_NAMES = (
    _LEADING
    | _NOT_ENTITIES
    | frozenset(
        """Mr Mrs Ms Mx Dr Sir Dame Lord Lady President Judge Justice Chief Founder Co-Founder
    Former Defendant Prosecutor Minister Secretary Senator Sen Rep Representative Governor Gov
    Coach Manager Director Chairman Chairwoman Chair Professor Prof General Gen Officer
    Attorney Lawyer King Queen Prince Princess Pope Saint Captain Sergeant Detective Agent
    Commissioner Mayor Ambassador Is Was Says Said Told Asked Why Did Does""".split()  # noqa: SIM905
    )
)
_FIRST_NAME = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_SURNAME = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*"  # one word, not an acronym ("FTX")


def full_name(name: str, question: str, passages: Sequence[Passage]) -> str:
    """A person's name as the articles write it in full: a surname alone ("Bankman-Fried", as a
    1.5B model often answers after reading articles that say "Bankman-Fried" after the first
    mention) becomes "Sam Bankman-Fried" when the passages (or their articles' titles: a
    passage is often past the first mention) put one first name before it, or
    one far more often than any other ("Donald" of "Donald Trump" against one "Eric"). Only
    for a question about a person, and for a one-word name: "Alameda" is not given the
    "Research" that follows it, as "Google" is not given "Gemini"."""
    if not re.fullmatch(_SURNAME, name) or not _PERSON_QUESTION.search(question):
        return name
    before = re.compile(rf"(?<![\w'’-])({_FIRST_NAME})\s+{re.escape(name)}\b")
    firsts: Counter[str] = Counter(
        m.group(1)
        for p in passages
        for m in before.finditer(f"{p.title}.\n{p.chunk.text}")  # the first mention may be there
        if m.group(1) not in _NOT_FIRST_NAMES
    )
    ranked = firsts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] < 2 * ranked[1][1]):
        return name
    return f"{ranked[0][0]} {name}"


def _likeliest(options: Sequence[str], generator: Generator, head: str) -> str:
    """The option the model would start its answer with, else the first (the most frequent)."""
    if len(options) == 1:
        return options[0]
    return pick_option(generator, head, tuple(options)) or options[0]


def naming(name: str, units: Sequence[Unit]) -> list[int]:
    """1-based positions of the units whose passage names `name` (`name_keys`)."""
    keys = name_keys(name)
    return [
        i
        for i, u in enumerate(units, 1)
        if any(k.search(t) for k in keys for t in (u.text, u.passage.chunk.text))
    ]


def name_keys(name: str) -> list[re.Pattern[str]]:
    """What names `name` in a text: the name in full, or, as news writing names a person after
    the first mention, the last word of a longer name: a long one anywhere ("Bankman-Fried"
    for "Sam Bankman-Fried"), a shorter one where it is written as a name, capitalised inside
    a sentence ("Trump" for "Donald Trump"; "Games were played" does not name Epic Games)."""
    words = name.removeprefix("The ").split()
    keys = [re.compile(re.escape(name), re.I)]
    if len(words) > 1 and len(words[-1]) >= 6:
        keys.append(re.compile(re.escape(words[-1]), re.I))
    elif len(words) > 1 and len(words[-1]) >= 4 and words[-1][:1].isupper():
        keys.append(re.compile(rf"(?<=[\w,;)] ){re.escape(words[-1])}\b"))
    return keys


def clause_evidence(
    name: str,
    clauses: Sequence[SubQuery],
    cited: Sequence[Unit],
    retrieve: Callable[[str], Sequence[Passage]],
    similarity: Scores,
) -> list[Unit]:
    """The reports a name answer rests on that `cited` lacks. A question for a name describes
    it through several reports ("implicated in ..., according to 'Fortune', and also accused of
    ..., as reported by 'The Age'"), one clause each (`HybridRetriever.clauses`), and the
    model's chosen evidence often holds one of them. For each clause, retrieved on its own,
    the sentence of its outlet's passages that names `name` and is nearest the clause in
    meaning (with the quote it introduces, as evidence units are) is a unit to cite, when its
    article is not cited yet and its outlet has fewer cited articles than the question has
    clauses about that outlet (two reports by TechCrunch may be two articles; one is one)."""
    keys = name_keys(name)
    # In a passage that names it, a sentence may mention it by its last word alone, first in
    # the sentence too ("Trump adjusted the value ...").
    words = name.removeprefix("The ").split()
    short = re.compile(rf"\b{re.escape(words[-1])}\b") if len(words) > 1 else keys[0]
    docs = {u.doc_id: u.passage.source for u in cited}
    wanted = Counter(c.sources for c in clauses if c.sources)
    found: list[Unit] = []
    for clause in clauses:
        have = sum(1 for src in docs.values() if src in clause.sources)
        if not clause.sources or have >= wanted[clause.sources]:
            continue
        spans = [
            (p, s, e)
            for p in retrieve(clause.text)
            if p.source in clause.sources
            and p.chunk.doc_id not in docs
            and any(k.search(f"{p.title}.\n{p.chunk.text}") for k in keys)
            for s, e in attributed_spans(p.chunk.text)
            if keys[0].search(p.chunk.text[s:e]) or short.search(p.chunk.text[s:e])
        ]
        if not spans:
            continue
        texts = [" ".join(p.chunk.text[s:e].split()) for p, s, e in spans]
        scores = similarity(clause.text, texts)
        best = max(range(len(spans)), key=lambda j: scores[j])
        p, s, e = spans[best]
        found.append(Unit(0, p, s, e, scores[best]))
        docs[p.chunk.doc_id] = p.source
    return found
