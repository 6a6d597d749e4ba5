"""Query parameters shared by the pages and the JSON API: event filters, paging, sorting.

Blank values count as absent, because an HTML GET form submits its empty fields; every
parsed filter becomes one key of the store's ``where`` dict (see ``SQLiteStore._where``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query

DEFAULT_LIMIT = 100
#: Upper bound on one page: 1000 events with their evidence stay a few MB of JSON.
MAX_LIMIT = 1000


@dataclass(frozen=True)
class EventFilters:
    """The ``where`` of :meth:`SQLiteStore.iter_events`, parsed from query parameters."""

    event_type: str | None = None
    sub_event_type: str | None = None
    country: str | None = None
    doc_id: str | None = None
    outlet: str | None = None
    lang: str | None = None
    actor: str | None = None
    q: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    bbox: tuple[float, float, float, float] | None = None
    min_independent: int | None = None

    def where(self) -> dict[str, Any]:
        """Store filter dict: only the filters that are set, dates as ISO strings."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items() if v is not None}

    def query(self) -> dict[str, str]:
        """The same filters as URL query parameters (for links, exports and the map's fetches)."""
        out: dict[str, str] = {}
        for key, value in self.where().items():
            out[key] = ",".join(f"{v:g}" for v in value) if key == "bbox" else str(value)
        return out


def blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def parse_date(name: str, value: str | None) -> date | None:
    value = blank_to_none(value)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees (Leaflet's ``toBBoxString`` order); west > east crosses 180°."""
    value = blank_to_none(value)
    if value is None:
        return None
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError:
        raise HTTPException(422, f"bbox must be west,south,east,north, got {value!r}") from None
    if not (-90 <= south <= north <= 90) or not (-540 <= west <= 540 and -540 <= east <= 540):
        raise HTTPException(422, f"bbox out of range: {value!r}")
    # Leaflet reports longitudes beyond ±180 after panning across the antimeridian.
    if east - west >= 360:
        west, east = -180.0, 180.0
    else:
        west, east = _wrap(west), _wrap(east)
    return (west, south, east, north)


def _wrap(lon: float) -> float:
    return ((lon + 180) % 360) - 180 if not -180 <= lon <= 180 else lon


def event_filters(
    event_type: str | None = None,
    sub_event_type: str | None = None,
    country: str | None = None,
    doc_id: str | None = None,
    outlet: str | None = None,
    lang: str | None = None,
    actor: Annotated[str | None, Query(description="Substring of any actor field, case-insensitive")] = None,
    q: Annotated[str | None, Query(description="Free text (SQLite FTS5) over notes, actors, place, title, article")] = None,
    date_from: Annotated[str | None, Query(description="ISO date, inclusive")] = None,
    date_to: Annotated[str | None, Query(description="ISO date, inclusive")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north in degrees")] = None,
    min_independent: Annotated[int | None, Query(ge=1, description="Incident corroborated by at least N "
                                                                    "independent sources")] = None,
) -> EventFilters:
    return EventFilters(
        event_type=blank_to_none(event_type), sub_event_type=blank_to_none(sub_event_type),
        country=blank_to_none(country), doc_id=blank_to_none(doc_id), outlet=blank_to_none(outlet),
        lang=blank_to_none(lang), actor=blank_to_none(actor), q=blank_to_none(q),
        date_from=parse_date("date_from", date_from), date_to=parse_date("date_to", date_to),
        bbox=parse_bbox(bbox), min_independent=min_independent,
    )


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    return Page(limit, offset)


Filters = Annotated[EventFilters, Depends(event_filters)]
Paging = Annotated[Page, Depends(page)]
