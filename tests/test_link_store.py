"""Incidents in the store: canonical rows, recorded merge/split/undo, constraints that
survive a re-link (store/incidents.py, link/relink.py, cli_incidents.py)."""

import json
import sqlite3
from datetime import date

import pytest
from typer.testing import CliRunner

from dateline.cli import app
from dateline.errors import StoreError
from dateline.link.relink import relink_store
from dateline.model import Attribution, Document, Event, Evidence
from dateline.store.sqlite import SQLiteStore
from tests.test_link import bag_of_words

#: (doc id, outlet, day, lat, lon, fatalities, wording)
REPORTS = [
    ("a", "Reuters", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two soldiers"),
    ("b", "Press TV", 9, 30.51, 47.79, 5, "a roadside bomb hit an army patrol in Basra killing five soldiers"),
    ("c", "AFP", 9, 30.50, 47.78, None, "a roadside bomb hit an army patrol in Basra"),
    ("d", "AFP", 20, 33.30, 44.40, None, "protesters gathered in Baghdad"),
]


def _store(tmp_path, reports=REPORTS) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "inc.db")
    _add(s, reports)
    relink_store(s, embedder=bag_of_words)
    return s


def _add(s: SQLiteStore, reports) -> None:
    batch = []
    for doc_id, outlet, day, lat, lon, fat, text in reports:
        doc = Document(id=doc_id, text=text, published=date(2024, 5, day), lang="en", outlet=outlet)
        ev = Event(doc_id=doc_id, event_id=f"{doc_id}-1", event_type="Explosions/Remote violence",
                   sub_event_type="Remote explosive/landmine/IED", event_date=date(2024, 5, day), time_precision=1,
                   latitude=lat, longitude=lon, geo_precision=1, country="Iraq", admin1="Basra", location="Basra",
                   fatalities=fat, outlet=outlet, attribution=Attribution(),
                   evidence=[Evidence(field="event", start=0, end=len(text), text=text)])
        batch.append((doc, [ev]))
    s.write_batch(batch)


def test_migration_is_recorded_and_canonical_rows_are_stored(tmp_path):
    with _store(tmp_path) as s:
        names = [r[0] for r in s.db.execute("SELECT name FROM schema_migrations ORDER BY name")]
        assert names[:2] == ["001_initial", "002_link_canonical"]
        inc = s.get_incident("inc-a-1")
        assert inc["event_ids"] == ["a-1", "b-1", "c-1"]
        assert (inc["n_reports"], inc["n_outlets"], inc["n_independent"]) == (3, 3, 3)
        assert inc["n_independent_non_partisan"] == 2  # Press TV is state-affiliated
        assert inc["canonical"]["fatalities"] == 2 and inc["canonical"]["fatalities_range"] == {"min": 2, "max": 5}
        assert {r["outlet"] for r in inc["reports"]} == {"Reuters", "Press TV", "AFP"}
        assert [c["field"] for c in inc["conflicts"]] == ["fatalities"]
        listed = s.list_incidents(where={"min_reports": 2})
        assert [i["incident_id"] for i in listed] == ["inc-a-1"]
        assert len(s.list_incidents(limit=1, offset=1)) == 1


