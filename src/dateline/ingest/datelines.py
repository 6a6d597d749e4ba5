"""Datelines and publication dates read from the text itself.

Wire copy opens with a dateline, "Bagdad, 10 mai 2024 (Dépêche Monde) -": the place is
where the report was filed, not where the event happened, and the date is the report's.
Plain-text pages often carry their date near the top ("Mercredi, 15 mai 2024 10:17").
When a document comes without ``published``, this is the best anchor for "jeudi" or
"hier"; without it relative dates cannot be resolved at all.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from dateline.model import Zone
from dateline.resolve.dates import find_dates

log = logging.getLogger(__name__)

_DATELINE = re.compile(
    r"^[ \t]*(?P<place>[A-ZÀ-ÖØ-Þ][^\n,()«»\"]{1,40}?)(?:\s*\([^)\n]{1,30}\))?\s*,\s*(?P<date>[^\n()–—]{4,40}?)\s*"
    r"(?:\((?P<agency>[^)\n]{1,40})\))?\s*[-–—]+\s",
    re.M,
)
#: how far into the text a publication date may appear (characters): the header block.
HEADER_CHARS = 400
DATELINE_CHARS = 1500


def year_anchor(text: str) -> date | None:
    """End of the latest year the text mentions: anchors a dateline without a year
    ("BAGHDAD, May 17 (Reuters) -") to the story's own time, never to today."""
    years = [int(y) for y in re.findall(r"(?<![\d:])((?:19[89]|20\d)\d)(?![\d:])(?!\s*(?:GMT|UTC|h\b|hrs|local))", text)]
    return date(max(years), 12, 31) if years else None


def find_dateline(text: str, lang: str | None, published: date | None = None) -> tuple[Zone | None, date | None]:
    """The wire dateline of ``text`` (as a zone over its place and date) and its date.

    A dateline without a year ("BAGHDAD, May 15 (Reuters) -") is still a dateline; its
    date is resolved against ``published`` or the latest year the text mentions.
    """
    anchor = published or year_anchor(text)
    for m in _DATELINE.finditer(text, 0, min(len(text), DATELINE_CHARS)):
        ds = [d for d in find_dates(text, lang, anchor, m.start("date"), m.end("date")) if d.kind == "absolute"]
        if not ds:
            continue
        z = Zone(kind="dateline", start=m.start("place"), end=m.end(), text=text[m.start("place"):m.end()],
                 reason="wire dateline: filing place and date")
        return z, ds[0].value  # None when no year can be inferred
    return None, None


def infer_published(text: str, lang: str | None, zones: list[Zone]) -> date | None:
    """A full date (with year) in the header block, outside unrelated captions."""
    skip = [(z.start, z.end) for z in zones if z.kind in ("caption_unrelated", "caption", "read_also")]
    for d in find_dates(text, lang, None, 0, min(len(text), HEADER_CHARS)):
        if d.value is None or d.kind != "absolute" or any(s <= d.start < e for s, e in skip):
            continue
        if not re.search(r"(?:19|20)\d\d", d.text):
            continue
        log.debug("publication date %s read from %r", d.value, d.text)
        return d.value
    return None
