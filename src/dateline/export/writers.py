"""Exports that open unchanged in pandas, GDAL/QGIS and DuckDB.

- ``csv``: ACLED's columns in ACLED's order (``model.ACLED_COLUMNS``), then dateline's
  extras (claimed_by, attribution, confidence, evidence count, weapon, injuries, doc_id);
- ``jsonl``: the CONTRACT.md event objects;
- ``geojson``: a FeatureCollection of Points (RFC 7946, lon/lat order), events without
  coordinates are left out and counted;
- ``parquet``: one row per event with typed columns (dates as date32).

Every writer writes to a temporary file and renames it (``dateline.io``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from dateline.io import atomic_path, atomic_text
from dateline.model import ACLED_COLUMNS, Event

FORMATS = ("csv", "jsonl", "geojson", "parquet")
EXTRA_COLUMNS = (
    "claimed_by", "asserted_by", "attribution_source", "epistemic", "confidence", "weapon", "injuries",
    "geonameid", "doc_id", "outlet", "lang", "evidence", "field_attribution",
)


def interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's 2020-era interaction code: both inter codes, smaller first (28); 10 for 1 alone."""
    if inter1 is None:
        return None
    a, b = sorted((inter1, inter2 or 0))
    return int(f"{b}{a}") if a == 0 else int(f"{a}{b}")


def acled_row(ev: Event) -> dict:
    """One ACLED-shaped CSV row (strings and numbers), extras after ACLED's columns."""
    d = ev.event_date
    row = {
        "event_id_cnty": ev.event_id,
        "event_date": d.isoformat() if d else None,
        "year": d.year if d else None,
        "time_precision": ev.time_precision,
        "disorder_type": ev.disorder_type,
        "event_type": ev.event_type,
        "sub_event_type": ev.sub_event_type,
        "actor1": ev.actor1,
        "assoc_actor_1": ev.assoc_actor_1,
        "inter1": ev.inter1,
        "actor2": ev.actor2,
        "assoc_actor_2": ev.assoc_actor_2,
        "inter2": ev.inter2,
        "interaction": interaction(ev.inter1, ev.inter2),
        "civilian_targeting": "Civilian targeting" if ev.inter2 == 7 else None,
        "iso": ev.iso,
        "region": None,
        "country": ev.country,
        "admin1": ev.admin1,
        "admin2": ev.admin2,
        "admin3": None,
        "location": ev.location,
        "latitude": ev.latitude,
        "longitude": ev.longitude,
        "geo_precision": ev.geo_precision,
        "source": ev.outlet or ev.attribution.source,
        "source_scale": None,
        "notes": ev.notes,
        "fatalities": ev.fatalities if ev.fatalities is not None else 0,
        "tags": None,
        "timestamp": None,
        "claimed_by": "; ".join(ev.claimed_by) or None,
        "asserted_by": ev.attribution.asserted_by,
        "attribution_source": ev.attribution.source,
        "epistemic": ev.attribution.epistemic,
        "confidence": ev.confidence,
        "weapon": ev.weapon,
        "injuries": ev.injuries,
        "geonameid": ev.geonameid,
        "doc_id": ev.doc_id,
        "outlet": ev.outlet,
        "lang": ev.lang,
        "evidence": json.dumps([e.model_dump() for e in ev.evidence], ensure_ascii=False),
        "field_attribution": json.dumps({k: a.model_dump() for k, a in ev.field_attribution.items()},
                                        ensure_ascii=False) if ev.field_attribution else None,
    }
    return row


def write_csv(events: Iterable[Event], path: str | Path) -> int:
    n = 0
    with atomic_text(path) as fh:
        w = csv.DictWriter(fh, fieldnames=[*ACLED_COLUMNS, *EXTRA_COLUMNS])
        w.writeheader()
        for ev in events:
            w.writerow(acled_row(ev))
            n += 1
    return n


def write_jsonl(events: Iterable[Event], path: str | Path) -> int:
    n = 0
    with atomic_text(path) as fh:
        for ev in events:
            fh.write(json.dumps(ev.to_contract(), ensure_ascii=False) + "\n")
            n += 1
    return n


def write_geojson(events: Iterable[Event], path: str | Path) -> int:
    feats = []
    for ev in events:
        if ev.latitude is None or ev.longitude is None:
            continue
        props = {k: v for k, v in acled_row(ev).items() if k not in ("latitude", "longitude")}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [ev.longitude, ev.latitude]},
                      "properties": props})
    with atomic_text(path) as fh:
        json.dump({"type": "FeatureCollection", "features": feats}, fh, ensure_ascii=False)
    return len(feats)


def write_parquet(events: Iterable[Event], path: str | Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [acled_row(ev) for ev in events]
    schema = pa.schema([
        ("event_id_cnty", pa.string()), ("event_date", pa.date32()), ("year", pa.int32()),
        ("time_precision", pa.int8()), ("disorder_type", pa.string()), ("event_type", pa.string()),
        ("sub_event_type", pa.string()), ("actor1", pa.string()), ("assoc_actor_1", pa.string()),
        ("inter1", pa.int8()), ("actor2", pa.string()), ("assoc_actor_2", pa.string()), ("inter2", pa.int8()),
        ("interaction", pa.int16()), ("civilian_targeting", pa.string()), ("iso", pa.int16()),
        ("region", pa.string()), ("country", pa.string()), ("admin1", pa.string()), ("admin2", pa.string()),
        ("admin3", pa.string()), ("location", pa.string()), ("latitude", pa.float64()), ("longitude", pa.float64()),
        ("geo_precision", pa.int8()), ("source", pa.string()), ("source_scale", pa.string()), ("notes", pa.string()),
        ("fatalities", pa.int32()), ("tags", pa.string()), ("timestamp", pa.int64()), ("claimed_by", pa.string()),
        ("asserted_by", pa.string()), ("attribution_source", pa.string()), ("epistemic", pa.string()),
        ("confidence", pa.float64()), ("weapon", pa.string()), ("injuries", pa.int32()), ("geonameid", pa.int64()),
        ("doc_id", pa.string()), ("outlet", pa.string()), ("lang", pa.string()), ("evidence", pa.string()),
        ("field_attribution", pa.string()),
    ])
    for r in rows:
        if r["event_date"] is not None:
            r["event_date"] = date.fromisoformat(r["event_date"])
    table = pa.Table.from_pylist(rows, schema=schema)
    with atomic_path(path, suffix=".parquet") as tmp:
        pq.write_table(table, tmp)
    return len(rows)


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "geojson": write_geojson, "parquet": write_parquet}


def export(events: Iterable[Event], path: str | Path, fmt: str | None = None) -> int:
    """Write ``events`` to ``path`` in ``fmt`` (default: from the suffix)."""
    fmt = fmt or Path(path).suffix.lstrip(".").lower()
    if fmt == "json":
        fmt = "geojson" if str(path).endswith(".geojson") else "jsonl"
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return WRITERS[fmt](list(events), path)
