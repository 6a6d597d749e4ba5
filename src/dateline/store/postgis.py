"""PostgreSQL + PostGIS store: the SQLite store's semantics for a team's shared database.

Same public methods as :class:`dateline.store.sqlite.SQLiteStore` (``write_batch``,
``known_hashes``, ``iter_events`` …) and the same tables, so the CLI and exports do not
care which one they hold. What PostgreSQL adds: each event's point as
``geography(Point, 4326)`` with a GiST index (distance queries in metres,
:meth:`PostGISStore.events_near`), and a ``tsvector`` of each document with a GIN index
(:meth:`PostGISStore.search_documents`).

Incidents — canonical rows, incremental re-link, analyst merge/split/undo with their log
and constraints — are :class:`~dateline.store.incidents.IncidentsMixin`, the same code as
SQLite's, through its dialect hooks (``%s`` placeholders, ``psycopg`` transactions,
``RETURNING`` ids, ``COLLATE "C"`` id order).

Schema changes are named migrations, recorded in ``schema_migrations`` and each run in
one transaction, with the names the SQLite store uses: a feature that adds SQLite
tables (``003_review_fts``) adds a PostgreSQL migration of the same name here,
appended to :data:`MIGRATIONS`. psycopg binds every value; no value is ever formatted
into SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any

from dateline.errors import StoreError
from dateline.model import Attribution, Document, Event, Evidence
from dateline.store.incidents import IncidentsMixin
from dateline.store.review import LISTED_IN_CLUSTER, cell_degrees, grid_clusters
from dateline.store.sqlite import EVENT_COLUMNS, LINK_COLUMNS, SORT_COLUMNS, link_record

#: Evidence rows fetched per query when events are read back (one round trip per page of
#: events rather than one per event).
EVIDENCE_PAGE = 1000
#: Text search configuration: 'simple' (no stemming) because documents are French,
#: English and Arabic and one language's stemmer would mangle the others.
TS_CONFIG = "simple"

_M001_INITIAL = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT, published DATE, lang TEXT, outlet TEXT, url TEXT,
    source_file TEXT, source_line INTEGER,
    text TEXT NOT NULL,
    zones JSONB NOT NULL DEFAULT '[]',
    ingested_at TIMESTAMPTZ NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('{TS_CONFIG}', coalesce(title, '') || ' ' || text)) STORED
);
CREATE UNIQUE INDEX documents_hash ON documents(content_hash);
CREATE INDEX documents_tsv ON documents USING GIN (tsv);
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    event_date DATE, time_precision INTEGER, disorder_type TEXT, event_type TEXT NOT NULL,
    sub_event_type TEXT NOT NULL, actor1 TEXT, assoc_actor_1 TEXT, inter1 INTEGER, actor2 TEXT,
    assoc_actor_2 TEXT, inter2 INTEGER, claimed_by JSONB NOT NULL DEFAULT '[]', country TEXT, iso INTEGER,
    admin1 TEXT, admin2 TEXT, location TEXT, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION,
    geo_precision INTEGER, geonameid INTEGER, fatalities INTEGER, injuries INTEGER, weapon TEXT,
    confidence DOUBLE PRECISION, notes TEXT, lang TEXT, outlet TEXT, published DATE,
    geom geography(Point, 4326)
);
CREATE INDEX events_doc ON events(doc_id);
CREATE INDEX events_date ON events(event_date);
CREATE INDEX events_type ON events(event_type, sub_event_type);
CREATE INDEX events_geom ON events USING GIST (geom);
CREATE TABLE attribution (
    event_id TEXT PRIMARY KEY REFERENCES events(event_id) ON DELETE CASCADE,
    asserted_by TEXT NOT NULL, source TEXT, epistemic TEXT NOT NULL, cue TEXT
);
CREATE TABLE evidence (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    field TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX evidence_event ON evidence(event_id);
CREATE TABLE incidents (
    incident_id TEXT PRIMARY KEY,
    n_reports INTEGER NOT NULL, n_outlets INTEGER NOT NULL, n_independent INTEGER NOT NULL,
    conflicts JSONB NOT NULL DEFAULT '[]', created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE incident_events (
    incident_id TEXT NOT NULL REFERENCES incidents(incident_id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, event_id)
);
CREATE INDEX incident_events_event ON incident_events(event_id);
"""

