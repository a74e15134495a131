"""Can the model tell whether two reports agree? A yes/no question about how reports relate
("Was TechCrunch's report on X consistent with its report on Y?", "Did the coverage change?")
is answered "Yes" by a 1.5B model whichever way it asks. This script measures the way around
that the issue (answers that do not mislead) suggested, which `rag ask` does NOT use because
it carried no signal on held-out questions (README, "Yes/No about how reports relate"):

- the code reads the question's direction (`asks_same`: "consistent", "align", "no change" ask
  whether the reports agree; "change", "inconsistent", "contradict" whether they differ);
- it picks one article per report the question names (`one_per_report`, `reports`: outlet and
  date of each clause, from the question's own retrieval) and the three sentences of each
  nearest to the question;
- the model is asked the question without a direction: do these reports give the same account
  or different ones? (P(Same) against P(Different)); and, for comparison, P(Yes) for "do they
  agree?" and for "do they differ?", whose contrast cancels the Yes prior another way.

    python scripts/yes_no_relations.py collect --index index-eval-corpus --output yr.jsonl --n 80
    python scripts/yes_no_relations.py report yr.jsonl

Measured on MultiHop-RAG dev yes/no relation questions outside the 200-question evaluation
sample (`rag eval answers --sample 200 --seed 0`). `report` maps each signal onto the
question's direction and prints the AUROC and the accuracy and balanced accuracy at each
threshold, against "Yes" to all.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from rag import privacy
from rag.answer.claims import SYSTEM, Sentence, nearest_sentences, relates_reports
from rag.answer.gather import in_story
from rag.eval.jsonl import RowWriter, read_rows
from rag.llm.embed import similarities
from rag.llm.generate import Generator
from rag.pipeline import Pipeline
from rag.search.query import SubQuery
from rag.settings import Settings
from rag.types import Passage

sys.path.insert(0, str(Path(__file__).parent))
from yes_no_signal import at_threshold, auroc, best_balanced, held_out_yes_no, logit, parser

SENTENCES = 3  # per report
MAX_REPORTS = 3  # "Do the three articles all agree ...?"; a longer prompt for more

# The direction a relation question asks: whether the reports agree, or whether they differ.
_DIFFERENT = re.compile(
    r"\b(?:inconsisten\w*|chang\w*|shift\w*|alter(?:s|ed|ing|ations?)?|differ\w*|"
    r"disagree\w*|contradict\w*|diverg\w*)\b",
    re.I,
)
_SAME = re.compile(
    r"\b(?:consisten\w*|align\w*|agree(?:s|d|ing|ment)?|similar\w*|remain(?:s|ed)?|"
    r"same(?!\s+(?:source|publication|outlet|news\s+source|publisher|day|week|month|year)\b))\b",
    re.I,
)
# "no change", "not consistent", "fail to align": the word asks the other way round.
_NEGATED = re.compile(r"\b(?:no|not|never|without|fail(?:s|ed)?\s+to)\s+(?:\w+\s+)?$", re.I)


_JOINED = re.compile(r"^\W*(?:and|while|whereas|but|or|compared|versus|vs|than|with|to)\b", re.I)


def asks_same(question: str) -> bool | None:
    """True when the question asks whether reports agree ("consistent", "align", "no change"),
    False when it asks whether they differ ("change", "inconsistent", "contradict"), None when
    it asks both ways or neither."""
    asked = set()
    for pattern, same in ((_SAME, True), (_DIFFERENT, False)):
        for m in pattern.finditer(question):
            negated = bool(_NEGATED.search(question, max(0, m.start() - 25), m.start()))
            asked.add(same != negated)
    return asked.pop() if len(asked) == 1 else None


@dataclass(frozen=True)
class Report:
    """One report the question compares: who published it, and its sentences nearest to what
    the question says of it (nearest first)."""

    label: str
    sentences: tuple[Sentence, ...]


def _label(p: Passage) -> str:
    who = p.source or p.title
    day = (p.published_at or "")[:10]
    return f"{who} ({day})" if day else who


def one_per_report(clauses: Sequence[SubQuery], named: tuple[str, ...]) -> list[SubQuery]:
    """The question's clauses as one story per report. "the Sporting News report on X published
    on December 5" can be cut into an outlet clause and a date clause (at the comma of
    "2,000-plus"): the two are one report, unless the date clause opens as a report of its own
    ("and the report of December 7"). A clause that names only a date is from the outlets the
    question names."""
    out: list[SubQuery] = []
    for c in clauses:
        cut = not _JOINED.match(c.text)  # "and the report of May 2" is a report of its own
        if cut and out and c.dates and not c.sources and out[-1].sources and not out[-1].dates:
            out[-1] = SubQuery(f"{out[-1].text}, {c.text}", out[-1].sources, c.dates)
        else:
            out.append(c)
    return [c if c.sources else replace(c, sources=named) for c in out]


def reports(
    pipeline: Pipeline,
    question: str,
    passages: Sequence[Passage],
    similarity: Callable[[str, list[str]], list[float]],
) -> list[Report]:
    """The reports a relation question compares, one article each: for each story it names
    (an outlet, a date), the best-ranked article of the question's retrieval that fits it and
    is not already taken (retrieved for that story alone when none fits); for a question that
    names fewer than two stories, the two articles ranked first. Each with its sentences
    nearest to the question, which says both what the report is about and what is compared."""
    assert pipeline.retriever is not None  # the question was just retrieved for
    named = tuple(sorted({s for o in pipeline.retriever.plan(question).outlets for s in o.sources}))
    stories = one_per_report(pipeline.retriever.clauses(question), named)[:MAX_REPORTS]
    taken: list[list[Passage]] = []

    def take(pool: Sequence[Passage], story: SubQuery | None) -> bool:
        used = {mine[0].chunk.doc_id for mine in taken}
        for p in pool:
            if p.chunk.doc_id not in used and (story is None or in_story(p, story)):
                taken.append([q for q in pool if q.chunk.doc_id == p.chunk.doc_id])
                return True
        return False

    # The most specific story first: "the Sporting News report" alone must not take the
    # article that "the Sporting News report of December 7" needs.
    for story in sorted(stories, key=lambda s: -(bool(s.sources) + bool(s.dates))):
        if not take(passages, story):
            take(pipeline.retrieve(story.text).passages, story)
    while len(taken) < 2 and take(passages, None):
        pass
    out = []
    for mine in sorted(taken, key=lambda m: m[0].published_at or "~"):  # oldest first, undated last
        near = nearest_sentences(question, mine, similarity, SENTENCES)
        if near:
            out.append(Report(_label(mine[0]), tuple(near)))
    return out if len(out) >= 2 else []


def compare_messages(question: str, found: Sequence[Report]) -> list[dict[str, str]]:
    body = "\n\n".join(
        f"Report {n}, {r.label}:\n" + "\n".join(f'- "{s.text}"' for s in r.sentences)
        for n, r in enumerate(found, 1)
    )
    user = (
        f"{body}\n\nQuestion: {question}\n"
        "On what this question asks about, do these reports give the same account or "
        "different accounts? Answer Same or Different, from these sentences only."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def p_same(generator: Generator, question: str, found: Sequence[Report]) -> float:
    """P(Same) / (P(Same) + P(Different)) for the reports, read as the reply's first token."""
    prompt = generator.chat_prompt(compare_messages(question, found))
    same, different = generator.probabilities(prompt, ["Same", "Different"])
    return same / (same + different) if same + different > 0 else 0.5


