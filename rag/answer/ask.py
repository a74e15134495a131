"""Answer a question, evidence first: retrieve, number the evidence, let the model choose it by
its token probabilities (pass 1), then stream the answer written from the chosen evidence
(pass 2), with citations set by the code.

1. A follow-up is rewritten into a standalone question (`rag.answer.followup`); the question is
   routed (`rag.answer.route`: yes/no, "X or Y", which-came-first, open).
2. Retrieval (`rag.search.retrieve`), then evidence units S1..S9 (`rag.answer.units`): sentences
   joined with what attributes them, from several articles, within the prompt budget.
3. Pass 1 (`rag.answer.evidence.choose`): P(" S") against P(" NONE") and P(digit) pick the units;
   a calibrated logistic decides abstention, in code. The code then completes the choice
   (`rag.answer.gather`): a unit of every outlet the question names, and of every article that
   holds a part of a gathering question's answer ("which cities ...", "across these reports").
4. Pass 2: "Evidence: S3, S5\nAnswer:" is appended, so llama.cpp evaluates only the new tokens.
   A yes/no question gets "Yes." or "No." from P(" Yes") against P(" No"); an "X or Y" question
   the option the model scores higher; the rest is written freely and streamed.
5. Each sentence gets the markers of the chosen units that support it, as it streams; a marker
   is always a chosen unit, never a number the model wrote.

`ask(pipeline, question)` returns an `AnswerStream`: iterate over it for the text as it streams;
afterwards `.answer` is the finished, checked `Answer`. Every consumer (CLI, chat UI, evaluation)
reads it the same way: `for piece in s: ...; answer = s.answer`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from rag.answer.cite import (
    Marking,
    check_claims,
    cite_units,
    is_abstention,
    strip_references,
    unit_citations,
)
from rag.answer.claims import check_question, reason, relates_reports, verdict
from rag.answer.entity import (
    asks_for_name,
    candidates,
    clause_evidence,
    entity_name,
    full_name,
    naming,
    settle,
)
from rag.answer.evidence import Choice, choose, pick_option, quoted_answer, yes_share
from rag.answer.followup import condense
from rag.answer.gather import gathers, spread, widen
from rag.answer.mention import NO, mention_answer, mentioned_question
from rag.answer.prompt import ABSTAIN, ANSWER, MARKER, evidence_line, evidence_messages
from rag.answer.route import route
from rag.answer.said import (
    Said,
    Speakers,
    misattributed,
    quoted_on,
    said_answer,
    said_question,
)
from rag.answer.scope import not_indexed
from rag.answer.units import Unit, build_units
from rag.answer.yes_no import order_answer, order_claim, order_units
from rag.errors import InputError
from rag.llm.embed import similarities
from rag.sources.sentences import answer_spans
from rag.types import Answer, Citation, Claim, Evidence, Passage

if TYPE_CHECKING:
    from rag.pipeline import Pipeline


# A question is a sentence or two; past this it is a pasted document, which would crowd the
# evidence out of the model's context. The default of RAG_MAX_QUESTION_CHARS.
MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def checked_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question, with control and bidi-override characters removed and whitespace
    collapsed; an empty or overlong one is an error that says what to do."""
    question = " ".join(_CONTROL.sub(" ", question).split())
    if not question:
        raise InputError(
            'The question is empty. Ask something, e.g. rag ask "What did Patrushev say?"'
        )
    if len(question) > max_chars:
        raise InputError(
            f"The question is {len(question):,} characters; the cap is {max_chars:,} "
            "(RAG_MAX_QUESTION_CHARS). Ask it in a sentence or two."
        )
    return question


class AnswerStream:
    """The text of an answer as it streams, then the checked `Answer` (the shape of llm's
    `Response`). Reading `.answer` before iterating runs the stream to its end."""

    def __init__(self, pieces: Generator[str, None, Answer]) -> None:
        self._pieces = pieces
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        if self._answer is None:
            self._answer = yield from self._pieces

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        assert self._answer is not None
        return self._answer


