"""SQLite store: documents, events, evidence, attribution, incidents.

All SQL of dateline lives in ``store/``. Writes go through :meth:`SQLiteStore.write_batch`,
one transaction per batch, so a killed run leaves whole documents or nothing (WAL mode).
Schema changes are named migrations recorded in ``schema_migrations`` (sqlite-utils'
``Migrations`` idea) and run in a transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from dateline.errors import StoreError
from dateline.model import Attribution, Document, Event, Evidence
from dateline.store.incidents import IncidentsMixin, _loads, m002_link_canonical
from dateline.store.review import ReviewMixin, fts_query, m003_review_fts

EVENT_COLUMNS = (
    "event_id", "doc_id", "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "claimed_by", "country", "iso",
    "admin1", "admin2", "location", "latitude", "longitude", "geo_precision", "geonameid", "fatalities",
    "injuries", "weapon", "confidence", "notes", "lang", "outlet", "published",
)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Statements one by one: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL,
            title TEXT, published TEXT, lang TEXT, outlet TEXT, url TEXT,
            source_file TEXT, source_line INTEGER,
            text TEXT NOT NULL,
            zones TEXT NOT NULL DEFAULT '[]',
            ingested_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX documents_hash ON documents(content_hash);
        CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            event_date TEXT, time_precision INTEGER, disorder_type TEXT, event_type TEXT NOT NULL,
            sub_event_type TEXT NOT NULL, actor1 TEXT, assoc_actor_1 TEXT, inter1 INTEGER, actor2 TEXT,
            assoc_actor_2 TEXT, inter2 INTEGER, claimed_by TEXT NOT NULL DEFAULT '[]', country TEXT, iso INTEGER,
            admin1 TEXT, admin2 TEXT, location TEXT, latitude REAL, longitude REAL, geo_precision INTEGER,
            geonameid INTEGER, fatalities INTEGER, injuries INTEGER, weapon TEXT, confidence REAL, notes TEXT,
            lang TEXT, outlet TEXT, published TEXT
        );
        CREATE INDEX events_doc ON events(doc_id);
        CREATE INDEX events_date ON events(event_date);
        CREATE INDEX events_type ON events(event_type, sub_event_type);
        CREATE TABLE attribution (
            event_id TEXT PRIMARY KEY REFERENCES events(event_id) ON DELETE CASCADE,
            asserted_by TEXT NOT NULL, source TEXT, epistemic TEXT NOT NULL, cue TEXT
        );
        CREATE TABLE evidence (
            event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
            field TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
        );
        CREATE INDEX evidence_event ON evidence(event_id);
        CREATE TABLE incidents (
            incident_id TEXT PRIMARY KEY,
            n_reports INTEGER NOT NULL, n_outlets INTEGER NOT NULL, n_independent INTEGER NOT NULL,
            conflicts TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL
        );
        CREATE TABLE incident_events (
            incident_id TEXT NOT NULL REFERENCES incidents(incident_id) ON DELETE CASCADE,
            event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
            PRIMARY KEY (incident_id, event_id)
        );
        CREATE INDEX incident_events_event ON incident_events(event_id);
        """
    )


def _m004_field_attribution(db: sqlite3.Connection) -> None:
    """Who asserts each field (Event.field_attribution), beside the event-level row."""
    _run_script(
        db,
        """
        CREATE TABLE field_attribution (
            event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            asserted_by TEXT NOT NULL, source TEXT, epistemic TEXT NOT NULL, cue TEXT,
            PRIMARY KEY (event_id, field)
        )
        """,
    )


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("001_initial", _m001_initial),
    ("002_link_canonical", m002_link_canonical),
    ("003_review_fts", m003_review_fts),
    ("004_field_attribution", _m004_field_attribution),
]