def _yes(pipeline: Pipeline, question: str, found: Any, ask: str) -> float:
    messages = compare_messages(question, found)
    body = messages[1]["content"].rsplit("\nOn what", 1)[0]
    messages[1]["content"] = f"{body}\n{ask} Answer Yes or No, from these sentences only."
    g = pipeline.generator
    yes, no = g.probabilities(g.chat_prompt(messages), ["Yes", "No"])
    return yes / (yes + no)


def collect(args: argparse.Namespace) -> None:
    items = [
        i
        for i in held_out_yes_no(args.queries, args.seed)
        if relates_reports(i.question) and asks_same(i.question) is not None
    ]
    pipeline = Pipeline.open(Settings.from_env(index_dir=args.index), preload=True)
    similarity = partial(similarities, pipeline.embedder)
    done = read_rows(args.output)
    with RowWriter(args.output) as sink:
        for n, item in enumerate(items[: args.n], 1):
            if item.id in done:
                continue
            passages = pipeline.retrieve(item.question).passages
            found = reports(pipeline, item.question, passages, similarity)
            row: dict[str, Any] = {
                "id": item.id,
                "type": item.question_type,
                "gold": str(item.gold_answer).strip().lower(),
                "asks_same": asks_same(item.question),
                "reports": [[r.label, [s.text for s in r.sentences]] for r in found],
            }
            if found:
                row["same"] = p_same(pipeline.generator, item.question, found)
                on = "On what the question asks about,"
                row["agree"] = _yes(pipeline, item.question, found, f"{on} do these reports agree?")
                row["differ"] = _yes(
                    pipeline, item.question, found, f"{on} do these reports differ?"
                )
            sink.write(row)
            print(
                f"{n} {item.id} {row['gold']} same-asked={row['asks_same']} "
                f"P(Same) {row.get('same', float('nan')):.2f}",
                file=sys.stderr,
            )


def signals(r: dict[str, Any]) -> dict[str, float]:
    """Each signal as evidence for Yes: for a question that asks whether the reports differ,
    agreement counts against."""
    sign = 1 if r["asks_same"] else -1
    return {
        "same/different": sign * logit(r["same"]),
        "agree - differ": sign * (logit(r["agree"]) - logit(r["differ"])),
        "P(Yes) asked as the question": logit(r["agree"] if r["asks_same"] else r["differ"]),
    }


def report(args: argparse.Namespace) -> None:
    rows = [r for r in read_rows(args.rows).values() if "same" in r]
    for name, rs in (
        ("all", rows),
        ("asks same", [r for r in rows if r["asks_same"]]),
        ("asks different", [r for r in rows if not r["asks_same"]]),
    ):
        gold = [r["gold"] == "yes" for r in rs]
        print(f"{name}: {len(rs)} questions, {sum(gold)} gold Yes")
        if not rs:
            continue
        for signal in signals(rs[0]):
            scores = [signals(r)[signal] for r in rs]
            bal, t = best_balanced(scores, gold)
            print(f"  {signal:29} AUROC {auroc(scores, gold):.3f}, best bal. {bal:.3f} at {t:+.2f}")
        for at in (0.3, 0.4, 0.5, 0.6, 0.7):
            acc, bal = at_threshold([(r["same"] >= at) == r["asks_same"] for r in rs], gold)
            print(f"  Same at P >= {at:.2f}: accuracy {acc:.3f}, balanced {bal:.3f}")
        print(f"  Yes to all: accuracy {sum(gold) / len(gold):.3f}, balanced 0.500")


def main() -> None:
    privacy.apply()
    ap, _, _ = parser(80)
    args = ap.parse_args()
    collect(args) if args.cmd == "collect" else report(args)


if __name__ == "__main__":
    main()
