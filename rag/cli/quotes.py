"""`rag quotes`: who said what in the indexed articles, each quote a citation (outlet, date,
title, file:start-end); alone, the speakers with their counts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rag.cli.common import IndexOpt, err, out, print_json
from rag.settings import Settings

LIMIT = 20


def quotes(
    speaker: Annotated[
        str | None, typer.Option("--speaker", help="Whose quotes, any spelling of the name.")
    ] = None,
    about: Annotated[
        str | None, typer.Option("--about", help="Rank by relevance to this topic.")
    ] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Only from this outlet.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only published on or after this date.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only published on or before this date.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many.")] = LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    index: IndexOpt = None,
) -> None:
    """What was said, by whom, where and when. Alone: the speakers, most quoted first."""
    from rag.index.docstore import DocStore
    from rag.index.manifest import IndexPaths, require_ingested
    from rag.render import display_path, short_quote
    from rag.search.quotes import about as rank_about
    from rag.search.quotes import find_quotes

    settings = Settings.from_env(index_dir=index)
    paths = IndexPaths(settings.index_dir)
    require_ingested(paths, settings)
    docs = DocStore(paths.documents)
    try:
        stale = len(docs.stale_quotes())
        if stale:
            err.print(
                f"{stale} documents have no attributions from this version of the extractor "
                "(indexed before `rag quotes`, or by an older version): run "
                "`rag index check --repair` to extract them."
            )
        filters = (outlet, since, until)
        if speaker is None and about is None:
            _speakers(docs, as_json, limit, filters)
            return
        found = find_quotes(docs, speaker, outlet, since, until)
        if about:
            from rag.pipeline import default_embedder

            ranked = rank_about(found, about, default_embedder(settings), ignore=speaker or "")
            # Only what is about the topic (some of its words); the rest is not an answer.
            found = [q for q in ranked if q.relevance > 0]
            if ranked and not found and not as_json:
                who = f" by {speaker}" if speaker else ""
                err.print(f"{len(ranked)} quotes{escape(who)}, none on {escape(about)}.")
                return
        for q in found[:limit]:
            s, e = q.attribution.content
            where = display_path(q.doc.path, q.doc.doc_id)
            if as_json:
                print_json(
                    {
                        "speaker": q.speaker, "text": q.text, "doc_id": q.doc.doc_id,
                        "title": q.doc.title, "source": q.doc.source,
                        "published_at": q.doc.published_at, "path": where, "start": s, "end": e,
                        **({"relevance": round(q.relevance, 3)} if about else {}),
                    }
                )  # fmt: skip
                continue
            byline = ", ".join(x for x in (q.doc.source, (q.doc.published_at or "")[:10]) if x)
            out.print(
                escape(f"{q.speaker} · {q.doc.title}" + (f" ({byline})" if byline else ""))
                + escape(f" {where}:{s}-{e}"),
                highlight=False,
            )
            out.print(escape(f"    > {short_quote(q.text, 400)}"), highlight=False)
        if not found and not as_json:
            who = f" by {speaker}" if speaker else ""
            err.print(f"No quotes{escape(who)} in the index{_filtered(filters)}.")
    finally:
        docs.close()


def _speakers(docs: object, as_json: bool, limit: int, filters: tuple[str | None, ...]) -> None:
    from collections import Counter

    from rag.search.quotes import find_quotes
    from rag.sources.quotes import speaker_key

    outlet, since, until = filters
    if any(filters):
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for q in find_quotes(docs, None, outlet, since, until):  # type: ignore[arg-type]
            key = speaker_key(q.speaker or "")
            counts[key] += 1
            names.setdefault(key, q.speaker or "")
        rows = [(k, names[k], n) for k, n in counts.most_common()]
    else:
        rows = docs.speakers()  # type: ignore[attr-defined]
    for key, name, n in rows[:limit]:
        if as_json:
            print_json({"speaker": name, "key": key, "quotes": n})
        else:
            out.print(escape(f"{n:5d}  {name}"), highlight=False)
    if not as_json and len(rows) > limit:
        out.print(f"... and {len(rows) - limit} more (--limit).")


def _filtered(filters: tuple[str | None, ...]) -> str:
    outlet, since, until = filters
    parts = [f"from {outlet}" if outlet else "", f"since {since}" if since else ""]
    parts.append(f"until {until}" if until else "")
    shown = " ".join(p for p in parts if p)
    return f" ({shown})" if shown else ""
