"""Who said what: the attributions of an article (direct quotes and reported speech), by rules.

`extract_attributions(text)` returns, for each attribution, the content (what was said), the cue
("said", "told", "according to"), the source as written ("he", "the official", "Nikolai
Patrushev") and the speaker it resolves to (a pronoun or a role resolved to the last fitting
named person or organisation of the article). Offsets are exact: `text[s:e]` is the span.
`speaker_key(name)` groups the variants of one speaker across articles ("Patrushev",
"Russian Security Council Secretary Nikolai Patrushev" -> "patrushev").

Regular expressions and word lists, no model: an article takes about a millisecond, and every
step is linear in its length (hostile text included). Measured on PolNeAR with
`scripts/score_attributions.py`.

Two passes:
1. Direct quotes. Quotation marks are paired per paragraph (straight or curly, a quote left open
   at a paragraph's end runs to it). A quote is attributed by a cue clause just after it
   (`"X," he said.` / `"X," said Smith.`) or just before it in its sentence (`Smith said: "X"`,
   `according to Smith, "X"`); an unattributed quote that follows an attributed one in the same
   paragraph continues it (`"X," he said. "Y."` is one content, X to Y). A quote inside the
   speaker's own clause (`Cross said he “may yet have to vote for her”`) is reported speech
   that quotes: the content is the clause.
2. Reported speech, in each part of a sentence outside the direct quotes: `Smith said (that) X`,
   `Smith told Reuters X`, `X, Smith said.`, `X, said Smith.`, `According to Smith, X`,
   `X, according to Smith.`
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache

from rag.sources.sentences import sentence_spans


@dataclass(frozen=True)
class Attribution:
    content: tuple[int, int]  # what was said: a direct quote or reported speech
    cue: tuple[int, int] | None  # "said", "told", "according to", "warned that", ...
    source: tuple[int, int] | None  # the source as written: "he", "the official", "Smith"
    speaker: str | None  # the named person or organisation it resolves to


# --- word lists -----------------------------------------------------------------------------


def _wordlist(words: str) -> list[str]:
    return words.split()


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SPEECH = _wordlist(
    """say says said saying tell tells told telling add adds added adding write writes wrote
writing note notes noted noting argue argues argued arguing claim claims claimed claiming
explain explains explained explaining announce announces announced warn warns warned warning
insist insists insisted insisting acknowledge acknowledges acknowledged concede concedes conceded
admit admits admitted declare declares declared report reports reported predict predicts
predicted contend contends contended maintain maintains maintained complain complains complained
allege alleges alleged assert asserts asserted emphasize emphasizes emphasized emphasised stress
stresses stressed recall recalls recalled tweet tweets tweeted tweeting reply replies replied
respond responds responded testify testifies testified confirm confirms confirmed deny denies
denied promise promises promised pledge pledges pledged vow vows vowed estimate estimates
estimated conclude concludes concluded suggest suggests suggested observe observes observed
mention mentions mentioned reveal reveals revealed disclose discloses disclosed caution cautions
cautioned counter counters countered retort retorted repeat repeats repeated reiterate
reiterates reiterated agree agrees agreed indicate indicates indicated hint hints hinted signal
signals signaled signalled boast boasts boasted charge charges charged acknowledging
believe believes believed think thinks thought fear fears feared worry worries worried hope
hopes hoped expect expects expected know knows knew feel feels felt predicted
"""
)
# Only with a direct quote: verbs of speaking that do not take reported speech.
_QUOTE_ONLY = _wordlist(
    """ask asks asked asking continue continues continued joke jokes joked quip quips
quipped remark remarks remarked shout shouts shouted yell yells yelled exclaim exclaimed muse
mused explain scoff scoffed chant chanted sing sings singing sang read reads
recount recounts recounted posted wonder wonders wondered offer offers offered
summarize summarized put puts state states stated affirm affirms affirmed chant chanting chanted
shouting screamed cried yelling dubbed dub dubs label labels labeled labelled labeling
call calls called calling describe describes described proclaim proclaims proclaimed exclaims
declaring quoted quoting reads
"""
)
# Attitudes and acts that PolNeAR counts as attributions (chosen on its train split: words that
# are a cue in at least about half of their occurrences there).
_ATTITUDE = _wordlist(
    """called calling calls described describing describes found finds showed shows
