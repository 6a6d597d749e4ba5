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
