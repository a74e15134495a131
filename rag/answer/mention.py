""" "Did X mention Y?" decided by the code, because a 1.5B model says "Yes" to nearly every
yes/no question, and whether words occur in what someone said or in an outlet's articles is
something the code can look up.

- X is a speaker the articles quote ("Did Patrushev mention China?", "Has Shamkhani talked about
  the dollar?"): X's attributions (`rag.answer.said`). "Yes." with X's words on Y, cited; or
  "No, not in these articles." with what X is quoted on.
- X is an outlet the index holds ("Did Mehr News mention AUKUS?", "Does the Iran Press article
  mention China?"): the outlet's chunks that the keyword index ranks highest for Y. "Yes." with
  the sentence that names Y, cited ('Yes. From Iran Press: "..." [1]'); or "No, not in these
  articles." with how many of that outlet's articles were looked in.
- X is the articles themselves ("Do the articles mention the Taliban?", "Does any report mention
  drones?"): the same, over every article.
- Anything else (an X the articles neither quote nor publish, a claim rather than a topic: "Did
  Patrushev say that AUKUS is harmless?", "Does the Verge article mention a different discount
  than ...?"): None, and the usual path answers.

Y counts as mentioned when every content word of Y is in one quote or sentence (`MENTIONED`),
and as not mentioned when none has even half of them (`ABOUT_SHARE`); in between ("Did
Patrushev discuss Afghanistan with Shamkhani?" and a quote of his on Afghanistan alone) the code
cannot tell, and the usual path answers.
Words are matched, not meanings: an article that says "price cut" does not mention a
"discount". The "No" says what was looked in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.answer.said import OPENERS, Said, closed, on_topic
from rag.search.quotes import ABOUT_SHARE
from rag.sources.sentences import content_words, sentence_spans

if TYPE_CHECKING:
    from rag.pipeline import Pipeline
    from rag.search.query import OutletMention

YES, NO = "Yes.", "No, not in these articles."
# A mention is literal: every content word of Y in one quote or sentence ("the price of oil" is
# not mentioned by "a ban on Russian oil imports"). "What did X say about Y?" asks less of a
# quote (`ABOUT_SHARE`), since it asks for the nearest thing X said; below that, "No".
MENTIONED = 1.0
# "Did Patrushev mention China?": a topic, never a claim ("say that ..." is not matched).
_MENTIONED = re.compile(
    r"^\W*(?:did|does|do|has|have|had)\s+(?P<who>.+?)\s+(?:ever\s+|also\s+)?"
    r"(?:mention(?:ed)?|talk(?:ed)?\s+(?:about|of)|sp[eo]ak[e]?\s+(?:about|of)|"
    r"comment(?:ed)?\s+on|discuss(?:ed)?|refer(?:red)?\s+to|raised?|br(?:ing|ought)\s+up|"
    r"(?:say|said)\s+(?:anything|something)\s+(?:about|on|of|regarding|concerning))"
    r"\s+(?P<topic>.+?)\W*$",
    re.I,
)
# "... in the Mehr News report", "... during the talks": where, not what.
_WHERE = re.compile(
    r"\s+(?:in|during|at|according\s+to)\s+(?:the|a|an|his|her|their)?\s*(?:[\w’'-]+\s+){0,4}"
    r"(?:article|report|story|interview|speech|statement|meeting|talks|visit|remarks)s?$",
    re.I,
)
# A topic is a short noun phrase. A clause ("a different discount ... than ...", "X, while Y
# ...", "the deal before The Verge did") is a claim about what was said or when, which matching
# words cannot decide.
_CLAUSE = re.compile(
    r",|;|\b(?:than|while|whereas|whether|that|which|who|and\s+did|but|before|after|since|until)\b",
    re.I,
)
MAX_TOPIC_WORDS = 8
# X is a name ("Nikolai Patrushev", "the Iran Press article", "the minister"). A subject with
# more lowercase words than these is a clause ("the 'Fortune' article suggest that ... than
# Taylor Swift's film"), and "mentioned" belongs to something inside it.
_FRAME = frozenset(
    {"the", "a", "an", "and", "article", "articles", "report", "reports", "story", "piece"}
    | {"from", "by", "of", "in"}
)
MAX_OTHER_LOWER = 2
# "Do the articles mention ...?", "Does any report mention ...?": every indexed article.
_EVERY = re.compile(
    r"^(?:(?:any|one|some|either)\s+of\s+)?(?:(?:the|these|those|any|my|your)\s+)?"
    r"(?:articles?|reports?|stories|story|news|sources|index|documents?)"
    r"(?:\s+(?:here|in\s+the\s+index))?$",
    re.I,
)
# How many of the best keyword hits are read for the topic's words.
HITS = 20


def mentioned_question(question: str) -> tuple[str, str] | None:
    """(who, topic) of a "Did X mention Y?" question whose Y is a topic, else None."""
    m = _MENTIONED.match(question.strip())
    if m is None:
        return None
    who = re.sub(r"^(?:the\s+)", "", m.group("who").strip(), flags=re.I)
    topic = _WHERE.sub("", m.group("topic").strip())
    if _CLAUSE.search(topic) or len(topic.split()) > MAX_TOPIC_WORDS:
        return None
    lower = [w for w in re.findall(r"[\w’'-]+", who) if w.islower() and w not in _FRAME]
    if len(lower) > MAX_OTHER_LOWER or _CLAUSE.search(who):
        return None
    return who, topic


def mention_answer(
    pipeline: Pipeline, question: str, outlets: Sequence[OutletMention]
) -> Said | None:
    """The code's answer to "Did X mention Y?" (module docstring); None when it has none.
    `outlets` are the question's outlet mentions (`QueryPlan.outlets`)."""
    asked = mentioned_question(question)
    if asked is None:
        return None
    who, topic = asked
    if _EVERY.match(who):
        return _in_articles(pipeline, None, topic)
    named = [o for o in outlets if question[o.start : o.end].lower() in who.lower()]
    if named:
        sources = list(dict.fromkeys(s for o in named for s in o.sources))
        return _in_articles(pipeline, sources, topic)
    return on_topic(pipeline, who, topic, leads=(YES, NO), share=MENTIONED, no_below=ABOUT_SHARE)