endorsed endorsing declined accused accusing accuses criticized criticizing criticised expressed
pointed referring referred urged urging supported sought seeking seeks refused refusing cited
citing cites proposed proposing defended defending stated stating praised praising praises
suggesting rejected attacked questioned questioning blasted blasting denounced denouncing
dismissed dismissing blamed echoed mocked mocking condemned announcing joked declaring reminded
challenged voiced recalling portrayed decried highlighted highlighting touted touting railed
slammed slams emailed pleaded thanked lamented vowing assailed referenced likened implied
alleging bemoaned asked asking continued seemed seems appeared appears talked talking
insisting arguing noting adding saying telling warning claiming
"""
)
_REPORT_CUES = frozenset(_SPEECH + _ATTITUDE)
_QUOTE_CUES = frozenset(_SPEECH + _QUOTE_ONLY)
# Verbs whose object (the hearer) comes before the content: "told Reuters (that) ...".
_HEARER = _wordset("tell tells told telling warn warns warned warning remind reminded assure "
                    "assured inform informed ask asked")  # fmt: skip
_AUX = _wordset("""has have had also later previously repeatedly recently once already then
publicly privately has would will could may might did does do not never often again is was were
are been be being quickly simply just still even further flatly earlier reportedly
initially separately frequently long falsely correctly rightly wrongly angrily bluntly
itself himself herself themselves here
""")
_PRONOUNS = {"he": "person", "she": "person", "they": "any", "it": "org", "we": "org",
             "who": "rel", "which": "rel", "i": None, "you": None}  # fmt: skip
# Roles: a person's or an organisation's, resolved to the last named one of that kind.
_PERSON_ROLES = _wordset("""official officials spokesman spokeswoman spokesperson spokesmen
spokeswomen spokespeople person aide aides
adviser advisers advisor advisors source sources minister president secretary senator
governor chairman chairwoman chair director lawyer lawyers attorney attorneys candidate nominee
leader leaders ambassador general commander chief executive analyst analysts expert experts
economist economists critic critics supporter supporters voter voters lawmaker lawmakers
congressman congresswoman representative strategist strategists pollster pollsters member
members officer officers prosecutor prosecutors investigator investigators diplomat diplomats
businessman manager founder researcher researchers scientist scientists author authors man
woman people residents observers republicans democrats activists organizers protesters
witnesses doctor doctors professor mayor judge justice speaker statement report study poll
survey analysis letter memo filing complaint document documents data figures""")
_ORG_ROLES = _wordset("""ministry department agency campaign administration government company
firm committee council group organization organisation network newspaper paper party
office commission court police military army company's bank embassy union foundation
institute university board bureau authority authorities service team state""")
_DETERMINERS = _wordset("the a an his her their its our this that these those some many several "
                         "two three four both other another one most few each")  # fmt: skip
_TITLES = _wordset("""mr mrs ms miss dr sen senator rep representative gov governor gen general
president vice secretary minister prime deputy chief chairman chairwoman director spokesman
spokeswoman ambassador judge justice lt col sgt capt adm maj rev prof professor sir lord dame
speaker leader mayor commissioner attorney former acting candidate nominee ceo chair king queen
prince pope candidate executive officer adviser advisor aide official cardinal bishop
admiral rear brigadier colonel lieutenant major sergeant captain commander marshal
""")
_NAME_SUFFIX = _wordset("jr jr. sr sr. ii iii iv")
_ORG_WORDS = _wordset("""ministry department agency council party committee office commission
campaign association institute university foundation corp corporation inc company group times
post news journal network reuters press cnn fox nbc abc cbs bbc msnbc congress senate house
court bank fund union organization organisation service administration government police army
navy forces center centre board bureau club league federation alliance coalition tribune
herald guardian telegraph gazette magazine review ap afp politifact pac fbi cia nsa epa
states kingdom republic nations emirates union city county province islands street
""")
_NOT_NAMES = _wordset("""the a an but and or so yet if when while after before as at in on of
for to from by with this that these those it its he she they we i you his her their our there
here then what who why how where monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
only rival said says even also both many still now meanwhile however partial keeps
""")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Maj|St|Jr|Sr|Rev|Prof|Inc|Corp|"
    r"Co|Ltd|No|vs|Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|Ariz|Calif|Fla|Ill|Mass|Mich|Pa|"
    r"Tex|Va|Wash|Wis|Ky|Md|Mo|Ga|Ala|Ark|Colo|Conn|Del|Ind|Kan|La|Minn|Miss|Mont|Neb|Nev|Okla|Ore|"
    r"Tenn|Vt|Wyo)\.|\b[A-Z]\.|\b(?:[A-Z]\.){2,}|\b[RDI]-[A-Z][A-Za-z.]*\.)$"
)

_OPENERS = '“„«"'
_CLOSERS = '”»"'
_TOKEN = re.compile(
    r"(?:[A-Z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Maj|St|Jr|Sr|Rev|Prof)\."
    r"|[A-Z]\.(?=\s+[A-Z])|[\w’'&.-]*\w|[^\w\s]"
)
# A capitalised word; a full stop only after an initial or a title ("J.", "Sen."), so that a run
# never crosses a sentence end ("... the United States. The Islamic Republic ...").
_NAME_WORD = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|St|Jr|Sr|Rev|Prof|Inc|Corp|Co|Ltd)\."
    r"|[A-Z]\.(?=\s+[A-Z])"
    r"|(?:[A-Z]\.){2,}|[A-Z][\w’'&-]*\w)"
)
_NAME_RUN = re.compile(
    _NAME_WORD
    # Spaces, not line breaks: a heading ("Strategic Relations") does not run into the name
    # that opens the next paragraph.
    + r"(?:[^\S\n]+(?:(?:of|the|de|del|la|van|von|der|al|bin|ibn|da|di|du|le)[^\S\n]+)?"
    + _NAME_WORD
    + ")*"
)
_WORD = re.compile(r"[\w’'.-]*\w")


# --- quotation marks ------------------------------------------------------------------------


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in re.finditer(r"\n", text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


_QUOTE_MARK = re.compile(r"''|[\"“„«”»]")


def quote_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Paired double quotation marks in text[start:end] (one paragraph), each span from its
    opening mark to its closing mark inclusive; one left open runs to the end."""
    end = len(text) if end is None else end
    out = []
    open_at = -1
    for m in _QUOTE_MARK.finditer(text, start, end):
        i, mark = m.start(), m.group(0)
        if mark in ('"', "''"):  # straight: opens or closes ('' in some archives)
            if open_at < 0:
                open_at = i
            else:
                out.append((open_at, m.end()))
                open_at = -1
        elif mark in "“„«":
            open_at = i  # a new opening restarts an unclosed one
        elif open_at >= 0:
            out.append((open_at, i + 1))
            open_at = -1
    if open_at >= 0:
        e = end
        while e > open_at + 1 and text[e - 1].isspace():
            e -= 1
        if e - open_at > 1:
            out.append((open_at, e))
    return out


def _words(s: str) -> int:
    return len(_WORD.findall(s))


# --- sources --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Src:
    span: tuple[int, int]
    kind: str  # "name", "pronoun", "role"


def _tokens(text: str, s: int, e: int) -> list[tuple[int, int]]:
    return [(s + m.start(), s + m.end()) for m in _TOKEN.finditer(text[s:e])]


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


def _before_auxiliaries(text: str, toks: list[tuple[int, int]], i: int) -> int:
    """The index of the token before the cue at token i, auxiliaries and adverbs skipped
    ("has also said")."""
    j = i - 1
    while j >= 0 and (
        text[toks[j][0] : toks[j][1]].lower() in _AUX
        or _ADVERB.fullmatch(text[toks[j][0] : toks[j][1]])
    ):
        j -= 1
    return j


def _source_before(text: str, toks: list[tuple[int, int]], i: int) -> _Src | None:
    """The source noun phrase that ends before the cue at token i: auxiliaries and adverbs
    skipped ("has also said"), and an aside ("Rendell, a former governor, said", "Durbin
    (D-Ill.) said") kept in the span."""
    j = _before_auxiliaries(text, toks, i)
    if j > 0 and text[toks[j][0]] == ")":
        for k in range(j - 1, max(-1, j - 12), -1):
            if text[toks[k][0]] == "(":
                src = _np_before(text, toks, k - 1)
                return _Src((src.span[0], toks[j][1]), src.kind) if src else None
    if j > 0 and text[toks[j][0]] in ",—–":
        mark = text[toks[j][0]]
        for k in range(j - 1, max(-1, j - 30), -1):
            ch = text[toks[k][0]]
            if ch in '.;:“"”':
                break
            if ch == mark or (mark in "—–" and ch in "—–"):
                src = _np_before(text, toks, k - 1)
                if src is None:
                    break
                return _Src((src.span[0], toks[j - 1][1]), src.kind)
        return None
    return _np_before(text, toks, j)