def ask(
    pipeline: Pipeline,
    question: str,
    history: Sequence[tuple[str, str]] = (),
    k: int | None = None,
    on_reading: Callable[[list[Passage]], None] | None = None,
) -> AnswerStream:
    """Answer `question` from the pipeline's index. `history`: earlier (question, answer) turns;
    a follow-up is rewritten with them into the standalone question that retrieval and the
    prompt use. `on_reading` is called with the retrieved passages as soon as retrieval ends,
    and the stream then yields "" so that a consumer can show them before the model's first
    word (seconds later on a CPU). The question is checked now; the work starts when the stream
    is read."""
    question = checked_question(question, pipeline.settings.max_question_chars)
    return AnswerStream(_answer(pipeline, question, history, k, on_reading))


STOP = ("\n\n", "\nEvidence", "\nQuestion", "<|im_end|>", "<|endoftext|>")
ANSWER_TOKENS = 96  # one or two sentences (about 40-60 tokens); a runaway answer is cut here


def _answer(
    pipeline: Pipeline,
    question: str,
    history: Sequence[tuple[str, str]],
    k: int | None,
    on_reading: Callable[[list[Passage]], None] | None = None,
) -> Generator[str, None, Answer]:
    settings = pipeline.settings
    generator = pipeline.generator
    similarity = partial(similarities, pipeline.embedder)
    clock = _Clock()
    search = condense(question, history, generator)
    clock.stamp("rewrite")
    missing, outlets = pipeline.unknown_outlets(search)
    names = [  # "The Hindu" is said once, as an outlet
        n for n in pipeline.unknown_names(search) if not any(_overlap(n, m) for m in missing)
    ]
    if missing or names:
        # "a Bloomberg article" and no Bloomberg in the index, or "Serban Ionescu" in no
        # article: no passage can answer it, and a model shown the nearest ones answers anyway.
        clock.stamp("retrieve")
        text = not_indexed(missing, outlets, names)
        asked = said_question(search)
        if names and asked and not any(_overlap(n, asked[0]) for n in names):
            # "What did Patrushev say about the Paris Olympics?": and what he is quoted on
            text = " ".join(x for x in (text, quoted_on(pipeline, asked[0])) if x)
        answer = Answer(question, text, True, generator.name, [])
        answer.search_query, answer.route = search if history else None, route(search).kind
        answer.short_answer = UNANSWERABLE
        mention = mentioned_question(search)  # (who, topic)
        if mention and names and not missing and all(n in mention[1] for n in names):
            # "Did Patrushev mention Wagner?" and no article names Wagner: that is a No.
            answer.text = f"{NO}{text.removeprefix(ABSTAIN)}"
            answer.abstained, answer.short_answer, answer.route = False, "No", "said"
        yield answer.text
        answer.timings_ms = clock.timings(history, first_token=True)
        return answer
    gather = gathers(search)
    # A gathering question reads more articles: every one may hold a part of the answer.
    n = k or settings.k
    passages = pipeline.retrieve(search, 4 * n if gather else n).passages
    passages = spread(passages, 2 * n) if gather else passages
    clock.stamp("retrieve")
    if on_reading is not None and passages:
        on_reading(passages)
        yield ""
    plan = route(search)
    # "What did X say about Y?": X's attributions, looked up by the code (rag/answer/said.py).
    said = said_answer(pipeline, search) if plan.kind == "open" else None
    assert pipeline.retriever is not None  # it just retrieved
    mentions = pipeline.retriever.plan(search).outlets
    # "Did Patrushev mention China?": his attributed words (or an outlet's articles) decide
    # it, not the model's Yes (rag/answer/mention.py).
    mentioned = mention_answer(pipeline, search, mentions) if plan.kind == "yes_no" else None
    if mentioned is not None:
        answer = _said(mentioned, question, generator.name, passages, search if history else None)
        yield answer.text
        answer.timings_ms = clock.timings(history, first_token=True)
        return answer
    budget = settings.prompt_budget * (2 if gather else 1)
    units = build_units(search, passages, similarity, budget_tokens=budget)
    answer = Answer(
        question=question,
        text="",
        abstained=True,
        model=generator.name,
        passages=passages,
        search_query=search if history else None,
        route=plan.kind,
    )
    if not units:
        answer.text = f"{ABSTAIN} Nothing in the index matches the question."
        answer.short_answer = UNANSWERABLE
        yield answer.text
        answer.timings_ms = clock.timings(history, first_token=True)
        return answer
    order = order_claim(search, mentions) if plan.kind == "yes_no" else None
    claims = plan.kind == "yes_no" and not relates_reports(search)
    # "Does A suggest X, while B reports Y?": the clause checks decide it whatever pass 1
    # would choose, so pass 1 is not run (half the wait): their sentences are the evidence.
    if claims and order is None and _by_claims(answer, pipeline, search, passages, similarity):
        yield answer.text
        answer.timings_ms = clock.timings(history, first_token=True)
        return answer
    prompt = generator.chat_prompt(evidence_messages(search, units, plan))
    answer.prompt_tokens = generator.prompt_tokens(prompt)
    choice = choose(generator, prompt, units, pipeline.calibration)
    named = list(dict.fromkeys(o.sources for o in mentions))
    # Each named outlet's evidence, each dated report's ("the TechCrunch report of October 7"),
    # and every article's for a gathering question (gather.py).
    dated = pipeline.retriever.clauses(search)
    widened = widen(choice.chosen, choice.unit_p, units, named, gather, dated)
    choice = replace(choice, chosen=widened)
    clock.stamp("pass1")
    by_id = {u.id: u for u in units}
    chosen = [by_id[i] for i in choice.chosen]
    answer.p_none = choice.p_none
    speakers = Speakers(pipeline)
    answer.evidence = [_evidence(u, choice, speakers) for u in chosen]
    if choice.abstain:
        answer.text = abstention(units, choice)
        if said is not None and said.quote is None:
            # X is quoted, never on Y: said first, then which articles were read.
            answer.text = said.text + answer.text.removeprefix(ABSTAIN)
        answer.short_answer = UNANSWERABLE
        yield answer.text
        answer.timings_ms = clock.timings(history, first_token=True)
        return answer

    head = prompt + evidence_line(choice.chosen) + ANSWER
    lead = ""
    if plan.kind == "yes_no":
        pair = order_units(order, units, choice.chosen) if order else None
        said_by_dates = order_answer(order, *pair) if order and pair else None
        if pair is not None and said_by_dates is not None:
            # "Did A report X before B reported Y?" and the dates say otherwise (or, for
            # "Did A fail to report X before B ...?", say either way).
            _by_dates(answer, pair, said_by_dates)
            yield answer.text
            answer.timings_ms = clock.timings(history, first_token=True)
            return answer
        if (
            claims
            and order is not None
            and _by_claims(answer, pipeline, search, passages, similarity)
        ):
            # An order the dates could not decide ("Did A report X before B ...?", A first):
            # whether A reported X is for the clause checks. (Without an order they ran before
            # pass 1, and found no sentence to read: not looked for twice.)
            yield answer.text
            answer.timings_ms = clock.timings(history, first_token=True)
            return answer
        answer.short_answer = (
            "Yes" if yes_share(generator, head) >= pipeline.calibration.yes_at else "No"
        )
        lead = f" {answer.short_answer}."
    elif plan.kind == "choice":
        option = pick_option(generator, head, plan.options)
        if option is not None:
            answer.short_answer, lead = option, f" {option}"
    quoted = None
    if plan.kind == "open":
        # Only units that are X's words (or nobody's): never another speaker's under X's name.
        mine = chosen if said is None else [u for u in chosen if said.could_be(speakers, u)]
        quoted = quoted_answer(search, mine)
        if quoted is None and said is not None:
            said_instead = _said(said, question, generator.name, passages, answer.search_query)
            said_instead.prompt_tokens, said_instead.p_none = answer.prompt_tokens, answer.p_none
            yield said_instead.text
            said_instead.timings_ms = clock.timings(history, first_token=True)
            return said_instead
    name = None
    if asks_for_name(plan.kind, search) and said is None and quoted is None:
        # "Which company ...?": the name alone, not the question restated around it.
        name = entity_name(generator, head, passages)
        # "Which company, reported by both TechCrunch and The Verge, ...?": a name both hold.
        options = candidates(search, passages, named)
        # The question's own words without its outlets, and the outlets as it names them.
        bare, sources = search, [search[o.start : o.end] for o in mentions]
        for o in sorted(mentions, key=lambda o: -o.start):
            bare = f"{bare[: o.start]} | {bare[o.end :]}"
        sources += [s for o in mentions for s in o.sources]
        name = settle(name, options, generator, head, passages, bare, sources)
        # "Bankman-Fried" as the articles first name him: "Sam Bankman-Fried".
        name = full_name(name, search, passages) if name else name
    if name:
        streamed: Iterator[str] = _name_and_marks(pipeline, search, name, chosen, similarity)
    else:
        written = (
            iter([quoted])
            if quoted
            else _or_quote(generator.complete(head + lead, ANSWER_TOKENS, STOP), lead, chosen[0])
        )
        streamed = _with_markers(_prefixed(lead, written), chosen, search)
    pieces: list[str] = []
    for piece in streamed:
        clock.first()
        pieces.append(piece)
        yield piece
    text = "".join(pieces).strip()
    if strip_references(text) != _unmarked(text):  # the model wrote numbers of its own
        text, citations = cite_units(text, chosen, search, similarity)
    else:
        citations = unit_citations(text, chosen, search, similarity)
    answer.text = text
    answer.abstained = is_abstention(text)
    answer.citations = [] if answer.abstained else citations
    answer.claims = check_claims(text, answer.citations, search, similarity)
    answer.claims = misattributed(text, answer.claims, answer.citations, speakers)
    answer.short_answer = answer.short_answer or first_sentence(text)
    answer.timings_ms = clock.timings(history)
    return answer


