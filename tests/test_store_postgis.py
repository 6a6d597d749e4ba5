"""PostgreSQL + PostGIS store (store/postgis.py): the SQLite store's semantics, plus
points and text search, on a throw-away local cluster (tests/pg_cluster.py).

Skipped, with the reason, where the PostgreSQL binaries or PostGIS are not installed
(docs/postgis.md: ``apt-get install postgresql-15-postgis-3``).
"""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from typer.testing import CliRunner

from dateline.cli import app
from dateline.errors import StoreError
from dateline.store import SQLiteStore, open_store

from . import pg_cluster
from .conftest import EXAMPLES
from .test_store import _doc, _event

REASON = pg_cluster.unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"PostGIS tests skipped: {REASON}")

runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    with pg_cluster.throwaway_cluster() as c:
        yield c


@pytest.fixture
def url(cluster):
    return cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")


def test_open_store_dispatches_by_url_and_migrates_once(url):
    with open_store(url) as s:
        assert type(s).__name__ == "PostGISStore"
        assert s.migrate() == []
        names = [r["name"] for r in s.db.execute("SELECT name FROM schema_migrations")]
        assert names == ["001_initial", "002_link_canonical", "004_field_attribution"]
        gist = s.db.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'events_geom'").fetchone()
        assert "gist" in gist["indexdef"].lower()


def test_roundtrip_idempotent_reingest_and_replacement(url):
    d = _doc()
    with open_store(url) as s:
        assert s.write_batch([(d, [_event(d)])]) == (1, 1)
        assert s.write_batch([(d, [_event(d)])]) == (0, 0)  # same content hash: nothing new
        assert s.has_document(d.content_hash) and s.known_hashes() == {d.content_hash}
        got = s.get_event("d1-1")
        assert got == _event(d)  # every field, evidence and attribution included
        assert s.get_document("d1").text == d.text and s.get_document("d1").published == date(2024, 5, 1)
        d2 = _doc(text="Un convoi a été visé à Diwaniya.")
        s.write_batch([(d2, [_event(d2, 1)])])
        assert s.count("documents") == 1 and s.count("events") == 1 and s.count("evidence") == 1


def test_failed_batch_leaves_nothing(url):
    with open_store(url) as s:
        d = _doc()
        bad = _event(d)
        with pytest.raises(Exception):
            s.write_batch([(d, [bad, bad.model_copy(update={"evidence": None})])])
        assert s.count("documents") == 0 and s.count("events") == 0


def test_filters_and_counts_match_sqlite(url, tmp_path):
    """Same data, same answers from both backends."""
    docs = [_doc(i=f"d{i}", text=f"Un convoi a été visé à Samawa ({i}).") for i in range(4)]
    batch = []
    for i, d in enumerate(docs):
        ev = _event(d).model_copy(update={"event_date": date(2024, 5, 1 + i),
                                          "country": "Iraq" if i % 2 else "Syria"})
        batch.append((d, [ev]))
    with open_store(url) as pg, SQLiteStore(tmp_path / "s.db") as lite:
        pg.write_batch(batch)
        lite.write_batch(batch)
        for where in (None, {"country": "Iraq"}, {"date_from": "2024-05-02", "date_to": "2024-05-03"},
                      {"event_type": "Explosions/Remote violence", "country": "Syria"}):
            assert list(pg.iter_events(where=where)) == list(lite.iter_events(where=where)), where
            assert pg.count_events(where) == lite.count_events(where)
            assert pg.event_type_counts(where) == lite.event_type_counts(where)
        assert list(pg.iter_events(limit=2, offset=1)) == list(lite.iter_events(limit=2, offset=1))
        incidents = [{"incident_id": "i1", "event_ids": ["d0-1", "d1-1"], "n_reports": 2, "n_outlets": 1,
                      "n_independent": 1, "conflicts": []}]
        assert pg.replace_incidents(incidents) == lite.replace_incidents(incidents) == 1
        assert pg.count("incidents") == 1


def test_points_and_full_text_search(url):
    with open_store(url) as s:
        near = _doc(i="near", text="Une roquette est tombée près de la base.")
        far = _doc(i="far", text="Manifestation pacifique à Bassora.")
        s.write_batch([(near, [_event(near)]),
                       (far, [_event(far).model_copy(update={"latitude": 30.5, "longitude": 47.8})])])
        assert s.events_near(31.3, 45.28, 5) == ["near-1"]
        assert s.events_near(31.3, 45.28, 500) == ["near-1", "far-1"]  # nearest first
        assert s.search_documents("roquette") == ["near"]
        assert s.search_documents('"manifestation pacifique"') == ["far"]