def test_split_merge_undo_round_trip(tmp_path):
    with _store(tmp_path) as s:
        new = s.split_event("b-1", actor="ana", reason="Press TV describes another blast")
        assert new == "inc-b-1"
        assert s.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1"]
        assert s.get_incident("inc-b-1")["event_ids"] == ["b-1"]
        merged = s.merge_incidents(["inc-a-1", "inc-d-1"], actor="ben", reason="same report chain")
        assert merged == "inc-a-1" and s.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1", "d-1"]
        log = s.link_actions()
        assert [(a["action"], a["actor"]) for a in log] == [("split", "ana"), ("merge", "ben")]
        assert log[0]["before"] == {"inc-a-1": ["a-1", "b-1", "c-1"]}
        assert log[0]["after"] == {"inc-b-1": ["b-1"], "inc-a-1": ["a-1", "c-1"]}
        assert [a["action_id"] for a in s.link_actions("inc-d-1")] == [log[1]["action_id"]]
        with pytest.raises(StoreError):  # the split's incidents changed since: undo the merge first
            s.undo_link_action(log[0]["action_id"], actor="ana")
        s.undo_link_action(log[1]["action_id"], actor="ana")
        s.undo_link_action(log[0]["action_id"], actor="ana")
        assert s.get_incident("inc-a-1")["event_ids"] == ["a-1", "b-1", "c-1"]
        assert s.get_incident("inc-d-1")["event_ids"] == ["d-1"]
        assert s.link_constraints() == (set(), set())
        assert [a["action"] for a in s.link_actions()] == ["split", "merge", "undo", "undo"]
        with pytest.raises(StoreError):
            s.undo_link_action(log[0]["action_id"], actor="ana")


