"""The one typed model that flows through every dateline stage.

Stages read and write these objects only; the JSON shapes of ``CONTRACT.md`` are
produced by :meth:`Event.to_contract` so that the internal model can carry more
than the contract without breaking scorers.

Offsets (``start``/``end``) are always Python ``str`` indices into the *original*
``Document.text``: zoning masks page furniture in ``Document.analysis_text``
character for character, so both texts share one coordinate system.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

AssertedBy = Literal["outlet", "claimant", "cited_media", "official", "anonymous"]
Epistemic = Literal["asserted", "reported", "claimed", "alleged", "denied"]
ZoneKind = Literal[
    "header",
    "title",
    "caption",
    "caption_unrelated",
    "read_also",
    "photo_credit",
    "share",
    "source",
    "boilerplate",
    "dateline",
]

#: Zone kinds whose text is not article prose and never yields an event. A ``dateline``
#: ("Bagdad, 10 mai 2024 (AFP) -") stays readable but never places an event.
#: ``caption`` (a caption of the story itself) is masked for detection too, but
#: the date resolver may still read it: it often carries the only exact date.
MASKED_ZONES: frozenset[str] = frozenset(
    {"header", "title", "caption", "caption_unrelated", "read_also", "photo_credit", "share", "source", "boilerplate"}
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Zone(_Model):
    """A span of the original text that is page furniture, not article prose."""

    kind: ZoneKind
    start: int
    end: int
    text: str
    reason: str = ""


class Document(_Model):
    """One input article. Only ``id`` and ``text`` are required (CONTRACT.md)."""

    id: str
    text: str
    title: str | None = None
    published: date | None = None
    lang: str | None = None
    outlet: str | None = None
    url: str | None = None
    # provenance of the input, for error reports and resume
    source_file: str | None = None
    source_line: int | None = None
    zones: list[Zone] = Field(default_factory=list)
    lang_score: float | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def content_hash(self) -> str:
        """Stable identity of the document's content, used for idempotent re-ingest."""
        h = hashlib.sha256()
        for part in (self.id, self.text, str(self.published or ""), self.outlet or "", self.title or ""):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()[:32]

    @property
    def analysis_text(self) -> str:
        """The text with every masked zone blanked out (same length, same offsets).

        Exotic spaces (no-break, thin, ideographic) become plain spaces and typographic
        apostrophes ASCII ones, one for one, so lexicon patterns written with plain
        characters match "à\u00a0son bord" and "l’attaque" too.
        """
        from dateline.ingest.normalize import matching_text  # bidi/zero-width marks out, NFC, same length

        return matching_text(mask_zones(self.text, [z for z in self.zones if z.kind in MASKED_ZONES])).translate(_SPACES)


_SPACES = {c: " " for c in (0x00A0, 0x2007, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000, 0x2002, 0x2003, 0x2004,
                             0x2005, 0x2006, 0x2008)}
# typographic apostrophes read as the ASCII one, so "l’attaque" matches "l'attaque"
_SPACES.update({0x2019: "'", 0x2018: "'", 0x02BC: "'"})


def mask_zones(text: str, zones: list[Zone]) -> str:
    """Replace zone characters by spaces, keeping newlines, so offsets stay valid."""
    if not zones:
        return text
    chars = list(text)
    for z in zones:
        for i in range(max(0, z.start), min(len(chars), z.end)):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


class Evidence(_Model):
    """A span of ``Document.text`` supporting one field of an event."""

    field: str
    start: int
    end: int
    text: str

    @model_validator(mode="after")
    def _ordered(self) -> Evidence:
        if self.end < self.start:
            raise ValueError(f"evidence end {self.end} < start {self.start}")
        return self


class Attribution(_Model):
    """Who asserts the core report of an event, and how."""

    asserted_by: AssertedBy = "outlet"
    source: str | None = None
    epistemic: Epistemic = "asserted"
    cue: str | None = None


class Mention(_Model):
    """One trigger of an event in a sentence: the unit that extraction clusters."""

    doc_id: str
    start: int
    end: int
    text: str
    sent_start: int
    sent_end: int
    sub_event_type: str
    event_type: str
    score: float
    trigger_id: str
    weapon: str | None = None


class Event(_Model):
    """One incident reported in one document, in the ACLED shape of CONTRACT.md."""

    doc_id: str
    event_id: str
    event_date: date | None = None
    time_precision: int | None = None
    disorder_type: str | None = None
    event_type: str
    sub_event_type: str
    actor1: str | None = None
    assoc_actor_1: str | None = None
    inter1: int | None = None
    actor2: str | None = None
    assoc_actor_2: str | None = None
    inter2: int | None = None
    claimed_by: list[str] = Field(default_factory=list)
    country: str | None = None
    iso: int | None = None
    admin1: str | None = None
    admin2: str | None = None
    location: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = None
    geonameid: int | None = None
    fatalities: int | None = None
    injuries: int | None = None
    weapon: str | None = None
    confidence: float = 0.0
    attribution: Attribution = Field(default_factory=Attribution)
    #: who asserts each field, read in the sentence its evidence comes from, when that
    #: is known: the toll may come from a ministry while the outlet tells the attack
    field_attribution: dict[str, Attribution] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    notes: str | None = None
    # provenance beyond the contract
    lang: str | None = None
    outlet: str | None = None
    published: date | None = None
    mentions: list[Mention] = Field(default_factory=list, exclude=True)

    def to_contract(self) -> dict:
        """The CONTRACT.md JSON object (extra fields are allowed by the contract)."""
        d = self.model_dump(mode="json", exclude={"mentions"})
        return d


#: ACLED CSV columns, in ACLED's order (export writes these first, then extras).
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
