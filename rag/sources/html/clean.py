"""Cleaning values read off a page: URLs and domains, site names, titles with the site name cut
off, languages."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit


def _abs(href: str | None, base: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("http://", "https://")):
        return href
    if base and base.startswith(("http://", "https://")):
        return urljoin(base, href)
    return None  # a relative link with nothing to resolve it against is no url


def _unarchive(url: str) -> str:
    """The original address of a Wayback Machine copy: its snapshot time is no publication date."""
    m = re.match(r"https?://web\.archive\.org/web/\d+[a-z_]*/(.+)", url)
    return m.group(1) if m else url


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(_unarchive(url)).hostname or ""
    host = host.removeprefix("www.")
    return host or None


def _clean_site(v: str | None) -> str | None:
    if not v:
        return None
    v = v.strip()
    if v.startswith(("http://", "https://", "www.")):
        return _domain(v if "//" in v else "http://" + v)  # a URL given as the name
    v = re.split(r"\s+\|\s+", v)[0]  # "Autoracing | F1 | Indy | ...": the name comes first
    return v if 1 < len(v) <= 80 else None


_SEP = r"\s+[|\-–—:·•»/]\s+"


def _clean_title(t: str | None, site: str | None, url: str | None) -> str | None:
    """The headline without the " | Site" tail, cut only where the site's name is known."""
    if not t:
        return None
    t = " ".join(t.split())
    names = {n.casefold() for n in (site, _domain(url)) if n}
    dom = _domain(url)
    if dom:
        names.add(dom.split(".")[0].casefold())
    if names:
        parts = re.split(f"({_SEP})", t)
        # parts: text, sep, text, sep, ...; drop a site name at either end
        if len(parts) >= 3 and _is_site(parts[-1], names):
            t = "".join(parts[:-2]).strip()
        elif len(parts) >= 3 and _is_site(parts[0], names):
            t = "".join(parts[2:]).strip()
    return t or None


def _is_site(part: str, names: set[str]) -> bool:
    p = _fold(part)
    if not p:
        return False
    return any(p == _fold(n) or (len(p) > 3 and p in _fold(n)) or _fold(n) in p for n in names)


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.casefold())
    return "".join(c for c in s if c.isalnum())


def _lang(v: str | None) -> str | None:
    if not v:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|$)", v)
    return m.group(1).lower() if m else None


def _fold_words(s: str) -> str:
    """Lowercased, accent-free words joined by one space: for comparing two titles."""
    s = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", s))