def _name_and_marks(
    pipeline: Pipeline,
    search: str,
    name: str,
    chosen: list[Unit],
    similarity: Callable[[str, list[str]], list[float]],
) -> Iterator[str]:
    """ "Donald Trump." at once, then its markers. The name answers every clause of the
    question: it cites each chosen unit whose passage names it (one per article the question
    describes), not the two a sentence of its own would get, and for each clause whose report
    none of them is, that report's sentence naming it, found by the clause's own retrieval
    (`clause_evidence`, a few hundred ms, so after the name is shown). Those sentences are
    appended to `chosen`, which the markers number and the citations read."""
    yield f"{name}."
    assert pipeline.retriever is not None  # the question was just retrieved for
    chosen += clause_evidence(
        name,
        pipeline.retriever.clauses(search),
        [chosen[i - 1] for i in naming(name, chosen)],
        lambda clause: pipeline.retrieve(clause).passages,
        similarity,
    )
    yield f" [{', '.join(map(str, naming(name, chosen) or [1]))}]"


def _overlap(a: str, b: str) -> bool:
    """Whether one name holds the other ("The Hindu" and "Hindu")."""
    return a in b or b in a


UNANSWERABLE = "Insufficient information"
SHORT_WORDS = 12


def first_sentence(text: str) -> str:
    """The answer's first sentence without markers, at most 12 words: its direct answer."""
    plain = _unmarked(text)
    spans = answer_spans(plain)
    first = plain[spans[0][0] : spans[0][1]] if spans else plain
    return " ".join(first.rstrip(".").split()[:SHORT_WORDS])