def _np_before(text: str, toks: list[tuple[int, int]], j: int) -> _Src | None:
    """The noun phrase that ends at token j: a pronoun, a name, or a role ("the official")."""
    if j < 0:
        return None
    word = text[toks[j][0] : toks[j][1]]
    low = word.lower()
    if low in _PRONOUNS:
        return _Src(toks[j], "pronoun") if _PRONOUNS[low] is not None else None
    if _is_cap(word) and low not in _NOT_NAMES:
        k = j
        while k > 0:
            prev = text[toks[k - 1][0] : toks[k - 1][1]]
            if _is_cap(prev) and prev.lower() not in _NOT_NAMES and prev not in '“"':
                k -= 1
            elif (
                prev.lower() in ("of", "the", "de", "van", "von", "al")
                and k > 1
                and _is_cap(text[toks[k - 2][0] : toks[k - 2][1]])
                and text[toks[k - 2][0] : toks[k - 2][1]].lower() not in _NOT_NAMES
            ):
                k -= 2
            else:
                break
        if k > 0 and text[toks[k - 1][0] : toks[k - 1][1]].lower() in _PERSON_ROLES | _TITLES:
            # "union leader Kim Osei": the role before the name belongs to the source
            k -= 1
            while (
                k > 0
                and j - k < 8
                and text[toks[k - 1][0] : toks[k - 1][1]].isalpha()
                and text[toks[k - 1][0] : toks[k - 1][1]].islower()
                and text[toks[k - 1][0] : toks[k - 1][1]] not in _NOT_NAMES | _AUX | _REPORT_CUES
            ):
                k -= 1
            first = text[toks[0][0] : toks[0][1]]
            if k == 1 and _is_cap(first) and first.lower() not in _NOT_NAMES:
                k = 0  # "Central bank governor Mira Solberg" opening the sentence
        return _Src((toks[k][0], toks[j][1]), "name")
    if low in ("percent", "half", "most", "many", "some", "others", "majority") or word.isdigit():
        k = j
        while k > 0 and (
            text[toks[k - 1][0] : toks[k - 1][1]].lower() in _DETERMINERS | {"of", "in", "percent"}
            or text[toks[k - 1][0] : toks[k - 1][1]].isdigit()
        ):
            k -= 1
        return _Src((toks[k][0], toks[j][1]), "role")  # "26 percent said", "six in 10 said"
    role = low in _PERSON_ROLES or low in _ORG_ROLES or low.rstrip("s") in _ORG_ROLES
    if not role and word.isalpha() and word.islower() and low not in _NOT_NAMES:
        # "Several senators said", "those surveyed said": a determiner close before.
        for k in range(j - 1, max(-1, j - 6), -1):
            pk = text[toks[k][0] : toks[k][1]].lower()
            if pk in _DETERMINERS and pk not in ("that", "this", "a", "an", "one"):
                role = True  # "The billionaire real estate magnate says"
                break
            if pk in ("and", "or") and k < j - 1:
                continue  # "three current and former Podesta employees said"
            if not pk.isalpha() or pk in _NOT_NAMES or pk in _REPORT_CUES or pk in _AUX:
                break
    if role:
        k = j
        steps = 0
        while k > 0 and steps < 5:
            prev = text[toks[k - 1][0] : toks[k - 1][1]]
            pl = prev.lower()
            if not prev[:1].isalnum():
                break
            if pl in _DETERMINERS:
                k -= 1
                break
            if pl in _NOT_NAMES or pl in _REPORT_CUES or pl in _AUX:
                break
            k -= 1
            steps += 1
        if k > 0 and text[toks[k - 1][0] : toks[k - 1][1]].lower() in _NOT_BEFORE_SUBJECT:
            return None  # "in a meeting with his Russian counterpart stressed": not the subject
        return _Src((toks[k][0], toks[j][1]), "role")
    return None


def _source_after(
    text: str, toks: list[tuple[int, int]], i: int, loose: bool = False
) -> _Src | None:
    """The source noun phrase that starts at token i ("said Monte Shaw", "said the official").
    `loose`: where nothing but a source can stand (between a quote and its cue), any noun
    phrase will do ("nuclear experts David Albright", "one senior Democrat")."""
    if i >= len(toks):
        return None
    word = text[toks[i][0] : toks[i][1]]
    low = word.lower()
    if low in _PRONOUNS:
        return _Src(toks[i], "pronoun") if _PRONOUNS[low] in ("person", "any", "org") else None
    cap = _is_cap(word) and low not in _NOT_NAMES
    det = low in _DETERMINERS and low != "that"
    plain = loose and word[:1].isalpha() and low not in _NOT_NAMES and low not in _QUOTE_CUES
    if not (cap or det or plain) or low in _AUX:
        return None
    k = i
    while k + 1 < len(toks):
        nxt = text[toks[k + 1][0] : toks[k + 1][1]]
        nl = nxt.lower()
        if not nxt[:1].isalnum() and nxt not in "’'":
            break
        if nl in _NOT_NAMES - {"of", "the"} or nl in _QUOTE_CUES or nl in _AUX:
            break
        k += 1
        if k - i > 7:
            break
    words = [text[a:b] for a, b in toks[i : k + 1]]
    if any(_is_cap(w) and w.lower() not in _NOT_NAMES for w in words):
        return _Src((toks[i][0], toks[k][1]), "name")
    last = words[-1].lower()
    if not loose and last not in _PERSON_ROLES and last not in _ORG_ROLES:
        return None
    return _Src((toks[i][0], toks[k][1]), "role")


# --- speakers -------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _clean_name(name: str) -> str:
    """A name without leading titles and roles: "Russian Security Council Secretary Nikolai
    Patrushev" -> "Nikolai Patrushev"; "Mr. Trump" -> "Trump"."""
    name = re.sub(r"(?:’s|'s|’|')$", "", name.strip())
    # "Iran's Shamkhani": the country qualifies the person.
    name = re.sub(r"^(?:[A-Z][\w-]*\s+)*[A-Z][\w-]*(?:’s|'s)\s+(?=[A-Z])", "", name)
    name = _person_after_role(name)
    words = name.split()
    cut = 0
    for k, w in enumerate(words[:-1]):
        if w.lower().rstrip(".") in _TITLES or (k == cut and w.lower() in _PERSON_ROLES):
            cut = k + 1  # "Economist Priya Nand": a role that opens the name
    words = words[cut:]
    while len(words) > 1 and words[0].lower() in _NOT_NAMES:
        words = words[1:]
    return " ".join(words)


_POSSESSIVE = re.compile(r"(?:’s|'s|’|'|\.)$")


def _person_after_role(name: str) -> str:
    """"Secretary of Iran's Supreme National Security Council Ali Shamkhani" -> "Ali Shamkhani":
    two or three capitalised words after the last organisation word are the person; else the
    name as it is."""
    words = name.split()
    last_org = max(
        (k for k, w in enumerate(words) if _POSSESSIVE.sub("", w.lower()) in _ORG_WORDS),
        default=-1,
    )
    tail = words[last_org + 1 :]
    if len(tail) > 3 and tail[0] == "of" and tail[1][:1].isupper():
        tail = tail[2:]  # "Security Council of Russia Nikolai Patrushev": the country first
    k = 0
    while len(tail) - k > 2 and tail[k].lower().rstrip(".") in _TITLES:
        k += 1  # "... Council Rear Admiral Ali Shamkhani"
    tail = tail[k:]
    if last_org >= 0 and 2 <= len(tail) <= 3 and all(w[:1].isupper() for w in tail):
        return " ".join(tail)
    return name


@lru_cache(maxsize=8192)
def _is_org(name: str) -> bool:
    """An organisation or a place, not a person: an organisation word ("Ministry", "Inc."), an
    acronym, or "of" inside the name once titles are gone ("Islamic Republic of Iran")."""
    words = name.split()
    if "of" in words[1:-1]:
        return True
    return any(_POSSESSIVE.sub("", w.lower()) in _ORG_WORDS for w in words) or (
        len(words) == 1 and name.isupper() and len(name) > 1
    )