#: Event columns linking reads (``LinkInput.from_record``), for ``iter_link_records``.
LINK_COLUMNS = ("event_id", "doc_id", "event_type", "sub_event_type", "event_date", "time_precision", "latitude",
                "longitude", "geo_precision", "outlet", "fatalities", "injuries", "location", "country", "admin1",
                "admin2", "iso", "lang", "published", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2", "notes")

#: ``sort`` keys the event list accepts (a leading ``-`` sorts descending); whitelisted
#: because an ORDER BY column cannot be a bound parameter.
SORT_COLUMNS = ("event_date", "event_type", "sub_event_type", "country", "location", "actor1", "fatalities",
                "confidence", "outlet", "event_id")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SQLiteStore(IncidentsMixin, ReviewMixin):
    """One SQLite file. Use as a context manager; the connection is closed on exit."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        """Open (and migrate) a store; ``read_only`` opens an existing file for reading only
        (the web UI), without migrations or any write."""
        self.path = str(path)
        self.read_only = read_only
        try:
            if read_only:
                if not Path(self.path).exists():
                    raise StoreError("no such store", file=self.path)
                self.db = sqlite3.connect(f"file:{Path(self.path).resolve()}?mode=ro", uri=True,
                                          isolation_level=None, timeout=30, check_same_thread=False)
                self.db.row_factory = sqlite3.Row
                return
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store: {exc}", file=self.path) from exc

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- migrations -------------------------------------------------------------
    def migrate(self) -> list[str]:
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {r[0] for r in self.db.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            self.db.execute("BEGIN IMMEDIATE")
            try:
                fn(self.db)
                self.db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, _now()))
                self.db.execute("COMMIT")
            except Exception:
                self.db.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    # -- writes -----------------------------------------------------------------
    def has_document(self, content_hash: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE content_hash = ?", (content_hash,)).fetchone() is not None

    def known_hashes(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT content_hash FROM documents")}

    def write_batch(self, results: Iterable[tuple]) -> tuple[int, int]:
        """Store documents with their events in one transaction; returns (docs, events) written.

        Items are ``(document, events)`` or ``(document, events, input_hash)``; the input
        hash (of the document as read, before zoning) is what ``--resume`` compares. A
        document already stored with the same hash is left as it is (idempotent
        re-ingest); one stored under the same id with other content is replaced together
        with its events.
        """
        n_docs = n_events = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for item in results:
                doc, events = item[0], item[1]
                content_hash = item[2] if len(item) > 2 and item[2] else doc.content_hash
                if self.has_document(content_hash):
                    continue
                self.db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
                self.db.execute(
                    "INSERT INTO documents (id, content_hash, title, published, lang, outlet, url, source_file,"
                    " source_line, text, zones, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (doc.id, content_hash, doc.title, _iso(doc.published), doc.lang, doc.outlet, doc.url,
                     doc.source_file, doc.source_line, doc.text,
                     json.dumps([z.model_dump() for z in doc.zones], ensure_ascii=False), _now()),
                )
                for ev in events:
                    self._insert_event(ev)
                    n_events += 1
                n_docs += 1
            self.db.execute("COMMIT")
        except Exception:
            self.db.execute("ROLLBACK")
            raise
        return n_docs, n_events

    def _insert_event(self, ev: Event) -> None:
        row = ev.model_dump(mode="json", exclude={"mentions", "attribution", "evidence"})
        row["claimed_by"] = json.dumps(ev.claimed_by, ensure_ascii=False)
        values = [row.get(c) for c in EVENT_COLUMNS]
        self.db.execute(
            f"INSERT OR REPLACE INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
            values,
        )
        a = ev.attribution
        self.db.execute("INSERT OR REPLACE INTO attribution VALUES (?,?,?,?,?)",
                        (ev.event_id, a.asserted_by, a.source, a.epistemic, a.cue))
        self.db.executemany('INSERT INTO evidence (event_id, field, start, "end", text) VALUES (?,?,?,?,?)',
                            [(ev.event_id, e.field, e.start, e.end, e.text) for e in ev.evidence])
        self.db.execute("DELETE FROM field_attribution WHERE event_id = ?", (ev.event_id,))
        self.db.executemany("INSERT INTO field_attribution VALUES (?,?,?,?,?,?)",
                            [(ev.event_id, f, fa.asserted_by, fa.source, fa.epistemic, fa.cue)
                             for f, fa in ev.field_attribution.items()])

    # -- reads ------------------------------------------------------------------
    def count(self, table: str) -> int:
        if table not in {"documents", "events", "evidence", "incidents", "attribution"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    @staticmethod
    def _where(where: dict[str, Any] | None) -> tuple[str, list[Any]]:
        """A WHERE clause with bound parameters from a filter dict (keys are whitelisted).

        Keys: event_type, sub_event_type, country, doc_id, outlet, lang (equality);
        date_from, date_to (inclusive ISO dates); bbox ``(west, south, east, north)``;
        actor (case-insensitive substring of any actor field); min_independent (the
        event's incident has at least that many independent sources); q (FTS5 words).
        """
        clauses: list[str] = []
        params: list[Any] = []
        for key, value in (where or {}).items():
            if value is None or value == "":
                continue
            if key in ("event_type", "sub_event_type", "country", "doc_id", "outlet", "lang"):
                clauses.append(f"e.{key} = ?")
                params.append(str(value))
            elif key in ("date_from", "date_to"):
                clauses.append("e.event_date >= ?" if key == "date_from" else "e.event_date <= ?")
                params.append(str(value))
            elif key == "bbox":
                west, south, east, north = (float(v) for v in value)
                lon = "e.longitude BETWEEN ? AND ?" if west <= east else "(e.longitude >= ? OR e.longitude <= ?)"
                clauses.append(f"e.latitude BETWEEN ? AND ? AND {lon}")
                params += [south, north, west, east]
            elif key == "actor":
                clauses.append("(instr(lower(coalesce(e.actor1, '') || ' | ' || coalesce(e.actor2, '') || ' | '"
                               " || coalesce(e.assoc_actor_1, '') || ' | ' || coalesce(e.assoc_actor_2, '')), lower(?)) > 0)")
                params.append(str(value))
            elif key == "min_independent":
                clauses.append("EXISTS (SELECT 1 FROM incident_events ie JOIN incidents i USING (incident_id)"
                               " WHERE ie.event_id = e.event_id AND i.n_independent >= ?)")
                params.append(int(value))
            elif key == "q":
                match = fts_query(str(value))
                if match is None:
                    continue
                clauses.append("e.rowid IN (SELECT rowid FROM event_fts WHERE event_fts MATCH ?)")
                params.append(match)
            else:
                raise ValueError(f"unknown filter {key!r}")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _order(sort: str | None) -> str:
        """ORDER BY for a whitelisted ``sort`` key; NULLs last either way, then by id."""
        key = (sort or "event_date").strip()
        desc = key.startswith("-")
        column = key.lstrip("-")
        if column not in SORT_COLUMNS:
            raise ValueError(f"unknown sort key {column!r}")
        direction = "DESC" if desc else "ASC"
        return f" ORDER BY e.{column} IS NULL, e.{column} {direction}, e.event_id"

    def count_events(self, where: dict[str, Any] | None = None) -> int:
        clause, params = self._where(where)
        return self.db.execute(f"SELECT COUNT(*) FROM events e{clause}", params).fetchone()[0]

    def event_type_counts(self, where: dict[str, Any] | None = None) -> dict[str, int]:
        clause, params = self._where(where)
        rows = self.db.execute(f"SELECT e.event_type, COUNT(*) FROM events e{clause} GROUP BY e.event_type"
                               " ORDER BY COUNT(*) DESC", params)
        return {r[0]: r[1] for r in rows}

    def iter_events(self, *, where: dict[str, Any] | None = None, limit: int | None = None,
                    offset: int = 0, sort: str | None = None) -> Iterator[Event]:
        """Events with their attribution and evidence, ordered by ``sort`` (default: date, then id).

        ``where`` keys: see :meth:`_where`; ``sort``: one of ``SORT_COLUMNS``, ``-`` for descending.
        """
        clause, params = self._where(where)
        sql = "SELECT e.*, a.asserted_by, a.source, a.epistemic, a.cue FROM events e LEFT JOIN attribution a USING (event_id)"
        sql += clause
        sql += self._order(sort) if sort else " ORDER BY e.event_date, e.event_id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        for row in self.db.execute(sql, params).fetchall():
            yield self._event_from_row(row)

    def iter_link_records(self, event_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Event records with only the fields linking reads (``LinkInput.from_record``),
        streamed from one query: relinking a large store never builds its Event models.
        ``event_ids`` limits them to those events (an incremental re-link)."""
        sql = (f"SELECT {', '.join('e.' + c for c in LINK_COLUMNS)}, e.claimed_by, a.epistemic,"
               " (SELECT v.text FROM evidence v WHERE v.event_id = e.event_id AND v.field = 'event'"
               "  ORDER BY v.rowid LIMIT 1) AS event_text"
               " FROM events e LEFT JOIN attribution a USING (event_id)")
        if event_ids is not None:
            self.db.execute("DROP TABLE IF EXISTS temp.link_only")
            self.db.execute("CREATE TEMP TABLE link_only (event_id TEXT PRIMARY KEY)")
            self.db.executemany("INSERT OR IGNORE INTO temp.link_only VALUES (?)", ((e,) for e in event_ids))
            sql += " WHERE e.event_id IN (SELECT event_id FROM temp.link_only)"
        sql += " ORDER BY e.event_date, e.event_id"
        for row in self.db.execute(sql):
            yield link_record(row)

    def get_event(self, event_id: str) -> Event | None:
        row = self.db.execute(
            "SELECT e.*, a.asserted_by, a.source, a.epistemic, a.cue FROM events e LEFT JOIN attribution a"
            " USING (event_id) WHERE e.event_id = ?", (event_id,)).fetchone()
        return self._event_from_row(row) if row else None

    def get_document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        return Document(id=row["id"], text=row["text"], title=row["title"],
                        published=date.fromisoformat(row["published"]) if row["published"] else None,
                        lang=row["lang"], outlet=row["outlet"], url=row["url"], source_file=row["source_file"],
                        source_line=row["source_line"], zones=json.loads(row["zones"]))

    def _event_from_row(self, row: sqlite3.Row) -> Event:
        d = {c: row[c] for c in EVENT_COLUMNS}
        d["claimed_by"] = json.loads(d["claimed_by"] or "[]")
        d["attribution"] = Attribution(asserted_by=row["asserted_by"] or "outlet", source=row["source"],
                                       epistemic=row["epistemic"] or "asserted", cue=row["cue"])
        d["evidence"] = [
            Evidence(field=r["field"], start=r["start"], end=r["end"], text=r["text"])
            for r in self.db.execute('SELECT field, start, "end", text FROM evidence WHERE event_id = ? ORDER BY rowid',
                                     (row["event_id"],))
        ]
        d["field_attribution"] = {
            r["field"]: Attribution(asserted_by=r["asserted_by"], source=r["source"], epistemic=r["epistemic"],
                                    cue=r["cue"])
            for r in self.db.execute("SELECT * FROM field_attribution WHERE event_id = ? ORDER BY rowid",
                                     (row["event_id"],))
        }
        return Event.model_validate(d)


def link_record(row: Any) -> dict[str, Any]:
    """One ``iter_link_records`` record from a row of either store (PostgreSQL gives
    dates and parsed JSON; the record has SQLite's ISO text and lists)."""
    rec = {c: row[c].isoformat() if isinstance(row[c], date) else row[c] for c in LINK_COLUMNS}
    rec["claimed_by"] = _loads(row["claimed_by"] or None, [])
    rec["attribution"] = {"epistemic": row["epistemic"]}
    rec["evidence"] = [{"field": "event", "text": row["event_text"]}] if row["event_text"] else []
    return rec


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def open_store(url: str | Path) -> SQLiteStore:
    """Kept for callers of ``dateline.store.sqlite.open_store``; :func:`dateline.store.open_store`
    dispatches by URL (SQLite or PostgreSQL)."""
    from dateline.store import open_store as dispatch

    return dispatch(url)  # type: ignore[return-value]
