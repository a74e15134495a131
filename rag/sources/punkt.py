"""Where the chunker may end a sentence: the rules of nltk's Punkt tokenizer with no trained
parameters, the tokenizer that llama-index's SentenceSplitter asks nltk for by default
(`PunktSentenceTokenizer()`), ported so that chunking does not import nltk.

Why: importing nltk takes 2.2 s on 2 cores (it imports scipy.stats and scikit-learn on the way),
paid by every `rag ingest` that chunks anything, which made it the largest single cost of adding
one article to an index. Untrained Punkt is a short list of rules: a word ending in a full stop,
"?" or "!" ends a sentence when another word follows, except after an ellipsis, a single-letter
initial before a capitalised or lower-case word ("J. Smith", "A. and"), or a number before a
lower-case word or punctuation ("3. the"). The port also pins the boundaries: an index must chunk
the same way for its whole life, and nltk's rules move between releases (3.10 began to realign
curly quotes). `tests/test_punkt.py` checks the spans against nltk's own, on the seeds and the
MultiHop-RAG articles; what differs from `rag.sources.sentences` (the project's splitter for
prompts and citations) is kept, since changing chunk boundaries would change every index.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterator

# The patterns are nltk 3.10's (PunktLanguageVars, PunktToken), written out for English.
_NON_WORD = r"(?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb?!])"
_MULTI_CHAR = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_WORD_START = r"[^\(\"\`{\[:;&\#\*@\)}\]\-,]"
_WORD = re.compile(
    rf"""(
        {_MULTI_CHAR}
        |
        (?={_WORD_START})\S+?  # word characters until an end is found
        (?=
            \s|$|
            {_NON_WORD}|{_MULTI_CHAR}|
            ,(?=$|\s|{_NON_WORD}|{_MULTI_CHAR})  # a comma at the end of a word
        )
        |
        \S
    )""",
    re.UNICODE | re.VERBOSE,
)
_PERIOD_CONTEXT = re.compile(
    rf"""
    [\.\?!]                      # a possible sentence end
    (?=(?P<after_tok>
        {_NON_WORD}              # other punctuation
        |
        \s+(?P<next_tok>\S+)     # or white space and the next token
    ))""",
    re.UNICODE | re.VERBOSE,
)
_REALIGN = re.compile(r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)', re.MULTILINE)
_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
_INITIAL = re.compile(r"[^\W\d]\.$", re.UNICODE)
_ELLIPSIS = re.compile(r"\.\.+$")
_SENT_END = (".", "?", "!")
_PUNCTUATION = tuple(";:,.!?")


def split_sentences(text: str) -> list[str]:
    """`text` cut into sentences, each running to where the next begins (white space
    included), as llama-index's `split_by_sentence_tokenizer` returns them."""
    spans = list(sentence_spans(text))
    return [
        text[start : spans[i + 1][0] if i + 1 < len(spans) else len(text)]
        for i, (start, _) in enumerate(spans)
    ]


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, as `PunktSentenceTokenizer().span_tokenize` gives them."""
    for piece in _realigned(text, _slices(text)):
        yield piece.start, piece.stop


def _slices(text: str) -> Iterator[slice]:
    last_break = 0
    for match, context in _end_contexts(text):
        if _has_break(context):
            yield slice(last_break, match.end())
            last_break = match.start("next_tok") if match.group("next_tok") else match.end()
    yield slice(last_break, len(text.rstrip()))  # the last sentence without trailing space


def _end_contexts(text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each possible sentence end with its context: the word before it, the end and what
    follows. Ends whose word overlaps the previous one's ("acting!!!") are taken once, at the
    last."""
    previous_slice = slice(0, 0)
    previous_match: re.Match[str] | None = None
    for match in _PERIOD_CONTEXT.finditer(text):
        before = text[previous_slice.stop : match.start()]
        after_space = _last_whitespace(before)
        if after_space:
            after_space += previous_slice.stop + 1
        else:
            after_space = previous_slice.start  # sic: nltk's, kept for the same spans
        word = slice(after_space, match.start())
        if previous_match and previous_slice.stop <= word.start:
            yield previous_match, _context(text, previous_slice, previous_match)
        previous_match, previous_slice = match, word
    if previous_match:
        yield previous_match, _context(text, previous_slice, previous_match)


def _context(text: str, word: slice, match: re.Match[str]) -> str:
    return text[word] + match.group() + match.group("after_tok")


def _last_whitespace(text: str) -> int:
    """Index of the last white-space character, or 0 when there is none (or it is the first)."""
    for i in range(len(text) - 1, -1, -1):
        if text[i] in string.whitespace:
            return i
    return 0


def _has_break(context: str) -> bool:
    """Whether a token of `context` other than its last ends a sentence."""
    tokens = [t for line in context.split("\n") if line.strip() for t in _WORD.findall(line)]
    return any(_ends_sentence(tok, nxt) for tok, nxt in itertools.pairwise(tokens))


def _ends_sentence(token: str, following: str) -> bool:
    """Punkt's two annotation passes for one token, with empty parameters (no known
    abbreviations, collocations, sentence starters or orthographic statistics)."""
    if token in _SENT_END:
        return True
    if _ELLIPSIS.match(token) or not token.endswith(".") or token.endswith(".."):
        return False
    # A period-final word: a break, unless an initial or a number is followed by a word that
    # does not start a sentence (punctuation or lower case), or an initial by a capital.
    kind = _NUMERIC.sub("##number##", token.lower())
    if len(kind) > 1 and kind.endswith("."):
        kind = kind[:-1]
    initial = _INITIAL.match(token) is not None
    if not (initial or kind == "##number##"):
        return True
    if following in _PUNCTUATION or following[0].islower():
        return False
    return not (initial and following[0].isupper())


def _realigned(text: str, slices: Iterator[slice]) -> Iterator[slice]:
    """Closing quotes and brackets after a sentence end belong to that sentence."""
    pieces = list(slices)
    realign = 0
    for i, first in enumerate(pieces):
        first = slice(first.start + realign, first.stop)
        if i + 1 == len(pieces):
            if text[first]:
                yield first
            continue
        second = pieces[i + 1]
        m = _REALIGN.match(text[second])
        if m:
            yield slice(first.start, second.start + len(m.group(0).rstrip()))
            realign = m.end()
        else:
            realign = 0
            if text[first]:
                yield first
