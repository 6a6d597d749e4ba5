"""Incidents in the store: canonical rows, analyst merge/split with a log, and undo.

Analyst decisions are kept twice: as a log (``link_actions``: who, when, what, the
membership before and after) and as constraints between events (``link_constraints``:
must-link after a merge, cannot-link after a split). ``dateline link --db`` reads the
active constraints and applies them, so a re-link after new documents arrive never
silently undoes a decision. Undo restores the logged membership and switches the
action's constraints back off; it refuses when a later change touched the same
incidents (undo that one first).

All SQL stays here (house rule: one package owns SQL); canonical rows are computed by
the pure :mod:`dateline.link.canonical`. The SQL is written once for both backends: it
is plain SQL that SQLite and PostgreSQL both accept, with ``?`` placeholders that
:meth:`IncidentsMixin._x` turns into the driver's, rows read by column name, and the few
dialect differences (transactions, bulk inserts, new ids, id collation, NULL order,
JSON and time values read back) are hooks that :class:`~dateline.store.postgis.PostGISStore`
overrides.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from dateline.errors import StoreError

#: columns of ``incidents`` copied from the canonical row so that lists can filter and sort
_CANONICAL_COLUMNS = ("event_date", "event_type", "sub_event_type", "country", "location", "fatalities")


def m002_link_canonical(db: sqlite3.Connection) -> None:
    """Canonical fields and confidence on incidents; the analyst log and constraints."""
    for col, decl in (("canonical", "TEXT NOT NULL DEFAULT '{}'"), ("reports", "TEXT NOT NULL DEFAULT '[]'"),
                      ("confidence", "REAL"), ("n_independent_non_partisan", "INTEGER"),
                      ("event_date", "TEXT"), ("event_type", "TEXT"), ("sub_event_type", "TEXT"),
                      ("country", "TEXT"), ("location", "TEXT"), ("fatalities", "INTEGER")):
        db.execute(f"ALTER TABLE incidents ADD COLUMN {col} {decl}")
    db.execute("CREATE INDEX incidents_date ON incidents(event_date)")
    db.execute("""CREATE TABLE link_actions (
        action_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', target TEXT,
        before TEXT NOT NULL, after TEXT NOT NULL, undone_by INTEGER)""")
    db.execute("""CREATE TABLE link_constraints (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('must', 'cannot')),
        event_a TEXT NOT NULL, event_b TEXT NOT NULL, action_id INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1)""")
    db.execute("CREATE INDEX link_constraints_a ON link_constraints(event_a)")
    db.execute("CREATE INDEX link_constraints_b ON link_constraints(event_b)")


def _merge_windows(days: list[str], window_days: int) -> list[tuple[str, str]]:
    """ISO date ranges covering ``window_days`` either side of each of the sorted
    ``days``, overlapping ranges merged."""
    from datetime import date, timedelta

    out: list[list[date]] = []
    for d in days:
        try:
            day = date.fromisoformat(str(d)[:10])
        except ValueError:
            continue
        lo, hi = day - timedelta(days=window_days), day + timedelta(days=window_days)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo.isoformat(), hi.isoformat()) for lo, hi in out]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _loads(value: Any, default: Any = None) -> Any:
    """A JSON column as Python: SQLite gives JSON text, PostgreSQL's JSONB already parsed."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _time_text(value: Any) -> Any:
    """A timestamp as SQLite stores it (ISO, UTC, seconds): PostgreSQL gives a datetime."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="seconds")
    return value


class IncidentsMixin:
    """Incident reads, incremental re-link writes and analyst actions, for
    :class:`~dateline.store.sqlite.SQLiteStore` and
    :class:`~dateline.store.postgis.PostGISStore` (dialect hooks below)."""

    db: Any

    # -- dialect hooks: SQLite's; PostGISStore overrides them ---------------------
    #: the driver's placeholder for ``?`` in this module's SQL
    _PARAM = "?"
    #: appended to ``ORDER BY <id>`` so ids sort by code point, as SQLite compares text
    _ID_ORDER = ""
    #: appended to ``event_date DESC``: SQLite already lists undated incidents last
    _DESC_NULLS = ""

    def _sql(self, sql: str) -> str:
        """This module's SQL, written with ``?`` placeholders, in the driver's style."""
        return sql if self._PARAM == "?" else sql.replace("?", self._PARAM)

    def _x(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """Execute one statement; returns the cursor (rows read by column name)."""
        return self.db.execute(self._sql(sql), tuple(params))

    def _xmany(self, sql: str, rows: Iterable[tuple]) -> None:
        """Execute one statement for each row of parameters."""
        self.db.executemany(self._sql(sql), rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction (SQLite: taken for writing at once, so reads inside see
        no concurrent change); rolled back on any error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _insert_id(self, sql: str, params: tuple, id_column: str) -> int:
        """Run an INSERT and return the new row's ``id_column`` value."""
        return int(self._x(sql, params).lastrowid)

    @staticmethod
    def _date_param(value: Any, key: str) -> Any:
        """A date filter's bound value (SQLite compares ISO text)."""
        return value

    @property
    def _where_am_i(self) -> str | None:
        """The store path, for one-line errors that name the file."""
        return getattr(self, "path", None)

    # -- writing a grouping -------------------------------------------------------
    def replace_incidents(self, incidents: Iterable[dict[str, Any]]) -> int:
        """Replace the incident grouping (``dateline link``) in one transaction."""
        n = 0
        with self._transaction():
            self._x("DELETE FROM incident_events")
            self._x("DELETE FROM incidents")
            for inc in incidents:
                self._insert_incident(inc)
                n += 1
        return n

    def link_scope(self, window_days: int) -> set[str]:
        """The events an incremental re-link must regroup (``dateline extract --db``).

        Seeds are the events not in any incident yet (new since the last link, or stored
        with ``--no-link``) and the members of incidents that lost a report (its document
        was replaced). The scope is every event dated within ``window_days`` of a seed's
        date — the widest window in which two reports can link — plus the seeds, and then
        every member of the incidents those events belong to, so each incident is rebuilt
        whole. Empty when the grouping is up to date."""
        self._x("DROP TABLE IF EXISTS link_seed")
        self._x("CREATE TEMP TABLE link_seed (event_id TEXT PRIMARY KEY)")
        self._x("INSERT INTO link_seed SELECT e.event_id FROM events e"
                " WHERE NOT EXISTS (SELECT 1 FROM incident_events ie WHERE ie.event_id = e.event_id)"
                " ON CONFLICT DO NOTHING")
        self._x("INSERT INTO link_seed SELECT ie.event_id FROM incident_events ie"
                " JOIN incidents i USING (incident_id) WHERE i.n_reports <>"
                " (SELECT COUNT(*) FROM incident_events x WHERE x.incident_id = i.incident_id)"
                " ON CONFLICT DO NOTHING")
        scope = {r["event_id"] for r in self._x("SELECT event_id FROM link_seed")}
        if not scope:
            self._x("DROP TABLE link_seed")
            return scope
        days = [r["event_date"] for r in self._x(
            "SELECT DISTINCT e.event_date FROM events e JOIN link_seed USING (event_id)"
            " WHERE e.event_date IS NOT NULL ORDER BY 1")]
        for lo, hi in _merge_windows(days, window_days):
            scope.update(r["event_id"] for r in self._x(
                "SELECT event_id FROM events WHERE event_date BETWEEN ? AND ?", (lo, hi)))
        self._x("DELETE FROM link_seed")
        self._xmany("INSERT INTO link_seed VALUES (?)", ((e,) for e in scope))
        scope.update(r["event_id"] for r in self._x(
            "SELECT ie.event_id FROM incident_events ie WHERE ie.incident_id IN"
            " (SELECT x.incident_id FROM incident_events x JOIN link_seed USING (event_id))"))
        self._x("DROP TABLE link_seed")
        return scope

    def replace_incidents_of(self, scope: set[str], incidents: Iterable[dict[str, Any]]) -> int:
        """Replace the incidents of the ``scope`` events (incremental re-link) in one
        transaction: incidents holding any of them, or left without reports, are deleted
        and ``incidents`` (the new grouping of exactly these events) inserted."""
        n = 0
        with self._transaction():
            self._x("CREATE TEMP TABLE link_scope (event_id TEXT PRIMARY KEY)")
            self._xmany("INSERT INTO link_scope VALUES (?)", ((e,) for e in scope))
            self._x("DELETE FROM incidents WHERE incident_id IN (SELECT ie.incident_id FROM incident_events ie"
                    " JOIN link_scope USING (event_id))"
                    " OR NOT EXISTS (SELECT 1 FROM incident_events x WHERE x.incident_id = incidents.incident_id)")
            self._x("DELETE FROM incident_events WHERE event_id IN (SELECT event_id FROM link_scope)"
                    " OR incident_id NOT IN (SELECT incident_id FROM incidents)")
            self._x("DROP TABLE link_scope")
            for inc in incidents:
                self._insert_incident(inc)
                n += 1
        return n

    def _insert_incident(self, inc: dict[str, Any]) -> None:
        canon = inc.get("canonical") or {}
        self._x(
            "INSERT INTO incidents (incident_id, n_reports, n_outlets, n_independent, conflicts, created_at,"
            " canonical, reports, confidence, n_independent_non_partisan, event_date, event_type, sub_event_type,"
            " country, location, fatalities) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (inc["incident_id"], inc["n_reports"], inc["n_outlets"], inc["n_independent"],
             json.dumps(inc.get("conflicts", []), ensure_ascii=False), _now(),
             json.dumps(canon, ensure_ascii=False), json.dumps(inc.get("reports", []), ensure_ascii=False),
             inc.get("confidence"), inc.get("n_independent_non_partisan"),
             *(canon.get(c) for c in _CANONICAL_COLUMNS)),
        )
        self._xmany("INSERT INTO incident_events VALUES (?, ?)",
                    [(inc["incident_id"], e) for e in inc["event_ids"]])

    # -- reads --------------------------------------------------------------------
    def list_incidents(self, *, where: dict[str, Any] | None = None, limit: int | None = None,
                       offset: int = 0) -> list[dict]:
        """Incidents, newest first. ``where`` keys: event_type, country (equality),
        date_from, date_to (ISO, inclusive), min_reports, min_independent."""
        clause, params = self._incident_where(where)
        sql = "SELECT * FROM incidents" + clause
        sql += f" ORDER BY event_date DESC{self._DESC_NULLS}, incident_id{self._ID_ORDER}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [self._incident_row(r) for r in self._x(sql, params).fetchall()]

    def count_incidents(self, *, where: dict[str, Any] | None = None) -> int:
        """How many incidents :meth:`list_incidents` would list without a limit."""
        clause, params = self._incident_where(where)
        return self._x("SELECT COUNT(*) AS n FROM incidents" + clause, params).fetchone()["n"]

    def incident_for_event(self, event_id: str) -> dict | None:
        """The incident an event belongs to, as :meth:`get_incident` gives it."""
        incident_id = self.incident_of_event(event_id)
        return self.get_incident(incident_id) if incident_id else None

    @classmethod
    def _incident_where(cls, where: dict[str, Any] | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        for key, value in (where or {}).items():
            if value is None or value == "":
                continue
            if key in ("event_type", "country"):
                clauses.append(f"{key} = ?")
            elif key in ("date_from", "date_to"):
                clauses.append("event_date >= ?" if key == "date_from" else "event_date <= ?")
                value = cls._date_param(value, key)
            elif key in ("min_reports", "min_independent"):
                clauses.append(f"{'n_reports' if key == 'min_reports' else 'n_independent'} >= ?")
                value = int(value)
            else:
                raise ValueError(f"unknown filter {key!r}")
            params.append(value)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def get_incident(self, incident_id: str) -> dict | None:
        """One incident: canonical row, reports, conflicts and corroboration."""
        row = self._x("SELECT * FROM incidents WHERE incident_id = ?", (incident_id,)).fetchone()
        return self._incident_row(row) if row else None

    def incident_of_event(self, event_id: str) -> str | None:
        row = self._x("SELECT incident_id FROM incident_events WHERE event_id = ?", (event_id,)).fetchone()
        return row["incident_id"] if row else None

    def _members(self, incident_id: str) -> list[str]:
        return [r["event_id"] for r in self._x(
            f"SELECT event_id FROM incident_events WHERE incident_id = ? ORDER BY event_id{self._ID_ORDER}",
            (incident_id,))]

    def _incident_row(self, row: Any) -> dict:
        """One incident as a dict. A store opened read-only before migration 002 (the web
        UI never migrates) lacks the canonical columns: they read as empty, not as errors."""
        have = set(row.keys())

        def col(name: str, default: Any = None) -> Any:
            return row[name] if name in have and row[name] is not None else default

        return {"incident_id": row["incident_id"], "event_ids": self._members(row["incident_id"]),
                "n_reports": row["n_reports"], "n_outlets": row["n_outlets"], "n_independent": row["n_independent"],
                "n_independent_non_partisan": col("n_independent_non_partisan"), "confidence": col("confidence"),
                "conflicts": _loads(row["conflicts"], []), "canonical": _loads(col("canonical"), {}),
                "reports": _loads(col("reports"), [])}

    def link_constraints(self) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
        """Active (must-link, cannot-link) event pairs, for ``dateline link --db``."""
        must: set[frozenset[str]] = set()
        cannot: set[frozenset[str]] = set()
        for r in self._x("SELECT kind, event_a, event_b FROM link_constraints WHERE active = 1"):
            (must if r["kind"] == "must" else cannot).add(frozenset({r["event_a"], r["event_b"]}))
        return must, cannot

    # -- analyst actions ----------------------------------------------------------
    def merge_incidents(self, incident_ids: list[str], *, actor: str, reason: str = "") -> str:
        """Merge incidents into one; returns the surviving id. Recorded, reversible, and
        kept as must-link constraints (cannot-links between the members are switched off)."""
        ids = list(dict.fromkeys(incident_ids))
        if len(ids) < 2:
            raise StoreError("merge needs at least two incidents", file=self._where_am_i)
        with self._transaction():
            before = {i: self._require(i) for i in ids}
            members = sorted(e for ms in before.values() for e in ms)
            action = self._log("merge", actor, reason, ",".join(ids), before)
            # every member tied to one anchor: the whole decided group is kept on re-link,
            # not only the incidents' first reports
            anchor = members[0]
            for other in members[1:]:
                self._constrain("must", anchor, other, action)
            self._switch_off("cannot", members, members, action)
            after = self._regroup(before, [members])
            self._set_after(action, after)
        return next(iter(after))

    def split_event(self, event_id: str, *, actor: str, reason: str = "") -> str:
        """Move one event out of its incident into a new one; returns the new incident's
        id. Recorded, reversible, and kept as cannot-link constraints to the old members."""
        with self._transaction():
            current = self.incident_of_event(event_id)
            if current is None:
                raise StoreError(f"event {event_id} is in no incident (run `dateline link --db` first)",
                                 file=self._where_am_i)
            members = self._members(current)
            if len(members) < 2:
                raise StoreError(f"event {event_id} is already alone in incident {current}", file=self._where_am_i)
            rest = [e for e in members if e != event_id]
            action = self._log("split", actor, reason, event_id, {current: members})
            for other in rest:
                self._constrain("cannot", event_id, other, action)
            self._switch_off("must", [event_id], rest, action)
            after = self._regroup({current: members}, [[event_id], rest])
            self._set_after(action, after)
        return next(i for i, ms in after.items() if ms == [event_id])

    def link_actions(self, incident_id: str | None = None) -> list[dict]:
        """The analyst log, oldest first: who, when, what, membership before → after."""
        out = []
        for r in self._x("SELECT * FROM link_actions ORDER BY action_id"):
            before, after = _loads(r["before"]), _loads(r["after"])
            if incident_id is not None and incident_id not in before and incident_id not in after:
                continue
            out.append({"action_id": r["action_id"], "at": _time_text(r["at"]), "actor": r["actor"],
                        "action": r["action"], "target": r["target"], "reason": r["reason"], "before": before,
                        "after": after, "undone_by": r["undone_by"]})
        return out

    def undo_link_action(self, action_id: int, *, actor: str) -> None:
        """Restore the membership before ``action_id`` and switch its constraints back
        (constraints it added off, those it switched off on again); logged as an undo."""
        with self._transaction():
            row = self._x("SELECT * FROM link_actions WHERE action_id = ?", (action_id,)).fetchone()
            if row is None:
                raise StoreError(f"no link action {action_id}", file=self._where_am_i)
            if row["undone_by"] is not None:
                raise StoreError(f"link action {action_id} was already undone by action {row['undone_by']}",
                                 file=self._where_am_i)
            before, after = _loads(row["before"]), _loads(row["after"])
            for inc, members in after.items():
                if self._members(inc) != members:
                    raise StoreError(f"incident {inc} changed after action {action_id}; undo the later change first",
                                     file=self._where_am_i)
            undo = self._log("undo", actor, f"undo of action {action_id}", str(action_id), after)
            self._x("UPDATE link_constraints SET active = 1 - active WHERE action_id = ?", (action_id,))
            restored = self._regroup(after, list(before.values()))
            self._set_after(undo, restored)
            self._x("UPDATE link_actions SET undone_by = ? WHERE action_id = ?", (undo, action_id))

    # -- helpers ------------------------------------------------------------------
    def _require(self, incident_id: str) -> list[str]:
        members = self._members(incident_id)
        if not members:
            raise StoreError(f"no incident {incident_id}", file=self._where_am_i)
        return members

    def _log(self, action: str, actor: str, reason: str, target: str, before: dict[str, list[str]]) -> int:
        if not actor:
            raise StoreError("an analyst action needs an actor (who decided)", file=self._where_am_i)
        return self._insert_id("INSERT INTO link_actions (at, actor, action, reason, target, before, after)"
                               " VALUES (?,?,?,?,?,?,?)",
                               (_now(), actor, action, reason, target, json.dumps(before), "{}"), "action_id")

    def _set_after(self, action_id: int, after: dict[str, list[str]]) -> None:
        self._x("UPDATE link_actions SET after = ? WHERE action_id = ?", (json.dumps(after), action_id))

    def _constrain(self, kind: str, a: str, b: str, action_id: int) -> None:
        self._x("INSERT INTO link_constraints (kind, event_a, event_b, action_id) VALUES (?,?,?,?)",
                (kind, a, b, action_id))

    def _switch_off(self, kind: str, side_a: list[str], side_b: list[str], action_id: int) -> None:
        """Deactivate active constraints of ``kind`` between the two sides by copying
        them as inactive-owned rows of this action (undo flips them back on)."""
        a_set, b_set = set(side_a), set(side_b)
        rows = self._x("SELECT id, event_a, event_b FROM link_constraints WHERE kind = ? AND active = 1",
                       (kind,)).fetchall()
        for r in rows:
            a, b = r["event_a"], r["event_b"]
            if (a in a_set and b in b_set) or (a in b_set and b in a_set):
                self._x("UPDATE link_constraints SET active = 0 WHERE id = ?", (r["id"],))
                # a row owned by this action, inactive now: undo's flip re-activates the pair
                self._x("INSERT INTO link_constraints (kind, event_a, event_b, action_id, active)"
                        " VALUES (?,?,?,?,0)", (kind, a, b, action_id))

    def _regroup(self, old: dict[str, list[str]], groups: list[list[str]]) -> dict[str, list[str]]:
        """Replace the incidents ``old`` by ``groups`` (lists of event ids) with fresh
        canonical rows; returns {new incident id: sorted members}."""
        from dateline.link.canonical import incident_record
        from dateline.link.sources import inputs_from_records

        for inc in old:
            self._x("DELETE FROM incident_events WHERE incident_id = ?", (inc,))
            self._x("DELETE FROM incidents WHERE incident_id = ?", (inc,))
        after: dict[str, list[str]] = {}
        for group in groups:
            records = [ev.model_dump(mode="json") for ev in map(self.get_event, sorted(group))  # type: ignore[attr-defined]
                       if ev is not None]
            if not records:
                continue
            inc = incident_record(inputs_from_records(records))
            self._insert_incident(inc)
            after[inc["incident_id"]] = sorted(inc["event_ids"])
        return after