def abstention(units: list[Unit], choice: Choice) -> str:
    """ "The articles don't say", which articles were read, and why they fell short."""
    titles = list(dict.fromkeys(_article(u.passage) for u in units))
    read = "; ".join(titles[:4]) + (f" and {len(titles) - 4} more" if len(titles) > 4 else "")
    best = max(choice.unit_p.values())
    return (
        f"{ABSTAIN} I read {len(titles)} article{'s' if len(titles) != 1 else ''} ({read}), "
        f"but none of their sentences answers the question: the model put "
        f"{choice.p_none / max(choice.p_none + choice.p_evidence, 1e-9):.0%} on no evidence, "
        f"and at most {best:.0%} on any one sentence."
    )


def _article(p: Passage) -> str:
    return f"{p.title} ({p.source})" if p.source else p.title


def _evidence(u: Unit, choice: Choice, speakers: Speakers) -> Evidence:
    quote = u.passage.chunk.text[u.start : u.end]
    speaker = speakers.of(u.passage.chunk.doc_id, u.doc_start, u.doc_end)
    return Evidence(u.id, u.passage, u.doc_start, u.doc_end, quote, choice.unit_p[u.id], speaker)


def _said(
    said: Said, question: str, model: str, passages: list[Passage], search: str | None
) -> Answer:
    """The answer to "What did X say about Y?" from X's attributions (`rag.answer.said`), or
    to "Did X mention Y?" from them or from the articles' words (`rag.answer.mention`), which
    `said` leads with its Yes or No."""
    yes_no = said.yes_no  # a "No" is an answer, not an abstention
    answer = Answer(
        question=question,
        text=said.text,
        abstained=said.passage is None and not yes_no,
        model=model,
        passages=passages,
        search_query=search,
        route="said",
    )
    if said.passage is None:
        answer.short_answer = "No" if yes_no else UNANSWERABLE
        return answer
    # A speaker's words may run past the cited chunk: they are read from the document.
    c = said.passage.chunk
    quote = (
        said.quote.doc.text[said.start : said.end]
        if said.quote
        else c.text[said.start - c.start : said.end - c.start]
    )
    answer.text = f"{said.text} [1]"
    answer.citations = [Citation(1, said.passage, said.start, said.end, quote, verified=True)]
    answer.evidence = [Evidence(0, said.passage, said.start, said.end, quote, 1.0, said.speaker)]
    answer.claims = [Claim(0, len(answer.text), (1,), supported=True)]
    answer.short_answer = "Yes" if yes_no else first_sentence(answer.text)
    return answer