#: SQLite's 002 (store/incidents.py) with PostgreSQL types. ``canonical`` is JSON, not
#: JSONB, so its fields read back in the order the linker wrote them (the incident page
#: lists them in that order); reports and the log's memberships are JSONB.
_M002_LINK_CANONICAL = """
ALTER TABLE incidents
    ADD COLUMN canonical JSON NOT NULL DEFAULT '{}',
    ADD COLUMN reports JSONB NOT NULL DEFAULT '[]',
    ADD COLUMN confidence DOUBLE PRECISION,
    ADD COLUMN n_independent_non_partisan INTEGER,
    ADD COLUMN event_date DATE,
    ADD COLUMN event_type TEXT,
    ADD COLUMN sub_event_type TEXT,
    ADD COLUMN country TEXT,
    ADD COLUMN location TEXT,
    ADD COLUMN fatalities INTEGER;
CREATE INDEX incidents_date ON incidents(event_date);
CREATE TABLE link_actions (
    action_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at TIMESTAMPTZ NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', target TEXT,
    before JSONB NOT NULL, after JSONB NOT NULL, undone_by BIGINT
);
CREATE TABLE link_constraints (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('must', 'cannot')),
    event_a TEXT NOT NULL, event_b TEXT NOT NULL, action_id BIGINT NOT NULL, active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX link_constraints_a ON link_constraints(event_a);
CREATE INDEX link_constraints_b ON link_constraints(event_b);
"""

_M004_FIELD_ATTRIBUTION = """
CREATE TABLE field_attribution (
    event_id TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    asserted_by TEXT NOT NULL, source TEXT, epistemic TEXT NOT NULL, cue TEXT,
    PRIMARY KEY (event_id, field)
);
"""

#: (name, SQL) in order; names match the SQLite store's migrations (a store made at
#: 001 + 004 gains 002 in place). SQLite's 003_review_fts (corrections, audit log) has no
#: PostgreSQL version yet: a PostgreSQL store is served read-only (docs/postgis.md).
MIGRATIONS: list[tuple[str, str]] = [
    ("001_initial", _M001_INITIAL),
    ("002_link_canonical", _M002_LINK_CANONICAL),
    ("004_field_attribution", _M004_FIELD_ATTRIBUTION),
]

#: Event columns stored as JSONB (a list in the model).
_JSON_COLUMNS = {"claimed_by"}
#: Tables :meth:`PostGISStore.count` may count (the name is not a bound parameter).
_COUNTABLE = {"documents", "events", "evidence", "incidents", "attribution"}


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}@{host}"