def speaker_key(name: str) -> str:
    """One key for the variants of a speaker: the lowercased last word of a person's name,
    titles and suffixes dropped ("Mr. Trump", "President Donald J. Trump" -> "trump"); an
    organisation's whole lowercased name without "the" ("The Foreign Ministry" ->
    "foreign ministry")."""
    name = re.sub(r"\s+", " ", name).strip()
    if _is_org(_clean_name(name)):
        low = name.lower()
        low = re.sub(r"^the\s+", "", low)
        return re.sub(r"(?:’s|'s)$", "", low)
    words = [w for w in _clean_name(name).split() if w.lower() not in _NAME_SUFFIX]
    words = [w.rstrip(",") for w in words if w.rstrip(",")]
    if not words:
        return name.lower()
    last = words[-1].lower()
    return re.sub(r"(?:’s|'s|’|')$", "", last)


class _Entities:
    """Named people and organisations in article order, for resolving pronouns and roles."""

    def __init__(self, text: str) -> None:
        self.items: list[tuple[int, str, bool]] = []  # (offset, name, is_org)
        self.holders: dict[str, str] = {}  # an office named alone -> its holder
        full: dict[str, str] = {}
        for m in _NAME_RUN.finditer(text):
            raw = m.group(0)
            words = raw.split()
            while words and words[0].lower() in _NOT_NAMES:
                words = words[1:]
            if not words:
                continue
            name = " ".join(words)
            org = _is_org(_clean_name(name))
            if not org:
                name = _clean_name(name)
                parts = name.split()
                if len(parts) >= 2:
                    full[parts[-1]] = name
                elif parts and parts[0] in full:
                    name = full[parts[0]]
                else:
                    continue  # a lone capitalised word: not sure it is a person
            self.items.append((m.start(), name, org))
            if not org and 2 < len(words) <= 16:
                self._holder(words, name)
        self.offsets = [o for o, _, _ in self.items]
        self.full = full
        # The splits its attribution rules were measured on (README, "Who said what").
        self.sentences = [st for st, _ in sentence_spans(text, abbreviations=False)]

    def _holder(self, words: list[str], person: str) -> None:
        """Record "Secretary of the Harbour Board" -> "Ines Vale" from "Secretary of the Harbour
        Board Rear Admiral Ines Vale": who holds an office the article names without a name."""
        for cut in range(len(words) - 1, 0, -1):
            office = " ".join(words[:cut])
            if _only_a_title(office) and not _only_a_title(person):
                self.holders.setdefault(office, person)  # each: "... Council Rear Admiral"

    def subject_before(self, before: int, speakers: set[str]) -> str | None:
        """The first of `speakers` (keys of people the article quotes by name) named in the
        nearest earlier sentence that names one (at most three sentences back): who "he" or
        "she" most often is in news prose. In "Ali Shamkhani met his counterpart Nikolai
        Patrushev. “…,” he noted." the speaker is Shamkhani, whom the last-named-person rule got
        wrong. Only people quoted by name count: a run of capitals such as "Regional Security
        Dialogue" is not taken for a person."""
        from bisect import bisect_left, bisect_right

        i = bisect_right(self.sentences, before) - 1
        for j in range(i - 1, max(-1, i - 4), -1):
            lo = self.sentences[j]
            hi = self.sentences[j + 1]
            for k in range(bisect_left(self.offsets, lo), bisect_left(self.offsets, hi)):
                _, name, is_org = self.items[k]
                if not is_org and speaker_key(name) in speakers:
                    return name
        return None

    def sentence_of(self, offset: int) -> int:
        from bisect import bisect_right

        return bisect_right(self.sentences, offset) - 1

    def last(self, before: int, org: bool | None) -> str | None:
        from bisect import bisect_left

        k = bisect_left(self.offsets, before) - 1
        while k >= 0 and before - self.items[k][0] < 5000:
            _, name, is_org = self.items[k]
            if org is None or is_org == org:
                return name
            k -= 1
        return None

    def expand(self, name: str) -> str:
        parts = name.split()
        if len(parts) == 1 and parts[0] in self.full:
            return self.full[parts[0]]
        return name


def _only_a_title(name: str) -> bool:
    """Whether a capitalised source names an office and no one holding it: "Secretary of
    Iran's Supreme National Security Council", "Secretary"."""
    raw = name.split()
    if raw[:1] in (["The"], ["the"]):
        raw = raw[1:]
    words = [_POSSESSIVE.sub("", w).lower() for w in raw]
    return bool(words) and words[0] in _TITLES and all(
        w in _TITLES or w in _ORG_WORDS or w in _PERSON_ROLES or w in ("of", "the", "and")
        or raw[k].endswith(_S)  # "Iran's"
        or (k > 0 and words[k - 1] == "of")  # "of Russia"
        or w in ("supreme", "national", "security", "foreign", "defense", "defence", "state")
        for k, w in enumerate(words)
    )


def _speaker(text: str, src: _Src | None, ents: _Entities, last: str | None) -> str | None:
    if src is None:
        return None
    s, e = src.span
    words = text[s:e]
    if src.kind == "name":
        m = _NAME_RUN.search(words)
        name = m.group(0) if m else words
        bare = re.sub(r"^(?:The|the)\s+", "", name)
        if _only_a_title(name):
            # "Secretary of Iran's Supreme National Security Council said": the office. Its
            # holder is who the article names with it ("... Council Ali Shamkhani"), else
            # no one: the last person named may hold another country's office.
            return ents.holders.get(bare)
        if _is_org(_clean_name(name)):
            return re.sub(r"(?:’s|'s)$", "", bare)
        return ents.expand(_clean_name(name)) or None
    low = words.lower()
    if src.kind == "pronoun":
        kind = _PRONOUNS.get(low)
        if kind == "rel":
            return ents.last(s, None)
        if kind == "org":
            return ents.last(s, True)
        if kind == "person":
            return last or ents.last(s, False)
        return last or ents.last(s, None)
    head = low.split()[-1] if low.split() else low
    for m in _NAME_RUN.finditer(words):  # "the minister, Omar Haddad,"
        name = " ".join(w for w in m.group(0).split() if w.lower() not in _NOT_NAMES)
        if name and (len(name.split()) > 1 or name in ents.full):
            return ents.expand(_clean_name(name))
    if head in _ORG_ROLES or head.rstrip("s") in _ORG_ROLES:
        return ents.last(s, True)
    return last or ents.last(s, False)


# --- the extractor --------------------------------------------------------------------------

_AFTER_QUOTE_PP = re.compile(
    r"^\s*(?:(?:on|in|at|during|to|with|from|for|after|before|via|about|when|while|of)\b[^.,;:“\"]*)?"
)
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+")
_THAT = re.compile(r"^\s*(?:,\s*)?(?:that\b|:)?\s*")