def _by_dates(answer: Answer, pair: tuple[Unit, Unit], yes: bool) -> None:
    """ "No. Fortune's report is dated 2023-12-12 [1], after Mashable's of 2023-11-25 [2]." The
    question claimed an order of two reports; the dates, read by the code, decide it."""
    first, second = pair
    days = [(u.passage.published_at or "")[:10] for u in pair]
    side = "before" if days[0] < days[1] else "after"
    text = (
        f"{'Yes' if yes else 'No'}. {first.passage.source}'s report is dated {days[0]} [1], "
        f"{side} {second.passage.source}'s of {days[1]} [2]."
    )
    spans = [
        (u.passage, u.doc_start, u.doc_end, u.passage.chunk.text[u.start : u.end]) for u in pair
    ]
    _decided(answer, yes, text, spans)


def _by_claims(
    answer: Answer,
    pipeline: Pipeline,
    search: str,
    passages: list[Passage],
    similarity: Callable[[str, list[str]], list[float]],
) -> bool:
    """ "Does A suggest X, while B reports Y?": "Yes" only when each clause holds in its own
    outlet's sentences, each read on its own (rag/answer/claims.py); the sentences quoted are
    the answer's evidence. False when no clause found a sentence to be read against."""
    checks = check_question(pipeline, search, passages, similarity)
    if not checks:
        return False
    yes, shown = verdict(checks)
    text, cited = reason(yes, shown)
    _decided(answer, yes, text, [(s.passage, s.start, s.end, s.quote) for s in cited])
    answer.evidence = [Evidence(0, s.passage, s.start, s.end, s.quote, 1.0) for s in cited]
    answer.prompt_tokens = sum(c.prompt_tokens for c in checks)
    return True


