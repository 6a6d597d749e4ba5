"""Page-furniture zoning on plain text: which lines are not article prose.

Reads ``Document.text``, ``Document.title`` and ``Document.lang``; writes
``Document.zones`` (through :func:`dateline.ingest.prepare`). Offsets are exact:
``text[z.start:z.end] == z.text`` for every zone, and a zone is one line with its
surrounding whitespace left out, so masking never touches prose on another line.

The cascade, each step a plain function:

1. ``find_cue_zones``: lines matching a cue of ``data/zoning.yaml`` (share buttons,
   "Lire aussi", credits, source trailers, captions ending with a photo credit,
   boilerplate). The wording is data; this module knows no language.
2. ``find_title_line`` / ``find_header_lines``: the layout at the top of a page
   (a short section label such as "TV", then the headline).
3. ``find_lead_captions``: short lines between the headline and the first paragraph.
4. ``classify_captions``: a caption in another language than the document is
   ``caption_unrelated`` (stock photo of another story); otherwise ``caption``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from dateline.errors import DataFileError
from dateline.ingest.language import detect_language, to_iso639_1
from dateline.ingest.normalize import matching_text
from dateline.model import MASKED_ZONES, Zone, ZoneKind, mask_zones

logger = logging.getLogger(__name__)

ZONING_DATA = Path(__file__).resolve().parents[1] / "data" / "zoning.yaml"

# Thresholds, set on the five seed articles (shared/gold/seeds_zones.jsonl) and on the
# house rule that a false zone (masked prose) costs more than a missed one. After a
# change re-run tests/test_ingest.py, whose seed test gates recall and prose masking.

#: A first line this short with at most HEADER_MAX_WORDS words, above a headline, is a
#: section label ("TV", "Monde", "Moyen-Orient"). Seeds: "TV" (2 chars).
HEADER_MAX_CHARS = 30
HEADER_MAX_WORDS = 4
#: Lines above a headline found via ``Document.title`` are furniture up to this length.
ABOVE_TITLE_MAX_CHARS = 120
#: A guessed headline is at most this long. Seed titles: 69 to 140 chars.
TITLE_MAX_CHARS = 200
#: Only the first lines are searched for the headline.
TITLE_SEARCH_LINES = 4
#: A given ``Document.title`` matches a line when one contains the other and the
#: shorter is at least this share of the longer (site suffixes like " | Le Monde").
TITLE_MATCH_RATIO = 0.8
#: Guessing a headline needs a later line at least this long: proof that body
#: paragraphs follow. Seed first paragraphs: 480+ chars.
TITLE_BODY_MIN_CHARS = 150
#: The first line at least this long is the first paragraph; the lines above it and
#: below the headline are the lead zone, where captions sit. Seed captions: <= 247 chars.
PARAGRAPH_MIN_CHARS = 250
#: The lead zone is searched only when the first paragraph comes within this many lines.
LEAD_MAX_LINES = 4
#: With ``guess_lead_captions=True``, a lead-zone line with no credit cue is taken as a
#: caption when at most this long. Off by default: on semeval23_fr (158 French articles)
#: it zoned 43 lines, nearly all standfirsts (chapôs) and subheads, i.e. prose.
LEAD_CAPTION_MAX_CHARS = 160
#: A guessed headline has no sentence break inside ("... cyclist. The incident ..."),
#: except a short two-part headline ("... l'inclusion. Tous à vos projets !").
#: geo_gwn has 4 first paragraphs without final period that the break test rejects.
TWO_PART_TITLE_MAX_CHARS = 100
#: A caption is ``caption_unrelated`` when its detected language differs from the
#: document's with at least this score. The English Omar/Pelosi caption in seeds 000
#: and 004 scores 0.86 as English; French seed captions score >= 0.9 as French.
OTHER_LANG_MIN_SCORE = 0.6

_SENTENCE_END = re.compile(r"(?<!\.\.)\.$")
_SENTENCE_BREAK = re.compile(r"[.!?…][»”\"')]?\s+[«“\"(]?[A-Z\u00C0-\u00DD]")


class ZoningCue(BaseModel):
    """One entry of ``data/zoning.yaml``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: ZoneKind
    lang: str
    pattern: str
    max_chars: int = 200
    case_sensitive: bool = False
    source: str
    note: str | None = None
    _regex: re.Pattern[str] = PrivateAttr()

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regex: {exc}") from exc
        if re.fullmatch(value, ""):
            raise ValueError("pattern matches the empty line: it would zone everything")
        return value

    def model_post_init(self, __context: object) -> None:
        self._regex = re.compile(self.pattern, 0 if self.case_sensitive else re.IGNORECASE)

    def matches(self, line: str) -> bool:
        return len(line) <= self.max_chars and self._regex.search(line) is not None