def _sentences(text: str) -> list[tuple[int, int]]:
    """sentence_spans, with the splits after abbreviations ("Mr.", "Sen.", "U.S.") undone."""
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, abbreviations=False):
        if out:
            ps, pe = out[-1]
            gap = text[pe:s]
            if "\n" not in gap and (
                _ABBREV.search(text[max(ps, pe - 12) : pe]) or text[s].islower()
            ):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


def _cue_at(text: str, toks: list[tuple[int, int]], i: int, cues: frozenset[str]) -> bool:
    return text[toks[i][0] : toks[i][1]].lower() in cues


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in ",:;—–-"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",.;:—–-"):
        e -= 1
    # A part that ends in a coordinator runs on into the next part ("... in that country and
    # said: “...”"): what was said ends before it.
    end = _DANGLING.search(text, s, e)
    return _trim(text, s, end.start()) if end and end.start() > s else (s, e)


_DANGLING = re.compile(r"\s(?:and|but|or)$")


def _after_hearer(text: str, toks: list[tuple[int, int]], i: int) -> int:
    """Token index after the hearer of "told Reuters", "told reporters on Monday that"."""
    for k in range(i + 1, min(len(toks), i + 9)):
        if text[toks[k][0] : toks[k][1]].lower() == "that":
            return k + 1
    if i + 1 < len(toks):
        k = i + 1
        w = text[toks[k][0] : toks[k][1]]
        if w.lower() in _DETERMINERS:
            k += 1
        while k < len(toks) and (
            _is_cap(text[toks[k][0] : toks[k][1]]) or text[toks[k][0] : toks[k][1]].lower()
            in ("him", "her", "them", "me", "us", "reporters", "journalists", "supporters",
                "voters", "audience", "crowd", "newspaper", "network", "interviewer")
        ):  # fmt: skip
            k += 1
        return k
    return i + 1


_SENT_END = re.compile(r"[.!?](?=[\"'”’)]*(?:\s|$))")
_LEADERS = _wordset("but and so still yet however also then later meanwhile instead")
_ADVERB = re.compile(r"(?!(?:family|ally|rally|assembly|supply|daily)$)[a-z]{3,}ly")
_VERBISH = re.compile(r"[a-z]+(?:ed|s)$")


def _sentence_end(text: str, start: int, limit: int) -> int:
    """The end of the sentence that starts at `start` (a full stop after an abbreviation does
    not end it), or `limit`."""
    for m in _SENT_END.finditer(text, start, limit):
        if m.group(0) == "." and _ABBREV.search(text[max(start, m.start() - 12) : m.end()]):
            continue
        return m.end()
    return limit


def _subject(text: str, toks: list[tuple[int, int]], upto: int) -> _Src | None:
    """The subject at the start of a sentence ("Trump called on her to resign and said, ..."),
    when it is a name or a pronoun."""
    i = 0
    while i < upto and (
        text[toks[i][0] : toks[i][1]].lower() in _LEADERS or text[toks[i][0]] in ",—–-"
    ):
        i += 1
    if i >= upto:
        return None
    src = _source_after(text, toks, i)
    if src is None or src.kind == "role" or src.span[1] > toks[upto][0]:
        return None
    # "Priya Nand paid off her loans ..., but said": the name ends before its verb.
    k = next(k for k in range(i, upto) if toks[k][1] >= src.span[1])
    while k > i and text[toks[k][0]].islower():
        k -= 1
    return _Src((src.span[0], toks[k][1]), src.kind)


def extract_attributions(text: str) -> list[Attribution]:
    """The attributions of an article, in text order."""
    if not text or not text.strip():
        return []
    ents = _Entities(text)
    found: list[tuple[Attribution, _Src | None]] = []
    covered: list[tuple[int, int]] = []
    unattributed: list[tuple[int, int]] = []  # direct quotes no cue claims
    sentences = _sentences(text)
    sent_starts = [s for s, _ in sentences]

    def sentence_of(offset: int) -> int:
        return bisect_right(sent_starts, offset) - 1

    # 1. Direct quotes.
    # The last attributed quote: its index in found, its end, whether its paragraph ends there.
    prev: tuple[int, int, bool] | None = None
    for ps, pe in _paragraphs(text):
        quotes = quote_spans(text, ps, pe)
        if prev is not None and not (
            quotes and quotes[0][0] == ps and (_open_ended(text, prev[1]) or prev[2])
        ):
            # A quote runs on into the next paragraph when left open, or when the paragraph
            # before ended with the attributed quote (Patrushev called it "dangerous."¶"The
            # pact ... is a new NATO ...") and this one opens with a quote of its own.
            prev = None
        for qi, (qs, qe) in enumerate(quotes):
            inner = text[qs + 1 : qe - 1].strip("'")
            nxt = quotes[qi + 1][0] if qi + 1 < len(quotes) else pe
            si = sentence_of(qs)
            sent_start = max(sentences[si][0] if si >= 0 else ps, ps)
            prev_end = quotes[qi - 1][1] if qi else ps
            before_start = max(sent_start, prev_end)
            full = _words(inner) >= 4 or (inner.rstrip()[-1:] in ",.?!" and _words(inner) >= 2)
            if not full:
                continue
            if (
                _words(inner) < 6
                and _words(text[sent_start:qs]) >= 2
                and not re.search(r"[:,]\s*$", text[sent_start:qs])
                and inner.rstrip()[-1:] not in ".?!"
            ):
                continue  # a phrase quoted inside a sentence: left to reported speech
            got = _quote_after(text, qe, nxt)
            if got is None and prev is not None:
                # A continuation: the quote follows the last attributed one, in its sentence or
                # at the start of the next, with no other cue between.
                pi, clause_end, _ = prev
                cs = sentence_of(clause_end - 1)
                gap = text[clause_end:qs]
                if (
                    clause_end <= qs
                    and (
                        si == cs
                        or (si == cs + 1 and not text[sent_start:qs].strip())
                        or ps >= clause_end
                    )
                    and (si != cs or not any(w.lower() in _QUOTE_CUES for w in _WORD.findall(gap)))
                ):
                    att, src = found[pi]
                    said = att.content[1] - att.content[0] + qe - qs
                    if 2 * said >= qs - att.content[1]:
                        found[pi] = (replace(att, content=(att.content[0], qe)), src)
                    else:  # too far to make one span: the same speaker again
                        found.append((replace(att, content=(qs, qe)), src))
                        pi = len(found) - 1
                    prev = (pi, qe, not text[qe:pe].strip())
                    continue
            if got is None and qs == ps and text[:ps].rstrip().endswith(":"):
                # The New York Times reports:¶"..."
                colon = len(text[:ps].rstrip())
                ls = sentence_of(colon - 1)
                if ls >= 0:
                    got = _quote_before(text, sentences[ls][0], qs, sentences[ls][0])
            if got is None:
                got = _quote_before(text, before_start, qs, sent_start)
                if got is not None and got[1] is None and prev is not None:
                    # "..., adding that Sanders is “the most trustworthy”": the last source.
                    _, psrc = found[prev[0]]
                    if psrc is not None and sentence_of(prev[1] - 1) == si:
                        got = (got[0], psrc, got[2])
            if got is None or got[1] is None:
                prev = None
                unattributed.append((qs, qe))  # not said by anyone found, still not narrative
                continue
            cue, src, clause_end = got
            content = (qs, qe)
            opens = _embedding_clause(text, cue, qs)
            if opens is not None:
                # `Trump said the US has become a “dumping ground ...”`: the quote is part of
                # what he said; the content is the whole clause, to the sentence's end.
                sent_end = sentences[sentence_of(qe - 1)][1]
                content = _trim(text, opens, max(qe, sent_end))
                clause_end = content[1]
            last = found[-1][0].speaker if found else None
            att = Attribution(content, cue, src.span if src else None,
                              _speaker(text, src, ents, last))  # fmt: skip
            found.append((att, src))
            end = max(clause_end, qe)
            prev = (len(found) - 1, end, not text[end:pe].strip(" \t.,;\"”’'"))
    for att, _ in found:
        # A source far before its cue ("Quist said she ..., telling reporters “...”") leaves
        # the words between open to reported speech.
        lo = min(att.content[0], *(x[0] for x in (att.cue,) if x))
        hi = max(att.content[1], *(x[1] for x in (att.cue, att.source) if x))
        covered.append((lo, hi))

    # 2. Reported speech, in each part of a sentence outside the direct quotes.
    covered.sort()
    for s, e in _uncovered(sentences, covered):
        for content, cue, src in _reported(text, s, e):
            named = cue is not None and _APPOSITIVE.match(text, cue[0])
            if named and text[: cue[0]].endswith(", "):  # type: ignore[index]
                continue  # "the pact, called AUKUS, is ...": a name given, not speech
            last = _last_speaker(found, content[0])
            speaker = _speaker(text, src, ents, last)
            found.append((Attribution(content, cue, src.span if src else None, speaker), src))
    found += _quote_paragraphs(text, unattributed, found)
    found = _resolve_pronouns(text, found, ents)
    found.sort(key=lambda x: x[0].content)
    return [a for a, _ in found]