class PostGISStore(IncidentsMixin):
    """One PostgreSQL database. Use as a context manager; the connection is closed on exit."""

    # IncidentsMixin's dialect hooks
    _PARAM = "%s"
    _ID_ORDER = ' COLLATE "C"'
    _DESC_NULLS = " NULLS LAST"

    def _xmany(self, sql: str, rows: Iterable[tuple]) -> None:
        with self.db.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction; incident writers (re-links, analysts) take turns on a
        transaction-level advisory lock, as SQLite's ``BEGIN IMMEDIATE`` makes them."""
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(hashtext('dateline.incidents'))")
            yield

    def _insert_id(self, sql: str, params: tuple, id_column: str) -> int:
        return int(self._x(f"{sql} RETURNING {id_column}", params).fetchone()[id_column])

    @staticmethod
    def _date_param(value: Any, key: str) -> date:
        return _as_date(value, key)

    def __init__(self, url: str, *, read_only: bool = False):
        """Connect (and migrate, unless ``read_only``); PostGIS must be installable there."""
        import psycopg
        from psycopg.rows import dict_row

        self.path = _redact(url)
        self.read_only = read_only
        self._psycopg = psycopg
        try:
            self.db = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect: {str(exc).splitlines()[0]}", file=self.path) from exc
        if read_only:
            self.db.execute("SET default_transaction_read_only = on")
        else:
            self.migrate()

    def __enter__(self) -> PostGISStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- migrations -------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded, all in one transaction (savepoint each).

        A transaction-level advisory lock serialises two clients migrating a fresh
        database at once (a team starting the same day); the second sees the first's
        record and applies nothing.
        """
        applied = []
        try:
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(hashtext('dateline.migrate'))")
                self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations"
                                " (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
                done = {r["name"] for r in self.db.execute("SELECT name FROM schema_migrations")}
                for name, sql in MIGRATIONS:
                    if name in done:
                        continue
                    with self.db.transaction():
                        self.db.execute(sql)
                        self.db.execute("INSERT INTO schema_migrations VALUES (%s, %s)", (name, _now()))
                    applied.append(name)
        except self._psycopg.errors.FeatureNotSupported as exc:
            raise StoreError(f"PostGIS is not installed on the server ({str(exc).splitlines()[0]});"
                             " see docs/postgis.md", file=self.path) from exc
        except self._psycopg.errors.UndefinedFile as exc:
            raise StoreError(f"PostGIS is not installed on the server ({str(exc).splitlines()[0]});"
                             " see docs/postgis.md", file=self.path) from exc
        except self._psycopg.Error as exc:
            raise StoreError(f"migration failed: {str(exc).splitlines()[0]}", file=self.path) from exc
        return applied

    # -- writes -----------------------------------------------------------------
    def has_document(self, content_hash: str) -> bool:
        row = self.db.execute("SELECT 1 FROM documents WHERE content_hash = %s", (content_hash,)).fetchone()
        return row is not None

    def known_hashes(self) -> set[str]:
        return {r["content_hash"] for r in self.db.execute("SELECT content_hash FROM documents")}

    def write_batch(self, results: Iterable[tuple]) -> tuple[int, int]:
        """Store documents with their events in one transaction; returns (docs, events) written.

        Same items and rules as :meth:`SQLiteStore.write_batch`: an already stored hash is
        left alone; a document stored under the same id with other content is replaced
        with its events.
        """
        n_docs = n_events = 0
        with self.db.transaction():
            for item in results:
                doc, events = item[0], item[1]
                content_hash = item[2] if len(item) > 2 and item[2] else doc.content_hash
                if self.has_document(content_hash):
                    continue
                self.db.execute("DELETE FROM documents WHERE id = %s", (doc.id,))
                self.db.execute(
                    "INSERT INTO documents (id, content_hash, title, published, lang, outlet, url, source_file,"
                    " source_line, text, zones, ingested_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                    (doc.id, content_hash, doc.title, doc.published, doc.lang, doc.outlet, doc.url,
                     doc.source_file, doc.source_line, _no_nul(doc.text),
                     json.dumps([z.model_dump() for z in doc.zones], ensure_ascii=False), _now()),
                )
                for ev in events:
                    self._insert_event(ev)
                    n_events += 1
                n_docs += 1
        return n_docs, n_events

    def _insert_event(self, ev: Event) -> None:
        row = ev.model_dump(mode="json", exclude={"mentions", "attribution", "evidence"})
        row["claimed_by"] = json.dumps(ev.claimed_by, ensure_ascii=False)
        values = [row.get(c) for c in EVENT_COLUMNS]
        placeholders = ", ".join("%s" for _ in EVENT_COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in EVENT_COLUMNS if c != "event_id")
        self.db.execute(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}, geom) VALUES ({placeholders},"
            " CASE WHEN %s::float8 IS NULL OR %s::float8 IS NULL THEN NULL"
            " ELSE ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326)::geography END)"
            f" ON CONFLICT (event_id) DO UPDATE SET {updates}, geom = EXCLUDED.geom",
            [*values, ev.longitude, ev.latitude, ev.longitude, ev.latitude],
        )
        a = ev.attribution
        self.db.execute(
            "INSERT INTO attribution VALUES (%s,%s,%s,%s,%s) ON CONFLICT (event_id) DO UPDATE SET"
            " asserted_by = EXCLUDED.asserted_by, source = EXCLUDED.source, epistemic = EXCLUDED.epistemic,"
            " cue = EXCLUDED.cue",
            (ev.event_id, a.asserted_by, a.source, a.epistemic, a.cue))
        with self.db.cursor() as cur:
            cur.executemany('INSERT INTO evidence (event_id, field, start, "end", text) VALUES (%s,%s,%s,%s,%s)',
                            [(ev.event_id, e.field, e.start, e.end, _no_nul(e.text)) for e in ev.evidence])
        self.db.execute("DELETE FROM field_attribution WHERE event_id = %s", (ev.event_id,))
        if ev.field_attribution:
            with self.db.cursor() as cur:
                cur.executemany("INSERT INTO field_attribution VALUES (%s,%s,%s,%s,%s,%s)",
                                [(ev.event_id, f, fa.asserted_by, fa.source, fa.epistemic, fa.cue)
                                 for f, fa in ev.field_attribution.items()])

    # -- reads ------------------------------------------------------------------
    def count(self, table: str) -> int:
        if table not in _COUNTABLE:
            raise ValueError(table)
        return self.db.execute(f"SELECT COUNT(*) AS n FROM {table}").fetchone()["n"]

    @staticmethod
    def _where(where: dict[str, Any] | None) -> tuple[str, list[Any]]:
        """A WHERE clause with bound parameters from a filter dict (keys are whitelisted)."""
        clauses, params = [], []
        for key, value in (where or {}).items():
            if value is None or value == "":
                continue
            if key in ("event_type", "sub_event_type", "country", "doc_id", "outlet", "lang"):
                clauses.append(f"e.{key} = %s")
                params.append(str(value))
            elif key in ("date_from", "date_to"):
                clauses.append("e.event_date " + (">=" if key == "date_from" else "<=") + " %s")
                params.append(_as_date(value, key))
            elif key == "bbox":
                west, south, east, north = (float(v) for v in value)
                lon = ("e.longitude BETWEEN %s AND %s" if west <= east
                       else "(e.longitude >= %s OR e.longitude <= %s)")
                clauses.append(f"e.latitude BETWEEN %s AND %s AND {lon}")
                params += [south, north, west, east]
            elif key == "actor":
                clauses.append("strpos(lower(concat_ws(' | ', e.actor1, e.actor2, e.assoc_actor_1, e.assoc_actor_2)),"
                               " lower(%s)) > 0")
                params.append(str(value))
            elif key == "min_independent":
                clauses.append("EXISTS (SELECT 1 FROM incident_events ie JOIN incidents i USING (incident_id)"
                               " WHERE ie.event_id = e.event_id AND i.n_independent >= %s)")
                params.append(int(value))
            elif key == "q":
                # the same words as SQLite's FTS5 search: in the article (GIN tsvector) or in
                # the event's own notes, actors and place
                clauses.append(f"(e.doc_id IN (SELECT id FROM documents WHERE tsv @@ plainto_tsquery('{TS_CONFIG}', %s))"
                               f" OR to_tsvector('{TS_CONFIG}', concat_ws(' ', e.notes, e.actor1, e.actor2, e.location))"
                               f" @@ plainto_tsquery('{TS_CONFIG}', %s))")
                params += [str(value), str(value)]
            else:
                raise ValueError(f"unknown filter {key!r}")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    @staticmethod
    def _order(sort: str | None) -> str:
        """ORDER BY for a whitelisted ``sort`` key, as SQLite orders: NULLs last, then by id."""
        key = (sort or "event_date").strip()
        column = key.lstrip("-")
        if column not in SORT_COLUMNS:
            raise ValueError(f"unknown sort key {column!r}")
        direction = "DESC" if key.startswith("-") else "ASC"
        return f' ORDER BY e.{column} {direction} NULLS LAST, e.event_id COLLATE "C"'

    def count_events(self, where: dict[str, Any] | None = None) -> int:
        clause, params = self._where(where)
        return self.db.execute(f"SELECT COUNT(*) AS n FROM events e{clause}", params).fetchone()["n"]

    def event_type_counts(self, where: dict[str, Any] | None = None) -> dict[str, int]:
        clause, params = self._where(where)
        rows = self.db.execute(f"SELECT e.event_type, COUNT(*) AS n FROM events e{clause} GROUP BY e.event_type"
                               " ORDER BY COUNT(*) DESC", params)
        return {r["event_type"]: r["n"] for r in rows}

    _SELECT_EVENTS = ("SELECT e.*, a.asserted_by, a.source, a.epistemic, a.cue,"
                      " (SELECT jsonb_object_agg(f.field, jsonb_build_object('asserted_by', f.asserted_by,"
                      " 'source', f.source, 'epistemic', f.epistemic, 'cue', f.cue)) FROM field_attribution f"
                      " WHERE f.event_id = e.event_id) AS field_attr"
                      " FROM events e LEFT JOIN attribution a USING (event_id)")

    def iter_events(self, *, where: dict[str, Any] | None = None, limit: int | None = None,
                    offset: int = 0, sort: str | None = None) -> Iterator[Event]:
        """Events with attribution and evidence, ordered by ``sort`` or by date then id as
        SQLite orders them: events without a date first, ids by code point (``COLLATE
        "C"``), whatever the database's locale."""
        clause, params = self._where(where)
        order = self._order(sort) if sort else ' ORDER BY e.event_date NULLS FIRST, e.event_id COLLATE "C"'
        sql = self._SELECT_EVENTS + clause + order
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        rows = self.db.execute(sql, params).fetchall()
        for start in range(0, len(rows), EVIDENCE_PAGE):
            page = rows[start:start + EVIDENCE_PAGE]
            evidence = self._evidence_of([r["event_id"] for r in page])
            for row in page:
                yield self._event_from_row(row, evidence.get(row["event_id"], []))

    def iter_link_records(self, event_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Event records with only the fields linking reads, as
        :meth:`SQLiteStore.iter_link_records` gives them (dates as ISO text), streamed
        row by row from one query: the connection serves nothing else until the records
        are read to the end. ``event_ids`` limits them to those events."""
        sql = (f"SELECT {', '.join('e.' + c for c in LINK_COLUMNS)}, e.claimed_by, a.epistemic,"
               " (SELECT v.text FROM evidence v WHERE v.event_id = e.event_id AND v.field = 'event'"
               "  ORDER BY v.id LIMIT 1) AS event_text"
               " FROM events e LEFT JOIN attribution a USING (event_id)")
        params: list[Any] = []
        if event_ids is not None:
            sql += " WHERE e.event_id = ANY(%s)"
            params.append(list(event_ids))
        sql += ' ORDER BY e.event_date NULLS FIRST, e.event_id COLLATE "C"'
        with self.db.cursor() as cur:
            for row in cur.stream(sql, params):
                yield link_record(row)

    def get_event(self, event_id: str) -> Event | None:
        row = self.db.execute(self._SELECT_EVENTS + " WHERE e.event_id = %s", (event_id,)).fetchone()
        if row is None:
            return None
        return self._event_from_row(row, self._evidence_of([event_id]).get(event_id, []))

    def get_document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = %s", (doc_id,)).fetchone()
        if row is None:
            return None
        return Document(id=row["id"], text=row["text"], title=row["title"], published=row["published"],
                        lang=row["lang"], outlet=row["outlet"], url=row["url"], source_file=row["source_file"],
                        source_line=row["source_line"], zones=row["zones"])

    def _evidence_of(self, event_ids: list[str]) -> dict[str, list[Evidence]]:
        out: dict[str, list[Evidence]] = {}
        rows = self.db.execute('SELECT event_id, field, start, "end", text FROM evidence WHERE event_id = ANY(%s)'
                               " ORDER BY id", (event_ids,))
        for r in rows:
            out.setdefault(r["event_id"], []).append(
                Evidence(field=r["field"], start=r["start"], end=r["end"], text=r["text"]))
        return out

    def _event_from_row(self, row: dict[str, Any], evidence: list[Evidence]) -> Event:
        d = {c: row[c] for c in EVENT_COLUMNS}
        d["claimed_by"] = d["claimed_by"] or []
        d["attribution"] = Attribution(asserted_by=row["asserted_by"] or "outlet", source=row["source"],
                                       epistemic=row["epistemic"] or "asserted", cue=row["cue"])
        d["evidence"] = evidence
        d["field_attribution"] = row.get("field_attr") or {}
        return Event.model_validate(d)

    # -- browse reads for the web UI (docs/web.md) -------------------------------
    #: free text (``q``) is served by tsvector search, not by SQLite's FTS5 table
    has_text_search = True

    def has_review_schema(self) -> bool:
        """Corrections and the audit log are SQLite-only for now: a PostgreSQL store is
        served read-only (docs/postgis.md)."""
        return False

    def review_state(self, event: Event) -> dict[str, Any]:
        return {"status": "unreviewed", "corrected": {}, "machine": {}}

    def review_statuses(self, event_ids: list[str]) -> dict[str, str]:
        return {}

    def audit_entries(self, event_id: str | None = None, *, limit: int = 200) -> list[dict[str, Any]]:
        return []

    def event_clusters(self, where: dict[str, Any] | None, zoom: int) -> list[dict[str, Any]]:
        """The map's grid clusters, as :meth:`SQLiteStore.event_clusters` gives them."""
        size = cell_degrees(zoom)
        clause, params = self._where(where)
        clause += (" AND " if clause else " WHERE ") + "e.latitude IS NOT NULL AND e.longitude IS NOT NULL"
        sql = ("SELECT floor((e.longitude + 180) / %s)::int AS gx, floor((e.latitude + 90) / %s)::int AS gy,"
               " e.event_type, COUNT(*) AS n, SUM(e.latitude) AS slat, SUM(e.longitude) AS slon,"
               " SUM(coalesce(e.fatalities, 0)) AS fat, MIN(e.event_id COLLATE \"C\") AS any_id,"
               " MAX(e.geo_precision) AS prec, MIN(e.location) AS loc,"
               " CASE WHEN COUNT(*) <= %s THEN array_agg(e.event_id) END AS ids"
               f" FROM events e{clause} GROUP BY gx, gy, e.event_type")
        return grid_clusters(self.db.execute(sql, [size, size, LISTED_IN_CLUSTER, *params]).fetchall())

    def event_bounds(self, where: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
        clause, params = self._where(where)
        clause += (" AND " if clause else " WHERE ") + "e.latitude IS NOT NULL AND e.longitude IS NOT NULL"
        row = self.db.execute("SELECT MIN(e.latitude) AS s, MIN(e.longitude) AS w, MAX(e.latitude) AS n,"
                              f" MAX(e.longitude) AS e FROM events e{clause}", params).fetchone()
        return None if row["s"] is None else (row["s"], row["w"], row["n"], row["e"])

    def daily_counts(self, where: dict[str, Any] | None) -> list[dict[str, Any]]:
        clause, params = self._where(where)
        clause += (" AND " if clause else " WHERE ") + "e.event_date IS NOT NULL"
        rows = self.db.execute(f"SELECT e.event_date AS d, e.event_type AS t, COUNT(*) AS n FROM events e{clause}"
                               " GROUP BY e.event_date, e.event_type ORDER BY e.event_date", params)
        return [{"date": r["d"].isoformat(), "event_type": r["t"], "n": r["n"]} for r in rows]

    # -- what PostgreSQL adds ---------------------------------------------------
    def events_near(self, latitude: float, longitude: float, km: float) -> list[str]:
        """Ids of events within ``km`` of a point, nearest first (GiST index on ``geom``)."""
        point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
        rows = self.db.execute(
            f"SELECT event_id FROM events WHERE ST_DWithin(geom, {point}, %s)"
            f" ORDER BY ST_Distance(geom, {point}), event_id",
            (longitude, latitude, km * 1000.0, longitude, latitude))
        return [r["event_id"] for r in rows]

    def search_documents(self, query: str, limit: int = 20) -> list[str]:
        """Ids of documents matching a web-style query (``"quoted phrase" -word or``),
        best first (GIN index on ``tsv``)."""
        rows = self.db.execute(
            f"SELECT id FROM documents, websearch_to_tsquery('{TS_CONFIG}', %s) q WHERE tsv @@ q"
            " ORDER BY ts_rank(tsv, q) DESC, id LIMIT %s", (query, limit))
        return [r["id"] for r in rows]


def _no_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL; the readers already drop it, this keeps the store safe."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _as_date(value: Any, key: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{key} must be an ISO date (YYYY-MM-DD), got {value!r}") from exc