def test_analyst_decisions_survive_a_relink_with_new_documents(tmp_path):
    with _store(tmp_path) as s:
        s.split_event("b-1", actor="ana")
        s.merge_incidents(["inc-a-1", "inc-d-1"], actor="ana")
        _add(s, [("e", "BBC", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two")])
        relink_store(s, embedder=bag_of_words)
        # the merge holds as decided; the new report matches a and c but not d (another
        # day, 250 km away), so the whole-group check keeps it out of the decided group
        # and it joins b, which nothing keeps it from
        assert s.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1", "d-1"]
        assert s.get_incident("inc-b-1")["event_ids"] == ["b-1", "e-1"]


def test_new_reports_join_an_incident_after_a_split(tmp_path):
    with _store(tmp_path) as s:
        s.split_event("b-1", actor="ana")
        _add(s, [("e", "BBC", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two")])
        relink_store(s, embedder=bag_of_words)
        assert s.get_incident("inc-a-1")["event_ids"] == ["a-1", "c-1", "e-1"]
        assert s.get_incident("inc-b-1")["event_ids"] == ["b-1"]


def test_bad_actions_are_refused(tmp_path):
    with _store(tmp_path) as s:
        with pytest.raises(StoreError):
            s.merge_incidents(["inc-a-1"], actor="ana")
        with pytest.raises(StoreError):
            s.merge_incidents(["inc-a-1", "inc-zzz"], actor="ana")
        with pytest.raises(StoreError):
            s.split_event("d-1", actor="ana")  # alone already
        with pytest.raises(StoreError):
            s.split_event("b-1", actor="")
        assert s.link_actions() == []


def test_old_store_migrates(tmp_path):
    """A store made before 002 keeps its incidents and gains the new columns."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    from dateline.store.sqlite import _m001_initial

    _m001_initial(db)
    db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    db.execute("INSERT INTO schema_migrations VALUES ('001_initial', 'then')")
    db.execute("INSERT INTO incidents VALUES ('inc-1', 1, 1, 1, '[]', 'then')")
    db.commit()
    db.close()
    with SQLiteStore(path, read_only=True) as s:  # the web UI reads without migrating
        assert s.get_incident("inc-1")["canonical"] == {} and s.get_incident("inc-1")["confidence"] is None
    with SQLiteStore(path) as s:
        assert s.get_incident("inc-1")["canonical"] == {}


def test_incidents_cli(tmp_path):
    _store(tmp_path).close()
    db = str(tmp_path / "inc.db")
    runner = CliRunner()
    r = runner.invoke(app, ["incidents", "split", "b-1", "--db", db, "--actor", "ana", "--reason", "x"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "inc-b-1"
    r = runner.invoke(app, ["incidents", "log", "--db", db])
    action = json.loads(r.stdout.splitlines()[0])
    assert action["action"] == "split" and action["actor"] == "ana"
    r = runner.invoke(app, ["incidents", "undo", str(action["action_id"]), "--db", db, "--actor", "ana"])
    assert r.exit_code == 0
    r = runner.invoke(app, ["incidents", "show", "inc-a-1", "--db", db])
    assert json.loads(r.stdout)["event_ids"] == ["a-1", "b-1", "c-1"]
    r = runner.invoke(app, ["incidents", "merge", "inc-a-1", "--db", db])
    assert r.exit_code == 1 and "at least two" in r.output


def test_relink_works_on_a_backend_without_analyst_decisions(tmp_path):
    """A backend with only events and replace_incidents (no constraints, no link_scope) links by the rules."""
    with _store(tmp_path) as s:
        class Minimal:
            iter_events = s.iter_events
            written: list = []

            def replace_incidents(self, incidents):
                self.written = list(incidents)
                return len(self.written)

        m = Minimal()
        incidents, _ = relink_store(m, embedder=bag_of_words)
        assert [i["event_ids"] for i in m.written] == [i["event_ids"] for i in incidents]
        assert ["a-1", "b-1", "c-1"] in [i["event_ids"] for i in incidents]


def _grouping(s: SQLiteStore) -> list[list[str]]:
    return sorted(i["event_ids"] for i in s.list_incidents())


def test_incremental_relink_regroups_only_the_new_events_neighbourhood(tmp_path):
    far = [("f", "AFP", 28, 36.34, 43.13, None, "gunmen attacked a checkpoint in Mosul")]
    with _store(tmp_path, REPORTS + far) as s:
        untouched = s.db.execute("SELECT created_at, rowid FROM incidents WHERE incident_id = 'inc-f-1'").fetchone()
        assert relink_store(s, embedder=bag_of_words, incremental=True) == ([], 0)  # nothing new
        _add(s, [("e", "BBC", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two")])
        scope = s.link_scope(31)
        assert "e-1" in scope and {"a-1", "b-1", "c-1", "d-1"} <= scope and "f-1" in scope  # 19 days apart
        s.db.execute("UPDATE events SET event_date = '2024-07-28' WHERE event_id = 'f-1'")
        assert "f-1" not in s.link_scope(31)  # two months away: left as it is
        regrouped, _ = relink_store(s, embedder=bag_of_words, incremental=True)
        assert sorted(i["incident_id"] for i in regrouped) == ["inc-a-1", "inc-d-1"]
        assert s.get_incident("inc-a-1")["event_ids"] == ["a-1", "b-1", "c-1", "e-1"]
        assert tuple(s.db.execute("SELECT created_at, rowid FROM incidents WHERE incident_id = 'inc-f-1'")
                     .fetchone()) == tuple(untouched)
        assert s.link_scope(31) == set()


def test_incremental_relink_agrees_with_a_full_relink(tmp_path):
    more = [("e", "BBC", 9, 30.50, 47.78, 2, "a roadside bomb hit an army patrol in Basra killing two"),
            ("g", "Wire", 20, 33.30, 44.40, None, "protesters gathered in Baghdad"),
            ("h", "AFP", 21, 33.30, 44.40, None, "protesters gathered in Baghdad")]
    with _store(tmp_path) as s:
        _add(s, more)
        relink_store(s, embedder=bag_of_words, incremental=True)
        incremental = _grouping(s)
        relink_store(s, embedder=bag_of_words)
        assert _grouping(s) == incremental


def test_a_replaced_document_rebuilds_the_incident_it_left(tmp_path):
    with _store(tmp_path) as s:
        s.db.execute("PRAGMA foreign_keys = ON")
        s.db.execute("DELETE FROM documents WHERE id = 'b'")  # what a re-ingest with new content does first
        assert s.get_incident("inc-a-1")["n_reports"] == 3
        relink_store(s, embedder=bag_of_words, incremental=True)
        inc = s.get_incident("inc-a-1")
        assert inc["event_ids"] == ["a-1", "c-1"] and inc["n_reports"] == 2