@lru_cache(maxsize=4)
def load_cues(path: Path = ZONING_DATA) -> tuple[ZoningCue, ...]:
    """The cue list, validated; a bad entry raises ``DataFileError`` naming it."""
    from dateline.data import load_entries

    cues = tuple(load_entries(path, ZoningCue))
    if not cues:
        raise DataFileError("no zoning cues", file=str(path))
    return cues


@dataclass(frozen=True)
class Line:
    """A non-blank line: ``text`` is ``source[start:end]``, surrounding whitespace excluded.

    ``match`` is the same line in :func:`~dateline.ingest.normalize.matching_text`
    (bidi and zero-width marks out, NFC): cues and titles are matched on it, while
    zones keep the original ``text`` and offsets.
    """

    index: int
    start: int
    end: int
    text: str
    match: str = ""

    def __post_init__(self) -> None:
        if not self.match:
            object.__setattr__(self, "match", self.text)


def split_lines(text: str, matching: str | None = None) -> list[Line]:
    """Non-blank lines with exact offsets (``str.strip`` also drops U+00A0).

    ``matching`` is ``matching_text(text)`` (same length, same whitespace); a line of
    format characters only is blank in it and is skipped.
    """
    matching = text if matching is None else matching
    lines: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + (len(raw) - len(raw.lstrip()))
            end = start + len(stripped)
            match = matching[start:end].strip()
            if match:
                lines.append(Line(len(lines), start, end, stripped, match))
        pos += len(raw) + 1
    return lines


def _zone(line: Line, kind: str, reason: str) -> Zone:
    return Zone(kind=kind, start=line.start, end=line.end, text=line.text, reason=reason)


def match_cue(line: str, cues: tuple[ZoningCue, ...]) -> ZoningCue | None:
    """The first cue (file order) matching ``line``, if any."""
    for cue in cues:
        if cue.matches(line):
            return cue
    return None


def find_cue_zones(lines: list[Line], cues: tuple[ZoningCue, ...]) -> dict[int, Zone]:
    zones: dict[int, Zone] = {}
    for line in lines:
        cue = match_cue(line.match, cues)
        if cue is not None:
            zones[line.index] = _zone(line, cue.kind, f"cue {cue.id}")
    return zones


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


def _same_title(line: str, title: str) -> bool:
    a, b = _norm(line), _norm(matching_text(title))
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return short in long_ and len(short) / len(long_) >= TITLE_MATCH_RATIO


def _is_header_like(line: Line) -> bool:
    return (
        len(line.match) <= HEADER_MAX_CHARS
        and len(line.match.split()) <= HEADER_MAX_WORDS
        and not line.match.endswith((".", ":", ","))
    )


def _is_title_like(line: Line, lines: list[Line]) -> bool:
    if len(line.match) > TITLE_MAX_CHARS or _SENTENCE_END.search(line.match) or line.match.endswith((":", ",")):
        return False
    breaks = len(_SENTENCE_BREAK.findall(line.match))
    if breaks > 1 or (breaks == 1 and len(line.match) > TWO_PART_TITLE_MAX_CHARS):
        return False
    later = lines[line.index + 1 :]
    return any(len(x.text) >= TITLE_BODY_MIN_CHARS and len(x.text) > len(line.text) for x in later)


def find_title_line(lines: list[Line], title: str | None, taken: dict[int, Zone]) -> tuple[int | None, str]:
    """Index of the headline line and why; ``None`` when the text does not start with one.

    With a ``Document.title`` only a matching line counts (no guessing: the text may
    start with the body). Without one, the first free line, or the second after a
    section label, is the headline when it looks like one.
    """
    top = [x for x in lines[:TITLE_SEARCH_LINES] if x.index not in taken]
    if title:
        for line in top:
            if _same_title(line.match, title):
                return line.index, "headline (matches Document.title)"
        return None, ""
    if not top:
        return None, ""
    if len(top) > 1 and _is_header_like(top[0]) and _is_title_like(top[1], lines):
        return top[1].index, "headline (below a section label, above the body)"
    if _is_title_like(top[0], lines):
        return top[0].index, "headline (short first line above the body)"
    return None, ""


