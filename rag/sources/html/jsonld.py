"""JSON-LD (schema.org) blocks of a page: the article object, its authors and publisher."""

from __future__ import annotations

import json
import re
from typing import Any

_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
    "socialmediaposting", "techarticle", "scholarlyarticle", "report", "posting",
}  # fmt: skip


_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "website"}


class _LD:
    """The article object of the page's JSON-LD, its authors and its publisher."""

    def __init__(self) -> None:
        self.article: dict[str, Any] = {}
        self.authors: list[str] = []
        self.publisher: str | None = None
        self.any_date: str | None = None


def _json_ld(tree: Any) -> _LD:
    items: list[dict[str, Any]] = []
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json":
            continue
        data = _loads(el.text or "")
        _flatten(data, items, 0)
    ld = _LD()
    by_id = {it["@id"]: it for it in items if isinstance(it.get("@id"), str)}
    arts = [it for it in items if _types(it) & _ARTICLE_TYPES]
    # Several article objects (related stories) happen: the one with a body or headline first.
    arts.sort(key=lambda it: (not it.get("articleBody"), not it.get("headline")))
    if arts:
        ld.article = arts[0]
        ld.authors = _ld_names(arts[0].get("author"), by_id)
        pub = arts[0].get("publisher")
        ld.publisher = _ld_name(pub, by_id)
    for it in items:
        if not ld.any_date and _types(it) & {"webpage", "newsarticle", "article"}:
            ld.any_date = _s(it.get("datePublished"))
        if not ld.publisher and _types(it) & _ORG_TYPES - {"website"}:
            ld.publisher = _s(it.get("name"))
    return ld


def _loads(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->").strip()
    if text.endswith(";"):
        text = text[:-1]
    try:
        return json.loads(text, strict=False)  # strict=False: raw newlines inside strings
    except ValueError:
        try:  # a common breakage: trailing commas
            return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
        except ValueError:
            return None


def _flatten(data: Any, out: list[dict[str, Any]], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(data, list):
        for d in data:
            _flatten(d, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        if "@graph" in data:
            _flatten(data["@graph"], out, depth + 1)
        main = data.get("mainEntity")
        if isinstance(main, (dict, list)):
            _flatten(main, out, depth + 1)


def _types(it: dict[str, Any]) -> set[str]:
    t = it.get("@type")
    ts = t if isinstance(t, list) else [t]
    return {x.lower() for x in ts if isinstance(x, str)}


def _ld_name(v: Any, by_id: dict[str, dict[str, Any]]) -> str | None:
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, str):
        return v.strip() or None
    if isinstance(v, dict):
        if "name" not in v and isinstance(v.get("@id"), str):
            v = by_id.get(v["@id"], v)
        return _s(v.get("name"))
    return None


def _ld_names(v: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    """Author names; organisations are skipped (a byline names people; the outlet is `source`)."""
    vs = v if isinstance(v, list) else [v]
    out = []
    for a in vs:
        if isinstance(a, dict) and "name" not in a and isinstance(a.get("@id"), str):
            a = by_id.get(a["@id"], a)
        if isinstance(a, dict) and _types(a) & _ORG_TYPES:
            continue
        n = _ld_name(a, by_id)
        if n:
            out.append(n)
    return out


def _s(v: Any) -> str | None:
    if isinstance(v, list):
        v = v[0] if v else None
    if isinstance(v, dict):
        v = v.get("name") or v.get("@value")
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        s = " ".join(str(v).split())
        return s or None
    return None
