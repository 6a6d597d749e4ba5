"""Review tables and browse queries for ``dateline serve``: FTS5, corrections, audit log, map and timeline.

Why a separate module: the web UI needs reads the extraction pipeline never does (grid
clusters, daily counts, incidents, free text) and the only writes a human makes
(corrections). Keeping them here, as a mixin of :class:`~dateline.store.sqlite.SQLiteStore`,
keeps all SQL in ``store/`` without growing the pipeline's store module.

Design choices:

- **Corrections never overwrite machine output.** ``events`` stays as extraction wrote it;
  a correction is a row in ``corrections`` and every review action a row in ``audit_log``
  (who, when, field, before → after). Neither table has a foreign key to ``events``, so a
  re-extraction that replaces a document's events keeps the human's work and its history.
- **Free text is SQLite FTS5** over event notes/actors/location and the document's title
  and text, one row per event (``rowid`` = the event's rowid), kept in sync by triggers
  so every writer (``write_batch``, future ones) updates it without knowing it exists.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dateline.model import Event

#: Fields a reviewer may edit: the facts of the event. Provenance (doc_id, outlet,
#: evidence, confidence) is what the machine saw and is not a reviewer's to change.
EDITABLE_FIELDS: tuple[str, ...] = (
    "event_date", "time_precision", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
    "assoc_actor_2", "country", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
    "fatalities", "injuries", "weapon", "notes",
)

REVIEW_ACTIONS = ("accept", "edit", "reject")

#: A map cluster of at most this many events lists their ids (a popup of links stays short).
LISTED_IN_CLUSTER = 10

_FTS_SELECT = """
    SELECT e.rowid, e.event_id, coalesce(e.notes, ''),
           trim(coalesce(e.actor1, '') || ' ' || coalesce(e.assoc_actor_1, '') || ' ' || coalesce(e.actor2, '')
                || ' ' || coalesce(e.assoc_actor_2, '') || ' ' || coalesce(e.claimed_by, '')),
           trim(coalesce(e.location, '') || ' ' || coalesce(e.admin2, '') || ' ' || coalesce(e.admin1, '')
                || ' ' || coalesce(e.country, '')),
           coalesce(d.title, ''), coalesce(d.text, '')
    FROM events e LEFT JOIN documents d ON d.id = e.doc_id
"""


def m003_review_fts(db: sqlite3.Connection) -> None:
    """FTS5 index with sync triggers, ``corrections``, ``audit_log``, a lat/lon index for the map.

    Independent of any other migration: it reads only tables of ``001_initial``.
    ``INSERT OR REPLACE`` into ``events`` does not fire delete triggers (no
    ``recursive_triggers``), so the insert trigger removes the old index row first.
    """
    statements = [
        "CREATE VIRTUAL TABLE event_fts USING fts5(event_id UNINDEXED, notes, actors, location, title, text,"
        " tokenize = 'unicode61 remove_diacritics 2')",
        f"INSERT INTO event_fts (rowid, event_id, notes, actors, location, title, text) {_FTS_SELECT}",
        "CREATE TRIGGER events_fts_before_insert BEFORE INSERT ON events BEGIN"
        " DELETE FROM event_fts WHERE rowid = (SELECT rowid FROM events WHERE event_id = new.event_id); END",
        f"CREATE TRIGGER events_fts_after_insert AFTER INSERT ON events BEGIN"
        f" INSERT INTO event_fts (rowid, event_id, notes, actors, location, title, text)"
        f" {_FTS_SELECT} WHERE e.rowid = new.rowid; END",
        "CREATE TRIGGER events_fts_after_delete AFTER DELETE ON events BEGIN"
        " DELETE FROM event_fts WHERE rowid = old.rowid; END",
        f"CREATE TRIGGER events_fts_after_update AFTER UPDATE ON events BEGIN"
        f" DELETE FROM event_fts WHERE rowid = old.rowid;"
        f" INSERT INTO event_fts (rowid, event_id, notes, actors, location, title, text)"
        f" {_FTS_SELECT} WHERE e.rowid = new.rowid; END",
        "CREATE TABLE corrections (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL,"
        " action TEXT NOT NULL CHECK (action IN ('accept', 'edit', 'reject')), field TEXT, value TEXT,"
        " reviewer TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX corrections_event ON corrections(event_id, id)",
        "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,"
        " event_id TEXT, incident_id TEXT, field TEXT, before TEXT, after TEXT)",
        "CREATE INDEX audit_log_event ON audit_log(event_id, id)",
        "CREATE INDEX events_lat_lon ON events(latitude, longitude)",
    ]
    for statement in statements:
        db.execute(statement)


def fts_query(text: str) -> str | None:
    """User text as an FTS5 query: every word must occur (as a prefix), syntax characters dropped.

    Quoting each token keeps FTS5 operators (``AND``, ``NEAR``, ``*``, ``:``) typed by a user
    from being parsed, so no input makes ``MATCH`` raise.
    """
    tokens = re.findall(r"\w+", text)
    return " ".join(f'"{t}"*' for t in tokens) or None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def cell_degrees(zoom: int, cell_px: int = 64) -> float:
    """Grid cell size in degrees of longitude at a Web-Mercator ``zoom`` for ``cell_px`` pixels.

    64 px is about the spacing at which Leaflet markers stop overlapping; one grid is
    used for latitude too, a simplification that only stretches cells away from the equator.
    """
    return 360.0 * cell_px / (256 * 2 ** max(0, min(zoom, 22)))


def grid_clusters(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Map clusters from per-(cell, event type) aggregates, as both stores compute them:
    keys gx, gy, event_type, n, slat, slon, fat, any_id, prec, loc and ids (the event ids
    of a small group, else None)."""
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for r in rows:
        c = cells.setdefault((r["gx"], r["gy"]), {"n": 0, "slat": 0.0, "slon": 0.0, "fatalities": 0,
                                                     "types": {}, "ids": [], "unlisted": False})
        c["n"] += r["n"]
        c["slat"] += r["slat"]
        c["slon"] += r["slon"]
        c["fatalities"] += int(r["fat"])
        c["types"][r["event_type"]] = r["n"]
        c["event_id"], c["geo_precision"], c["location"] = r["any_id"], r["prec"], r["loc"]
        if r["ids"]:
            c["ids"] += r["ids"]
        else:
            c["unlisted"] = True
    out = []
    for c in cells.values():
        single = c["n"] == 1
        out.append({
            "lat": round(c["slat"] / c["n"], 5), "lon": round(c["slon"] / c["n"], 5), "n": c["n"],
            "fatalities": c["fatalities"], "types": c["types"],
            "event_type": max(c["types"].items(), key=lambda kv: (kv[1], kv[0]))[0],
            "event_id": c["event_id"] if single else None,
            "location": c["location"] if single else None,
            "geo_precision": c["geo_precision"] if single else None,
            # small clusters list their events: reports of one place at one point never split by zooming
            "event_ids": sorted(c["ids"]) if c["n"] <= LISTED_IN_CLUSTER and not c["unlisted"] else None,
        })
    out.sort(key=lambda c: -c["n"])
    return out