def find_header_lines(lines: list[Line], title_index: int | None, taken: dict[int, Zone]) -> list[int]:
    """Section labels above the headline (or, with no headline, one label line at the very top)."""
    if title_index is not None:
        above = [x for x in lines[:title_index] if x.index not in taken]
        return [x.index for x in above if len(x.text) <= ABOVE_TITLE_MAX_CHARS]
    if len(lines) > 2 and 0 not in taken and _is_header_like(lines[0]) and len(lines[0].match.split()) <= 2:
        return [0]
    return []


def find_lead_zone(lines: list[Line], after: int) -> list[Line]:
    """Lines between the headline and the first paragraph (empty when no paragraph comes soon)."""
    for line in lines[after + 1 : after + 2 + LEAD_MAX_LINES]:
        if len(line.text) >= PARAGRAPH_MIN_CHARS:
            return lines[after + 1 : line.index]
    return []


def find_lead_captions(lead: list[Line], taken: dict[int, Zone]) -> dict[int, Zone]:
    """Short free lines of the lead zone as captions (opt-in: see LEAD_CAPTION_MAX_CHARS)."""
    zones: dict[int, Zone] = {}
    for line in lead:
        if line.index in taken or len(line.text) > LEAD_CAPTION_MAX_CHARS or line.match.endswith(":"):
            continue
        zones[line.index] = _zone(line, "caption", "short line between headline and first paragraph")
    return zones


def _other_language(line_text: str, doc_lang: str | None) -> tuple[str, float] | None:
    """``(lang, score)`` when the line is confidently in another language than the document."""
    if doc_lang is None:
        return None
    lang, score = detect_language(line_text)
    if lang is not None and lang != doc_lang and score >= OTHER_LANG_MIN_SCORE:
        return lang, score
    return None


def classify_captions(zones: dict[int, Zone], lead: list[Line], doc_lang: str | None) -> dict[int, Zone]:
    """Split captions into related and unrelated; a free lead line in another language is a caption too."""
    out = dict(zones)
    for index, zone in zones.items():
        if zone.kind != "caption":
            continue
        other = _other_language(zone.text, doc_lang)
        if other is not None:
            out[index] = zone.model_copy(
                update={
                    "kind": "caption_unrelated",
                    "reason": f"{zone.reason}; caption in {other[0]} ({other[1]:.2f}) in a {doc_lang} document",
                }
            )
    for line in lead:
        if line.index in out or len(line.text) >= PARAGRAPH_MIN_CHARS:
            continue
        other = _other_language(line.text, doc_lang)
        if other is not None:
            out[line.index] = _zone(
                line, "caption_unrelated", f"lead line in {other[0]} ({other[1]:.2f}) in a {doc_lang} document"
            )
    return out


def find_zones(
    text: str,
    lang: str | None,
    *,
    title: str | None = None,
    cues: tuple[ZoningCue, ...] | None = None,
    guess_lead_captions: bool = False,
) -> list[Zone]:
    """Page-furniture zones of ``text``, sorted by offset.

    ``lang`` is the document's language; when ``None`` it is detected on the text with
    the other furniture masked, to tell related from unrelated captions. Captions are
    found by their credit (cues) or, in the lead zone, by another language;
    ``guess_lead_captions`` also takes short same-language lead lines (imprecise).
    """
    cues = load_cues() if cues is None else cues
    lines = split_lines(text, matching_text(text))
    zones = find_cue_zones(lines, cues)

    title_index, why = find_title_line(lines, title, zones)
    if title_index is not None:
        zones[title_index] = _zone(lines[title_index], "title", why)
    for index in find_header_lines(lines, title_index, zones):
        zones[index] = _zone(
            lines[index],
            "header",
            "short line above the headline" if title_index is not None else "short label line at the top",
        )

    lead = find_lead_zone(lines, title_index) if title_index is not None else []
    if guess_lead_captions:
        zones.update(find_lead_captions(lead, zones))

    doc_lang = to_iso639_1(lang)
    if doc_lang is None:
        doc_lang, _score = detect_language(mask_zones(text, [z for z in zones.values() if z.kind in MASKED_ZONES]))
    zones = classify_captions(zones, lead, doc_lang)

    result = sorted(zones.values(), key=lambda z: z.start)
    for zone in result:
        logger.debug("zone %s [%d:%d] %s: %r", zone.kind, zone.start, zone.end, zone.reason, zone.text[:60])
    return result