def test_unreachable_server_is_a_store_error():
    with pytest.raises(StoreError, match="cannot connect"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")


def test_cli_extract_into_postgis_then_export(url, tmp_path):
    r = runner.invoke(app, ["extract", str(EXAMPLES / "reports.jsonl"), "--db", url, "--out",
                            str(tmp_path / "events.jsonl"), "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["extract", str(EXAMPLES / "reports.jsonl"), "--db", url, "--resume", "-q"],
                      catch_exceptions=False)
    assert r.exit_code == 0 and "resume: 5 document(s) already in the store" in r.output
    r = runner.invoke(app, ["export", "--db", url, "--format", "jsonl", "--out", str(tmp_path / "export.jsonl")],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    extracted = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text("utf-8").splitlines()]
    exported = [json.loads(line) for line in (tmp_path / "export.jsonl").read_text("utf-8").splitlines()]
    assert sorted(e["event_id"] for e in exported) == sorted(e["event_id"] for e in extracted)
    with open_store(url) as s:
        assert s.count("documents") == 5 and s.count("incidents") >= 1
        # extract linked every new event, incrementally, into canonical incidents
        assert s.link_scope(31) == set() and all(i["canonical"] for i in s.list_incidents())


def test_web_api_reads_a_postgis_store(url):
    from fastapi.testclient import TestClient

    from dateline.web.app import create_app

    d = _doc()
    with open_store(url) as s:
        s.write_batch([(d, [_event(d)])])
    client = TestClient(create_app(url))
    listed = client.get("/api/events").json()
    assert [e["event_id"] for e in listed["events"]] == ["d1-1"]
    assert client.get("/api/events/d1-1").json()["document"]["id"] == "d1"
    assert client.get("/events/d1-1").status_code == 200
    # the browse page, map clusters, timeline, sorting and search work on PostgreSQL too
    assert client.get("/").status_code == 200
    clusters = client.get("/api/clusters", params={"zoom": 5}).json()["clusters"]
    assert [(c["n"], c["event_id"]) for c in clusters] == [(1, "d1-1")]
    assert client.get("/api/timeline").json()["days"] == [{"date": "2024-05-01",
                                                            "event_type": "Explosions/Remote violence", "n": 1}]
    found = client.get("/api/events", params={"q": "Samawa", "sort": "-fatalities"})
    assert found.status_code == 200, found.text
    assert [e["event_id"] for e in found.json()["events"]] == ["d1-1"]
    assert client.get("/api/events", params={"q": "Mossoul"}).json()["events"] == []
    assert client.get("/api/events", params={"bbox": "44,30,46,32"}).json()["total"] == 1
    # review needs the SQLite tables: a PostgreSQL store is served read-only
    assert client.post("/api/review/d1-1", json={"action": "accept"}).status_code == 403


# -- incidents: SQLite's semantics on PostgreSQL (mirrors tests/test_link_store.py) ------

def _linked(url, tmp_path, reports=None):
    """The same reports in a PostgreSQL and a SQLite store, both linked."""
    from dateline.link.relink import relink_store

    from .test_link import bag_of_words
    from .test_link_store import REPORTS, _add

    pg, lite = open_store(url), SQLiteStore(tmp_path / "lite.db")
    for s in (pg, lite):
        _add(s, REPORTS if reports is None else reports)
        relink_store(s, embedder=bag_of_words)
    return pg, lite


def _relink(s, **kw):
    from dateline.link.relink import relink_store

    from .test_link import bag_of_words

    return relink_store(s, embedder=bag_of_words, **kw)


def _grouping(s) -> list[list[str]]:
    return sorted(i["event_ids"] for i in s.list_incidents())


def test_canonical_incidents_read_exactly_as_on_sqlite(url, tmp_path):
    from .test_link_store import REPORTS

    undated = [("u", "AFP", 9, 36.34, 43.13, None, "gunmen attacked a checkpoint in Mosul")]
    pg, lite = _linked(url, tmp_path, REPORTS + undated)
    with pg, lite:
        pg.db.execute("UPDATE incidents SET event_date = NULL WHERE incident_id = 'inc-u-1'")
        lite.db.execute("UPDATE incidents SET event_date = NULL WHERE incident_id = 'inc-u-1'")
        inc = pg.get_incident("inc-a-1")
        assert inc["event_ids"] == ["a-1", "b-1", "c-1"] and inc["n_independent_non_partisan"] == 2
        assert inc["canonical"]["fatalities_range"] == {"min": 2, "max": 5}
        assert list(inc["canonical"]) == list(lite.get_incident("inc-a-1")["canonical"])  # field order kept
        assert [c["field"] for c in inc["conflicts"]] == ["fatalities"]
        for where in (None, {"min_reports": 2}, {"country": "Iraq", "min_independent": 3},
                      {"event_type": "Explosions/Remote violence", "date_from": "2024-05-09", "date_to": "2024-05-19"},
                      {"date_from": date(2024, 5, 10)}):
            assert pg.list_incidents(where=where) == lite.list_incidents(where=where), where
            assert pg.count_incidents(where=where) == lite.count_incidents(where=where), where
        assert [i["incident_id"] for i in pg.list_incidents()][-1] == "inc-u-1"  # undated last, as SQLite
        assert pg.list_incidents(limit=1, offset=1) == lite.list_incidents(limit=1, offset=1)
        for event_id in ("b-1", "d-1", "nope"):
            assert pg.incident_of_event(event_id) == lite.incident_of_event(event_id)
            assert pg.incident_for_event(event_id) == lite.incident_for_event(event_id)
        assert pg.get_incident("nope") is None
        assert list(pg.iter_link_records()) == list(lite.iter_link_records())
        assert list(pg.iter_link_records(["d-1", "a-1"])) == list(lite.iter_link_records(["d-1", "a-1"]))
        with pytest.raises(ValueError):
            pg.list_incidents(where={"date_from": "May"})


def test_split_merge_undo_round_trip_on_postgis(url, tmp_path):
    pg, lite = _linked(url, tmp_path)
    with pg, lite:
        for s in (pg, lite):
            assert s.split_event("b-1", actor="ana", reason="Press TV describes another blast") == "inc-b-1"
            assert s.merge_incidents(["inc-a-1", "inc-d-1"], actor="ben", reason="same report chain") == "inc-a-1"
        assert pg.get_incident("inc-a-1") == lite.get_incident("inc-a-1")
        assert pg.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1", "d-1"]
        assert pg.link_constraints() == lite.link_constraints()
        log = pg.link_actions()
        strip = [{k: v for k, v in a.items() if k != "at"} for a in log]
        assert strip == [{k: v for k, v in a.items() if k != "at"} for a in lite.link_actions()]
        assert isinstance(log[0]["at"], str) and log[0]["at"].endswith("+00:00")
        assert log[0]["before"] == {"inc-a-1": ["a-1", "b-1", "c-1"]}
        assert [a["action_id"] for a in pg.link_actions("inc-d-1")] == [log[1]["action_id"]]
        for s in (pg, lite):  # the same ids on both: undo the merge, then the split
            with pytest.raises(StoreError, match="undo the later change first"):
                s.undo_link_action(log[0]["action_id"], actor="ana")
            for action in reversed(log):
                s.undo_link_action(action["action_id"], actor="ana")
        assert pg.get_incident("inc-a-1")["event_ids"] == ["a-1", "b-1", "c-1"]
        assert pg.list_incidents() == lite.list_incidents()
        assert pg.link_constraints() == (set(), set())
        assert [a["action"] for a in pg.link_actions()] == ["split", "merge", "undo", "undo"]
        with pytest.raises(StoreError, match="already undone"):
            pg.undo_link_action(log[0]["action_id"], actor="ana")
        with pytest.raises(StoreError, match="no link action"):
            pg.undo_link_action(999, actor="ana")


def test_bad_actions_are_refused_and_leave_nothing(url, tmp_path):
    pg, lite = _linked(url, tmp_path)
    with pg, lite:
        refused = {"at least two": lambda: pg.merge_incidents(["inc-a-1"], actor="ana"),
                   "no incident inc-zzz": lambda: pg.merge_incidents(["inc-a-1", "inc-zzz"], actor="ana"),
                   "already alone": lambda: pg.split_event("d-1", actor="ana"),
                   "in no incident": lambda: pg.split_event("nope-1", actor="ana"),
                   "needs an actor": lambda: pg.split_event("b-1", actor="")}
        for message, action in refused.items():
            with pytest.raises(StoreError, match=message):
                action()
        assert pg.link_actions() == [] and pg.link_constraints() == (set(), set())
        assert pg.list_incidents() == lite.list_incidents()


def test_analyst_decisions_survive_a_relink_with_new_documents_on_postgis(url, tmp_path):
    from .test_link_store import _add

    pg, lite = _linked(url, tmp_path)
    with pg, lite:
        for s in (pg, lite):
            s.split_event("b-1", actor="ana")
            s.merge_incidents(["inc-a-1", "inc-d-1"], actor="ana")
            _add(s, [("e", "BBC", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two")])
            _relink(s)
        assert pg.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1", "d-1"]
        assert pg.get_incident("inc-b-1")["event_ids"] == ["b-1", "e-1"]
        assert pg.list_incidents() == lite.list_incidents()


def test_incremental_relink_on_postgis(url, tmp_path):
    from .test_link_store import REPORTS, _add

    far = [("f", "AFP", 28, 36.34, 43.13, None, "gunmen attacked a checkpoint in Mosul")]
    more = [("e", "BBC", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two"),
            ("g", "Wire", 20, 33.30, 44.40, None, "protesters gathered in Baghdad")]
    pg, lite = _linked(url, tmp_path, REPORTS + far)
    with pg, lite:
        untouched = pg.db.execute("SELECT xmin::text AS x FROM incidents WHERE incident_id = 'inc-f-1'").fetchone()
        assert _relink(pg, incremental=True) == ([], 0)  # nothing new
        for s in (pg, lite):
            _add(s, more)
        scope = pg.link_scope(31)
        assert scope == lite.link_scope(31) and "e-1" in scope and "f-1" in scope
        pg.db.execute("UPDATE events SET event_date = '2024-07-28' WHERE event_id = 'f-1'")
        assert "f-1" not in pg.link_scope(31)  # two months away: left as it is
        regrouped, _ = _relink(pg, incremental=True)
        assert sorted(i["incident_id"] for i in regrouped) == ["inc-a-1", "inc-d-1"]
        assert pg.get_incident("inc-a-1")["event_ids"] == ["a-1", "b-1", "c-1", "e-1"]
        assert pg.db.execute("SELECT xmin::text AS x FROM incidents WHERE incident_id = 'inc-f-1'").fetchone() == untouched
        assert pg.link_scope(31) == set()
        incremental = _grouping(pg)
        _relink(pg)
        assert _grouping(pg) == incremental
        # a replaced document rebuilds the incident it left
        pg.db.execute("DELETE FROM documents WHERE id = 'b'")
        _relink(pg, incremental=True)
        assert pg.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1", "e-1"]
        assert pg.get_incident("inc-a-1")["n_reports"] == 3


def test_store_at_001_and_004_upgrades_in_place(url):
    """A PostgreSQL store made before 002 keeps its incidents and gains the new columns."""
    import psycopg

    from dateline.store import postgis

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
        for name, sql in postgis.MIGRATIONS:
            if name != "002_link_canonical":
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (%s, now())", (name,))
        con.execute("INSERT INTO incidents VALUES ('inc-1', 1, 1, 1, '[]', now())")
    with open_store(url, read_only=True) as s:  # the web UI reads without migrating
        assert s.get_incident("inc-1")["canonical"] == {} and s.get_incident("inc-1")["confidence"] is None
    with open_store(url) as s:
        names = sorted(r["name"] for r in s.db.execute("SELECT name FROM schema_migrations"))
        assert names == ["001_initial", "002_link_canonical", "004_field_attribution"]
        assert s.get_incident("inc-1") == {"incident_id": "inc-1", "event_ids": [], "n_reports": 1, "n_outlets": 1,
                                           "n_independent": 1, "n_independent_non_partisan": None,
                                           "confidence": None, "conflicts": [], "canonical": {}, "reports": []}
        assert s.link_actions() == [] and s.link_constraints() == (set(), set())


def test_incidents_cli_and_pages_on_postgis(url, tmp_path):
    from fastapi.testclient import TestClient

    from dateline.web.app import create_app

    pg, lite = _linked(url, tmp_path)
    pg.close()
    lite.close()
    r = runner.invoke(app, ["incidents", "split", "b-1", "--db", url, "--actor", "ana", "--reason", "x"])
    assert r.exit_code == 0 and r.stdout.strip() == "inc-b-1", r.output
    action = json.loads(runner.invoke(app, ["incidents", "log", "--db", url]).stdout.splitlines()[0])
    assert action["action"] == "split" and action["actor"] == "ana"
    r = runner.invoke(app, ["incidents", "undo", str(action["action_id"]), "--db", url, "--actor", "ana"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["incidents", "show", "inc-a-1", "--db", url])
    assert json.loads(r.stdout)["event_ids"] == ["a-1", "b-1", "c-1"]
    r = runner.invoke(app, ["incidents", "merge", "inc-a-1", "--db", url])
    assert r.exit_code == 1 and "at least two" in r.output
    client = TestClient(create_app(url))
    page = client.get("/incidents/inc-a-1")
    assert page.status_code == 200 and "fatalities_range" in page.text
    assert "Read-only server" in page.text and "ana" in page.text  # the analyst log, no editing
    assert client.get("/api/incidents", params={"min_reports": 2}).json()["total"] == 1
