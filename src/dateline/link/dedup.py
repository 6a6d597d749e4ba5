"""Cross-document linking: group events that report the same incident.

Blocking: events are bucketed by event type and date (a day bucket, with neighbours
visited), so only events that could match are compared — never all pairs. A pair
matches when its types are compatible, its dates agree within both sides' time
precision, and its points lie within a distance that grows with geo precision. Matches
are merged with union-find; each group becomes one incident with corroboration counts
and the conflicts between its reports listed, not hidden.

Reports of one document never merge with each other (the extractor already separated
them as distinct incidents).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dateline.geo import haversine_km

#: how many days apart two reports of one incident may be dated, by the coarser
#: time_precision of the pair (1 day, 2 week, 3 month)
DATE_WINDOW = {1: 1, 2: 7, 3: 31}
#: how far apart two reports' points may be, by the coarser geo_precision (km);
#: 25 km is ACLED's "near a town" radius, provinces get 150 km.
DISTANCE_KM = {1: 25.0, 2: 50.0, 3: 150.0}


@dataclass(frozen=True)
class LinkInput:
    event_id: str
    doc_id: str
    event_type: str
    sub_event_type: str
    event_date: date | None
    time_precision: int
    latitude: float | None
    longitude: float | None
    geo_precision: int
    outlet: str | None
    owner: str | None
    fatalities: int | None
    location: str | None

    @classmethod
    def from_record(cls, r: dict, owners: dict[str, str] | None = None) -> LinkInput:
        d = r.get("event_date")
        outlet = r.get("outlet")
        return cls(
            event_id=r["event_id"], doc_id=str(r.get("doc_id")), event_type=r.get("event_type") or "",
            sub_event_type=r.get("sub_event_type") or "",
            event_date=date.fromisoformat(d) if isinstance(d, str) and d else d if isinstance(d, date) else None,
            time_precision=int(r.get("time_precision") or 3), latitude=r.get("latitude"),
            longitude=r.get("longitude"), geo_precision=int(r.get("geo_precision") or 3), outlet=outlet,
            owner=(owners or {}).get(outlet or "", outlet), fatalities=r.get("fatalities"),
            location=r.get("location"),
        )


def _km(a: LinkInput, b: LinkInput) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]


def same_incident(a: LinkInput, b: LinkInput) -> bool:
    if a.doc_id == b.doc_id or a.event_type != b.event_type:
        return False
    if a.event_date is None or b.event_date is None:
        return False
    if abs((a.event_date - b.event_date).days) > DATE_WINDOW[max(a.time_precision, b.time_precision, 1)]:
        return False
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return False
    return _km(a, b) <= DISTANCE_KM[min(3, max(a.geo_precision, b.geo_precision, 1))]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def link(events: Iterable[LinkInput]) -> tuple[list[dict], int]:
    """Incidents (CONTRACT.md shape) and the number of candidate pairs compared."""
    evs = list(events)
    uf = _UnionFind(len(evs))
    blocks: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, e in enumerate(evs):
        if e.event_date is not None:
            blocks[(e.event_type, e.event_date.toordinal())].append(i)
    max_window = max(DATE_WINDOW.values())
    pairs = 0
    for (etype, day), members in blocks.items():
        for other_day in range(day, day + max_window + 1):
            others = blocks.get((etype, other_day))
            if not others:
                continue
            for i in members:
                for j in others:
                    if other_day == day and j <= i:
                        continue
                    window = DATE_WINDOW[max(evs[i].time_precision, evs[j].time_precision, 1)]
                    if other_day - day > window:
                        continue
                    pairs += 1
                    if same_incident(evs[i], evs[j]):
                        uf.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(evs)):
        groups[uf.find(i)].append(i)
    incidents = []
    for n, (_, idx) in enumerate(sorted(groups.items(), key=lambda kv: min(kv[1]))):
        members = [evs[i] for i in idx]
        incidents.append({
            "incident_id": f"inc-{n + 1:06d}",
            "event_ids": [m.event_id for m in members],
            "n_reports": len(members),
            "n_outlets": len({m.outlet or f"doc:{m.doc_id}" for m in members}),
            "n_independent": len({m.owner or m.outlet or f"doc:{m.doc_id}" for m in members}),
            "conflicts": conflicts(members),
        })
    return incidents, pairs


def conflicts(members: list[LinkInput]) -> list[dict]:
    """Fields on which the reports of one incident disagree, with who says what."""
    out = []
    for field_name in ("sub_event_type", "fatalities", "event_date", "location"):
        values: dict[str, list[str]] = defaultdict(list)
        for m in members:
            v = getattr(m, field_name)
            if v is None:
                continue
            values[str(v)].append(m.event_id)
        if len(values) > 1:
            out.append({"field": field_name, "values": [{"value": k, "event_ids": v} for k, v in values.items()]})
    return out