def _in_articles(pipeline: Pipeline, sources: list[str] | None, topic: str) -> Said | None:
    """The sentence of the outlets' (None: any) articles most about `topic`, after "Yes."; or
    "No, ..." when none has half of its content words; None in between (module docstring)."""
    from rag.search.retrieve import passage_of_hit

    want = content_words(topic)
    keywords = pipeline.keywords
    if not want or keywords is None:
        return None
    ids = [cid for cid, _ in keywords.search(topic, HITS, outlet=sources)]
    hits = pipeline.store.get(ids)
    best, share, span = None, 0.0, (0, 0)
    for cid in ids:
        hit = hits.get(cid)
        if hit is None:
            continue
        text = hit.chunk.text
        for s, e in sentence_spans(text):
            got = len(want & content_words(text[s:e])) / len(want)
            if got > share:
                best, share, span = hit, got, (s, e)
    if ABOUT_SHARE <= share < MENTIONED:
        return None
    if best is None or share < MENTIONED:
        return Said(f"{NO} {_looked(pipeline, sources, topic)}", None, None, yes_no=True)
    passage = passage_of_hit(1, best, 1.0)
    s, e = span
    words = best.chunk.text[s:e].strip()
    start = best.chunk.start + s
    # The sentence as the article has it, in quotation marks unless it opens with its own.
    shown = closed(words) if words[:1] in OPENERS else f'"{words}"'
    text = f"{YES} From {passage.source or passage.title}: {shown}"
    return Said(text, None, passage, start, start + (e - s), yes_no=True)


def _looked(pipeline: Pipeline, sources: list[str] | None, topic: str) -> str:
    """ "None of the 12 articles from The Verge in the index mentions Y." """
    if sources is None:
        n, where = len(pipeline.documents), ""
    else:
        held = dict(pipeline.retriever.outlets()) if pipeline.retriever else {}
        n, where = sum(held.get(s, 0) for s in sources), f" from {' or '.join(sources)}"
    if n == 1:
        return f"The one article{where} in the index does not mention {topic}."
    return f"None of the {n} articles{where} in the index mentions {topic}."