def _uncovered(
    sentences: list[tuple[int, int]], covered: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The parts of each sentence outside the direct quotes' attributions, where reported speech
    may stand: `Carson said he saw no need to change, telling ABC that “we tell the truth”`
    holds one of each."""
    out = []
    starts = [c[0] for c in covered]
    for s, e in sentences:
        k = bisect_right(starts, e) - 1
        if k < 0 or covered[k][1] <= s:
            out.append((s, e))
            continue
        j = k
        while j > 0 and covered[j - 1][1] > s:
            j -= 1
        at = s
        for cs, ce in covered[j : k + 1]:
            if cs - at > MIN_PART:
                out.append((at, cs))
            at = max(at, ce)
        if e - at > MIN_PART:
            out.append((at, e))
    return out


MIN_PART = 40  # characters: a clause with a speaker, a cue and something said


_APPOSITIVE = re.compile(r"(?:called|dubbed|named|known as)\s+[A-Z][\w.-]*[,)]")


def _quote_paragraphs(
    text: str, quotes: list[tuple[int, int]], found: list[tuple[Attribution, _Src | None]]
) -> list[tuple[Attribution, _Src | None]]:
    """A paragraph that opens with a quote no cue claims, right after a paragraph that ends
    with an attribution, continues it: `Patrushev called the plan "dangerous."¶"The pact ... is a
    new NATO," ...`. The same source and speaker, no cue of its own."""
    out: list[tuple[Attribution, _Src | None]] = []
    ends = sorted(found, key=lambda x: x[0].content[1])
    for qs, qe in quotes:
        if qs > 0 and text[max(0, qs - 2) : qs] != "\n\n":
            continue
        before = [x for x in ends if x[0].content[1] <= qs]
        if not before:
            continue
        att, src = before[-1]
        gap = text[att.content[1] : qs]
        if src is None or att.source is None or gap.count("\n\n") != 1:
            continue
        if len(gap.split("\n\n")[0].strip(" .,\"”’'")) > 0:
            continue  # the paragraph before goes on after the attribution
        out.append((replace(att, content=(qs, qe), cue=None), src))
    return out


def _resolve_pronouns(
    text: str, found: list[tuple[Attribution, _Src | None]], ents: _Entities
) -> list[tuple[Attribution, _Src | None]]:
    """"he" and "she" again, once every speaker quoted by name is known: the subject of the
    sentence before (`_Entities.subject_before`), where there is one."""
    named = {
        speaker_key(a.speaker)
        for a, src in found
        if a.speaker
        and src is not None
        and src.kind == "name"
        and not _is_org(a.speaker)
        and not _after_the(text, src.span[0])
    }
    out = []
    previous: str | None = None  # the last person quoted, as corrected here
    previous_sentence = -2  # the sentence where that person's source stands
    for att, src in sorted(found, key=lambda x: x[0].content):
        if src is not None and src.kind == "pronoun":
            word = text[src.span[0] : src.span[1]].lower()
            if _PRONOUNS.get(word) == "person":
                here = ents.sentence_of(src.span[0])
                if previous is not None and previous_sentence == here - 1:
                    # "“…,” he said in a meeting with Patrushev. He added that …": the one
                    # who spoke in the sentence before goes on, not the name that sentence holds
                    who: str | None = previous
                else:
                    who = ents.subject_before(src.span[0], named) or previous
                if who:
                    att = replace(att, speaker=who)
        if att.speaker and src is not None and (
            speaker_key(att.speaker) in named
            or (src.kind == "pronoun" and not _is_org(att.speaker))
        ):
            previous = att.speaker
            previous_sentence = ents.sentence_of(src.span[0])
        out.append((att, src))
    return out


def _after_the(text: str, at: int) -> bool:
    """Whether the name at `at` follows "the" ("the West", "the Kremlin"): a thing or a body,
    never the "he" of a later sentence."""
    return text[max(0, at - 4) : at].lower() == "the " or text[at : at + 4].lower() == "the "


def _open_ended(text: str, end: int) -> bool:
    """Whether a quote that ends at `end` was left open at its paragraph's end."""
    return end > 0 and text[end - 1] not in _CLOSERS and text[end - 1] != "'"


def _last_speaker(found: list[tuple[Attribution, _Src | None]], before: int) -> str | None:
    best = None
    for att, src in found:
        if att.content[0] < before and att.speaker and src is not None and src.kind == "name":
            best = att.speaker
    return best


def _skip_aside(text: str, toks: list[tuple[int, int]], k: int) -> int:
    """After a source, skip an aside: ", a close adviser to Trump," / "(D-Ill.)"."""
    if k < len(toks) and text[toks[k][0]] == "(":
        for j in range(k + 1, min(len(toks), k + 12)):
            if text[toks[j][0]] == ")":
                k = j + 1
                break
    for _ in range(3):
        if k >= len(toks) or text[toks[k][0]] != ",":
            break
        for j in range(k + 1, min(len(toks), k + 25)):
            if text[toks[j][0]] in ';“"':
                return k
            if text[toks[j][0]] == ",":
                k = j + 1
                break
        else:
            break
        if k < len(toks) and text[toks[k][0] : toks[k][1]].lower() in _QUOTE_CUES | _AUX:
            break
    return k


def _quote_after(text: str, qe: int, limit: int) -> tuple[tuple[int, int], _Src | None, int] | None:
    """The cue clause right after a quote: `, he said`, `, said Smith`, `Smith told Reuters`,
    `Cruz, who has proposed it, said`, `he surmised`."""
    end = _sentence_end(text, qe, min(limit, qe + 300))
    toks = _tokens(text, qe, end)
    i = 0
    while i < len(toks):
        ch = text[toks[i][0]]
        if ch in "―—–" and i + 1 < len(toks) and _is_cap(text[toks[i + 1][0]]):
            break  # “...” ― Carla Sanchez
        if ch not in ",-'’—–":
            break
        i += 1
    if i >= len(toks):
        return None
    w0 = text[toks[i][0] : toks[i][1]]
    if w0 in "―—–" and i + 1 < len(toks):
        src = _source_after(text, toks, i + 1)
        if src is not None and src.kind == "name":
            return toks[i], src, src.span[1]
    if w0.lower() in _QUOTE_CUES:  # said Smith
        src = _source_after(text, toks, i + 1, loose=True)
        if src is None:
            return None
        return toks[i], src, src.span[1]
    src = _source_after(text, toks, i, loose=True)
    if src is None:
        return None
    k = i
    while k < len(toks) and toks[k][1] <= src.span[1]:
        k += 1
    k = _skip_aside(text, toks, k)
    while k < len(toks) and text[toks[k][0] : toks[k][1]].lower() in _AUX:
        k += 1
    if k >= len(toks):
        return None
    w = text[toks[k][0] : toks[k][1]]
    if w.lower() in _QUOTE_CUES:
        if _opens_new_speech(text, qe, toks, k):
            return None
        return toks[k], src, toks[k][1]
    # `"X," he surmised.`: any verb in the past or present right after the source.
    closing = text[max(0, qe - 3) : qe]
    if any(c in closing for c in ",?!") and _VERBISH.fullmatch(w) and w not in _NOT_NAMES:
        after = text[toks[k][1] : toks[k][1] + 2]
        if not after.strip() or after[:1] in ".,;" or after[:1] == " ":
            return toks[k], src, toks[k][1]
    return None


def _opens_new_speech(text: str, qe: int, toks: list[tuple[int, int]], k: int) -> bool:
    """`"... sparked off." He said that the operation revealed ...`: a quote that ends its
    sentence, then a new sentence whose cue introduces speech of its own with "that". That cue
    is not the quote's: `"...," he said.` is."""
    if text[max(0, qe - 2) : qe].rstrip("\"'”’")[-1:] not in ".!?":
        return False
    rest = [text[s:e] for s, e in toks[k + 1 :]]
    words = [w for w in rest if w[:1].isalnum()]
    return bool(words) and words[0].lower() == "that"


def _embedding_clause(text: str, cue: tuple[int, int], qs: int) -> int | None:
    """Where the reported clause that holds a quote opens, when words of the speaker's own
    clause stand between the cue and the quote (`said he “may yet have to ...”`, `told reporters
    that the US is a “dumping ground”`); None for `said: “`, `said, “`, `said that “`."""
    gap = text[cue[1] : qs]
    if gap.rstrip()[-1:] in ":,—–-" or text[cue[0] : cue[1]].lower() == "according to":
        return None
    toks = _tokens(text, cue[0], qs)
    word = text[toks[0][0] : toks[0][1]].lower()
    k = _after_hearer(text, toks, 0) if word in _HEARER else 1
    if k >= len(toks):
        return None
    opens = toks[k][0]
    mt = _THAT_AFTER.match(text, opens, qs)
    if mt and "that" in mt.group(0):
        opens = mt.end()  # "said on its website that ..."
    if not _WORD.search(text, opens, qs):
        return None
    return _trim(text, opens, qs)[0]


def _clause_subject(text: str, toks: list[tuple[int, int]], j: int) -> _Src | None:
    """The source of the nearest verb of speech before token j ("he stressed ..., adding")."""
    for k in range(j - 2, 0, -1):
        if text[toks[k][0] : toks[k][1]].lower() in _REPORT_CUES | _QUOTE_CUES:
            return _source_before(text, toks, k)
    return None


def _quote_before(
    text: str, start: int, qs: int, sent_start: int
) -> tuple[tuple[int, int], _Src | None, int] | None:
    """A cue clause before the quote in its sentence: `Smith said: "`, `He told CNN, "`,
    `According to Smith, "`, `Trump called on her to resign and said, "`."""
    toks = _tokens(text, start, qs)
    if not toks:
        return None
    m = None
    for m in _ACCORDING.finditer(text, start, qs):  # noqa: B007 (the last one)
        pass
    if m is not None:
        after = _tokens(text, m.end(), qs)
        src = _source_after(text, after, 0)
        if src is not None:
            return (m.start(), m.start() + len("according to")), src, qs
    # The last cue in the sentence before the quote, with few words between it and the quote.
    for j in range(len(toks) - 1, max(-1, len(toks) - 14), -1):
        w = text[toks[j][0] : toks[j][1]].lower()
        if w in _QUOTE_CUES:
            if _words(text[toks[j][1] : qs]) > 8:
                return None
            if w.endswith("ing") and j > 0 and text[toks[j - 1][0]] in ",—–":
                # "Referring to Iran, he stressed the need ..., adding: “...”": the subject of
                # the clause the participle hangs on, not the last noun before the comma
                src = _clause_subject(text, toks, j) or _source_before(text, toks, j)
            else:
                src = _source_before(text, toks, j)
            if src is None and start == sent_start:
                src = _subject(text, toks, j)
            if src is None and not w.endswith("ing"):
                return None
            return toks[j], src, qs
    # "Trump on Twitter: “...”": a colon is the cue when a name or pronoun opens the sentence.
    if start == sent_start and text[start:qs].rstrip().endswith(":"):
        colon = start + len(text[start:qs].rstrip()) - 1
        src = _subject(text, toks, len(toks) - 1)
        if src is not None and _words(text[src.span[1] : colon]) <= 6:
            return (colon, colon + 1), src, qs
    return None


_BOUNDARY = _wordset(", ; — – but while and as whereas although though")
_THAT_AFTER = re.compile(
    r"\s*(?:(?:on|in|at|during|last|this|earlier|late|early)\b[^,;:]{0,40}?)?\s*(?:\bthat\b|,|:)"
)
# "said in a statement on Monday": nothing but circumstances after the cue
_PP_ONLY = re.compile(
    r"(?:(?:on|in|at|during|last|this|earlier|late|early|after|before|from|to|with|via|"
    r"through|over|by|about|when|while|as)\b[^,;:“\"]*)"
)
# A noun phrase after these is their object, never the subject of the cue that follows it.
_NOT_BEFORE_SUBJECT = _wordset("with against among between")
_PREP_AFTER = _wordset("by to in with as of on for up about")

_COLON_SPEAKER = re.compile(
    r"[^\S\n]*(" + _NAME_WORD + r"(?:[^\S\n]+" + _NAME_WORD + r"){0,3}):[^\S\n]+(?=\S)"
)
# Words that open a "Label: text" line without anyone speaking.
_LABELS = _wordset("""note update updated correction editor editor's photo photos video watch
read related source sources image credit caption tags posted share advertisement subscribe
follow contact click see also disclosure warning breaking live transcript more paid notice
wow look boom plus remember revealed exclusive latest stat chart map the""")
_Found = tuple[tuple[int, int], tuple[int, int], "_Src | None"]


def _reported(text: str, s: int, e: int) -> list[_Found]:
    """Reported speech in the sentence text[s:e]: `Smith said (that) X`, `X, Smith said.`,
    `X, said Smith.`, `X, he said, Y.`, `According to Smith, X`, `X, according to Smith`;
    several when joined ("X, but she said Y")."""
    colon = _COLON_SPEAKER.match(text, s, e)
    if colon and colon.group(1).split()[0].lower().replace("’", "'") not in _LABELS:
        # "Lewandowski: FBI director acted as judge and jury": a headline's or a
        # transcript's speaker
        said = _trim(text, colon.end(), e)
        if _words(text[said[0] : said[1]]) >= 3:
            return [(said, (colon.end(1), colon.end(1) + 1), _Src(colon.span(1), "name"))]
    toks = _tokens(text, s, e)
    # (cue token index or -1, cue span, source, form)
    cands: list[tuple[int, tuple[int, int], _Src, str]] = []
    for m in _ACCORDING.finditer(text, s, e):
        after = _tokens(text, m.end(), e)
        src = _source_after(text, after, 0, loose=True)
        if src is not None:
            i = next((k for k, t in enumerate(toks) if t[0] >= m.start()), len(toks))
            cands.append((i, (m.start(), m.start() + len("according to")), src, "according"))
    for i, (ts, te) in enumerate(toks):
        w = text[ts:te].lower()
        if w not in _REPORT_CUES:
            continue
        if i > 0 and _is_cap(text[ts:te]) and text[toks[i - 1][0] : toks[i - 1][1]][-2:] in _S:
            continue  # "Editor's Note", "Trump's Claims": a noun after a possessive
        nxt = text[toks[i + 1][0] : toks[i + 1][1]].lower() if i + 1 < len(toks) else ""
        if nxt == "by":  # X was criticized by Smith
            src = _source_after(text, toks, i + 2)
            if src is not None:
                cands.append((i, (ts, te), src, "passive"))
            continue
        if nxt in _PREP_AFTER and w not in ("said", "says", "told"):
            ts, te = ts, toks[i + 1][1]  # "called for", "referring to"
        if i > 0 and text[toks[i - 1][0]] == "," and w in _INVERTING:
            src = _source_after(text, toks, i + 1, loose=True)
            rest = text[src.span[1] : e].strip() if src else ""
            if src is not None and (not rest or rest[0] in ",.;"):  # X, said Smith.
                cands.append((i, (ts, te), src, "inverted"))
                continue
        if w.endswith("ing") and i > 0 and text[toks[i - 1][0]] in ",—–":
            src = _subject(text, toks, i)  # Smith spoke on Monday, saying that ...
        else:
            src = _source_before(text, toks, i)
            if src is None and _coordinated(text, toks, i):
                src = _subject(text, toks, i)  # She paid it down, but said she ...
        if src is not None:
            cands.append((i, (ts, te), src, "plain"))
    if not cands:
        return []
    cands.sort(key=lambda c: c[1])
    # The first, then those whose source opens a new clause ("..., but she said ...").
    chosen = [cands[0]]
    cuts: list[int] = []  # where the clause of each chosen one after the first begins
    for c in cands[1:]:
        if c[1][0] <= chosen[-1][1][1] or c[3] != "plain":
            continue
        k = next(k for k, t in enumerate(toks) if t[0] >= c[2].span[0])
        j = k - 1
        while j >= 0 and text[toks[j][0] : toks[j][1]].lower() in _BOUNDARY:
            j -= 1
        if j == k - 1:
            continue
        chosen.append(c)
        cuts.append(toks[j + 1][0])
    out: list[_Found] = []
    for n, (i, cue, src, form) in enumerate(chosen):
        lo = s if n == 0 else cuts[n - 1]
        hi = cuts[n] if n < len(cuts) else e
        content = _reported_content(text, toks, i, cue, src, form, lo, hi)
        if content is not None and _words(text[content[0] : content[1]]) >= 2:
            out.append((content, cue, src))
    return out


def _coordinated(text: str, toks: list[tuple[int, int]], i: int) -> bool:
    """Whether the cue at token i is a second verb of its sentence's subject: `... and said`,
    `..., but says`, auxiliaries and adverbs between."""
    j = _before_auxiliaries(text, toks, i)
    return j > 0 and text[toks[j][0] : toks[j][1]].lower() in ("and", "but")


_S = ("'s", "’s")
_INVERTING = _wordset("said says added adds wrote writes noted notes explained")


def _reported_content(
    text: str, toks: list[tuple[int, int]], i: int, cue: tuple[int, int], src: _Src,
    form: str, lo: int, hi: int,
) -> tuple[int, int] | None:  # fmt: skip
    """The content of one reported attribution in its clause text[lo:hi]."""
    if form == "inverted":
        return _trim(text, lo, cue[0])
    if form == "passive":
        j = i - 1
        while j >= 0 and text[toks[j][0] : toks[j][1]].lower() in _AUX:
            j -= 1
        return _trim(text, lo, toks[j][1]) if j >= 0 and toks[j][1] > lo else None
    if form == "according":
        before = _trim(text, lo, cue[0])
        comma = text.find(",", src.span[1], hi)
        after = _trim(text, comma + 1, hi) if comma >= 0 else (hi, hi)
        if _words(text[before[0] : before[1]]) >= 3:
            return (before[0], after[1]) if after[1] > after[0] else before
        return after if after[1] > after[0] else None
    w = text[toks[i][0] : toks[i][1]].lower()
    k = _after_hearer(text, toks, i) if w in _HEARER else i + 1
    if cue[1] > toks[i][1]:
        k = i + 2
    rest = toks[k][0] if k < len(toks) and toks[k][0] < hi else hi
    mt = _THAT_AFTER.match(text, rest, hi)
    if mt and "that" in mt.group(0):
        rest = mt.end()
    after = _trim(text, rest, hi)
    before = _trim(text, lo, src.span[0])
    n_after = _words(text[after[0] : after[1]])
    n_before = _words(text[before[0] : before[1]])
    comma_before = "," in text[max(lo, src.span[0] - 3) : src.span[0]]
    if comma_before and n_before >= 3:
        if n_after <= 2 or _PP_ONLY.fullmatch(text[after[0] : after[1]]):
            return before  # X, Smith said (on Monday).
        if text[cue[1] : cue[1] + 1] == ",":
            return before[0], after[1]  # X, he said, Y.
    if n_after >= 3:
        return after
    return None

