"""Dates as written on pages, in URLs and in several languages, to ISO 8601; never made up."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from rag.sources.html.clean import _unarchive

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?)?"
)


_YMD = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)")


_MONTH_NAMES = [  # en, de, fr, es, it, pt, nl; full names and the usual abbreviations
    "january jan januar janvier enero gennaio janeiro januari jän",
    "february feb februar février fevrier febrero febbraio fevereiro februari",
    "march mar märz maerz mrz mars marzo março maart",
    "april apr avril abril aprile",
    "may mai mayo maggio maio mei",
    "june jun juni juin junio giugno junho",
    "july jul juli juillet julio luglio julho",
    "august aug août aout agosto augustus",
    "september sep sept septembre septiembre settembre setembro",
    "october oct okt oktober octobre octubre ottobre outubro",
    "november nov novembre noviembre novembro",
    "december dec dez dezember décembre decembre diciembre dicembre dezembro",
]


_MONTHS = {name: i + 1 for i, names in enumerate(_MONTH_NAMES) for name in names.split()}


_MONTH_RX = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))


_DMY_NUM = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d{2})(?!\d)")


_DMY_TXT = re.compile(
    rf"(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?({_MONTH_RX})\.?,?\s+(?:de\s+)?((?:19|20)\d{{2}})(?!\d)",
    re.I,
)


_MDY_TXT = re.compile(
    rf"\b({_MONTH_RX})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})\b", re.I
)


def _text_date(s: str) -> str | None:
    """The first full date (with a year) in a line of text, in the usual written forms."""
    found: list[tuple[int, str]] = []
    iso = _ISO.search(s)
    iso_day = _iso_date(iso.group(0)) if iso else None
    if iso and iso_day:
        found.append((iso.start(), iso_day[:10]))
    for rx, order in ((_DMY_NUM, "dmy"), (_DMY_TXT, "dmy"), (_MDY_TXT, "mdy")):
        m = rx.search(s)
        if not m:
            continue
        a, b, y = m.group(1), m.group(2), int(m.group(3))
        if order == "dmy":
            day, mo = int(a), (int(b) if b.isdigit() else _MONTHS.get(b.lower(), 0))
        else:
            mo, day = _MONTHS.get(a.lower(), 0), int(b)
        if _valid(y, mo, day):
            found.append((m.start(), f"{y:04d}-{mo:02d}-{day:02d}"))
    return min(found)[1] if found else None


def _iso_date(v: str | None) -> str | None:
    """ISO 8601 from the usual machine-written forms; None when it is not clearly a date."""
    if not v:
        return None
    v = v.strip()
    m = _ISO.search(v)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        if not _valid(y, mo, d):
            return None
        if m[4] and m[7]:
            tz = "+00:00" if m[7] == "Z" else f"{m[7][:3]}:{m[7][-2:]}"
            return f"{y:04d}-{mo:02d}-{d:02d}T{int(m[4]):02d}:{m[5]}:{m[6] or '00'}{tz}"
        return f"{y:04d}-{mo:02d}-{d:02d}"
    m = _YMD.search(v)
    if m and _valid(int(m[1]), int(m[2]), int(m[3])):
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    if v.isdigit() and len(v) in (10, 13):  # epoch seconds or milliseconds
        import datetime as dt

        ts = int(v) / (1000 if len(v) == 13 else 1)
        when = dt.datetime.fromtimestamp(ts, dt.UTC)
        if 1995 <= when.year <= 2100:
            return when.isoformat(timespec="seconds")
    return None


def _valid(y: int, mo: int, d: int) -> bool:
    return 1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31


_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[-_]|$)"
)


def _url_date(url: str) -> str | None:
    """The date in the address (/2019/11/19/...): a publisher's own record of the day."""
    path = urlsplit(_unarchive(url)).path
    m = _URL_DATE.search(path)
    if m and _valid(int(m[1]), int(m[2]), int(m[3])):
        return f"{m[1]}-{m[2]}-{m[3]}"
    return None
