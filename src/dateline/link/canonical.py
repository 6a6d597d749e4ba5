"""The canonical row of an incident, its conflicts and its corroboration.

One rule per field (docs/linking.md lists them with their reasons):

- ``event_type`` / ``sub_event_type``: vote, one vote per independent owner group
  (three outlets of one state broadcaster do not outvote one wire); ties go to the
  non-partisan side, then to the most specific (most frequent across reports).
- ``event_date``: among the reports with the finest ``time_precision``, the earliest
  date stated by a non-partisan source, else the earliest stated.
- place (``location``, ``admin1``, ``admin2``, ``country``, ``latitude``, ``longitude``,
  ``geo_precision``): the most precise report's, ties by vote.
- ``fatalities`` / ``injuries``: the maximum stated by at least one non-partisan source;
  when only partisan sources give a number, the smallest stated (the least disputed),
  with ``fatalities_basis`` saying so; ``fatalities_range`` ``{min, max}`` whenever
  reports disagree.
- ``actor1`` / ``actor2``: vote over named actors (generic "Unidentified …" only when no
  report names anyone).

Corroboration counts reports, distinct outlets and independent owners; the confidence
is ``1 - 0.5**k_np * 0.75**k_p`` (k_np non-partisan and k_p partisan or state-affiliated
independent owner groups): each independent non-partisan source halves the doubt,
a partisan one removes a quarter of it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from dateline.link.dedup import LinkInput, _GENERIC_ACTOR, incident_id

#: share of the remaining doubt an independent source leaves (see module docstring)
DOUBT_NON_PARTISAN = 0.5
DOUBT_PARTISAN = 0.75

CONFLICT_FIELDS = ("event_type", "sub_event_type", "event_date", "location", "fatalities", "injuries",
                   "actor1", "actor2")


def _owner(e: LinkInput) -> str:
    return e.owner or e.outlet or f"doc:{e.doc_id}"


def _vote(members: Sequence[LinkInput], value: Callable[[LinkInput], Any]) -> Any:
    """The value most owner groups give (one vote per owner group); ties to the value a
    non-partisan source gives, then to the most reports, then the smallest (deterministic)."""
    by_owner: dict[str, Counter] = defaultdict(Counter)
    reports: Counter = Counter()
    non_partisan: set = set()
    for m in members:
        v = value(m)
        if v is None:
            continue
        by_owner[_owner(m)][v] += 1
        reports[v] += 1
        if not m.partisan:
            non_partisan.add(v)
    if not reports:
        return None
    votes: Counter = Counter(c.most_common(1)[0][0] for c in by_owner.values())
    return min(reports, key=lambda v: (-votes[v], v not in non_partisan, -reports[v], str(v)))


def _date(members: Sequence[LinkInput]) -> tuple[str | None, int | None]:
    dated = [m for m in members if m.event_date is not None]
    if not dated:
        return None, None
    finest = min(m.time_precision for m in dated)
    best = [m for m in dated if m.time_precision == finest]
    credible = [m for m in best if not m.partisan] or best
    return min(m.event_date for m in credible).isoformat(), finest  # type: ignore[union-attr]


def _place(members: Sequence[LinkInput]) -> dict[str, Any]:
    placed = [m for m in members if m.has_point] or [m for m in members if m.admin1 or m.country]
    if not placed:
        return {k: None for k in ("location", "admin1", "admin2", "country", "iso", "latitude", "longitude",
                                  "geo_precision")}
    finest = min(m.geo_precision for m in placed)
    best = [m for m in placed if m.geo_precision == finest]
    loc = _vote(best, lambda m: m.location or "")
    m = next(x for x in best if (x.location or "") == loc)
    return {"location": m.location, "admin1": m.admin1, "admin2": m.admin2, "country": m.country, "iso": m.iso,
            "latitude": m.latitude, "longitude": m.longitude, "geo_precision": m.geo_precision if m.has_point else None}


def _count(members: Sequence[LinkInput], attr: str) -> dict[str, Any]:
    """Fatalities or injuries: max non-partisan, else min partisan; range on disagreement."""
    stated = [(getattr(m, attr), m) for m in members if getattr(m, attr) is not None]
    out: dict[str, Any] = {attr: None, f"{attr}_basis": None, f"{attr}_range": None}
    if not stated:
        return out
    non_partisan = [v for v, m in stated if not m.partisan]
    if non_partisan:
        out[attr], out[f"{attr}_basis"] = max(non_partisan), "max stated by a non-partisan source"
    else:
        out[attr], out[f"{attr}_basis"] = min(v for v, _ in stated), "partisan sources only: smallest stated"
    values = [v for v, _ in stated]
    if min(values) != max(values):
        out[f"{attr}_range"] = {"min": min(values), "max": max(values)}
    return out


def _actor(members: Sequence[LinkInput], attr: str) -> str | None:
    named = _vote(members, lambda m: getattr(m, attr) if getattr(m, attr) and not _GENERIC_ACTOR.match(
        getattr(m, attr)) else None)
    return named if named is not None else _vote(members, lambda m: getattr(m, attr))


def canonical(members: Sequence[LinkInput]) -> dict[str, Any]:
    """Merged fields of one incident (rules in the module docstring)."""
    event_type = _vote(members, lambda m: m.event_type or None)
    sub = _vote([m for m in members if m.event_type == event_type], lambda m: m.sub_event_type or None)
    event_date, time_precision = _date(members)
    row: dict[str, Any] = {"event_date": event_date, "time_precision": time_precision,
                           "event_type": event_type, "sub_event_type": sub,
                           "actor1": _actor(members, "actor1"), "actor2": _actor(members, "actor2")}
    row.update(_place(members))
    row.update(_count(members, "fatalities"))
    row.update(_count(members, "injuries"))
    return row


def _field_value(m: LinkInput, name: str) -> Any:
    v = getattr(m, name)
    return v.isoformat() if hasattr(v, "isoformat") else v


def conflicts(members: Sequence[LinkInput]) -> list[dict]:
    """Fields on which the reports disagree, each value with who says it (event ids and
    outlets): shown, not hidden."""
    out = []
    for name in CONFLICT_FIELDS:
        values: dict[str, list[LinkInput]] = defaultdict(list)
        for m in members:
            v = _field_value(m, name)
            if v is None:
                continue
            values[str(v)].append(m)
        if len(values) > 1:
            out.append({"field": name, "values": [
                {"value": k, "event_ids": [m.event_id for m in ms],
                 "outlets": sorted({m.outlet for m in ms if m.outlet})} for k, ms in values.items()]})
    return out


def corroboration(members: Sequence[LinkInput]) -> dict[str, Any]:
    """Counts of reports, outlets and independent owners, and the confidence they give."""
    owners: dict[str, bool] = {}
    for m in members:
        # an owner group counts as non-partisan if any of its reports is
        owners[_owner(m)] = owners.get(_owner(m), True) and m.partisan
    k_partisan = sum(1 for p in owners.values() if p)
    k_non = len(owners) - k_partisan
    confidence = 1.0 - DOUBT_NON_PARTISAN ** k_non * DOUBT_PARTISAN ** k_partisan
    return {"n_reports": len(members), "n_outlets": len({m.outlet or f"doc:{m.doc_id}" for m in members}),
            "n_independent": len(owners), "n_independent_non_partisan": k_non,
            "confidence": round(confidence, 3)}


def reports(members: Sequence[LinkInput]) -> list[dict]:
    return [{"event_id": m.event_id, "doc_id": m.doc_id, "outlet": m.outlet, "owner": _owner(m),
             "partisan": m.partisan, "lang": m.lang, "published": m.published, "epistemic": m.epistemic}
            for m in members]


def incident_record(members: Sequence[LinkInput]) -> dict[str, Any]:
    """The CONTRACT ``dateline link`` object, plus ``canonical``, ``reports``, ``confidence``."""
    corr = corroboration(members)
    return {"incident_id": incident_id(m.event_id for m in members),
            "event_ids": [m.event_id for m in members], "n_reports": corr["n_reports"],
            "n_outlets": corr["n_outlets"], "n_independent": corr["n_independent"],
            "conflicts": conflicts(members), "confidence": corr["confidence"],
            "n_independent_non_partisan": corr["n_independent_non_partisan"],
            "canonical": canonical(members), "reports": reports(members)}