class ReviewMixin:
    """Browse reads and review writes; mixed into :class:`SQLiteStore` (uses ``self.db``, ``self._where``)."""

    # Provided by SQLiteStore: the connection and the filter compiler shared with its reads.
    db: sqlite3.Connection
    _where: Callable[[dict[str, Any] | None], tuple[str, list[Any]]]

    # -- schema -----------------------------------------------------------------
    def has_review_schema(self) -> bool:
        """Whether ``003_review_fts`` ran (a read-only store opened on an old file may lack it)."""
        row = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'corrections'").fetchone()
        return row is not None

    # -- map and timeline -----------------------------------------------------
    def event_clusters(self, where: dict[str, Any] | None, zoom: int) -> list[dict[str, Any]]:
        """Events with coordinates grouped on a grid sized for ``zoom``: one row per cell.

        A cell holding one event carries that event (id, location, precision) so the map
        draws a marker that links to it; bigger cells carry a centroid, counts per type
        and summed fatalities. Grouping in SQL keeps the payload to a few hundred cells
        whatever the number of events.
        """
        size = cell_degrees(zoom)
        clause, params = self._where(where)
        clause += (" AND " if clause else " WHERE ") + "e.latitude IS NOT NULL AND e.longitude IS NOT NULL"
        sql = (
            "SELECT CAST((e.longitude + 180) / ? AS INTEGER) AS gx, CAST((e.latitude + 90) / ? AS INTEGER) AS gy,"
            " e.event_type, COUNT(*) AS n, SUM(e.latitude) AS slat, SUM(e.longitude) AS slon,"
            " SUM(coalesce(e.fatalities, 0)) AS fat, MIN(e.event_id) AS any_id, MAX(e.geo_precision) AS prec,"
            " MIN(e.location) AS loc, CASE WHEN COUNT(*) <= ? THEN GROUP_CONCAT(e.event_id, char(31)) END AS ids"
            f" FROM events e{clause} GROUP BY gx, gy, e.event_type"
        )
        rows = self.db.execute(sql, [size, size, LISTED_IN_CLUSTER, *params]).fetchall()
        return grid_clusters({**dict(r), "ids": r["ids"].split("\x1f") if r["ids"] else None} for r in rows)

    def event_bounds(self, where: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
        """(south, west, north, east) of the filtered events with coordinates: the map's first view."""
        clause, params = self._where(where)
        clause += (" AND " if clause else " WHERE ") + "e.latitude IS NOT NULL AND e.longitude IS NOT NULL"
        row = self.db.execute("SELECT MIN(e.latitude), MIN(e.longitude), MAX(e.latitude), MAX(e.longitude)"
                              f" FROM events e{clause}", params).fetchone()
        return None if row[0] is None else (row[0], row[1], row[2], row[3])

    def daily_counts(self, where: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Events per day and type (undated events are left out: they have no place on a timeline)."""
        clause, params = self._where(where)
        clause += (" AND " if clause else " WHERE ") + "e.event_date IS NOT NULL"
        rows = self.db.execute(f"SELECT e.event_date, e.event_type, COUNT(*) FROM events e{clause}"
                               " GROUP BY e.event_date, e.event_type ORDER BY e.event_date", params)
        return [{"date": r[0], "event_type": r[1], "n": r[2]} for r in rows]

    # -- review -----------------------------------------------------------------
    def record_review(self, event: Event, *, action: str, who: str, field: str | None = None,
                      value: Any = None) -> dict[str, Any]:
        """Store one review action and its audit line in one transaction; returns the audit entry.

        ``before`` is the value the reviewer saw (the current correction, else the machine
        value), so the audit log reads as a chain of before → after.
        """
        if action not in REVIEW_ACTIONS:
            raise ValueError(f"unknown review action {action!r}")
        if action == "edit" and field not in EDITABLE_FIELDS:
            raise ValueError(f"field {field!r} cannot be edited")
        state = self.review_state(event)
        if action == "edit":
            assert field is not None
            before = state["corrected"].get(field, event.model_dump(mode="json").get(field))
            after = value
            audit_field: str | None = field
        else:
            before, after, audit_field = state["status"], f"{action}ed", None
        at = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("INSERT INTO corrections (event_id, action, field, value, reviewer, created_at)"
                            " VALUES (?,?,?,?,?,?)", (event.event_id, action, audit_field,
                                                      None if action != "edit" else json.dumps(value), who, at))
            cur = self.db.execute("INSERT INTO audit_log (at, who, action, event_id, field, before, after)"
                                  " VALUES (?,?,?,?,?,?,?)",
                                  (at, who, action, event.event_id, audit_field, json.dumps(before), json.dumps(after)))
            self.db.execute("COMMIT")
        except Exception:
            self.db.execute("ROLLBACK")
            raise
        return {"id": cur.lastrowid, "at": at, "who": who, "action": action, "event_id": event.event_id,
                "field": audit_field, "before": before, "after": after}

    def review_state(self, event: Event) -> dict[str, Any]:
        """The human layer over one event: latest value per edited field and the review status.

        ``status`` is ``unreviewed`` until an action, then ``accepted``/``rejected`` from the
        latest accept or reject, or ``edited`` when only edits were made.
        """
        state: dict[str, Any] = {"status": "unreviewed", "corrected": {}, "machine": {}}
        if not self.has_review_schema():
            return state
        machine = event.model_dump(mode="json")
        for r in self.db.execute("SELECT action, field, value FROM corrections WHERE event_id = ? ORDER BY id",
                                 (event.event_id,)):
            if r["action"] == "edit":
                state["corrected"][r["field"]] = json.loads(r["value"])
                state["machine"][r["field"]] = machine.get(r["field"])
                if state["status"] == "unreviewed":
                    state["status"] = "edited"
            else:
                state["status"] = "accepted" if r["action"] == "accept" else "rejected"
        return state

    def review_statuses(self, event_ids: list[str]) -> dict[str, str]:
        """Review status of each listed event that has been reviewed (the table's status column)."""
        if not event_ids or not self.has_review_schema():
            return {}
        marks = ",".join("?" * len(event_ids))
        rows = self.db.execute(
            f"SELECT event_id, action FROM corrections WHERE event_id IN ({marks}) ORDER BY id", event_ids)
        out: dict[str, str] = {}
        for r in rows:
            if r["action"] == "edit":
                out.setdefault(r["event_id"], "edited")
            else:
                out[r["event_id"]] = "accepted" if r["action"] == "accept" else "rejected"
        return out

    def audit_entries(self, event_id: str | None = None, *, limit: int = 200) -> list[dict[str, Any]]:
        """Audit lines, newest first; for one event or for the whole store."""
        if not self.has_review_schema():
            return []
        sql = "SELECT * FROM audit_log"
        params: list[Any] = []
        if event_id is not None:
            sql += " WHERE event_id = ?"
            params.append(event_id)
        rows = self.db.execute(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])
        return [{"id": r["id"], "at": r["at"], "who": r["who"], "action": r["action"], "event_id": r["event_id"],
                 "incident_id": r["incident_id"], "field": r["field"],
                 "before": json.loads(r["before"]) if r["before"] is not None else None,
                 "after": json.loads(r["after"]) if r["after"] is not None else None} for r in rows]

