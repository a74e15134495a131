"""The article body of a page: trafilatura on the raw bytes, a plain fallback for fragments, the
standfirst kept, page furniture left out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.sources.html.page import _Page


_SOFT = re.compile(r"[\u00ad\u200b\ufeff]")  # soft hyphen, zero-width space, BOM: break words


def _body(tree: Any, url: str | None) -> tuple[str, str]:
    import trafilatura
    from trafilatura.xml import xmltotxt

    try:
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=True,  # boilerplate costs more than a lost sentence in a RAG index
            include_comments=False,
            include_tables=True,  # +2 points body F1 on the dev pages (results tables, specs)
            include_formatting=False,
            with_metadata=False,  # metadata is read below, from more sources
        )
    except Exception:
        return "", "fallback"
    body = getattr(doc, "body", None)
    if body is None:
        return "", "fallback"
    txt = xmltotxt(body, False)
    return _paragraphs(txt), "trafilatura"


def _paragraphs(txt: str) -> str:
    """One block per line in trafilatura's text: make them paragraphs separated by a blank line."""
    lines = (" ".join(_SOFT.sub("", line).split()) for line in txt.splitlines())
    return "\n\n".join(line for line in lines if line)


_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
    "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "figcaption", "figure", "br",
    "hr", "address", "body", "td", "th",
)  # fmt: skip


def _fallback_text(html: str) -> str:
    """The page's visible text with paragraph breaks, for what trafilatura gives up on."""
    if not html.strip():
        return ""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    drop = ["script", "style", "nav", "header", "footer", "aside", "noscript", "template"]
    for tag in soup(drop):
        tag.decompose()
    root = soup.find("article") or soup.body or soup
    # Newlines around block elements only, so that <a>, <em> and <b> stay inside their sentence.
    for tag in root.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return _paragraphs(root.get_text(""))


# More elements than this and trafilatura's scoring turns quadratic (a page of a million <p> took
# it minutes); the largest of the 60 real news pages in eval/news_html has 3,205. Such a page is
# read by `_plain_text`, one pass over the tree.
MAX_ELEMENTS = 30_000
_DROP = frozenset(
    {"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "head"}
)


def _plain_text(tree: Any) -> str:
    """The visible text of the page's <article> (else <body>) in one pass, a newline around each
    block element: for pages too large for trafilatura."""
    from lxml import etree

    found = tree.find(".//article")
    root = found if found is not None else tree.find(".//body")
    root = root if root is not None else tree
    blocks = frozenset(_BLOCK_TAGS)
    parts: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _DROP or not tag:  # comments and processing instructions too
                walker.skip_subtree()
                continue
            if tag in blocks:
                parts.append("\n")
            parts.append(el.text or "")
        else:
            if tag in blocks:
                parts.append("\n")
            if el is not root:
                parts.append(el.tail or "")
    return _paragraphs("".join(parts))


def _add_standfirst(text: str, page: _Page) -> str:
    """Put back the lead paragraph (standfirst) when trafilatura dropped it.

    Precision mode often drops the lead shown under the headline because its container is
    classed "teaser"/"intro"/"heading". The lead is usually also the page's meta description, so
    a description that is the whole text of a visible element before the body is taken as the
    lead. A description that only lives in <meta> is a summary, not article text, and stays out.
    """
    if not text:
        return text
    desc = page.description()
    if not desc or len(desc) < 40:
        return text
    norm = " ".join(_SOFT.sub("", desc).split())
    if norm[:60] in text:
        return text
    first = text.split("\n\n", 1)[0][:50]
    for el in page.tree.iter("p", "div", "span", "strong"):
        own = " ".join(_SOFT.sub("", el.text_content()).split())
        if own != norm:
            continue
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        if _in_boilerplate(el) or _SUBTITLE.search(marks):
            return text
        # only a lead that comes before the body's first paragraph in the page
        after = " ".join(_SOFT.sub("", _following_text(el, 3000)).split())
        if first[:40] in after:
            return norm + "\n\n" + text
        return text
    return text


# A dek / subtitle is a second headline set above the article, not its first paragraph (news
# article benchmarks leave it out of the body); a teaser or intro paragraph is the article's lead.
_SUBTITLE = re.compile(r"dek|sub-?head|summary|sub-?title|standfirst|strapline", re.I)


def _following_text(el: Any, limit: int) -> str:
    out: list[str] = []
    size = 0
    node = el
    while node is not None and size < limit:
        nxt = node.getnext()
        while nxt is None:
            node = node.getparent()
            if node is None:
                return "".join(out)
            nxt = node.getnext()
        node = nxt
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        chunk = node.text_content()
        out.append(" " + chunk)
        size += len(chunk)
    return "".join(out)


# Class/id words of page furniture. Matched at the start of a class token only: <body> and layout
# wrappers carry tokens like "has-sidebar" or "no-comments" around the article itself.
_BOILER = re.compile(
    r"(?:^|\s)(?:nav|menu|footer|sidebar|related|comment|cookie|newsletter|widget|teaser-list|"
    r"recommend|most-popular|share)",
    re.I,
)


def _in_boilerplate(el: Any) -> bool:
    for anc in el.iterancestors():
        if anc.tag in ("body", "html"):
            return False
        if anc.tag in ("nav", "footer", "aside", "head"):
            return True
        if _BOILER.search(f"{anc.get('class', '')} {anc.get('id', '')}"):
            return True
    return False
