"""Store review layer: FTS5 kept in sync, grid clusters, daily counts, corrections with an audit log."""

from __future__ import annotations

from datetime import date

import pytest

from dateline.model import Document, Event
from dateline.store.review import cell_degrees, fts_query
from dateline.store.sqlite import SQLiteStore


def _event(doc: str, i: int, **kw) -> Event:
    base = dict(doc_id=doc, event_id=f"{doc}-{i}", event_type="Battles", sub_event_type="Armed clash")
    return Event(**(base | kw))


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "r.db") as s:
        s.write_batch([
            (Document(id="a", text="Des hommes armés ont attaqué Ménaka.", title="Ménaka"),
             [_event("a", 1, actor1="JNIM", location="Ménaka", latitude=15.9, longitude=2.4, fatalities=3,
                     event_date=date(2024, 5, 1))]),
            (Document(id="b", text="Rockets hit Erbil airport.", title=None),
             [_event("b", 1, event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
                     location="Erbil", latitude=36.19, longitude=44.01, event_date=date(2024, 5, 1)),
              _event("b", 2, location="Erbil", latitude=36.2, longitude=44.0, event_date=date(2024, 5, 2))]),
        ])
        yield s


def test_migration_003_is_recorded(store) -> None:
    names = [r[0] for r in store.db.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert "003_review_fts" in names
    assert store.has_review_schema()


def test_free_text_matches_document_text_and_fields_without_accents(store) -> None:
    assert store.count_events({"q": "menaka"}) == 1
    assert store.count_events({"q": "rocket airport"}) == 2  # document text, prefix match
    assert store.count_events({"q": "jnim"}) == 1  # actor
    assert store.count_events({"q": 'NEAR(" OR *'}) == 0  # operators are words here, and match nothing


def test_fts_follows_replaced_and_deleted_documents(store) -> None:
    store.write_batch([(Document(id="a", text="Calm day in Gao.", title=None), [_event("a", 1, location="Gao")])])
    assert store.count_events({"q": "menaka"}) == 0
    assert store.count_events({"q": "gao"}) == 1
    assert store.db.execute("SELECT COUNT(*) FROM event_fts").fetchone()[0] == 3
    store.db.execute("DELETE FROM documents WHERE id = 'b'")
    assert store.db.execute("SELECT COUNT(*) FROM event_fts").fetchone()[0] == 1


def test_fts_query_quotes_every_token() -> None:
    assert fts_query('al-Asad "NEAR"') == '"al"* "Asad"* "NEAR"*'
    assert fts_query("  *: ") is None


def test_bbox_actor_and_sort(store) -> None:
    assert [e.event_id for e in store.iter_events(where={"bbox": (40, 30, 50, 40)})] == ["b-1", "b-2"]
    assert [e.event_id for e in store.iter_events(where={"actor": "jni"})] == ["a-1"]
    assert [e.event_id for e in store.iter_events(sort="-fatalities")][0] == "a-1"
    with pytest.raises(ValueError):
        list(store.iter_events(sort="event_id; DROP TABLE events"))


def test_min_independent_uses_the_incident(store) -> None:
    store.replace_incidents([{"incident_id": "i1", "event_ids": ["b-1", "b-2"], "n_reports": 2, "n_outlets": 2,
                              "n_independent": 2}])
    assert store.count_events({"min_independent": 2}) == 2
    assert store.count_events({"min_independent": 3}) == 0
    assert store.incident_for_event("b-2")["event_ids"] == ["b-1", "b-2"]
    page = store.list_incidents(limit=10, offset=0)
    assert store.count_incidents() == 1 and page[0]["n_independent"] == 2


def test_clusters_group_near_events_and_keep_singles_linkable(store) -> None:
    cells = store.event_clusters({}, zoom=3)
    erbil = next(c for c in cells if c["n"] == 2)
    assert erbil["types"] == {"Explosions/Remote violence": 1, "Battles": 1} and erbil["event_id"] is None
    assert erbil["event_ids"] == ["b-1", "b-2"]
    single = next(c for c in cells if c["n"] == 1)
    assert (single["event_id"], single["fatalities"], single["location"]) == ("a-1", 3, "Ménaka")
    assert len(store.event_clusters({}, zoom=18)) == 3  # cells of a few metres split everything
    assert cell_degrees(0) == pytest.approx(90.0)


def test_daily_counts(store) -> None:
    assert store.daily_counts({}) == [
        {"date": "2024-05-01", "event_type": "Battles", "n": 1},
        {"date": "2024-05-01", "event_type": "Explosions/Remote violence", "n": 1},
        {"date": "2024-05-02", "event_type": "Battles", "n": 1},
    ]


def test_review_keeps_machine_output_and_logs_before_after(store) -> None:
    ev = store.get_event("a-1")
    store.record_review(ev, action="edit", who="ana", field="fatalities", value=4)
    store.record_review(ev, action="edit", who="bo", field="fatalities", value=5)
    store.record_review(ev, action="accept", who="bo")
    assert store.get_event("a-1").fatalities == 3  # machine row untouched
    state = store.review_state(ev)
    assert state == {"status": "accepted", "corrected": {"fatalities": 5}, "machine": {"fatalities": 3}}
    log = store.audit_entries("a-1")
    assert [(e["who"], e["field"], e["before"], e["after"]) for e in log] == [
        ("bo", None, "edited", "accepted"), ("bo", "fatalities", 4, 5), ("ana", "fatalities", 3, 4)]
    with pytest.raises(ValueError):
        store.record_review(ev, action="edit", who="x", field="doc_id", value="z")
