"""Bylines: a raw author value ("By Jane Doe, AP Auto Writer", an email, a handle) to a name, or
nothing when it is not a name."""

from __future__ import annotations

import re
from typing import Any

from rag.sources.html.clean import _fold

_PARTICLES = {"von", "van", "de", "da", "der", "del", "le", "la", "zu", "di", "du"}


_BY = re.compile(r"^(?:by|von|par|por|de|di|door|av|written by|posted by|autor(?:in)?:?|author:?)"
                 r"\s+", re.I)  # fmt: skip


# A trailing role or desk after a separator: "Tom Krisher, AP Auto Writer", "Jane Doe - Reporter"
_ROLE = re.compile(
    r"\s*(?:,|\||\s[–—-]\s|\()[^,|(]*?\b(?:staff|senior|contributing|chief|special|associate|"
    r"deputy|editor|reporter|correspondent|writer|columnist|contributor|redakt\w*|journalist|"
    r"freelance|photographer|producer|analyst|intern)\b.*$",
    re.I,
)


_EMAIL = re.compile(r"\S+@\S+\.\w+")


_HANDLE = re.compile(r"(?<!\w)@\w+")


# A longer value is no byline (a name and its role fit in 80 characters), and the patterns below
# are quadratic in it: a 100 KB "author" took them minutes.
MAX_BYLINE = 500


def _clean_author(v: Any, site: str | None) -> str | None:
    """A person's name as a byline shows it: no "By", no handle, role or e-mail, no outlet."""
    if isinstance(v, list):
        names = [_clean_author(x, site) for x in v]
        return ", ".join(dict.fromkeys(n for n in names if n)) or None
    if not isinstance(v, str):
        return None
    s = " ".join(v[:MAX_BYLINE].split())
    if not s or len(v) >= MAX_BYLINE or s.startswith(("http://", "https://", "www.", "/")):
        return None
    s = _EMAIL.sub("", s)
    s = _HANDLE.sub("", s)
    s = re.sub(r"^[\s|:,·•\-–—]+", "", s)
    for _ in range(2):
        s = _BY.sub("", s).strip()
    # "Jane Doe; Online-Redaktion", "Jane Doe | Reporter": the first part is the name
    s = re.split(r"\s*[;|]\s*", s)[0]
    s = _ROLE.sub("", s).strip()
    s = re.sub(r"\s+(?:and|und|&|et|y)\s+", ", ", s)
    s = s.strip(" ,;:|·•-–—()")
    if not s or len(s) > 80 or len(s) < 2:
        return None
    if any(c.isdigit() for c in s) or "_" in s or re.search(r"\w\.[a-z]{2,4}\b", s):
        return None  # a date, a user slug (jane_doe) or a domain (stol.it) is no name
    words = re.split(r"[\s,]+", s)
    if len(words) > 8 or any(w.casefold() in _NOT_NAME for w in words):
        return None
    if len(words) > 1 and any(w[:1].islower() for w in words if w not in _PARTICLES):
        return None  # names are capitalised: "the defense ministries" is prose, not a byline
    if len(words) == 1 and _ACCOUNT.search(words[0]):
        return None  # "wordpressadmin", "editor1": an account, not a person's name
    if site and _fold(s) and (_fold(s) in _fold(site) or _fold(site) in _fold(s)):
        return None  # the outlet is not an author; `source` carries it
    return s


# Words of the text around a byline ("Posted on", "Publiziert am", "View all posts"), of a
# newsroom rather than a person, or of a label: a "name" with one of them is not a name.
_NOT_NAME = {
    "posted", "published", "updated", "publiziert", "veröffentlicht", "aktualisiert", "am",
    "on", "um", "at", "le", "publié", "publicado", "pubblicato", "view", "all", "posts",
    "articles", "beiträge", "artikel", "more", "mehr", "about", "share", "follow", "comments",
    "kommentare", "redaktion", "newsroom", "staff", "team", "editors", "desk", "admin", "author",
    "autor", "autorin", "read", "the", "der", "die", "das", "min", "minutes", "minuten",
    "profile", "home", "name", "names", "copier", "auteur", "auteurs", "autores", "autori",
    "user", "guest", "anonymous", "unknown", "webmaster", "administrator", "contributor",
    "contributors", "byline", "redacción", "redazione", "rédaction",
}  # fmt: skip
# A one-word "name" that is a CMS account: wordpressadmin, admin2, siteuser, webeditor.
_ACCOUNT = re.compile(r"(?i)admin|press|user|editor|\d")
