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


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("001_initial", _m001_initial),
]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SQLiteStore:
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

    def replace_incidents(self, incidents: Iterable[dict[str, Any]]) -> int:
        """Replace the incident grouping (``dateline link``) in one transaction."""
        n = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM incident_events")
            self.db.execute("DELETE FROM incidents")
            for inc in incidents:
                self.db.execute(
                    "INSERT INTO incidents VALUES (?,?,?,?,?,?)",
                    (inc["incident_id"], inc["n_reports"], inc["n_outlets"], inc["n_independent"],
                     json.dumps(inc.get("conflicts", []), ensure_ascii=False), _now()),
                )
                self.db.executemany("INSERT INTO incident_events VALUES (?, ?)",
                                    [(inc["incident_id"], e) for e in inc["event_ids"]])
                n += 1
            self.db.execute("COMMIT")
        except Exception:
            self.db.execute("ROLLBACK")
            raise
        return n

    # -- reads ------------------------------------------------------------------
    def count(self, table: str) -> int:
        if table not in {"documents", "events", "evidence", "incidents", "attribution"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    @staticmethod
    def _where(where: dict[str, Any] | None) -> tuple[str, list[Any]]:
        """A WHERE clause with bound parameters from a filter dict (keys are whitelisted)."""
        clauses, params = [], []
        for key, value in (where or {}).items():
            if value is None or value == "":
                continue
            if key in ("event_type", "sub_event_type", "country", "doc_id", "outlet", "lang"):
                clauses.append(f"e.{key} = ?")
            elif key == "date_from":
                clauses.append("e.event_date >= ?")
            elif key == "date_to":
                clauses.append("e.event_date <= ?")
            else:
                raise ValueError(f"unknown filter {key!r}")
            params.append(str(value))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count_events(self, where: dict[str, Any] | None = None) -> int:
        clause, params = self._where(where)
        return self.db.execute(f"SELECT COUNT(*) FROM events e{clause}", params).fetchone()[0]

    def event_type_counts(self, where: dict[str, Any] | None = None) -> dict[str, int]:
        clause, params = self._where(where)
        rows = self.db.execute(f"SELECT e.event_type, COUNT(*) FROM events e{clause} GROUP BY e.event_type"
                               " ORDER BY COUNT(*) DESC", params)
        return {r[0]: r[1] for r in rows}

    def iter_events(self, *, where: dict[str, Any] | None = None, limit: int | None = None,
                    offset: int = 0) -> Iterator[Event]:
        """Events with their attribution and evidence, ordered by date then id.

        ``where`` keys: event_type, sub_event_type, country, doc_id, outlet, lang
        (equality), date_from, date_to (ISO dates, inclusive).
        """
        clause, params = self._where(where)
        sql = "SELECT e.*, a.asserted_by, a.source, a.epistemic, a.cue FROM events e LEFT JOIN attribution a USING (event_id)"
        sql += clause
        sql += " ORDER BY e.event_date, e.event_id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        for row in self.db.execute(sql, params).fetchall():
            yield self._event_from_row(row)

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
        return Event.model_validate(d)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def open_store(url: str | Path) -> SQLiteStore:
    """Kept for callers of ``dateline.store.sqlite.open_store``; :func:`dateline.store.open_store`
    dispatches by URL (SQLite or PostgreSQL)."""
    from dateline.store import open_store as dispatch

    return dispatch(url)  # type: ignore[return-value]