def _decided(
    answer: Answer, yes: bool, text: str, cited: Sequence[tuple[Passage, int, int, str]]
) -> None:
    """A Yes/No the code decided: `text` with markers [1], [2], ... for the `cited` spans
    (passage, start and end in the document, quote), each a verified citation."""
    answer.short_answer = "Yes" if yes else "No"
    answer.text = text
    answer.abstained = False
    answer.citations = [
        Citation(n, p, start, end, quote, True) for n, (p, start, end, quote) in enumerate(cited, 1)
    ]
    answer.claims = [Claim(0, len(text), tuple(range(1, len(cited) + 1)), supported=True)]


def _or_quote(pieces: Iterator[str], lead: str, top: Unit) -> Iterator[str]:
    """The model's words; when it writes none at all (it ended its turn at once), the top
    chosen unit verbatim: an answer the evidence stands behind, never an empty one."""
    wrote = bool(lead.strip())
    for piece in pieces:
        wrote = wrote or bool(piece.strip())
        yield piece
    if not wrote:
        yield top.text


def _prefixed(lead: str, pieces: Iterator[str]) -> Iterator[str]:
    if lead:
        yield lead
    yield from pieces


def _unmarked(text: str) -> str:
    return " ".join(MARKER.sub("", text).split())


def _with_markers(pieces: Iterator[str], units: list[Unit], question: str) -> Iterator[str]:
    """The model's text as it streams, with each sentence's markers (`Marking`) yielded right
    after its full stop."""
    marking = Marking(units, question)
    sentence = ""  # the current sentence, as yielded so far
    started = False
    for piece in pieces:
        if not started:
            piece = piece.lstrip()
            started = bool(piece)
        while piece:
            # `sentence` never holds a complete one (it would have been cut), so a match
            # here ends in this piece, or at its start ("." came last, the space comes now).
            end = _SENTENCE_END.search(sentence + piece)
            if end is None:
                sentence += piece
                yield piece
                break
            cut = end.end() - len(sentence)
            if cut > 0:
                yield piece[:cut]
            done = sentence + piece[:cut]
            if marks := marking.markers(done):
                yield marks
            sentence, piece = "", piece[cut:]
    if sentence.strip() and (marks := marking.markers(sentence)):
        yield marks
    if closing := marking.closing():
        yield closing


# A full stop (with closing quotes) followed by whitespace ends a sentence; not the stop of an
# initial ("U.S. sanctions"), which a marker must not split.
_SENTENCE_END = re.compile(r"(?<![A-Z.])[.!?]+[\"'”’)]*(?=\s)")


class _Clock:
    """Stamps of the steps, as the `timings_ms` of the answer."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.stamps: dict[str, float] = {}
        self.first_at: float | None = None

    def stamp(self, name: str) -> None:
        self.stamps[name] = time.perf_counter()

    def first(self) -> None:
        if self.first_at is None:
            self.first_at = time.perf_counter()

    def timings(self, history: Sequence[object], first_token: bool = False) -> dict[str, float]:
        end = time.perf_counter()
        if first_token:
            self.first_at = end
        s, ms = self.stamps, lambda a, b: (b - a) * 1000
        out = {"rewrite": ms(self.t0, s["rewrite"])} if history else {}
        out["retrieve"] = ms(s["rewrite"], s["retrieve"])
        if "pass1" in s:
            out["pass1"] = ms(s["retrieve"], s["pass1"])
            out["pass2"] = ms(s["pass1"], end)
        out["first_token"] = ms(self.t0, self.first_at or end)
        out["total"] = ms(self.t0, end)
        return out
